-- Admins read every user (src/marketplace/admins.rs): sign-up now gives each new user the ACL
-- {<itself>: read and write, "role:admin": read}; users made before get the admins' read here.
-- A NULL `_rperm` is public already; a list that names role:admin is left as it is.
UPDATE "_User"
SET "_rperm" = json_insert("_rperm", '$[#]', 'role:admin')
WHERE "_rperm" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM json_each("_User"."_rperm") WHERE value = 'role:admin');
