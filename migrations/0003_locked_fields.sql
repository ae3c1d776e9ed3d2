-- Aborts a batch when an update names a field the client may not change with a value other than
-- the stored one (an SDK that saves a whole object sends such fields back unchanged):
-- `INSERT INTO "_Guard" ("locked") SELECT 1 FROM <class> WHERE … AND NOT (<field> IS ?)`.
ALTER TABLE "_Guard" ADD COLUMN "locked" INTEGER CONSTRAINT field_locked CHECK ("locked" = 0);
