-- E-signatures: requests per signer slot and person on one plan version, signatures, sealed
-- documents, and the head of the audit chain (so deleting the newest events is detectable).
CREATE TABLE signature_request (
  id              INTEGER PRIMARY KEY,
  plan_id         INTEGER NOT NULL REFERENCES plan(id),
  version         INTEGER NOT NULL,
  content_hash    TEXT NOT NULL,
  slot            TEXT NOT NULL,
  slot_label      TEXT NOT NULL,
  slot_order      INTEGER NOT NULL DEFAULT 0,
  required        INTEGER NOT NULL,
  person_ref      TEXT NOT NULL,
  name            TEXT NOT NULL,
  email           TEXT NOT NULL,
  token_hash      TEXT,  -- SHA-256 hex of the link token; the token itself is never stored
  state           TEXT NOT NULL CHECK (state IN ('invited','opened','signed','declined','void','replaced')),
  state_reason    TEXT NOT NULL DEFAULT '',
  created_at      TEXT NOT NULL,
  expires_at      TEXT NOT NULL,
  opened_at       TEXT NOT NULL DEFAULT '',
  last_sent_at    TEXT NOT NULL DEFAULT '',
  sends           INTEGER NOT NULL DEFAULT 0,
  expiry_warned   INTEGER NOT NULL DEFAULT 0,
  code_required   INTEGER NOT NULL DEFAULT 0,
  code_hash       TEXT NOT NULL DEFAULT '',
  code_expires_at TEXT NOT NULL DEFAULT '',
  code_attempts   INTEGER NOT NULL DEFAULT 0,
  code_verified   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX signature_request_plan ON signature_request(plan_id, version);
CREATE UNIQUE INDEX signature_request_token ON signature_request(token_hash) WHERE token_hash IS NOT NULL;
CREATE INDEX signature_request_open ON signature_request(state) WHERE state IN ('invited','opened');

CREATE TABLE signature (
  id           INTEGER PRIMARY KEY,
  request_id   INTEGER NOT NULL UNIQUE REFERENCES signature_request(id),
  plan_id      INTEGER NOT NULL REFERENCES plan(id),
  version      INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  slot         TEXT NOT NULL,
  slot_label   TEXT NOT NULL,
  person_ref   TEXT NOT NULL,
  name         TEXT NOT NULL,
  email        TEXT NOT NULL,
  signed_at    TEXT NOT NULL,
  ip           TEXT NOT NULL,
  user_agent   TEXT NOT NULL,
  method       TEXT NOT NULL CHECK (method IN ('typed','drawn')),
  typed_name   TEXT NOT NULL,
  drawn_png    BLOB,
  consent_text TEXT NOT NULL,
  voided_at    TEXT NOT NULL DEFAULT '',
  void_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signature_plan ON signature(plan_id, version);

CREATE TABLE sealed_document (
  plan_id      INTEGER NOT NULL REFERENCES plan(id),
  version      INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  pdf_sha256   TEXT NOT NULL UNIQUE,
  path         TEXT NOT NULL,
  cert_sha256  TEXT NOT NULL,
  sealed_at    TEXT NOT NULL,
  PRIMARY KEY (plan_id, version)
) WITHOUT ROWID;

-- The newest event of the hash chain, advanced by a trigger on every append.
CREATE TABLE audit_head (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  last_id INTEGER NOT NULL,
  hash    TEXT NOT NULL,
  count   INTEGER NOT NULL
);
INSERT INTO audit_head(id, last_id, hash, count)
  SELECT 1, COALESCE(MAX(id), 0),
         COALESCE((SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1), ''), COUNT(*)
  FROM audit_event;
CREATE TRIGGER audit_head_advance AFTER INSERT ON audit_event BEGIN
  UPDATE audit_head SET last_id = NEW.id, hash = NEW.hash, count = count + 1 WHERE id = 1;
END;
