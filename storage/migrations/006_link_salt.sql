-- A contact's signing link is derived from a per-request salt and the server's link key
-- (<home>/keys/link.key): a reminder or the "signed" email re-sends the same link, so every email
-- a parent received keeps working. The database alone never yields a link.
ALTER TABLE signature_request ADD COLUMN link_salt TEXT NOT NULL DEFAULT '';
