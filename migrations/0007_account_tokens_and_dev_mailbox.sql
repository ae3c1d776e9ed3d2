-- Email verification and password reset (`engine::account_tokens`). A token is mailed once and
-- stored only as its SHA-256, so a copy of the database cannot verify or reset anything; each
-- kind has one live token per user (a new request replaces it) and an expiry in Unix ms.
ALTER TABLE "_User" ADD COLUMN "_email_verify_token" TEXT;
ALTER TABLE "_User" ADD COLUMN "_email_verify_token_expires_at" INTEGER;
ALTER TABLE "_User" ADD COLUMN "_perishable_token" TEXT;
ALTER TABLE "_User" ADD COLUMN "_perishable_token_expires_at" INTEGER;
CREATE UNIQUE INDEX "_User_email_verify_token" ON "_User" ("_email_verify_token");
CREATE UNIQUE INDEX "_User_perishable_token" ON "_User" ("_perishable_token");

-- The dev mailbox (`MAIL_ADAPTER = "dev-outbox"`, which `make dev` and the tests select): every
-- message the server would have sent, listed at GET /parse/dev/outbox. Deployments send mail
-- and never write here.
CREATE TABLE "_DevMail" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "sentAt" TEXT NOT NULL,
  "to" TEXT NOT NULL,
  "subject" TEXT NOT NULL,
  "text" TEXT NOT NULL,
  "html" TEXT NOT NULL,
  "links" TEXT NOT NULL
);
