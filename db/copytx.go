package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyOn is InTxCopy's CopyFunc for a transaction the caller began on conn
// (the bulk importer owns its transaction): COPY on PostgreSQL through the
// connection's pgx driver; on SQLite prepared INSERTs of a few rows each
// with positional (?) parameters — modernc binds $N parameters by name, at a
// cost that grows with the square of their number, so long statements of $N
// parameters are far slower than these. Call
// done when the transaction ends, to close the prepared statements.
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
	ins := &rowInserter{tx: tx, stmts: map[string]*sql.Stmt{}}
	return ins.copy, ins.close
}

// rowInserter is CopyOn's SQLite side.
type rowInserter struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

// rowsPerInsert is how many rows one INSERT carries on SQLite.
const rowsPerInsert = 1

func (in *rowInserter) stmt(ctx context.Context, table string, columns []string, n int) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s|%s|%d", table, strings.Join(columns, ","), n)
	if s, ok := in.stmts[key]; ok {
		return s, nil
	}
	row := "(" + strings.Repeat("?, ", len(columns)-1) + "?)"
	q := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " + strings.Repeat(row+", ", n-1) + row
	s, err := in.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	in.stmts[key] = s
	return s, nil
}

func (in *rowInserter) copy(ctx context.Context, table string, columns []string, rows [][]any) error {
	args := make([]any, 0, rowsPerInsert*len(columns))
	for len(rows) > 0 {
		n := min(rowsPerInsert, len(rows))
		s, err := in.stmt(ctx, table, columns, n)
		if err != nil {
			return err
		}
		args = args[:0]
		for _, r := range rows[:n] {
			if len(r) != len(columns) {
				return fmt.Errorf("insert into %s: a row has %d values for %d columns", table, len(r), len(columns))
			}
			args = append(args, r...)
		}
		if _, err := s.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

func (in *rowInserter) close() {
	for _, s := range in.stmts {
		s.Close()
	}
}
