package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
)

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn     string
		dialect db.Dialect
		wantErr string
	}{
		{"sqlite:/tmp/x.db", db.SQLite, ""},
		{"sqlite:x.db", db.SQLite, ""},
		{"postgres://u@127.0.0.1:5432/test?sslmode=disable", db.Postgres, ""},
		{"sqlite:", "", "names no file"},
		{"sqlite::memory:", "", "in-memory"},
		{"mysql://root@x/y", "", "unknown database DSN"},
		{"postgres://u:secret@h/db%zz", "", "not a valid URL"},
	} {
		d, _, _, err := db.ParseDSN(tc.dsn)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: want error containing %q, got %v", tc.dsn, tc.wantErr, err)
			}
			continue
		}
		if err != nil || d != tc.dialect {
			t.Errorf("%s: got %v %v", tc.dsn, d, err)
		}
	}
}

func TestOpenFailsWithOneLine(t *testing.T) {
	_, err := db.Open(context.Background(), "sqlite:/no/such/dir/x.db")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("want one-line error about the directory, got %v", err)
	}
	_, err = db.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("want one-line error, got %v", err)
	}
}

func TestMigrateAndConstraints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n, err := d.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate: applied %d, %v", n, err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES ($1, $2)`, "k", "v"); err != nil {
			t.Fatal(err)
		}
		_, err = d.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES ($1, $2)`, "k", "w")
		if !db.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
		_, err = d.ExecContext(ctx, `INSERT INTO area (code, name, level, parent_code) VALUES ('430421', 'x', 3, '4304')`)
		if !db.IsForeignKeyViolation(err) {
			t.Fatalf("want foreign-key violation, got %v", err)
		}
		// A failed transaction leaves nothing behind.
		err = d.InTx(ctx, func(tx db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES ('a', '1')`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES ('k', '2')`)
			return err
		})
		if err == nil {
			t.Fatal("want error")
		}
		var c int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM setting WHERE key = 'a'`).Scan(&c)
		if c != 0 {
			t.Fatal("rolled-back row is present")
		}
		st, err := d.MigrationStatus(ctx)
		if err != nil || len(st) == 0 {
			t.Fatalf("status: %v %v", st, err)
		}
	})
}

func TestNewIDUnique(t *testing.T) {
	seen := map[int64]bool{}
	for i := 0; i < 10000; i++ {
		id := db.NewID()
		if id <= 0 || seen[id] {
			t.Fatalf("bad or repeated id %d", id)
		}
		seen[id] = true
	}
}

// A database this program creates has 16 KiB pages in WAL mode; one that
// exists keeps the page size it has.
func TestSQLitePageSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	read := func(d *db.DB) (int, string) {
		var size int
		var mode string
		if err := d.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return size, mode
	}
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(dir, "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	if size, mode := read(d); size != db.SQLitePageSize || mode != "wal" {
		t.Errorf("a new database: page size %d, journal %s; want %d, wal", size, mode, db.SQLitePageSize)
	}
	d.Close()

	old := filepath.Join(dir, "old.db")
	raw, err := sql.Open("sqlite", "file:"+old+"?_pragma=page_size(4096)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	d, err = db.Open(ctx, "sqlite:"+old)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if size, mode := read(d); size != 4096 || mode != "wal" {
		t.Errorf("an existing database: page size %d, journal %s; want 4096, wal", size, mode)
	}
}

// A database opened for a build writes with a rollback journal until UseWAL,
// keeps what the build committed, and is in WAL mode when opened as usual
// after, whether the build switched or not.
func TestOpenForBuild(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "build.db")
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	b, err := db.OpenForBuild(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := b.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
		t.Fatalf("opened for a build, the journal is %q (%v), want delete", mode, err)
	}
	err = b.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE built (id BIGINT PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
			return err
		}
		var rows [][]any
		for i := range 5000 {
			rows = append(rows, []any{int64(i), "建成"})
		}
		return copy(ctx, "built", []string{"id", "v"}, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.UseWAL(ctx); err != nil {
		t.Fatal(err)
	}
	// Connections the pool opens after the switch stay in the log, and the
	// ones open before it follow at their next read (SQLite reads the mode
	// from the file's header); small transactions after it are kept.
	var held []*sql.Conn
	for i := range 3 {
		c, err := b.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		var n int
		if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM built`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Fatalf("connection %d after UseWAL: journal %q (%v), want wal", i+1, mode, err)
		}
	}
	for _, c := range held {
		c.Close()
	}
	for i := range 3 {
		if _, err := b.ExecContext(ctx, `INSERT INTO built (id, v) VALUES ($1, '之后')`, 5000+i); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("opened as usual after the build, the journal is %q (%v), want wal", mode, err)
	}
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM built`).Scan(&n); err != nil || n != 5003 {
		t.Errorf("the build's rows: %d (%v), want 5003", n, err)
	}
}
