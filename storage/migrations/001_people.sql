-- Trust, academies, staff, pupils, contacts, sessions, login throttling and the audit log.
CREATE TABLE academy (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);

CREATE TABLE user (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  active        INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL
);

-- academy_id 0 with role trust_admin: every academy of the trust.
CREATE TABLE membership (
  user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  academy_id INTEGER NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('senco','staff','head','governor','trust_admin')),
  PRIMARY KEY (user_id, academy_id, role)
);
CREATE INDEX membership_academy ON membership(academy_id, role);

CREATE TABLE pupil (
  id             INTEGER PRIMARY KEY,
  academy_id     INTEGER NOT NULL REFERENCES academy(id),
  legal_name     TEXT NOT NULL,
  preferred_name TEXT NOT NULL DEFAULT '',
  date_of_birth  TEXT NOT NULL,
  year_group     TEXT NOT NULL,
  upn            TEXT NOT NULL DEFAULT '',
  active         INTEGER NOT NULL DEFAULT 1,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX pupil_academy ON pupil(academy_id, active, legal_name);

CREATE TABLE contact (
  id           INTEGER PRIMARY KEY,
  pupil_id     INTEGER NOT NULL REFERENCES pupil(id),
  name         TEXT NOT NULL,
  email        TEXT NOT NULL,
  relationship TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('parent_carer','health_professional','la_officer','other')),
  active       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX contact_pupil ON contact(pupil_id);

CREATE TABLE session (
  id_hash      TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  ip           TEXT NOT NULL,
  user_agent   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX session_user ON session(user_id);

CREATE TABLE login_failure (
  key TEXT NOT NULL,
  at  INTEGER NOT NULL
);
CREATE INDEX login_failure_key ON login_failure(key, at);

-- Append-only and hash-chained: hash = SHA-256(prev_hash || canonical content).
CREATE TABLE audit_event (
  id           INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,
  action       TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id   INTEGER NOT NULL,
  academy_id   INTEGER NOT NULL,
  detail       TEXT NOT NULL,
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_event(subject_type, subject_id);
CREATE INDEX audit_academy ON audit_event(academy_id, id);
