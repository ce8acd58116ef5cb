-- Live editing: every operation acknowledged to a live editor, committed before the ack.
-- revision is plan-wide (one sequencer per plan); base_version is the plan version the
-- operations apply on top of: once a later version exists they are folded into it, and only the
-- rows of the current version are replayed when a session opens (after a restart or a crash).
CREATE TABLE live_ops (
  id           INTEGER PRIMARY KEY,
  plan_id      INTEGER NOT NULL REFERENCES plan(id),
  field        TEXT NOT NULL,
  revision     INTEGER NOT NULL,
  base_version INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('text','set')),
  op           TEXT NOT NULL,              -- JSON: OT components, or {"value": …}
  author       TEXT NOT NULL,              -- "user:12" / "contact:3"
  author_name  TEXT NOT NULL DEFAULT '',
  client_id    TEXT NOT NULL DEFAULT '',
  client_seq   INTEGER NOT NULL DEFAULT 0,
  at           INTEGER NOT NULL,           -- unix seconds (injected clock)
  UNIQUE (plan_id, field, revision),
  UNIQUE (plan_id, revision)
);
CREATE INDEX live_ops_base ON live_ops(plan_id, base_version, revision);
