package student

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"

	"edubureau/db"
)

// A bulk load (an import, CreateMany) into a registry small next to it drops
// the indexes of the tables it writes (deferredTables) inside its
// transaction and builds them again at its end from the sorted rows: far
// faster than keeping them up to date one random key (a name, a hash, a
// phone) at a time — and, in modernc's SQLite, even the ones that grow at
// their end. Readers keep seeing the old tables until the commit; a failed
// load rolls the drop back.

type indexDef struct{ name, sql string }

// notEntered are the partial indexes a new student's rows never enter: a
// load keeps them, as building one again costs a scan of its table.
var notEntered = []string{"student_merged"}

// readLoadIndexes lists the indexes of deferredTables that a load may drop:
// all but those behind a primary key or a constraint, and but those named
// in keep; unique ones first, so that a conflict shows before the long work.
func readLoadIndexes(ctx context.Context, tx db.Tx, dialect db.Dialect, keep ...string) ([]indexDef, error) {
	kept := "'" + strings.Join(slices.Concat(keep, notEntered), "', '") + "'"
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN (` + deferredTables + `) AND name NOT IN (` + kept + `) ORDER BY name`
	if dialect == db.Postgres {
		q = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()
			AND i.tablename IN (` + deferredTables + `) AND i.indexname NOT IN (` + kept + `)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_class x ON x.oid = c.conindid
				JOIN pg_namespace n ON n.oid = x.relnamespace WHERE x.relname = i.indexname AND n.nspname = i.schemaname)
			ORDER BY i.indexname`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read the indexes: %w", err)
	}
	defer rows.Close()
	var defs []indexDef
	for rows.Next() {
		var d indexDef
		if err := rows.Scan(&d.name, &d.sql); err != nil {
			return nil, err
		}
		defs = append(defs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(defs, func(i, j int) bool {
		return strings.HasPrefix(defs[i].sql, "CREATE UNIQUE") && !strings.HasPrefix(defs[j].sql, "CREATE UNIQUE")
	})
	return defs, nil
}

// dropLoadIndexes drops the indexes listed.
func dropLoadIndexes(ctx context.Context, tx db.Tx, defs []indexDef) error {
	for _, d := range defs {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+d.name); err != nil {
			return fmt.Errorf("drop index %s: %w", d.name, err)
		}
	}
	return nil
}

// buildLoadIndexes builds them again; a unique index that no longer holds
// is conflict(name). On SQLite the sorts behind them get worker threads,
// one per core (SQLite's own are off by default): the table scan that
// feeds a sort and the sort then run side by side, about a third faster.
// The sorts also get a smaller page cache than a load's.
func buildLoadIndexes(ctx context.Context, tx db.Tx, dialect db.Dialect, defs []indexDef, conflict func(name string) error) error {
	if dialect == db.SQLite && len(defs) > 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA threads = %d`, min(runtime.GOMAXPROCS(0), 8))); err != nil {
			return fmt.Errorf("sort threads: %w", err)
		}
		defer tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA threads = 0`)
		// SQLite sizes a sort's runs by the page cache: InTxCopy's 128 MB
		// makes runs that take longer to sort than short ones to merge
		// (a city's indexes 24 s against 13 s) and hold more memory. The
		// load's caller sets its cache back when it ends.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -8192`); err != nil {
			return fmt.Errorf("sort memory: %w", err)
		}
	}
	for _, d := range defs {
		if _, err := tx.ExecContext(ctx, d.sql); err != nil {
			if db.IsUniqueViolation(err) {
				return conflict(d.name)
			}
			return fmt.Errorf("build index %s: %w", d.name, err)
		}
	}
	return nil
}
