package db

import "github.com/pressly/goose/v3"

// studentsVersion is the Go migration of the student registry (package
// student), after its tables (00010_students.sql):
//
//   - on PostgreSQL, student.name_key takes the byte-order collation "C", so
//     that a name-prefix search (name_key >= prefix AND name_key < successor)
//     is correct and served in order by the name indexes whatever the
//     database's own collation (zh_CN.UTF-8 orders by pinyin, which is not a
//     prefix order); SQLite compares text by bytes already;
//   - on both, triggers that refuse UPDATE and DELETE of student_event: a
//     student's events are immutable records (an undo adds an event).
const studentsVersion = 11

func studentsMigration(d Dialect) *goose.Migration {
	up, down := sqliteStudents, sqliteStudentsDown
	if d == Postgres {
		up, down = postgresStudents, postgresStudentsDown
	}
	m := goose.NewGoMigration(studentsVersion, &goose.GoFunc{RunTx: execEach(up)}, &goose.GoFunc{RunTx: execEach(down)})
	m.Source = "00011_students_dialect.go"
	return m
}

var sqliteStudents = []string{
	`CREATE TRIGGER student_event_no_update BEFORE UPDATE ON student_event
BEGIN SELECT RAISE(ABORT, 'student events are immutable: UPDATE refused'); END`,
	`CREATE TRIGGER student_event_no_delete BEFORE DELETE ON student_event
BEGIN SELECT RAISE(ABORT, 'student events are immutable: DELETE refused'); END`,
}

var sqliteStudentsDown = []string{
	`DROP TRIGGER student_event_no_delete`,
	`DROP TRIGGER student_event_no_update`,
}

var postgresStudents = []string{
	// The indexes on name_key are rebuilt with the new collation.
	`ALTER TABLE student ALTER COLUMN name_key TYPE TEXT COLLATE "C"`,
	`CREATE FUNCTION student_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'student events are immutable: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$`,
	`CREATE TRIGGER student_event_immutable BEFORE UPDATE OR DELETE ON student_event FOR EACH ROW EXECUTE FUNCTION student_event_refuse()`,
	`CREATE TRIGGER student_event_no_truncate BEFORE TRUNCATE ON student_event FOR EACH STATEMENT EXECUTE FUNCTION student_event_refuse()`,
}

var postgresStudentsDown = []string{
	`DROP TRIGGER student_event_no_truncate ON student_event`,
	`DROP TRIGGER student_event_immutable ON student_event`,
	`DROP FUNCTION student_event_refuse()`,
	`ALTER TABLE student ALTER COLUMN name_key TYPE TEXT COLLATE "default"`,
}
