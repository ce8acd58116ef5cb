-- A sign-in attempt is counted before its password is checked: its failure rows are written
-- first, tagged with the attempt, and withdrawn if the password was right.
ALTER TABLE login_failure ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
CREATE INDEX login_failure_attempt ON login_failure(attempt);
