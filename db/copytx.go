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
// connection's pgx driver; on SQLite a prepared INSERT per table, run row
// by row (with anonymous parameters, as InTxCopy's). Call
// done when the transaction ends, to close the prepared statements.
func (d *DB) CopyOn(conn *sql.Conn, tx *sql.Tx) (copy CopyFunc, done func()) {
	if d.Dialect == Postgres {
		return pgCopy(conn), func() {}
	}
	// One row a statement: a statement of many rows keeps a statement
	// journal (it may fail half-way), which costs more than the statements saved.
	ins := &inserter{tx: tx, stmts: map[string]*sql.Stmt{}, rows: 1}
	return ins.copy, ins.close
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
