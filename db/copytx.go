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
// connection's pgx driver, multi-row prepared INSERTs on SQLite. Call done
// when the transaction ends, to close the prepared statements.
func (d *DB) CopyOn(conn *sql.Conn, tx *sql.Tx) (copy CopyFunc, done func()) {
	if d.Dialect == Postgres {
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
		}, func() {}
	}
	ins := &inserter{tx: tx, stmts: map[string]*sql.Stmt{}}
	return ins.copy, ins.close
}
