-- Server names are capped at 255 code points by the application (BuildRequest.NAME_MAX). H2
-- measures VARCHAR lengths in UTF-16 code units, where a character outside the Basic
-- Multilingual Plane (an emoji, for example) takes two, so the column needs room for 510.
-- PostgreSQL measures code points, so there the wider column changes nothing.
ALTER TABLE server ALTER COLUMN name SET DATA TYPE VARCHAR(510);
