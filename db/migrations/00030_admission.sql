-- Admissions (package enrol): enrolment plans, catchment zones, the children
-- who apply for a place in primary 1 or junior 7, the lotteries of
-- oversubscribed private schools and multi-school zones, and the senior-high
-- placement (中考) with its published, immutable snapshots. The rules
-- themselves are the pure packages admission and catchment.
--
-- Portable SQL: dates TEXT, instants TIMESTAMP in UTC, ids BIGINT from
-- db.NewID(). The triggers that keep published lotteries and 中考 runs
-- immutable differ by dialect and are a Go migration (db/gomigrations.go,
-- version 31).

-- +goose Up

-- An enrolment plan (招生计划): what one school offers for one year's entry
-- into one grade (1 primary, 7 junior, 10 senior). Its rows are the places by
-- batch; a row naming a junior school is a 指标到校 quota for that school's
-- graduates. draft → approved → published (on the public portal).
CREATE TABLE admission_plan (
    id           BIGINT PRIMARY KEY,
    year         INTEGER NOT NULL,              -- the year of entry (autumn), e.g. 2026
    grade        SMALLINT NOT NULL,             -- 1, 7 or 10
    school_code  TEXT NOT NULL REFERENCES school (code),
    county_code  TEXT NOT NULL,                 -- the school's county, for scopes
    quality      BOOLEAN NOT NULL DEFAULT FALSE, -- a quality senior high (示范性高中): at least half its places go to junior schools as quotas
    classes      INTEGER NOT NULL DEFAULT 0,    -- 招生班数
    note         TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,                 -- draft | approved | published
    places       INTEGER NOT NULL,              -- the rows' places, summed
    quota_places INTEGER NOT NULL,              -- of which quotas to junior schools
    version      INTEGER NOT NULL,
    approved_at  TIMESTAMP,
    approved_by  TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (county_code, school_code, year, grade)
);
CREATE INDEX admission_plan_year ON admission_plan (year, grade, county_code, school_code);

CREATE TABLE admission_plan_row (
    plan_id     BIGINT NOT NULL REFERENCES admission_plan (id),
    seq         INTEGER NOT NULL,               -- order within the plan (1, 2, …)
    batch       INTEGER NOT NULL,
    junior_code TEXT NOT NULL DEFAULT '',       -- '' for a general row, else the junior school of a quota row
    places      INTEGER NOT NULL,
    min_score   DOUBLE PRECISION,               -- NULL: no minimum line
    PRIMARY KEY (plan_id, seq)
);

-- Catchment zones (划片): a GeoJSON geometry per zone and year's entry into
-- grade 1 or 7, naming one school or several (多校划片).
CREATE TABLE catchment_zone (
    id          BIGINT PRIMARY KEY,
    year        INTEGER NOT NULL,
    grade       SMALLINT NOT NULL,              -- 1 or 7
    code        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    county_code TEXT NOT NULL,                  -- the county of its (first) school
    geometry    TEXT NOT NULL,                  -- GeoJSON Polygon or MultiPolygon
    vertices    INTEGER NOT NULL,
    area_km2    DOUBLE PRECISION NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (year, grade, code)
);
CREATE INDEX catchment_zone_county ON catchment_zone (year, grade, county_code, code);

CREATE TABLE catchment_zone_school (
    zone_id     BIGINT NOT NULL REFERENCES catchment_zone (id),
    seq         INTEGER NOT NULL,
    school_code TEXT NOT NULL REFERENCES school (code),
    PRIMARY KEY (zone_id, seq),
    UNIQUE (zone_id, school_code)
);
CREATE INDEX catchment_zone_school_by_school ON catchment_zone_school (school_code);

-- Children applying for a place in grade 1 or 7 (新生入学登记). Name, ID
-- number, address and the geocoded point of the registered address are
-- personal data: encrypted (package pii), the ID number with a blind index.
-- The zone is where the point lies, set by the last assignment.
CREATE TABLE admission_applicant (
    id          BIGINT PRIMARY KEY,
    year        INTEGER NOT NULL,
    grade       SMALLINT NOT NULL,              -- 1 or 7
    county_code TEXT NOT NULL,                  -- the county of the registered address
    number      TEXT NOT NULL,                  -- application number, e.g. 2026-1-000123: what lotteries draw on
    name        TEXT NOT NULL,                  -- encrypted
    name_index  TEXT NOT NULL,                  -- blind index of the name
    id_number   TEXT NOT NULL,                  -- encrypted
    id_index    TEXT NOT NULL,                  -- blind index of the ID number
    address     TEXT NOT NULL DEFAULT '',       -- encrypted
    point       TEXT NOT NULL,                  -- encrypted "lng,lat" of the registered address
    prefs       TEXT NOT NULL DEFAULT '',       -- schools of a multi-school zone by preference, '|'-separated
    zone_id     BIGINT,                         -- the zone of the point at the last assignment; NULL when none
    zone_code   TEXT NOT NULL DEFAULT '',
    zone_state  TEXT NOT NULL DEFAULT 'pending', -- pending | assigned | uncovered | overlap
    version     INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (county_code, year, grade, id_index),
    UNIQUE (county_code, year, number)
);
CREATE INDEX admission_applicant_list ON admission_applicant (year, grade, county_code, number);
CREATE INDEX admission_applicant_zone ON admission_applicant (zone_id);

