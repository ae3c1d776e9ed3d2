-- Parse files (issue 14): the bytes live in R2, keyed by the file's name; D1 keeps the registry
-- of what was uploaded and which objects reference what, so a file nothing references is known
-- and deleted (src/engine/files.rs says how each statement keeps them true).
--
-- One row per uploaded file. `pendingSince` is set at upload and cleared by the first write that
-- references the file: an upload nobody attached expires after FILE_UPLOAD_PENDING_MINUTES.
-- `deletedAt` is set, in the same transaction as the write that dropped the last reference (or
-- by the sweep of expired uploads), before the bucket's object is deleted; the row goes once the
-- bucket has deleted it, and a sweep retries the ones a failed delete left behind.
CREATE TABLE "_File" (
  "name" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  -- The uploader's objectId; NULL for the master key (or a public upload).
  "user" TEXT,
  "contentType" TEXT NOT NULL,
  "size" INTEGER NOT NULL,
  "pendingSince" TEXT,
  "deletedAt" TEXT
);
CREATE INDEX "_File_pending" ON "_File" ("pendingSince") WHERE "pendingSince" IS NOT NULL;
CREATE INDEX "_File_deleted" ON "_File" ("deletedAt") WHERE "deletedAt" IS NOT NULL;

-- Which field of which object references which file, derived from the stored value after every
-- write of a File, Array or Object field (a File anywhere inside counts), in the same batch.
CREATE TABLE "_FileRef" (
  "className" TEXT NOT NULL,
  "objectId" TEXT NOT NULL,
  "field" TEXT NOT NULL,
  "file" TEXT NOT NULL,
  PRIMARY KEY ("className", "objectId", "field", "file")
);
CREATE INDEX "_FileRef_file" ON "_FileRef" ("file");

-- Aborts a write that references a file this server does not hold (never uploaded, or deleted).
ALTER TABLE "_Guard" ADD COLUMN "fileMissing" INTEGER CONSTRAINT file_not_found CHECK ("fileMissing" = 0);

-- An artisan's photo.
ALTER TABLE "Artisan" ADD COLUMN "photo" TEXT;
UPDATE "_SCHEMA" SET "schema" = json_set("schema", '$.fields.photo', json('{"type":"File"}'))
  WHERE "className" = 'Artisan';

-- Product.images holds File values now. The URLs it held pointed at a host that does not exist;
-- a product keeps only the elements that are Files.
UPDATE "Product" SET "images" = (
  SELECT json_group_array(json("value")) FROM json_each("Product"."images")
  WHERE "type" = 'object' AND json_extract("value", '$.__type') = 'File'
) WHERE "images" IS NOT NULL AND json_valid("images");
