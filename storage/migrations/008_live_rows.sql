-- Live editing of repeating tables: rows are added, removed and their cells set by operations of
-- their own ('row_add', 'row_remove', 'cell'). SQLite cannot change a CHECK constraint in place,
-- so the table is rebuilt with the wider set of kinds; rows and indexes are kept as they were.
CREATE TABLE live_ops_new (
  id           INTEGER PRIMARY KEY,
  plan_id      INTEGER NOT NULL REFERENCES plan(id),
  field        TEXT NOT NULL,
  revision     INTEGER NOT NULL,
  base_version INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('text','set','row_add','row_remove','cell')),
  op           TEXT NOT NULL,              -- JSON: OT components, {"value": …}, or the row operation
  author       TEXT NOT NULL,
  author_name  TEXT NOT NULL DEFAULT '',
  client_id    TEXT NOT NULL DEFAULT '',
  client_seq   INTEGER NOT NULL DEFAULT 0,
  at           INTEGER NOT NULL,
  UNIQUE (plan_id, field, revision),
  UNIQUE (plan_id, revision)
);
INSERT INTO live_ops_new SELECT id, plan_id, field, revision, base_version, kind, op, author, author_name,
                                client_id, client_seq, at FROM live_ops;
DROP TABLE live_ops;
ALTER TABLE live_ops_new RENAME TO live_ops;
CREATE INDEX live_ops_base ON live_ops(plan_id, base_version, revision);
