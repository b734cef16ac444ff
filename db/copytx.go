package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyOn is InTxCopy's CopyFunc for a transaction the caller began on conn
// (the bulk importer owns its transaction): COPY on PostgreSQL through the
// connection's pgx driver; on SQLite prepared INSERT OR FAIL statements of
// many rows each. A failed copy leaves part of its rows written: the caller
// rolls the transaction back, as it does on any error. On SQLite the
// transaction's foreign keys are checked at its commit from here on, so
// that no statement needs a statement journal (see inserter). Call done when
// the transaction ends, to close the prepared statements.
func (d *DB) CopyOn(ctx context.Context, conn *sql.Conn, tx *sql.Tx) (copy CopyFunc, done func(), err error) {
	return d.copyOn(ctx, conn, tx, "INSERT OR FAIL")
}

// copyOn is CopyOn with the SQLite statements' INSERT verb (inserter.verb).
// Foreign keys checked at the commit and a verb other than ABORT spare each
// statement its statement journal.
func (d *DB) copyOn(ctx context.Context, conn *sql.Conn, tx *sql.Tx, verb string) (copy CopyFunc, done func(), err error) {
	if d.Dialect == Postgres {
		return pgCopy(conn), func() {}, nil
	}
	if _, err := tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
		return nil, nil, fmt.Errorf("bulk load: %w", err)
	}
	ins := newInserter(conn, verb)
	return ins.copy, ins.close, nil
}

// pgCopy copies rows with PostgreSQL's COPY (pgx CopyFrom) on conn's own
// connection, so inside the transaction begun on it.
func pgCopy(conn *sql.Conn) CopyFunc {
	return func(ctx context.Context, table string, columns []string, rows [][]any) error {
		if len(rows) == 0 {
			return nil
		}
		return conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("bulk load: the driver connection is %T, not pgx", dc)
			}
			if _, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("copy into %s: %w", table, err)
			}
			return nil
		})
	}
}
