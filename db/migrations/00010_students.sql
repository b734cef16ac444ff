-- The student status registry (学籍, package student): students, their
-- enrolments and immutable events, classes, guardians, transfers between
-- schools, year-end promotion runs, dropout follow-up and probable duplicates.
-- Portable SQL: dates are TEXT 'YYYY-MM-DD', instants TIMESTAMP in UTC, ids
-- BIGINT from db.NewID(). Migration 00011 (db/gomigrations_students.go) adds
-- what the two dialects say differently: the byte-order collation of
-- student.name_key on PostgreSQL and the triggers that keep events immutable.
--
-- Every table that grows with students carries school_code and county_code.
-- The keys that identify a child (the blind indexes of the ID number and of
-- the national student number, the one current enrolment, the one pending
-- transfer) are deliberately global: a child is one child in the whole
-- jurisdiction, whichever county holds the row.

-- +goose Up
CREATE TABLE student (
    id               BIGINT PRIMARY KEY,
    student_no       TEXT NOT NULL,              -- national student number (全国学籍号), encrypted (pii, aad student.student_no)
    student_no_index TEXT NOT NULL,              -- its blind index
    student_no_kind  TEXT NOT NULL,              -- G | J | L
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,              -- lower case, no inner spaces: prefix search (byte order, see 00011)
    gender           TEXT NOT NULL,              -- male | female
    birth_date       TEXT NOT NULL,
    id_type          TEXT NOT NULL,              -- idno.IDType
    id_number        TEXT NOT NULL,              -- encrypted (aad student.id_number)
    id_index         TEXT NOT NULL,              -- blind index of the whole number
    id_last4         TEXT NOT NULL,              -- blind index of its last 4 characters (16 hex digits)
    id_last6         TEXT NOT NULL,              -- blind index of its last 6 characters (16 hex digits)
    ethnicity        TEXT NOT NULL DEFAULT '',   -- GB 3304 two-digit code
    nationality      TEXT NOT NULL,              -- ISO 3166-1 alpha-3 (GB/T 2659), CHN
    hukou_area       TEXT NOT NULL DEFAULT '',   -- household registration (户籍), GB/T 2260 six digits
    address          TEXT NOT NULL DEFAULT '',   -- residential address, encrypted (aad student.address)
    township_code    TEXT NOT NULL DEFAULT '',   -- the address's township (9 digits)
    lng              DOUBLE PRECISION,
    lat              DOUBLE PRECISION,
    migrant          BOOLEAN NOT NULL DEFAULT FALSE,  -- 随迁子女
    left_behind      BOOLEAN NOT NULL DEFAULT FALSE,  -- 留守儿童
    special_needs    TEXT NOT NULL DEFAULT '',
    financial_aid    TEXT NOT NULL DEFAULT '',
    -- Where the student is now (or was last): kept by every event, with the
    -- enrolment rows below as the history. The constraint "one school at a
    -- time" lives on student_enrolment.
    status           TEXT NOT NULL,              -- enrolled | suspended | graduated | dropped_out | moved_away | deceased | merged
    school_code      TEXT NOT NULL REFERENCES school (code),
    county_code      TEXT NOT NULL,
    level            TEXT NOT NULL,              -- preschool | primary | junior | senior | vocational | special
    grade            SMALLINT NOT NULL,          -- -2..0 kindergarten K1..K3, 1..12
    class_id         BIGINT,
    absent_since     TEXT,                       -- long-term absence (长期缺课) since
    repeat_marked    BOOLEAN NOT NULL DEFAULT FALSE, -- stays in its grade at the next promotion
    merged_into      BIGINT,
    content_hash     TEXT NOT NULL DEFAULT '',   -- keyed hash of the recorded fields: re-importing the same row changes nothing
    version          INTEGER NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX student_id_index ON student (id_index);
CREATE UNIQUE INDEX student_no_index ON student (student_no_index);
-- Name-prefix search: whole jurisdiction, a county, a school; each in name
-- order. The status after the (unique) id orders nothing but lets "on the
-- roll" be filtered, and counted, from the index alone.
CREATE INDEX student_name ON student (name_key, id, status);
CREATE INDEX student_county_name ON student (county_code, name_key, id, status);
CREATE INDEX student_school_name ON student (school_code, name_key, id, status);
CREATE INDEX student_last4 ON student (id_last4);
CREATE INDEX student_last6 ON student (id_last6);
CREATE INDEX student_by_class ON student (class_id);
-- Dashboard counts by county, level and gender, read from the index alone.
CREATE INDEX student_counts ON student (county_code, level, gender, status);
CREATE INDEX student_merged ON student (merged_into) WHERE merged_into IS NOT NULL;

-- Classes per school and academic year.
CREATE TABLE student_class (
    id            BIGINT PRIMARY KEY,
    school_code   TEXT NOT NULL REFERENCES school (code),
    county_code   TEXT NOT NULL,
    academic_year TEXT NOT NULL,
    grade         SMALLINT NOT NULL,
    number        INTEGER NOT NULL,              -- 1 for 一班 …
    name          TEXT NOT NULL,
    head_teacher  TEXT NOT NULL DEFAULT '',
    size_limit    INTEGER NOT NULL DEFAULT 0,    -- 0: the default for the level (Rules.ClassLimits)
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (school_code, academic_year, grade, number)
);

-- Each stay at one school: from entry (enrol, transfer in, return) to exit.
-- A student has at most one current enrolment (left_on IS NULL): this partial
-- unique index is the rule "one school at a time", on both databases.
CREATE TABLE student_enrolment (
    id          BIGINT PRIMARY KEY,
    student_id  BIGINT NOT NULL REFERENCES student (id),
    school_code TEXT NOT NULL REFERENCES school (code),
    county_code TEXT NOT NULL,
    grade       SMALLINT NOT NULL,               -- at entry
    entry_kind  TEXT NOT NULL,                   -- enrol | transfer_in | reenrol
    entered_on  TEXT NOT NULL,
    exit_kind   TEXT,                            -- transfer_out | graduate | dropout | move_away | death | merge
    left_on     TEXT,
    transfer_id BIGINT
);
CREATE UNIQUE INDEX student_enrolment_current ON student_enrolment (student_id) WHERE left_on IS NULL;
CREATE INDEX student_enrolment_student ON student_enrolment (student_id, entered_on);
CREATE INDEX student_enrolment_school ON student_enrolment (school_code, entered_on);

-- Every event in a student's life, immutable (triggers in 00011): who, when, why.
CREATE TABLE student_event (
    id            BIGINT PRIMARY KEY,
    student_id    BIGINT NOT NULL REFERENCES student (id),
    school_code   TEXT NOT NULL,                 -- the school the event happened at
    county_code   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    effective_on  TEXT NOT NULL,
    academic_year TEXT NOT NULL,
    grade_before  SMALLINT,
    grade_after   SMALLINT,
    class_before  BIGINT,
    class_after   BIGINT,
    other_school  TEXT NOT NULL DEFAULT '',      -- the other side of a transfer
    reason        TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    ref_id        BIGINT,                        -- the transfer, promotion run or merge it belongs to
    recorded_at   TIMESTAMP NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_by_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX student_event_student ON student_event (student_id, id);
CREATE INDEX student_event_school ON student_event (school_code, kind, effective_on);
CREATE INDEX student_event_county ON student_event (county_code, kind, effective_on);

-- Guardians (监护人): name and phone encrypted; the phone blind-indexed.
CREATE TABLE student_guardian (
    id          BIGINT PRIMARY KEY,
    student_id  BIGINT NOT NULL REFERENCES student (id),
    school_code TEXT NOT NULL,
    county_code TEXT NOT NULL,
    seq         SMALLINT NOT NULL,
    name        TEXT NOT NULL,                   -- encrypted (aad student_guardian.name)
    relation    TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',        -- encrypted (aad student_guardian.phone)
    phone_index TEXT NOT NULL DEFAULT '',
    dup_key     TEXT NOT NULL DEFAULT '',        -- keyed hash of the student's name, birth date and this phone
    UNIQUE (student_id, seq)
);
CREATE INDEX student_guardian_phone ON student_guardian (phone_index);
CREATE INDEX student_guardian_dup ON student_guardian (dup_key, student_id);

-- Transfers between schools of the jurisdiction: the receiving school asks,
-- the sending school approves, and across counties both county bureaus too.
CREATE TABLE student_transfer (
    id              BIGINT PRIMARY KEY,
    student_id      BIGINT NOT NULL REFERENCES student (id),
    from_school     TEXT NOT NULL,
    from_county     TEXT NOT NULL,
    to_school       TEXT NOT NULL,
    to_county       TEXT NOT NULL,
    from_grade      SMALLINT NOT NULL,
    to_grade        SMALLINT NOT NULL,
    to_class        BIGINT,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL,               -- pending | completed | rejected | withdrawn
    cross_county    BOOLEAN NOT NULL,
    requested_at    TIMESTAMP NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_by_id BIGINT NOT NULL DEFAULT 0,
    school_at       TIMESTAMP,                   -- the sending school approved
    school_by       TEXT NOT NULL DEFAULT '',
    from_county_at  TIMESTAMP,                   -- the sending county bureau approved
    from_county_by  TEXT NOT NULL DEFAULT '',
    to_county_at    TIMESTAMP,                   -- the receiving county bureau approved
    to_county_by    TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMP,                   -- completed, rejected or withdrawn
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_step    TEXT NOT NULL DEFAULT '',    -- who rejected: school | from_county | to_county
    decision_note   TEXT NOT NULL DEFAULT '',    -- why it was rejected or withdrawn
    version         INTEGER NOT NULL
);
-- One transfer in progress per student: two concurrent requests, one wins.
CREATE UNIQUE INDEX student_transfer_pending ON student_transfer (student_id) WHERE status = 'pending';
CREATE INDEX student_transfer_student ON student_transfer (student_id, requested_at);
CREATE INDEX student_transfer_from ON student_transfer (from_school, status);
CREATE INDEX student_transfer_to ON student_transfer (to_school, status);
CREATE INDEX student_transfer_from_county ON student_transfer (from_county, status);
CREATE INDEX student_transfer_to_county ON student_transfer (to_county, status);

-- Year-end promotion runs, what each did to each student (for the undo),
-- and the classes they created.
CREATE TABLE student_promotion (
    id          BIGINT PRIMARY KEY,
    target_kind TEXT NOT NULL,                   -- school | county
    target_code TEXT NOT NULL,
    county_code TEXT NOT NULL,
    from_year   TEXT NOT NULL,
    to_year     TEXT NOT NULL,
    status      TEXT NOT NULL,                   -- done | undone
    promoted    INTEGER NOT NULL,
    graduated   INTEGER NOT NULL,
    repeating   INTEGER NOT NULL,
    run_at      TIMESTAMP NOT NULL,
    run_by      TEXT NOT NULL,
    undone_at   TIMESTAMP,
    undone_by   TEXT NOT NULL DEFAULT '',
    undo_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX student_promotion_county ON student_promotion (county_code, run_at);

-- A school is promoted at most once per academic year (until undone).
CREATE TABLE student_promotion_school (
    run_id      BIGINT NOT NULL REFERENCES student_promotion (id),
    school_code TEXT NOT NULL,
    county_code TEXT NOT NULL,
    from_year   TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, school_code)
);
CREATE UNIQUE INDEX student_promotion_school_once ON student_promotion_school (school_code, from_year) WHERE active;

CREATE TABLE student_promotion_item (
    run_id        BIGINT NOT NULL REFERENCES student_promotion (id),
    student_id    BIGINT NOT NULL REFERENCES student (id),
    school_code   TEXT NOT NULL,
    county_code   TEXT NOT NULL,
    action        TEXT NOT NULL,                 -- promote | graduate | repeat
    enrolment_id  BIGINT NOT NULL,
    grade_before  SMALLINT NOT NULL,
    class_before  BIGINT,
    level_before  TEXT NOT NULL,
    version_after INTEGER NOT NULL,              -- the student's version the run left: undo refuses if it moved on
    event_id      BIGINT NOT NULL,
    PRIMARY KEY (run_id, student_id)
);

CREATE TABLE student_promotion_class (
    run_id   BIGINT NOT NULL REFERENCES student_promotion (id),
    class_id BIGINT NOT NULL,
    PRIMARY KEY (run_id, class_id)
);

-- Dropout follow-up (控辍保学): one open case per student until they return.
CREATE TABLE student_followup (
    id          BIGINT PRIMARY KEY,
    student_id  BIGINT NOT NULL REFERENCES student (id),
    school_code TEXT NOT NULL,
    county_code TEXT NOT NULL,
    reason      TEXT NOT NULL,                   -- dropout | absence
    since       TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',        -- the dropout reason
    status      TEXT NOT NULL,                   -- open | closed
    outcome     TEXT NOT NULL DEFAULT '',        -- returned | moved_away | deceased | enrolled_elsewhere | over_age | other
    closed_on   TEXT,
    closed_by   TEXT NOT NULL DEFAULT '',
    close_note  TEXT NOT NULL DEFAULT '',
    opened_at   TIMESTAMP NOT NULL,
    opened_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX student_followup_open ON student_followup (student_id) WHERE status = 'open';
CREATE INDEX student_followup_county ON student_followup (county_code, status, since);
CREATE INDEX student_followup_school ON student_followup (school_code, status, since);
CREATE INDEX student_followup_student ON student_followup (student_id, since);

CREATE TABLE student_followup_action (
    id          BIGINT PRIMARY KEY,
    followup_id BIGINT NOT NULL REFERENCES student_followup (id),
    school_code TEXT NOT NULL,
    county_code TEXT NOT NULL,
    kind        TEXT NOT NULL,                   -- visit | call | letter | meeting | other
    done_on     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',        -- encrypted (aad student_followup_action.note)
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX student_followup_action_case ON student_followup_action (followup_id, done_on);

-- Probable duplicates (same name, birth date and a guardian's phone, different
-- ID numbers) waiting for review, and what the review decided.
CREATE TABLE student_duplicate (
    student_a   BIGINT NOT NULL REFERENCES student (id),  -- the smaller id
    student_b   BIGINT NOT NULL REFERENCES student (id),
    county_a    TEXT NOT NULL,
    county_b    TEXT NOT NULL,
    status      TEXT NOT NULL,                   -- open | not_duplicate | merged
    found_at    TIMESTAMP NOT NULL,
    kept_id     BIGINT,
    decided_at  TIMESTAMP,
    decided_by  TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (student_a, student_b)
);
CREATE INDEX student_duplicate_a ON student_duplicate (county_a, status);
CREATE INDEX student_duplicate_b ON student_duplicate (county_b, status);

-- +goose Down
DROP TABLE student_duplicate;
DROP TABLE student_followup_action;
DROP TABLE student_followup;
DROP TABLE student_promotion_class;
DROP TABLE student_promotion_item;
DROP TABLE student_promotion_school;
DROP TABLE student_promotion;
DROP TABLE student_transfer;
DROP TABLE student_guardian;
DROP TABLE student_event;
DROP TABLE student_enrolment;
DROP TABLE student_class;
DROP TABLE student;
