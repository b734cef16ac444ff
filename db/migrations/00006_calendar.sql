-- The working-day calendar (package calendar): the State Council's notices
-- for years not built into the program, imported by an administrator
-- (`edubureau calendar import` or the calendar page). The built-in years
-- (calendar/data) are never stored here: a year is either built in or
-- imported. notice is the file exactly as given, in the holiday-cn JSON format.

-- +goose Up
CREATE TABLE calendar_notice (
    year        INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,      -- the file name, e.g. 2027.json
    notice      TEXT NOT NULL,      -- the JSON as given
    imported_at TIMESTAMP NOT NULL, -- UTC
    imported_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE calendar_notice;
