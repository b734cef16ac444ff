package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// CommitBulk commits a transaction that wrote a great deal (an import, a
// demo's load) on its connection conn. On SQLite the commit alone makes the
// data durable in the write-ahead log; copying that log back into the
// database file (the checkpoint, several seconds after a million rows) is
// left to a goroutine of its own rather than to the commit, so the caller
// answers at once. Readers see the committed data either way; Close waits
// for the checkpoint to end.
func (d *DB) CommitBulk(conn *sql.Conn, tx *sql.Tx) error {
	if d.Dialect != SQLite {
		return tx.Commit()
	}
	ctx := context.Background()
	// The connection's own automatic checkpoint would run inside Commit.
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		tx.Rollback()
		return fmt.Errorf("before commit: %w", err)
	}
	err := tx.Commit()
	conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 1000") // SQLite's default
	if err != nil {
		return err
	}
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		start := time.Now()
		// PASSIVE: never waits for readers or writers; what it cannot copy
		// now the next automatic checkpoint copies.
		if _, err := d.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			slog.Warn("checkpoint after a bulk load", "err", err)
			return
		}
		slog.Debug("checkpoint after a bulk load", "took", time.Since(start))
	}()
	return nil
}

// Close waits for the background checkpoint, then closes the database.
func (d *DB) Close() error {
	d.bg.Wait()
	return d.DB.Close()
}
