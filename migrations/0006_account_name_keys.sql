-- Account names compare as a person reads them (`engine::account_names`): beside each username
-- and email, its key (trimmed, NFKC, lower case), unique, so `Ben`, `ben ` and `ｂｅｎ` clash with
-- `ben`. Rows written before this migration get SQLite's `lower(trim(...))`, the same key for
-- ASCII names; the server writes the full key on every later write of the name.
ALTER TABLE "_User" ADD COLUMN "_username_key" TEXT;
ALTER TABLE "_User" ADD COLUMN "_email_key" TEXT;
UPDATE "_User" SET "_username_key" = lower(trim("username")), "_email_key" = lower(trim("email"));
CREATE UNIQUE INDEX "_User_username_key" ON "_User" ("_username_key");
CREATE UNIQUE INDEX "_User_email_key" ON "_User" ("_email_key");
