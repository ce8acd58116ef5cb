-- Plans, their immutable versions, the definitions they pinned, signer assignments and the
-- transitions they went through.
CREATE TABLE definition_snapshot (
  id      INTEGER PRIMARY KEY,
  kind    TEXT NOT NULL CHECK (kind IN ('form','workflow')),
  type    TEXT NOT NULL,
  version INTEGER NOT NULL,
  hash    TEXT NOT NULL,
  json    TEXT NOT NULL,
  UNIQUE (kind, hash)
);

CREATE TABLE plan (
  id                   INTEGER PRIMARY KEY,
  academy_id           INTEGER NOT NULL REFERENCES academy(id),
  pupil_id             INTEGER NOT NULL REFERENCES pupil(id),
  type                 TEXT NOT NULL,
  state                TEXT NOT NULL,
  owner_user_id        INTEGER NOT NULL REFERENCES user(id),
  form_snapshot_id     INTEGER NOT NULL REFERENCES definition_snapshot(id),
  workflow_snapshot_id INTEGER NOT NULL REFERENCES definition_snapshot(id),
  current_version      INTEGER NOT NULL,
  review_date          TEXT,
  reviews_plan_id      INTEGER REFERENCES plan(id),
  review_reason        TEXT NOT NULL DEFAULT '',
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  activated_at         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_academy_state ON plan(academy_id, state);
CREATE INDEX plan_pupil ON plan(pupil_id);
CREATE INDEX plan_review_date ON plan(review_date) WHERE review_date IS NOT NULL;
CREATE INDEX plan_reviews ON plan(reviews_plan_id) WHERE reviews_plan_id IS NOT NULL;

CREATE TABLE plan_version (
  plan_id      INTEGER NOT NULL REFERENCES plan(id),
  number       INTEGER NOT NULL,
  values_json  TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  author       TEXT NOT NULL,
  author_name  TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (plan_id, number)
) WITHOUT ROWID;

CREATE TABLE plan_signer (
  plan_id    INTEGER NOT NULL REFERENCES plan(id),
  slot       TEXT NOT NULL,
  person_ref TEXT NOT NULL,
  name       TEXT NOT NULL,
  PRIMARY KEY (plan_id, slot, person_ref)
) WITHOUT ROWID;

CREATE TABLE plan_transition (
  id          INTEGER PRIMARY KEY,
  plan_id     INTEGER NOT NULL REFERENCES plan(id),
  name        TEXT NOT NULL,
  from_state  TEXT NOT NULL,
  to_state    TEXT NOT NULL,
  actor       TEXT NOT NULL,
  at          TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  reason_text TEXT NOT NULL,
  version     INTEGER NOT NULL
);
CREATE INDEX plan_transition_plan ON plan_transition(plan_id, id);
