-- A contact's language (issue 16): the pages and emails they get are in it. A BCP 47 tag from the
-- server's list of languages (translations/LANGUAGES), checked by the engine; English until set.
ALTER TABLE contact ADD COLUMN language TEXT NOT NULL DEFAULT 'en-GB';
