-- The guardians' phone blind index (student_guardian.phone_index) was
-- written for every guardian and read by nothing: its index went in 00012,
-- guardians are found by their student, and probable duplicates by dup_key
-- (which has the phone in it). Its 64 hex digits were about a tenth of what
-- a bulk import writes per student.

-- +goose Up
ALTER TABLE student_guardian DROP COLUMN phone_index;

-- +goose Down
ALTER TABLE student_guardian ADD COLUMN phone_index TEXT NOT NULL DEFAULT '';
