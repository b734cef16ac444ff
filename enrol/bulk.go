package enrol

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"edubureau/db"
)

// bulkInsert writes rows into table inside tx. On PostgreSQL it sends
// multi-row INSERT statements (one round trip per few hundred rows); on
// SQLite, which runs in the process and whose parser slows down with many
// numbered placeholders, one prepared single-row statement per row.
type bulkInsert struct {
	tx       db.Tx
	table    string
	columns  []string
	per      int // rows per statement
	args     []any
	rows     int
	stmt     string    // the statement for a full batch
	prepared *sql.Stmt // SQLite: the single-row statement
}

func newBulk(tx db.Tx, dialect db.Dialect, table string, columns ...string) *bulkInsert {
	b := &bulkInsert{tx: tx, table: table, columns: columns, per: max(1, min(500, 30000/len(columns)))}
	if dialect == db.SQLite {
		b.per = 1
	}
	return b
}

func (b *bulkInsert) sql(rows int) string {
	var s strings.Builder
	s.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.columns, ", ") + ") VALUES ")
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			s.WriteString(", ")
		}
		s.WriteByte('(')
		for c := range b.columns {
			if c > 0 {
				s.WriteString(", ")
			}
			s.WriteString("$" + strconv.Itoa(n))
			n++
		}
		s.WriteByte(')')
	}
	return s.String()
}

// add queues one row (values in column order), writing a batch when full.
func (b *bulkInsert) add(ctx context.Context, values ...any) error {
	if len(values) != len(b.columns) {
		return fmt.Errorf("bulk insert into %s: %d values for %d columns", b.table, len(values), len(b.columns))
	}
	b.args = append(b.args, values...)
	b.rows++
	if b.rows == b.per {
		return b.flush(ctx)
	}
	return nil
}

// flush writes the queued rows.
func (b *bulkInsert) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	if b.per == 1 {
		if b.prepared == nil {
			st, err := b.tx.PrepareContext(ctx, b.sql(1))
			if err != nil {
				return fmt.Errorf("insert into %s: %w", b.table, err)
			}
			b.prepared = st
		}
		if _, err := b.prepared.ExecContext(ctx, b.args...); err != nil {
			return fmt.Errorf("insert into %s: %w", b.table, err)
		}
		b.args, b.rows = b.args[:0], 0
		return nil
	}
	q := b.stmt
	if b.rows != b.per || q == "" {
		q = b.sql(b.rows)
		if b.rows == b.per {
			b.stmt = q
		}
	}
	if _, err := b.tx.ExecContext(ctx, q, b.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	b.args, b.rows = b.args[:0], 0
	return nil
}
