-- Aborts a write whose Add or AddUnique grew an Array field past the engine's cap
-- (`field_ops::MAX_ARRAY_LENGTH`): the statement after the update inserts a row here, which
-- this CHECK refuses, only when an array it grew is too long, so the whole batch rolls back.
CREATE TABLE "_ArrayGuard" (
  "tooLong" INTEGER CONSTRAINT array_too_long CHECK ("tooLong" = 0)
);
