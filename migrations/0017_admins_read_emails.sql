-- Admins read users' email addresses (src/marketplace/admins.rs): an admin answers a support
-- request or a dispute, and an email is how a marketplace reaches a user. `protectedFields`
-- takes the intersection over the caller's groups, so `"role:admin": []` beside `"*": ["email"]`
-- hides the email from everyone but its owner, admins and the master key.
UPDATE "_SCHEMA"
SET "schema" = json_set("schema", '$.classLevelPermissions.protectedFields."role:admin"', json('[]'))
WHERE "className" = '_User';
