-- Casework (package casework): cases with legal deadlines, their steps and
-- their documents. Portable SQL: dates are TEXT 'YYYY-MM-DD', instants
-- TIMESTAMP in UTC, ids BIGINT from db.NewID().

-- +goose Up
-- The last number handed out per case type and year. Opening a case bumps the
-- row with an upsert inside the opening transaction (PostgreSQL locks the row
-- until commit; SQLite's writers are serial), so numbers have no gaps and no
-- duplicates: a rolled-back opening gives its number back.
CREATE TABLE case_counter (
    type     TEXT NOT NULL,
    year     INTEGER NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (type, year)
);

CREATE TABLE case_file (
    id                BIGINT PRIMARY KEY,
    type              TEXT NOT NULL,             -- casework.Type.Code, e.g. info_disclosure
    number            TEXT NOT NULL UNIQUE,      -- e.g. 衡教许〔2026〕12号
    year              INTEGER NOT NULL,          -- the year of received_on
    seq               BIGINT NOT NULL,
    state             TEXT NOT NULL,
    section           TEXT NOT NULL,             -- the section that owns the case (auth.Sections)
    handler_id        BIGINT NOT NULL DEFAULT 0, -- the user handling it ("my cases")
    handler           TEXT NOT NULL DEFAULT '',
    applicant_name    TEXT NOT NULL DEFAULT '',
    applicant_contact TEXT NOT NULL DEFAULT '',  -- plain text for now (not yet under pii encryption)
    subject           TEXT NOT NULL,
    school_code       TEXT,
    county_code       TEXT NOT NULL,             -- the area the case belongs to, for scopes
    received_on       TEXT NOT NULL,
    clock             TEXT NOT NULL DEFAULT '',  -- the period running in this state, '' when none
    due_on            TEXT,                      -- its last day; NULL when no period runs
    due_key           TEXT NOT NULL,             -- due_on, or '9999-12-31': one index orders by deadline on both databases
    due_provisional   BOOLEAN NOT NULL DEFAULT FALSE,
    extended          BOOLEAN NOT NULL DEFAULT FALSE,
    stopped_since     TEXT,                      -- a period's clock is stopped (supplement, hearing…) since
    escalated         BOOLEAN NOT NULL DEFAULT FALSE,
    late              BOOLEAN NOT NULL DEFAULT FALSE, -- a period of the bureau's ran out before its step
    closed_on         TEXT,
    fields            TEXT NOT NULL DEFAULT '{}', -- JSON: the case's named fields
    clocks            TEXT NOT NULL DEFAULT '{}', -- JSON: each period's start, stops and extension
    access_hash       TEXT NOT NULL,             -- argon2id of the code the applicant follows the case with
    version           INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (type, year, seq)
);
-- The work views ("my cases", a section's, due soon, overdue) read open
-- cases by deadline: each index serves one view in order, and carries the
-- scope columns (and closed_on, which SQLite needs to read the index alone)
-- so that a county's view and the count stay in the index.
CREATE INDEX case_file_mine ON case_file (handler_id, due_key, id, county_code, school_code, closed_on) WHERE closed_on IS NULL;
CREATE INDEX case_file_section ON case_file (section, due_key, id, county_code, school_code, closed_on) WHERE closed_on IS NULL;
CREATE INDEX case_file_due ON case_file (due_key, id, county_code, school_code, closed_on) WHERE closed_on IS NULL;
CREATE INDEX case_file_closed ON case_file (closed_on, type) WHERE closed_on IS NOT NULL;

-- Every step of every case: who, when (the legal date and the instant), why.
CREATE TABLE case_event (
    id         BIGINT PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES case_file (id),
    seq        INTEGER NOT NULL,                 -- 1 is the opening
    transition TEXT NOT NULL,                    -- 'open' for the opening
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    on_date    TEXT NOT NULL,                    -- the day the step legally happened
    at         TIMESTAMP NOT NULL,               -- when it was recorded
    by_id      BIGINT NOT NULL DEFAULT 0,
    by_name    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    fields     TEXT NOT NULL DEFAULT '{}',
    due_on     TEXT,                             -- the deadline after the step
    UNIQUE (case_id, seq)
);

-- Documents in the database, so a step and its papers commit together.
-- BYTEA is PostgreSQL's binary type; on SQLite the declared type gives
-- NUMERIC affinity, which stores a BLOB value unchanged.
CREATE TABLE case_document (
    id       BIGINT PRIMARY KEY,
    case_id  BIGINT NOT NULL REFERENCES case_file (id),
    event_id BIGINT,                             -- the step it came with; NULL when attached on its own
    kind     TEXT NOT NULL,
    name     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    size     BIGINT NOT NULL,
    content  BYTEA NOT NULL,
    added_at TIMESTAMP NOT NULL,
    added_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_document_case ON case_document (case_id, kind);

-- +goose Down
DROP TABLE case_document;
DROP TABLE case_event;
DROP TABLE case_file;
DROP TABLE case_counter;
