-- The platform: settings, the jurisdiction's areas, academic and fiscal years,
-- the school registry with its names and history, users and their sessions.
-- Portable subset of SQL: it runs unchanged on SQLite and PostgreSQL.
-- Dates are TEXT 'YYYY-MM-DD' (they sort and compare correctly on both);
-- instants are TIMESTAMP in UTC.

-- +goose Up
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- GB/T 2260 divisions: province (2 digits), city (4), county (6), township (9).
CREATE TABLE area (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       SMALLINT NOT NULL,
    parent_code TEXT REFERENCES area (code)
);
CREATE INDEX area_parent ON area (parent_code, code);

CREATE TABLE academic_year (
    code       TEXT PRIMARY KEY,          -- '2026-2027'
    starts_on  TEXT NOT NULL,             -- 1 September
    ends_on    TEXT NOT NULL,             -- 31 August
    is_current BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX academic_year_one_current ON academic_year (is_current) WHERE is_current;

CREATE TABLE fiscal_year (
    year       INTEGER PRIMARY KEY,       -- China's fiscal year is the calendar year
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    is_current BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX fiscal_year_one_current ON fiscal_year (is_current) WHERE is_current;

CREATE TABLE school (
    code               TEXT PRIMARY KEY,   -- 10-digit 学校标识码
    name               TEXT NOT NULL,
    name_en            TEXT NOT NULL DEFAULT '',
    type               TEXT NOT NULL,
    ownership          TEXT NOT NULL,      -- public | private
    county_code        TEXT NOT NULL REFERENCES area (code),
    township_code      TEXT REFERENCES area (code),
    address            TEXT NOT NULL DEFAULT '',
    lng                DOUBLE PRECISION,
    lat                DOUBLE PRECISION,
    status             TEXT NOT NULL,      -- preparing | active | suspended | closed
    opened_on          TEXT,
    closed_on          TEXT,
    headmaster         TEXT NOT NULL DEFAULT '',
    capacity           INTEGER NOT NULL DEFAULT 0,
    licence_no         TEXT,
    licence_issued_on  TEXT,
    licence_expires_on TEXT,
    search_text        TEXT NOT NULL,      -- lower-case name, English name, code, address, former names
    version            INTEGER NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX school_county ON school (county_code, code);
CREATE INDEX school_type ON school (type, county_code);
CREATE INDEX school_status ON school (status, county_code);
CREATE INDEX school_by_name ON school (name);

-- Every name a school has carried; the current one has valid_to NULL.
CREATE TABLE school_name (
    school_code TEXT NOT NULL REFERENCES school (code),
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (school_code, valid_from)
);

-- One row per version of a school: who changed what, and the record as it then was.
CREATE TABLE school_history (
    school_code TEXT NOT NULL REFERENCES school (code),
    version     INTEGER NOT NULL,
    action      TEXT NOT NULL,             -- create | update | rename | close | reopen
    changed_at  TIMESTAMP NOT NULL,
    changed_by  TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    changes     TEXT NOT NULL,             -- JSON [{"field","old","new"}]
    snapshot    TEXT NOT NULL,             -- JSON of the school after the change
    PRIMARY KEY (school_code, version)
);

-- Users belong to an organisation (the city bureau and its sections, a county
-- bureau, or a school); org_kind/org_code/section are there for the access model.
CREATE TABLE app_user (
    id                   BIGINT PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL,
    org_kind             TEXT NOT NULL DEFAULT 'city',
    org_code             TEXT NOT NULL DEFAULT '',
    section              TEXT NOT NULL DEFAULT '',
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

-- Sessions live in the database so they survive restarts and can be revoked.
-- id is the SHA-256 of the cookie's token: a stolen table gives no usable cookie.
CREATE TABLE user_session (
    id           TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES app_user (id),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   TIMESTAMP
);
CREATE INDEX user_session_user ON user_session (user_id);

-- +goose Down
DROP TABLE user_session;
DROP TABLE app_user;
DROP TABLE school_history;
DROP TABLE school_name;
DROP TABLE school;
DROP TABLE fiscal_year;
DROP TABLE academic_year;
DROP TABLE area;
DROP TABLE setting;
