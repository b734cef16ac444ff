package db_test

import (
	"context"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
)

// A database already past a migration's number (its branch landed later)
// still gets that migration: here the student registry's two (10 and 11)
// are removed from a migrated database and applied again.
func TestMigrateOutOfOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		down := []string{`DROP TRIGGER student_event_no_delete`, `DROP TRIGGER student_event_no_update`}
		if d.Dialect == db.Postgres {
			down = []string{`DROP TRIGGER student_event_no_truncate ON student_event`, `DROP TRIGGER student_event_immutable ON student_event`,
				`DROP FUNCTION student_event_refuse()`}
		}
		for _, tbl := range []string{"student_duplicate", "student_followup_action", "student_followup", "student_promotion_class",
			"student_promotion_item", "student_promotion_school", "student_promotion", "student_transfer", "student_guardian",
			"student_event", "student_enrolment", "student_class", "student"} {
			if tbl == "student_event" {
				for _, q := range down {
					if _, err := d.ExecContext(ctx, q); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := d.ExecContext(ctx, `DROP TABLE `+tbl); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM goose_db_version WHERE version_id IN (10, 11)`); err != nil {
			t.Fatal(err)
		}
		n, err := d.Migrate(ctx)
		if err != nil || n != 2 {
			t.Fatalf("applied %d: %v", n, err)
		}
		if _, err := d.ExecContext(ctx, `SELECT COUNT(*) FROM student`); err != nil {
			t.Fatal(err)
		}
	})
}
