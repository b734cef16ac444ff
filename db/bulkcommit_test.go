package db_test

import (
	"context"
	"os"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
)

// A bulk commit commits (readers on other connections see the rows), leaves
// the connection's automatic checkpoint as it was, and on SQLite copies the
// write-ahead log back into the database file behind the caller's back:
// Close waits for it.
func TestCommitBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE bulk_commit_test (id BIGINT PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		conn, err := d.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3000 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO bulk_commit_test (id, v) VALUES ($1, $2)`, i, "一行数据 some text to fill pages"); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.CommitBulk(conn, tx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM bulk_commit_test`).Scan(&n); err != nil || n != 3000 {
			t.Fatalf("after the commit another connection counts %d rows (%v), want 3000", n, err)
		}
		if d.Dialect == db.SQLite {
			var auto int
			if err := conn.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 1000 {
				t.Errorf("the connection's automatic checkpoint is %d (%v), want SQLite's 1000 back", auto, err)
			}
		}
		conn.Close()
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite {
			// Closed, the log is checkpointed and gone: the file holds the rows.
			if _, err := os.Stat(d.Where + "-wal"); !os.IsNotExist(err) {
				t.Errorf("the write-ahead log is still there after Close: %v", err)
			}
		}
	})
}
