-- API tokens for machine clients (a school's own system, another agency).
-- A token acts either as a user (user_id set: that user's role, organisation
-- and scope, read at each use) or as an organisation (org_kind, org_code, role
-- and section set here). Only the SHA-256 of the token is kept: a copy of the
-- table gives no usable token. prefix ("ebt_" and 4 characters) is not secret;
-- it lets people tell tokens apart on the page.

-- +goose Up
CREATE TABLE api_token (
    id           BIGINT PRIMARY KEY,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the whole token
    prefix       TEXT NOT NULL,
    user_id      BIGINT REFERENCES app_user (id),
    org_kind     TEXT NOT NULL DEFAULT '',  -- city | county | school, when not tied to a user
    org_code     TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    section      TEXT NOT NULL DEFAULT '',
    read_only    BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at   TIMESTAMP NOT NULL,
    created_by   BIGINT NOT NULL REFERENCES app_user (id),
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    revoked_by   BIGINT REFERENCES app_user (id),
    last_used_at TIMESTAMP,
    last_used_ip TEXT NOT NULL DEFAULT '',
    use_count    BIGINT NOT NULL DEFAULT 0,
    CHECK (user_id IS NOT NULL OR (org_kind <> '' AND role <> ''))
);
CREATE INDEX api_token_user ON api_token (user_id);
CREATE INDEX api_token_created ON api_token (created_at);

-- +goose Down
DROP TABLE api_token;
