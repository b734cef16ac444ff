-- Casework, second part (package casework): links between cases, the annual
-- check of private schools (年检) run as a batch, the daily reminder digests,
-- and indexes for the litigation register and the disclosure report.
-- Portable SQL: dates TEXT 'YYYY-MM-DD', instants TIMESTAMP in UTC.

-- +goose Up
-- A case that refers to another: a litigation to the reconsideration it
-- follows (kind 'reconsideration'), a reconsideration or a litigation to the
-- disclosure request it is about ('disclosure'). Written in the transaction
-- that opens the referring case.
CREATE TABLE case_link (
    from_id BIGINT NOT NULL REFERENCES case_file (id),
    to_id   BIGINT NOT NULL REFERENCES case_file (id),
    kind    TEXT NOT NULL,
    PRIMARY KEY (from_id, kind, to_id)
);
CREATE INDEX case_link_to ON case_link (to_id, kind);

-- The annual check: one case per private school and year checked. The
-- primary key is what makes starting the year's check twice harmless: a
-- school that has its case is skipped. result and recheck follow the case's
-- steps (set in the step's transaction), so the batch page counts them
-- without reading every case's fields.
CREATE TABLE annual_check (
    year        INTEGER NOT NULL,          -- the year checked (年度)
    school_code TEXT NOT NULL,
    county_code TEXT NOT NULL,
    school_name TEXT NOT NULL,             -- as when the check started
    case_id     BIGINT NOT NULL UNIQUE REFERENCES case_file (id),
    result      TEXT NOT NULL DEFAULT '',  -- pass | basic_pass | fail, once the review concluded
    recheck     TEXT NOT NULL DEFAULT '',  -- pass | fail, after rectification
    PRIMARY KEY (year, school_code)
);
CREATE INDEX annual_check_county ON annual_check (year, county_code);

-- Each start of a year's check: who, when, for which area, with what result.
CREATE TABLE annual_check_start (
    id         BIGINT PRIMARY KEY,
    year       INTEGER NOT NULL,
    area       TEXT NOT NULL,              -- the area the starter reached ('' = the whole jurisdiction)
    report_due TEXT NOT NULL,              -- the last day for the schools' self-reports
    opened     INTEGER NOT NULL,           -- cases opened by this start
    existing   INTEGER NOT NULL,           -- schools that had their case already
    started_at TIMESTAMP NOT NULL,
    started_by TEXT NOT NULL
);
CREATE INDEX annual_check_start_year ON annual_check_start (year, started_at);

-- Reminders by e-mail: at most one digest per user and day (the primary key
-- is the claim; a failed send gives it back).
CREATE TABLE case_reminder_sent (
    user_id BIGINT NOT NULL,
    day     TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    cases   INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- Escalated open tasks, for the reminders (few rows: a partial index).
CREATE INDEX case_file_escalated ON case_file (section, handler_id) WHERE closed_on IS NULL AND escalated;
-- Cases of a type by the day received: the litigation register and the
-- disclosure report read them so.
CREATE INDEX case_file_type ON case_file (type, received_on);

-- +goose Down
DROP INDEX case_file_type;
DROP INDEX case_file_escalated;
DROP TABLE case_reminder_sent;
DROP TABLE annual_check_start;
DROP TABLE annual_check;
DROP TABLE case_link;
