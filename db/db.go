// Package db opens edubureau's database — embedded SQLite or PostgreSQL — and
// applies its one schema. The same SQL runs on both; where the dialects truly
// differ, a small function here says so.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database with its schema applied.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Where is the database, without any password: for logs and messages.
	Where string
	bg    *sync.WaitGroup // work that outlives its call (the checkpoint after a bulk load): Close waits for it
}

//go:embed migrations/*.sql
var migrations embed.FS

// ParseDSN checks a DSN of the form sqlite:PATH or postgres://… and returns its
// dialect, the driver's own data-source string, and a printable location.
func ParseDSN(dsn string) (Dialect, string, string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return "", "", "", fmt.Errorf("the SQLite DSN %q names no file (use sqlite:PATH)", dsn)
		}
		if path == ":memory:" {
			return "", "", "", fmt.Errorf("an in-memory SQLite database is not supported; name a file")
		}
		return SQLite, sqliteSource(path, "WAL", "NORMAL"), path, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return "", "", "", fmt.Errorf("the PostgreSQL DSN is not a valid URL: %v", err)
		}
		where := u.Host + u.Path
		return Postgres, dsn, where, nil
	default:
		return "", "", "", fmt.Errorf("unknown database DSN %q: use sqlite:PATH or postgres://USER@HOST:PORT/DB", redact(dsn))
	}
}

// sqliteSource is the driver's data-source string for the file at path.
// Pragmas go in it so that every pooled connection gets them.
// _txlock=immediate takes the write lock at BEGIN, so two writers wait for
// each other (busy_timeout) instead of failing on lock upgrade. An empty
// journal leaves the file's journal mode as it is.
func sqliteSource(path, journal, synchronous string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if journal != "" {
		q.Add("_pragma", "journal_mode("+journal+")")
	}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

// Open opens the database named by dsn, checks that it answers, and applies
// every pending migration. Its errors are one line saying what failed.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d, err := OpenNoMigrate(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// OpenNoMigrate opens and pings the database without touching its schema.
func OpenNoMigrate(ctx context.Context, dsn string) (*DB, error) {
	return open(ctx, dsn, false)
}

// OpenForBuild opens a database, without touching its schema, for a build
// that nothing else reads or writes until it is closed: the demo's. On
// SQLite it writes without waiting for the disk, and with a rollback
// journal instead of the write-ahead log until UseWAL. A big load then
// writes each new page once, into the file, where the log takes it first
// and a checkpoint copies it over afterwards, competing with whatever the
// build writes next (the city demo's build took 62–66 s with the log,
// 54–57 s without). A killed process leaves the file as its last commit
// left it, as ever; a crash of the machine may leave it unusable, to be
// built again. Open the file as usual after Close: it is back in WAL mode.
// PostgreSQL opens as usual.
func OpenForBuild(ctx context.Context, dsn string) (*DB, error) {
	return open(ctx, dsn, true)
}

func open(ctx context.Context, dsn string, build bool) (*DB, error) {
	dialect, source, where, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if dialect == SQLite && build {
		// No journal mode in the source: a connection the pool opens
		// after UseWAL must not take the file out of the log again.
		source = sqliteSource(where, "", "OFF")
	}
	driver := "pgx"
	if dialect == SQLite {
		driver = "sqlite"
		if dir := filepath.Dir(where); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("cannot open database %s: directory %s does not exist", where, dir)
			}
		}
	}
	if dialect == SQLite {
		if err := createSQLite(where); err != nil {
			return nil, fmt.Errorf("cannot create database %s: %v", where, firstLine(err))
		}
	}
	sqldb, err := sql.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("cannot open database %s: %v", where, err)
	}
	if dialect == SQLite {
		// WAL lets readers run beside the one writer; a small pool is plenty.
		sqldb.SetMaxOpenConns(8)
		sqldb.SetMaxIdleConns(8)
	} else {
		sqldb.SetMaxOpenConns(20)
		sqldb.SetMaxIdleConns(10)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqldb.PingContext(pctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("cannot open database %s: %v", where, firstLine(err))
	}
	d := &DB{DB: sqldb, Dialect: dialect, Where: where, bg: &sync.WaitGroup{}}
	if dialect == SQLite && build {
		// Out of the log while the ping's is the only connection: leaving
		// WAL mode needs the file to itself.
		if err := d.journalMode(pctx, "DELETE"); err != nil {
			sqldb.Close()
			return nil, fmt.Errorf("cannot open database %s for a build: %v", where, firstLine(err))
		}
	}
	return d, nil
}

