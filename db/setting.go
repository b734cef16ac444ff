package db

import (
	"context"
	"fmt"
)

// Setting is the value stored under key in the setting table (the
// jurisdiction, a key rotation's cursor, how far the demo's build got), or
// "" when there is none.
func Setting(ctx context.Context, q Querier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM setting WHERE key = $1`, key).Scan(&v)
	if IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores value under key in the setting table, replacing what was
// there.
func SetSetting(ctx context.Context, q Querier, key, value string) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("store the setting %s: %w", key, err)
	}
	return nil
}
