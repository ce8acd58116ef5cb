-- Every request for a review of a plan in force (issue 14): who asked, when and why. The plan's
-- review_reason keeps only the latest; this keeps them all. seq numbers a plan's requests 1, 2,
-- ... (each request's emails are keyed by it, so every request is emailed).
CREATE TABLE plan_review_request (
  id          INTEGER PRIMARY KEY,
  plan_id     INTEGER NOT NULL REFERENCES plan(id),
  seq         INTEGER NOT NULL,
  at          TEXT NOT NULL,
  actor       TEXT NOT NULL,
  actor_name  TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  reason_text TEXT NOT NULL,
  UNIQUE (plan_id, seq)
);

-- Requests made before this table: the transitions that carried a review reason code (only
-- the review-asking transitions list reason codes), named as the staff account is now named.
INSERT INTO plan_review_request(plan_id, seq, at, actor, actor_name, reason_code, reason_text)
  SELECT t.plan_id,
         ROW_NUMBER() OVER (PARTITION BY t.plan_id ORDER BY t.id),
         t.at, t.actor,
         COALESCE((SELECT u.name FROM user u
                    WHERE t.actor LIKE 'user:%' AND u.id = CAST(substr(t.actor, 6) AS INTEGER)),
                  (SELECT c.name FROM contact c
                    WHERE t.actor LIKE 'contact:%' AND c.id = CAST(substr(t.actor, 9) AS INTEGER)),
                  ''),
         t.reason_code, t.reason_text
    FROM plan_transition t
   WHERE t.reason_code <> ''
   ORDER BY t.plan_id, t.id;
