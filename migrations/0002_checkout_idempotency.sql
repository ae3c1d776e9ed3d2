-- Idempotency keys of checkouts, written in the same transaction as the orders they created, so
-- a retried checkout finds its first outcome even if the hub that ran it crashed after commit.
-- The key is `<buyer>:<X-Parse-Request-Id or Idempotency-Key>`; rows older than a day are purged.
CREATE TABLE "_Idempotency" (
  "key" TEXT PRIMARY KEY,
  "outcome" TEXT NOT NULL,
  "createdAt" TEXT NOT NULL
);
CREATE INDEX "_Idempotency_createdAt" ON "_Idempotency" ("createdAt");
