-- Email outbox: every message is a row written in the same transaction as the event causing it.
-- idem_key (plan + kind + due date + recipient) makes queuing idempotent: INSERT OR IGNORE.
-- status: queued → sending → sent | retrying → … | failed. "sending" is committed before
-- MAIL FROM, handed_over_at just before the final "." of DATA, "sent" right after the server's
-- reply (see the exactly-once notes in web/mail/mail.h).
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  idem_key        TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  academy_id      INTEGER NOT NULL DEFAULT 0,
  plan_id         INTEGER NOT NULL DEFAULT 0,
  to_address      TEXT NOT NULL,
  to_name         TEXT NOT NULL DEFAULT '',
  data            TEXT NOT NULL,              -- compact JSON the templates render from
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued','sending','sent','retrying','failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,           -- unix seconds (injected clock)
  next_attempt_at INTEGER NOT NULL,           -- when queued/retrying rows become due
  sending_at      INTEGER NOT NULL DEFAULT 0,
  sending_owner   TEXT NOT NULL DEFAULT '',   -- "pid:<n>:<t>" of the process holding "sending"
  handed_over_at  INTEGER NOT NULL DEFAULT 0, -- the end of DATA is about to go to the server
  sent_at         INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  server_reply    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status IN ('queued','retrying');
CREATE INDEX outbox_status ON outbox(status, id);

-- One row per day the reminder evaluation has covered (written with that day's outbox rows):
-- the next run catches up from the last covered day.
CREATE TABLE reminder_day (
  day          TEXT PRIMARY KEY,
  evaluated_at INTEGER NOT NULL,
  queued       INTEGER NOT NULL
) WITHOUT ROWID;

-- Digest per academy reads its reviews by date range.
CREATE INDEX plan_academy_review ON plan(academy_id, review_date) WHERE review_date IS NOT NULL;
-- EHCP statutory deadlines hang off the annual review meeting date inside the version's values.
CREATE INDEX plan_version_meeting ON plan_version(json_extract(values_json, '$.meeting_date'))
  WHERE json_extract(values_json, '$.meeting_date') IS NOT NULL;
