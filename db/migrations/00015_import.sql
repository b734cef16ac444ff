-- Import jobs (package importer): one row per import of a file, whoever ran it
-- and however (web page, API, command line), with the file's checksum, the
-- mode and the counts, so the import page can show the history. The rows
-- themselves go to their own tables in the import's one transaction; this
-- record is written before it starts and finished after it ends, so an
-- import that was killed shows as running from a process that is gone.

-- +goose Up
CREATE TABLE import_job (
    id          BIGINT PRIMARY KEY,
    kind        TEXT NOT NULL,              -- students | schools | …
    file_name   TEXT NOT NULL,
    file_size   BIGINT NOT NULL,
    checksum    TEXT NOT NULL DEFAULT '',   -- SHA-256 of the file, hex
    format      TEXT NOT NULL DEFAULT '',   -- "CSV UTF-8 (BOM)", "XLSX, 学生信息"
    mode        TEXT NOT NULL,              -- all_or_nothing | valid_only
    dry_run     BOOLEAN NOT NULL DEFAULT FALSE,
    via         TEXT NOT NULL,              -- web | api | cli
    status      TEXT NOT NULL,              -- running | done | partial | refused | checked | failed | cancelled
    rows_read   BIGINT NOT NULL DEFAULT 0,
    rows_blank  BIGINT NOT NULL DEFAULT 0,
    rows_valid  BIGINT NOT NULL DEFAULT 0,
    created     BIGINT NOT NULL DEFAULT 0,
    updated     BIGINT NOT NULL DEFAULT 0,
    unchanged   BIGINT NOT NULL DEFAULT 0,
    refused     BIGINT NOT NULL DEFAULT 0,
    warnings    BIGINT NOT NULL DEFAULT 0,
    problems    BIGINT NOT NULL DEFAULT 0,
    message_zh  TEXT NOT NULL DEFAULT '',   -- the first problem of the file as a whole, if any
    message_en  TEXT NOT NULL DEFAULT '',
    report      TEXT NOT NULL DEFAULT '',   -- the report's file in the import directory ('' for none)
    user_id     BIGINT,
    username    TEXT NOT NULL,
    area_code   TEXT NOT NULL DEFAULT '',   -- the importer's county (for who may see the job)
    school_code TEXT NOT NULL DEFAULT '',   -- the importer's school, or the school the file was for
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX import_job_by_kind ON import_job (kind, started_at);
CREATE INDEX import_job_by_user ON import_job (user_id, started_at);

-- +goose Down
DROP TABLE import_job;