// UseWAL puts an SQLite database opened for a build back in WAL mode, for
// what the build writes next: many small transactions each append their
// pages to the log, where a rollback journal would copy the old pages out,
// write the new ones into the file and truncate the journal (the city
// demo's casework, 7,400 cases: 3.9 s against 5.8 s). The mode is the
// file's, so every pooled connection follows. It changes nothing on a
// database already in WAL mode, and nothing on PostgreSQL.
func (d *DB) UseWAL(ctx context.Context) error {
	if d.Dialect != SQLite {
		return nil
	}
	return d.journalMode(ctx, "WAL")
}

// journalMode sets the SQLite file's journal mode and checks that SQLite
// took it: it answers with the mode it kept, not with an error.
func (d *DB) journalMode(ctx context.Context, mode string) error {
	var got string
	if err := d.QueryRowContext(ctx, "PRAGMA journal_mode = "+mode).Scan(&got); err != nil {
		return fmt.Errorf("set the journal mode to %s: %w", mode, err)
	}
	if !strings.EqualFold(got, mode) {
		return fmt.Errorf("set the journal mode to %s: SQLite kept %s", mode, got)
	}
	return nil
}

// SQLitePageSize is the page size of the SQLite databases this program
// creates: 16 KiB rather than SQLite's 4 KiB. Loading a million students
// (inserts, then building their indexes) takes about an eighth less time.
// A database keeps the page size it was created with; docs/configuration.md
// says how to change it.
const SQLitePageSize = 16384

// createSQLite creates the database file at path, when it does not exist or
// is empty, with SQLitePageSize pages. The page size must be set before the
// first table is written, and the DSN's journal_mode(WAL) would write the
// file first, with the default size.
func createSQLite(path string) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return nil
	}
	c, err := sql.Open("sqlite", "file:"+path+fmt.Sprintf("?_pragma=page_size(%d)", SQLitePageSize))
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Exec(`CREATE TABLE edubureau_created (x INTEGER); DROP TABLE edubureau_created`)
	return err
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func (d *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if d.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	// Engineers are given ranges of migration numbers and their branches land
	// in any order, so a database may already be past a number that arrives
	// later: such a migration is applied then rather than refused.
	return goose.NewProvider(dialect, d.DB, sub, goose.WithGoMigrations(goMigrations(d.Dialect)...),
		goose.WithAllowOutofOrder(true))
}

// Migrate applies every pending migration and returns how many it applied.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	p, err := d.provider()
	if err != nil {
		return 0, fmt.Errorf("cannot read the migrations: %v", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("cannot migrate database %s: %v", d.Where, firstLine(err))
	}
	return len(res), nil
}

// MigrationStatus lists each migration with whether it is applied.
func (d *DB) MigrationStatus(ctx context.Context) ([]string, error) {
	p, err := d.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read migration status of %s: %v", d.Where, firstLine(err))
	}
	var out []string
	for _, s := range st {
		out = append(out, fmt.Sprintf("%05d %-40s %s", s.Source.Version, filepath.Base(s.Source.Path), s.State))
	}
	return out, nil
}

// InTx runs fn in one transaction, committing when it returns nil and rolling
// back otherwise (a failed operation leaves the data exactly as it was).
func (d *DB) InTx(ctx context.Context, fn func(tx Tx) error) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Querier is what both *sql.DB and *sql.Tx offer; helpers that may run inside
// or outside a transaction take one.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var _ Querier = (*sql.DB)(nil)
var _ Querier = (*sql.Tx)(nil)

// ErrNoRows re-exports sql.ErrNoRows for callers that check it.
var ErrNoRows = sql.ErrNoRows

// IsNoRows reports whether err is sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Tx is a transaction, passed to the private helpers of a package's public methods.
type Tx = *sql.Tx
