package enrol

import (
	"context"

	"edubureau/db"
)

// bulkInsert queues rows for one table and hands them to the transaction's
// bulk load (db.InTxCopy: COPY on PostgreSQL, multi-row INSERTs on SQLite)
// a few thousand at a time, so that a cohort of 100,000 never sits in
// memory twice.
type bulkInsert struct {
	copy    db.CopyFunc
	table   string
	columns []string
	rows    [][]any
}

// bulkRows is how many rows are queued before they are written.
const bulkRows = 4000

func newBulk(copy db.CopyFunc, table string, columns ...string) *bulkInsert {
	return &bulkInsert{copy: copy, table: table, columns: columns}
}

// add queues one row (values in column order), writing the queue when full.
func (b *bulkInsert) add(ctx context.Context, values ...any) error {
	b.rows = append(b.rows, values)
	if len(b.rows) == bulkRows {
		return b.flush(ctx)
	}
	return nil
}

// flush writes the queued rows.
func (b *bulkInsert) flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	err := b.copy(ctx, b.table, b.columns, b.rows)
	clear(b.rows)
	b.rows = b.rows[:0]
	return err
}
