-- The schema registry and the marketplace template (DESIGN §3).
--
-- Every class is a real table: objectId, createdAt and updatedAt (ISO-8601 text, which sorts
-- chronologically), `_rperm`/`_wperm` (the ACL's read and write lists as JSON arrays; NULL = public),
-- then one column per field. `_SCHEMA` describes each class in the shape `/schemas` answers with;
-- the engine compiles queries only from it. Constraints that must hold whatever the code does
-- (unique usernames, emails and SKUs, stock never negative) are the database's job.

CREATE TABLE "_SCHEMA" (
  "className" TEXT PRIMARY KEY,
  "schema" TEXT NOT NULL
);

CREATE TABLE "_User" (
  "objectId" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  "_rperm" TEXT,
  "_wperm" TEXT,
  "username" TEXT NOT NULL UNIQUE,
  -- Emails are unique whatever their case.
  "email" TEXT COLLATE NOCASE UNIQUE,
  "emailVerified" INTEGER,
  "role" TEXT NOT NULL DEFAULT 'buyer'
    CONSTRAINT role_must_be_buyer_artisan_or_admin CHECK ("role" IN ('buyer', 'artisan', 'admin')),
  "_hashed_password" TEXT
);

CREATE TABLE "_Session" (
  "objectId" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  "_rperm" TEXT,
  "_wperm" TEXT,
  "user" TEXT NOT NULL,
  "expiresAt" TEXT,
  "createdWith" TEXT,
  "installationId" TEXT
);
CREATE INDEX "_Session_user" ON "_Session" ("user");

CREATE TABLE "_Role" (
  "objectId" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  "_rperm" TEXT,
  "_wperm" TEXT,
  "name" TEXT NOT NULL UNIQUE
);

-- The `users` relation of `_Role`: which users hold a role (Parse's `_Join:users:_Role`).
CREATE TABLE "_Join:users:_Role" (
  "owningId" TEXT NOT NULL,
  "relatedId" TEXT NOT NULL,
  PRIMARY KEY ("owningId", "relatedId")
);
CREATE INDEX "_Join:users:_Role_related" ON "_Join:users:_Role" ("relatedId");

-- The `roles` relation of `_Role`: a role's child roles, whose holders inherit it.
CREATE TABLE "_Join:roles:_Role" (
  "owningId" TEXT NOT NULL,
  "relatedId" TEXT NOT NULL,
  PRIMARY KEY ("owningId", "relatedId")
);
CREATE INDEX "_Join:roles:_Role_related" ON "_Join:roles:_Role" ("relatedId");

CREATE TABLE "Artisan" (
  "objectId" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  "_rperm" TEXT,
  "_wperm" TEXT,
  "name" TEXT,
  "description" TEXT,
  -- One profile per artisan account.
  "user" TEXT UNIQUE
);

CREATE TABLE "Product" (
  "objectId" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  "_rperm" TEXT,
  "_wperm" TEXT,
  "title" TEXT,
  "description" TEXT,
  "sku" TEXT UNIQUE
    CONSTRAINT sku_must_not_be_empty CHECK ("sku" IS NULL OR length(trim("sku")) > 0),
  "price" NUMERIC
    CONSTRAINT price_must_be_positive CHECK ("price" IS NULL OR "price" > 0),
  -- Handicrafts are mostly one of a kind. No code path can oversell: the database refuses it.
  "stock" NUMERIC NOT NULL DEFAULT 1
    CONSTRAINT stock_must_be_a_non_negative_integer CHECK ("stock" >= 0 AND "stock" = CAST("stock" AS INTEGER)),
  "owner" TEXT,
  "images" TEXT,
  "tags" TEXT
);
CREATE INDEX "Product_owner" ON "Product" ("owner");
CREATE INDEX "Product_price" ON "Product" ("price");
CREATE INDEX "Product_createdAt" ON "Product" ("createdAt");

CREATE TABLE "Order" (
  "objectId" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  "_rperm" TEXT,
  "_wperm" TEXT,
  "buyer" TEXT,
  "artisan" TEXT,
  "items" TEXT,
  "products" TEXT,
  "totalAmount" NUMERIC,
  "status" TEXT NOT NULL DEFAULT 'pending'
    CONSTRAINT status_must_be_a_known_state
    CHECK ("status" IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
  "checkoutId" TEXT
);
CREATE INDEX "Order_buyer" ON "Order" ("buyer", "createdAt");
CREATE INDEX "Order_artisan" ON "Order" ("artisan", "createdAt");

CREATE TABLE "AccessLog" (
  "objectId" TEXT PRIMARY KEY,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL,
  "_rperm" TEXT,
  "_wperm" TEXT,
  "user" TEXT,
  "product" TEXT,
  "accessTime" TEXT
);
CREATE INDEX "AccessLog_product" ON "AccessLog" ("product", "accessTime");
CREATE INDEX "AccessLog_user" ON "AccessLog" ("user", "accessTime");

INSERT INTO "_SCHEMA" ("className", "schema") VALUES
('_User', '{"fields":{"username":{"type":"String"},"email":{"type":"String"},"emailVerified":{"type":"Boolean"},"role":{"type":"String"}},"classLevelPermissions":{"find":{"*":true},"count":{"*":true},"get":{"*":true},"create":{"*":true},"update":{"*":true},"delete":{"*":true},"addField":{},"protectedFields":{"*":["email"]}},"indexes":{"username_1":{"username":1},"email_1":{"email":1}}}'),
('_Session', '{"fields":{"user":{"type":"Pointer","targetClass":"_User"},"expiresAt":{"type":"Date"},"createdWith":{"type":"Object"},"installationId":{"type":"String"}},"classLevelPermissions":{"find":{"*":true},"count":{"*":true},"get":{"*":true},"create":{},"update":{},"delete":{"*":true},"addField":{},"protectedFields":{"*":[]}},"indexes":{}}'),
('_Role', '{"fields":{"name":{"type":"String"},"users":{"type":"Relation","targetClass":"_User"},"roles":{"type":"Relation","targetClass":"_Role"}},"classLevelPermissions":{"find":{"*":true},"count":{"*":true},"get":{"*":true},"create":{},"update":{},"delete":{},"addField":{},"protectedFields":{"*":[]}},"indexes":{"name_1":{"name":1}}}'),
('Artisan', '{"fields":{"name":{"type":"String"},"description":{"type":"String"},"user":{"type":"Pointer","targetClass":"_User"}},"classLevelPermissions":{"find":{"*":true},"count":{"*":true},"get":{"*":true},"create":{"role:artisan":true},"update":{"requiresAuthentication":true},"delete":{"requiresAuthentication":true},"addField":{},"protectedFields":{"*":[]}},"indexes":{"user_1":{"user":1}}}'),
('Product', '{"fields":{"title":{"type":"String"},"description":{"type":"String"},"sku":{"type":"String"},"price":{"type":"Number"},"stock":{"type":"Number"},"owner":{"type":"Pointer","targetClass":"Artisan"},"images":{"type":"Array"},"tags":{"type":"Array"}},"classLevelPermissions":{"find":{"*":true},"count":{"*":true},"get":{"*":true},"create":{"role:artisan":true},"update":{"requiresAuthentication":true},"delete":{"requiresAuthentication":true},"addField":{},"protectedFields":{"*":[]}},"indexes":{"sku_1":{"sku":1},"owner_1":{"owner":1},"price_1":{"price":1},"createdAt_1":{"createdAt":1}}}'),
('Order', '{"fields":{"buyer":{"type":"Pointer","targetClass":"_User"},"artisan":{"type":"Pointer","targetClass":"Artisan"},"items":{"type":"Array"},"products":{"type":"Array"},"totalAmount":{"type":"Number"},"status":{"type":"String"},"checkoutId":{"type":"String"}},"classLevelPermissions":{"find":{"requiresAuthentication":true},"count":{"requiresAuthentication":true},"get":{"requiresAuthentication":true},"create":{"requiresAuthentication":true},"update":{"requiresAuthentication":true},"delete":{},"addField":{},"protectedFields":{"*":[]}},"indexes":{"buyer_1":{"buyer":1},"artisan_1":{"artisan":1}}}'),
('AccessLog', '{"fields":{"user":{"type":"Pointer","targetClass":"_User"},"product":{"type":"Pointer","targetClass":"Product"},"accessTime":{"type":"Date"}},"classLevelPermissions":{"find":{"requiresAuthentication":true},"count":{"requiresAuthentication":true},"get":{"requiresAuthentication":true},"create":{"requiresAuthentication":true},"update":{},"delete":{},"addField":{},"protectedFields":{"*":[]}},"indexes":{"product_1":{"product":1},"user_1":{"user":1}}}');

-- Aborts a batch (D1's only transaction) when the write before it touched no row:
-- `INSERT INTO "_Guard" SELECT 1 WHERE changes() = 0` inserts, and so fails, only then.
CREATE TABLE "_Guard" (
  "missing" INTEGER CONSTRAINT object_not_found CHECK ("missing" = 0)
);
