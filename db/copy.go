package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BulkCacheKiB is SQLite's page cache during InTxCopy, in KiB (SQLite's
// default is 2,000 KiB).
var BulkCacheKiB = 128 * 1024

// CopyFunc writes rows (each a value per column, in the order of columns)
// into table inside the transaction it was handed with.
type CopyFunc func(ctx context.Context, table string, columns []string, rows [][]any) error

// InTxCopy runs fn in one transaction, like InTx, and hands it a CopyFunc for
// bulk loads: PostgreSQL's COPY (pgx CopyFrom) on the transaction's own
// connection, or multi-row prepared INSERTs on SQLite. Everything fn writes,
// by tx or by copy, commits or rolls back together. Table and column names
// are written into SQL: they must be the caller's constants, never input.
func (d *DB) InTxCopy(ctx context.Context, fn func(tx Tx, copy CopyFunc) error) error {
	conn, err := d.Conn(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: connection: %w", err)
	}
	defer conn.Close()
	if d.Dialect == SQLite {
		// A bulk load into indexed tables touches index pages all over the
		// file: a bigger page cache for this connection (restored after)
		// keeps them in memory instead of re-reading them from the WAL.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", BulkCacheKiB)); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	// OR ROLLBACK: a violation ends the transaction there and then, so that
	// nothing of the load can commit even if fn carried on after the error.
	copy, done, err := d.copyOn(ctx, conn, tx, "INSERT OR ROLLBACK")
	if err != nil {
		tx.Rollback()
		return err
	}
	defer done()
	if err := fn(tx, copy); err != nil {
		tx.Rollback()
		return err
	}
	if err := d.CommitBulk(conn, tx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// inserter is the SQLite side of InTxCopy and CopyOn: INSERT statements of
// many rows each, prepared once per table and row count. They run on the
// driver's connection itself, under the caller's transaction: database/sql
// would convert and copy every one of a load's tens of millions of values
// on the way, which cost a load more than a tenth of its time.
type inserter struct {
	conn  *sql.Conn
	stmts map[string]driver.Stmt
	// verb is the statement's INSERT with a conflict clause other than
	// the default ABORT, which would have SQLite keep a statement journal
	// (to undo a statement that fails half-way) at the cost of a third of a
	// big load's time: OR ROLLBACK (InTxCopy) ends the transaction at the
	// first violation, OR FAIL (CopyOn) fails the statement and keeps the
	// rows before it, for the caller to roll back.
	verb string
	args []driver.NamedValue // reused from statement to statement
	// shared holds, per table and column list, the columns that have had
	// one value in every statement so far (a load's status, its time, the
	// user who made it): a statement binds such a value once, for its first
	// row, and the other rows name that parameter. Binding is the driver's
	// copy of each value into C memory, more of a load's time than SQLite's
	// own inserting. A column leaves the set for good at the first
	// statement where it varies, so a load prepares a handful of
	// statements, not one per pattern of its rows.
	shared map[string][]bool
}

func newInserter(conn *sql.Conn, verb string) *inserter {
	return &inserter{conn: conn, stmts: map[string]driver.Stmt{}, verb: verb, shared: map[string][]bool{}}
}

// sqliteMaxVars stays under SQLite's default limit of bound parameters (32766).
const sqliteMaxVars = 32000

// stmt is the prepared INSERT of n rows into table, whose columns marked in
// shared take the first row's value: "(?, ?, ?), (?, ?2, ?), …". An
// anonymous ? is numbered one past the highest number so far, and a ?N names
// an earlier one, so the parameters are the first row's values and then each
// later row's unshared ones, in order. Only the shared ones have names: the
// driver looks a named parameter up by its name, an anonymous one by its
// place.
func (in *inserter) stmt(ctx context.Context, dc driver.ConnPrepareContext, table string, columns []string, n int, shared []bool) (driver.StmtExecContext, error) {
	key := stmtKey(table, columns) + strconv.Itoa(n)
	if s, ok := in.stmts[key]; ok {
		return s.(driver.StmtExecContext), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s INTO %s (%s) VALUES ", in.verb, table, strings.Join(columns, ", "))
	first := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	params := make([]string, len(columns))
	for c, sh := range shared {
		params[c] = "?"
		if sh {
			params[c] = "?" + strconv.Itoa(c+1)
		}
	}
	later := "(" + strings.Join(params, ", ") + ")"
	b.WriteString(first)
	for r := 1; r < n; r++ {
		b.WriteString(", ")
		b.WriteString(later)
	}
	s, err := dc.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	ex, ok := s.(driver.StmtExecContext)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("bulk load: the driver's statement is %T, which cannot run with a context", s)
	}
	in.stmts[key] = s
	return ex, nil
}

// stmtKey is what the statements into table with these columns, and their
// shared columns, are kept under (followed by the row count).
func stmtKey(table string, columns []string) string {
	return table + "(" + strings.Join(columns, ", ") + ")|"
}

// share narrows shared to the columns whose value is the same in every row,
// and says whether it did. Only values a statement can bind once are
// compared: no byte slices (they are not comparable) and nothing a driver
// would convert.
func share(shared []bool, rows [][]any) (narrowed bool) {
	for c := range shared {
		if !shared[c] {
			continue
		}
		v := rows[0][c]
		switch v.(type) {
		case nil, string, int64, int, int32, int16, bool, time.Time:
			for _, r := range rows[1:] {
				if r[c] != v {
					shared[c], narrowed = false, true
					break
				}
			}
		default:
			shared[c], narrowed = false, true
		}
	}
	return narrowed
}

func (in *inserter) copy(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		if len(r) != len(columns) {
			return fmt.Errorf("insert into %s: a row has %d values for %d columns", table, len(r), len(columns))
		}
	}
	skey := stmtKey(table, columns)
	shared, ok := in.shared[skey]
	if !ok {
		shared = make([]bool, len(columns))
		for c := range shared {
			shared[c] = true
		}
		in.shared[skey] = shared
	}
	return in.conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("bulk load: the driver connection is %T, which cannot prepare with a context", dc)
		}
		per := max(1, min(200, sqliteMaxVars/len(columns)))
		for len(rows) > 0 {
			n := min(per, len(rows))
			if share(shared, rows[:n]) {
				in.closeStmts(skey)
			}
			s, err := in.stmt(ctx, prep, table, columns, n, shared)
			if err != nil {
				return err
			}
			args := in.args[:0]
			for r, row := range rows[:n] {
				for c, v := range row {
					if r > 0 && shared[c] {
						continue
					}
					dv, err := driverValue(v)
					if err != nil {
						return fmt.Errorf("insert into %s, column %s: %w", table, columns[c], err)
					}
					args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: dv})
				}
			}
			_, err = s.ExecContext(ctx, args)
			clear(args) // hold no row beyond its statement
			in.args = args
			if err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			rows = rows[n:]
		}
		return nil
	})
}

// driverValue is v as a driver takes it: the types a row holds as they are,
// any other (int, a named string type, a Valuer) converted as database/sql
// converts it.
func driverValue(v any) (driver.Value, error) {
	switch v.(type) {
	case nil, string, int64, float64, bool, []byte, time.Time:
		return v, nil
	}
	return driver.DefaultParameterConverter.ConvertValue(v)
}

// closeStmts closes the statements kept under key (see stmtKey): their
// shared columns are no longer the load's. It runs inside conn.Raw.
func (in *inserter) closeStmts(key string) {
	for k, s := range in.stmts {
		if strings.HasPrefix(k, key) {
			s.Close()
			delete(in.stmts, k)
		}
	}
}

func (in *inserter) close() {
	if len(in.stmts) == 0 {
		return
	}
	in.conn.Raw(func(any) error {
		for _, s := range in.stmts {
			s.Close()
		}
		return nil
	})
	clear(in.stmts)
}
