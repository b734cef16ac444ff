-- Access: the schools assigned to inspectors, the TOTP second factor, and the
-- stage of a session (a session waiting for its second factor is no session).
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- +goose Up
-- totp_secret is sealed (AES-256-GCM, aad "app_user.totp_secret") when the
-- server has a key; totp_enabled turns true once a code has confirmed it;
-- totp_last_step is the last 30-second step accepted, so a code is used once.
ALTER TABLE app_user ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE app_user ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE app_user ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
CREATE INDEX app_user_role ON app_user (role, org_kind, org_code);

-- stage '' is a full session; 'totp' is the short-lived step between the
-- password and the one-time code, accepted by nothing but that step.
ALTER TABLE user_session ADD COLUMN stage TEXT NOT NULL DEFAULT '';

-- An inspector (督学) reaches the schools assigned to them.
CREATE TABLE user_school (
    user_id     BIGINT NOT NULL REFERENCES app_user (id),
    school_code TEXT NOT NULL REFERENCES school (code),
    PRIMARY KEY (user_id, school_code)
);
CREATE INDEX user_school_school ON user_school (school_code);

-- +goose Down
DROP TABLE user_school;
ALTER TABLE user_session DROP COLUMN stage;
DROP INDEX app_user_role;
ALTER TABLE app_user DROP COLUMN totp_last_step;
ALTER TABLE app_user DROP COLUMN totp_enabled;
ALTER TABLE app_user DROP COLUMN totp_secret;
