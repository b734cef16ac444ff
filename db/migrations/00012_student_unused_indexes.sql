-- Indexes of the student registry that no query reads: events and
-- enrolments by school or county, guardians by phone. Every lookup of
-- these tables goes by student (their other indexes) or, for probable
-- duplicates, by the guardians' dup_key. Each cost every bulk load a sort
-- of millions of keys (the guardian phone's a 64-digit hash) and every
-- change an index write. A report that needs one adds it with its query.

-- +goose Up
DROP INDEX student_enrolment_school;
DROP INDEX student_event_school;
DROP INDEX student_event_county;
DROP INDEX student_guardian_phone;

-- +goose Down
CREATE INDEX student_enrolment_school ON student_enrolment (school_code, entered_on);
CREATE INDEX student_event_school ON student_event (school_code, kind, effective_on);
CREATE INDEX student_event_county ON student_event (county_code, kind, effective_on);
CREATE INDEX student_guardian_phone ON student_guardian (phone_index);