-- Lotteries (电脑随机录取): an oversubscribed private school's applications
-- (kind school) or a multi-school zone's children (kind zone). open → frozen
-- (the list and its SHA-256 fixed) → seeded (the seed announced, with its
-- time) → drawn (results recorded and public, never to change); or cancelled
-- before the draw.
CREATE TABLE admission_lottery (
    id             BIGINT PRIMARY KEY,
    year           INTEGER NOT NULL,
    grade          SMALLINT NOT NULL,
    kind           TEXT NOT NULL,               -- school | zone
    school_code    TEXT REFERENCES school (code), -- kind school
    zone_id        BIGINT REFERENCES catchment_zone (id), -- kind zone
    county_code    TEXT NOT NULL,
    title          TEXT NOT NULL,
    places         INTEGER NOT NULL,            -- kind school: its places; kind zone: the zone's, summed
    schools        TEXT NOT NULL DEFAULT '',    -- kind zone: "school:places|…", fixed when frozen
    state          TEXT NOT NULL,               -- open | frozen | seeded | drawn | cancelled
    entries        INTEGER NOT NULL DEFAULT 0,
    list_digest    TEXT NOT NULL DEFAULT '',    -- SHA-256 of the frozen ids (admission.ApplicantListDigest)
    frozen_at      TIMESTAMP,
    frozen_by      TEXT NOT NULL DEFAULT '',
    seed           TEXT NOT NULL DEFAULT '',
    seed_at        TIMESTAMP,
    seed_by        TEXT NOT NULL DEFAULT '',
    drawn_at       TIMESTAMP,
    drawn_by       TEXT NOT NULL DEFAULT '',
    results_digest TEXT NOT NULL DEFAULT '',    -- SHA-256 of the results file id,rank,admitted (and school)
    version        INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX admission_lottery_year ON admission_lottery (year, grade, county_code);

CREATE TABLE admission_lottery_entry (
    lottery_id   BIGINT NOT NULL REFERENCES admission_lottery (id),
    ticket       TEXT NOT NULL,                 -- the id the draw is on: the application number
    applicant_id BIGINT REFERENCES admission_applicant (id),
    prefs        TEXT NOT NULL DEFAULT '',      -- kind zone: the zone's schools by preference, '|'-separated
    added_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (lottery_id, ticket)
);

-- The draw, row by row in rank order: written once, in the draw's transaction.
CREATE TABLE admission_lottery_result (
    lottery_id  BIGINT NOT NULL REFERENCES admission_lottery (id),
    rank        INTEGER NOT NULL,
    ticket      TEXT NOT NULL,
    key_hex     TEXT NOT NULL,                  -- SHA-256(seed ‖ 0x00 ‖ ticket)
    admitted    BOOLEAN NOT NULL,
    school_code TEXT NOT NULL DEFAULT '',       -- kind zone: the school taken ('' on the waiting list)
    PRIMARY KEY (lottery_id, rank)
);

-- The senior-high placement (中考): one cohort per year as loaded from the
-- applicants file (the file mode's columns, plus id_no and name), the runs
-- (simulations, and publications), their per-student results and cut-offs,
-- and for each publication a snapshot: the run's inputs and outputs in one
-- gzip'd archive with its SHA-256, which the public lookup serves from memory.
CREATE TABLE zhongkao_cohort (
    year        INTEGER PRIMARY KEY,
    tiebreaks   TEXT NOT NULL DEFAULT '',       -- the tie-break columns in order, comma-separated
    batches     TEXT NOT NULL DEFAULT '',       -- the batches with choice columns, comma-separated
    students    INTEGER NOT NULL,
    source      TEXT NOT NULL,                  -- the file name
    sha256      TEXT NOT NULL,                  -- of the file as loaded
    loaded_at   TIMESTAMP NOT NULL,
    loaded_by   TEXT NOT NULL
);

CREATE TABLE zhongkao_student (
    id           BIGINT PRIMARY KEY,
    year         INTEGER NOT NULL,
    exam_no      TEXT NOT NULL,                 -- 准考证号
    line         INTEGER NOT NULL,              -- the row of the loaded file
    county_code  TEXT NOT NULL,                 -- the junior school's county (the jurisdiction's code when unknown)
    junior_code  TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',      -- encrypted
    id_number    TEXT NOT NULL,                 -- encrypted
    id_index     TEXT NOT NULL,
    suffix_index TEXT NOT NULL,                 -- blind index of the ID number's last six characters
    total        DOUBLE PRECISION NOT NULL,
    tiebreaks    TEXT NOT NULL DEFAULT '',      -- the tie-break scores in the cohort's order, comma-separated
    choices      TEXT NOT NULL DEFAULT '',      -- "1=S1|S2;2=S3|S4": the schools listed, batch by batch
    UNIQUE (county_code, year, exam_no)
);
CREATE INDEX zhongkao_student_year ON zhongkao_student (year, line);

CREATE TABLE zhongkao_run (
    id              BIGINT PRIMARY KEY,
    year            INTEGER NOT NULL,
    kind            TEXT NOT NULL,              -- simulation | published
    created_at      TIMESTAMP NOT NULL,
    created_by      TEXT NOT NULL,
    students        INTEGER NOT NULL,
    placed          INTEGER NOT NULL,
    plan_rows       INTEGER NOT NULL,
    places          INTEGER NOT NULL,
    tiebreaks       TEXT NOT NULL DEFAULT '',
    input_digest    TEXT NOT NULL,              -- SHA-256 of the plan and applicants files the run read
    result_digest   TEXT NOT NULL,              -- SHA-256 of its results and cut-offs files
    results_kept    BOOLEAN NOT NULL DEFAULT TRUE, -- an older simulation's per-student rows are dropped
    simulation_id   BIGINT,                     -- a publication: the simulation it confirmed
    snapshot_sha256 TEXT NOT NULL DEFAULT ''
);
CREATE INDEX zhongkao_run_year ON zhongkao_run (year, created_at);

CREATE TABLE zhongkao_result (
    run_id      BIGINT NOT NULL REFERENCES zhongkao_run (id),
    exam_no     TEXT NOT NULL,
    county_code TEXT NOT NULL,
    junior_code TEXT NOT NULL DEFAULT '',
    rank        INTEGER NOT NULL,
    total       DOUBLE PRECISION NOT NULL,
    batch       INTEGER NOT NULL DEFAULT 0,     -- 0: not placed
    school_code TEXT NOT NULL DEFAULT '',
    seat        TEXT NOT NULL DEFAULT '',       -- quota | general | ''
    PRIMARY KEY (run_id, exam_no)
);
CREATE INDEX zhongkao_result_school ON zhongkao_result (run_id, school_code, rank);
CREATE INDEX zhongkao_result_rank ON zhongkao_result (run_id, rank);

CREATE TABLE zhongkao_cutoff (
    run_id       BIGINT NOT NULL REFERENCES zhongkao_run (id),
    seq          INTEGER NOT NULL,              -- the plan row's position in the run
    batch        INTEGER NOT NULL,
    school_code  TEXT NOT NULL,
    junior_code  TEXT NOT NULL DEFAULT '',
    places       INTEGER NOT NULL,
    min_score    DOUBLE PRECISION,
    admitted     INTEGER NOT NULL,
    lowest_total DOUBLE PRECISION,              -- NULL when nobody was admitted
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE zhongkao_snapshot (
    id         BIGINT PRIMARY KEY,
    run_id     BIGINT NOT NULL UNIQUE REFERENCES zhongkao_run (id),
    year       INTEGER NOT NULL,
    sha256     TEXT NOT NULL UNIQUE,            -- of content
    size       BIGINT NOT NULL,
    content    BYTEA NOT NULL,                  -- gzip'd tar: snapshot.json, plan.csv, applicants.csv, lookup.csv, results.csv, cutoffs.csv
    created_at TIMESTAMP NOT NULL
);

-- The publication in force: one row, which every instance polls; serial only grows.
CREATE TABLE zhongkao_publication (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    serial       BIGINT NOT NULL,
    snapshot_id  BIGINT REFERENCES zhongkao_snapshot (id),
    sha256       TEXT NOT NULL DEFAULT '',
    year         INTEGER NOT NULL DEFAULT 0,
    published_at TIMESTAMP
);
INSERT INTO zhongkao_publication (id, serial, sha256, year) VALUES (1, 0, '', 0);

-- +goose Down
DROP TABLE zhongkao_publication;
DROP TABLE zhongkao_snapshot;
DROP TABLE zhongkao_cutoff;
DROP TABLE zhongkao_result;
DROP TABLE zhongkao_run;
DROP TABLE zhongkao_student;
DROP TABLE zhongkao_cohort;
DROP TABLE admission_lottery_result;
DROP TABLE admission_lottery_entry;
DROP TABLE admission_lottery;
DROP TABLE admission_applicant;
DROP TABLE catchment_zone_school;
DROP TABLE catchment_zone;
DROP TABLE admission_plan_row;
DROP TABLE admission_plan;
