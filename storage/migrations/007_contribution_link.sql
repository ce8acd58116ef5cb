-- A contact's link to contribute their sections of a draft plan (parents' views, professionals'
-- advice) before it is signed. As for signer links, only the salt and SHA-256 of the token are
-- stored: the token is HMAC(link key, salt), derived when an email is rendered.
CREATE TABLE contribution_link (
  id          INTEGER PRIMARY KEY,
  plan_id     INTEGER NOT NULL REFERENCES plan(id),
  contact_id  INTEGER NOT NULL REFERENCES contact(id),
  kind        TEXT NOT NULL,              -- the contact's kind: the role the form's sections name
  name        TEXT NOT NULL,
  email       TEXT NOT NULL,
  link_salt   TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  revoked_at  TEXT NOT NULL DEFAULT '',
  opened_at   TEXT NOT NULL DEFAULT '',
  sends       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contribution_link_plan ON contribution_link(plan_id);
