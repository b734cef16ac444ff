package enrol

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"edubureau/db"
)

// bulkInsert writes rows into table in multi-row INSERT statements inside
// tx: one round trip per few hundred rows on both databases, whatever the
// placeholder limit (SQLite's is 32,766, PostgreSQL's 65,535).
type bulkInsert struct {
	tx      db.Tx
	table   string
	columns []string
	per     int // rows per statement
	args    []any
	rows    int
	stmt    string // the statement for a full batch, prepared once
}

func newBulk(tx db.Tx, table string, columns ...string) *bulkInsert {
	return &bulkInsert{tx: tx, table: table, columns: columns, per: max(1, min(500, 30000/len(columns)))}
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
