-- An unpaid order holds its stock until it lapses: `expiresAt` is set at checkout, and the
-- artisan's hub cancels pending orders past it (its alarm), which puts their stock back.
ALTER TABLE "Order" ADD COLUMN "expiresAt" TEXT;
CREATE INDEX "Order_pending_expiry" ON "Order" ("artisan", "expiresAt") WHERE "status" = 'pending';
UPDATE "_SCHEMA" SET "schema" = json_set("schema", '$.fields.expiresAt', json('{"type":"Date"}'))
  WHERE "className" = 'Order';

-- Aborts a checkout that would leave its buyer holding more unpaid items than the limit:
-- `INSERT INTO "_Guard" ("held") SELECT 1 WHERE <the buyer's pending quantity> > ?`.
ALTER TABLE "_Guard" ADD COLUMN "held" INTEGER CONSTRAINT unpaid_items_over_limit CHECK ("held" = 0);
