-- Users' e-mail addresses (package auth), for the casework reminders sent by
-- e-mail (`edubureau cases remind`). A work address, optional; '' = none.

-- +goose Up
ALTER TABLE app_user ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE app_user DROP COLUMN email;
