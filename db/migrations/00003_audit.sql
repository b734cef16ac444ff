-- The audit log (package audit): every change, every view of unmasked
-- personal data, every denied request and every sign-in, in one hash chain.
-- The triggers that make these tables append-only differ by dialect and are
-- created by a Go migration (db/gomigrations.go).

-- +goose Up
-- seq runs 1, 2, 3, … without gaps; hash = SHA-256 over every other column
-- (canonical encoding, package audit), prev_hash = the hash of seq − 1.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMP NOT NULL,          -- UTC, microseconds
    user_id     BIGINT NOT NULL DEFAULT 0,   -- 0 when nobody is known (a failed sign-in with a wrong name)
    username    TEXT NOT NULL DEFAULT '',
    org_kind    TEXT NOT NULL DEFAULT '',
    org_code    TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,               -- e.g. auth.sign_in, school.update, student.view_pii
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'denied')),
    record_type TEXT NOT NULL DEFAULT '',
    record_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    changes     TEXT NOT NULL DEFAULT '',    -- JSON [{"field","before","after"}], personal fields masked
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (username, at);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- The end of the chain. Appends lock this one row (PostgreSQL: FOR UPDATE;
-- SQLite: write transactions are serialised), so seq has no gaps and no
-- two entries share a predecessor. A deleted last entry shows as a head
-- that points past the end of the log.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- One row per purge: the seq and hash of the last entry purged, from which
-- the chain is verified afterwards.
CREATE TABLE audit_anchor (
    seq           BIGINT PRIMARY KEY,
    hash          TEXT NOT NULL,
    purged_before TIMESTAMP NOT NULL,
    entries       BIGINT NOT NULL,
    purged_at     TIMESTAMP NOT NULL,
    purged_by     TEXT NOT NULL
);

-- +goose Down
DROP TABLE audit_anchor;
DROP TABLE audit_head;
DROP TABLE audit_log;
