package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"edubureau/db"
	"edubureau/db/dbtest"
)

// A bulk load writes every value where it belongs, whichever columns keep
// one value for a while: on SQLite such a column is bound once per
// statement, until the first statement in which it varies.
func TestInTxCopyValues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE copy_test (
			id BIGINT PRIMARY KEY, kind TEXT NOT NULL, grade INTEGER NOT NULL,
			note TEXT, flag BOOLEAN NOT NULL, at TIMESTAMP NOT NULL, school TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
		cols := []string{"id", "kind", "grade", "note", "flag", "at", "school"}
		type row struct {
			kind   string
			grade  int64
			note   *string
			flag   bool
			school string
		}
		want := map[int64]row{}
		var batches [][][]any
		id := int64(1)
		// Three calls of 450 rows each: the grade keeps one value for the
		// first 620 rows, the note is NULL until row 900, the school
		// changes every 150 rows, kind, flag and time never change.
		for range 3 {
			var rows [][]any
			for range 450 {
				r := row{kind: "enrol", grade: 3, flag: true, school: fmt.Sprintf("S%03d", (id-1)/150)}
				if id > 620 {
					r.grade = id % 7
				}
				var note any
				if id > 900 {
					s := fmt.Sprintf("备注 %d", id)
					r.note, note = &s, s
				}
				want[id] = r
				rows = append(rows, []any{id, r.kind, r.grade, note, r.flag, at, r.school})
				id++
			}
			batches = append(batches, rows)
		}
		err := d.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
			for _, rows := range batches {
				if err := copy(ctx, "copy_test", cols, rows); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.QueryContext(ctx, `SELECT id, kind, grade, note, flag, at, school FROM copy_test ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Close()
		n := 0
		for got.Next() {
			var (
				id   int64
				r    row
				note *string
				when time.Time
			)
			if err := got.Scan(&id, &r.kind, &r.grade, &note, &r.flag, &when, &r.school); err != nil {
				t.Fatal(err)
			}
			w := want[id]
			if r.kind != w.kind || r.grade != w.grade || r.flag != w.flag || r.school != w.school ||
				(note == nil) != (w.note == nil) || note != nil && *note != *w.note || !when.Equal(at) {
				t.Fatalf("row %d reads back %+v (note %v, at %v), want %+v (note %v)", id, r, note, when, w, w.note)
			}
			n++
		}
		if err := got.Err(); err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Fatalf("%d rows read back, want %d", n, len(want))
		}
	})
}

// A row whose key is taken fails the whole load: nothing of it stays,
// neither the rows before the failing statement nor those in it.
func TestInTxCopyFailsWhole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE copy_fail_test (id BIGINT PRIMARY KEY, kind TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		for i := range 1000 {
			rows = append(rows, []any{int64(i % 700), "same"})
		}
		err := d.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
			return copy(ctx, "copy_fail_test", []string{"id", "kind"}, rows)
		})
		if err == nil {
			t.Fatal("a load with a duplicated key succeeded")
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM copy_fail_test`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("after the failed load the table holds %d rows (%v), want none", n, err)
		}
		// Nor when fn carries on as if the copy had not failed: the
		// transaction ended with the violation.
		err = d.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
			copy(ctx, "copy_fail_test", []string{"id", "kind"}, rows)
			return nil
		})
		if err == nil {
			t.Error("a load whose copy failed committed")
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM copy_fail_test`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("after a load that ignored its failed copy the table holds %d rows (%v), want none", n, err)
		}
	})
}
