-- "uncertain": the whole message went to the mail server, and then the connection dropped or
-- sendflow stopped before the server's reply, so nobody knows whether it took the message. The
-- trust admin sees these rows and may send them again (same Message-ID). SQLite cannot change a
-- CHECK constraint in place: the table is rebuilt (columns and indexes as in 003_outbox.sql).
CREATE TABLE outbox_new (
  id              INTEGER PRIMARY KEY,
  idem_key        TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  academy_id      INTEGER NOT NULL DEFAULT 0,
  plan_id         INTEGER NOT NULL DEFAULT 0,
  to_address      TEXT NOT NULL,
  to_name         TEXT NOT NULL DEFAULT '',
  data            TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued','sending','sent','retrying','failed','uncertain')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  sending_at      INTEGER NOT NULL DEFAULT 0,
  sending_owner   TEXT NOT NULL DEFAULT '',
  handed_over_at  INTEGER NOT NULL DEFAULT 0,
  sent_at         INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  server_reply    TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_new(id, idem_key, kind, academy_id, plan_id, to_address, to_name, data, status,
                       attempts, created_at, next_attempt_at, sending_at, sending_owner,
                       handed_over_at, sent_at, last_error, server_reply)
  SELECT id, idem_key, kind, academy_id, plan_id, to_address, to_name, data, status, attempts,
         created_at, next_attempt_at, sending_at, sending_owner, handed_over_at, sent_at,
         last_error, server_reply FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status IN ('queued','retrying');
CREATE INDEX outbox_status ON outbox(status, id);

-- Rows an earlier version counted as sent without a reply are what this state is for.
UPDATE outbox SET status='uncertain', sent_at=0,
  last_error='sendflow stopped after handing the whole message to the mail server, before its '
             || 'reply: it may or may not have been delivered'
  WHERE status='sent' AND server_reply LIKE '(no reply recorded%';
