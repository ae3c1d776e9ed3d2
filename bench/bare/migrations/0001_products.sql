-- The shape of the product's Product table that the benchmark's queries touch, with the same
-- column types and the same two indexes, so /range and /d1/:id run the same plans as W1 and W2.
CREATE TABLE "products" (
  "objectId" TEXT PRIMARY KEY,
  "price" NUMERIC,
  "createdAt" TEXT NOT NULL
);
CREATE INDEX "products_price" ON "products" ("price");
CREATE INDEX "products_createdAt" ON "products" ("createdAt");
