package area

import (
	"context"
	"fmt"

	"edubureau/db"
	"edubureau/fault"
)

// Sync writes the jurisdiction's subtree and its ancestors into the area table
// (names are updated; nothing is deleted, since schools may reference old codes).
func Sync(ctx context.Context, d *db.DB, jurisdiction string) error {
	j, err := Jurisdiction(jurisdiction)
	if err != nil {
		return err
	}
	rows := append(Ancestors(j.Code), Subtree(j.Code)...)
	return d.InTx(ctx, func(tx db.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO area (code, name, level, parent_code) VALUES ($1, $2, $3, $4)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name`)
		if err != nil {
			return fmt.Errorf("sync areas: %w", err)
		}
		defer stmt.Close()
		for _, a := range rows {
			var parent any
			if a.Parent != "" {
				parent = a.Parent
			}
			if _, err := stmt.ExecContext(ctx, a.Code, a.Name, int(a.Level), parent); err != nil {
				return fmt.Errorf("sync area %s: %w", a.Code, err)
			}
		}
		return db.SetSetting(ctx, tx, "jurisdiction", j.Code)
	})
}

// StoredJurisdiction returns the jurisdiction recorded in the database, or "" if none.
func StoredJurisdiction(ctx context.Context, q db.Querier) (string, error) {
	return db.Setting(ctx, q, "jurisdiction")
}

// Get returns one area of the jurisdiction's tree.
func Get(ctx context.Context, q db.Querier, code string) (Area, error) {
	n, ok := Normalize(code)
	if !ok {
		return Area{}, fault.New(fault.Invalid, "行政区划代码 %q 格式不正确", "area code %q is malformed", code)
	}
	var a Area
	var parent *string
	err := q.QueryRowContext(ctx, `SELECT code, name, level, parent_code FROM area WHERE code = $1`, n).Scan(&a.Code, &a.Name, &a.Level, &parent)
	if db.IsNoRows(err) {
		return Area{}, fault.New(fault.NotFound, "本辖区没有行政区划 %s", "no area %s in this jurisdiction", code)
	}
	if err != nil {
		return Area{}, fmt.Errorf("get area %s: %w", code, err)
	}
	if parent != nil {
		a.Parent = *parent
	}
	return a, nil
}

// List returns the areas directly under parent (the jurisdiction's counties
// when parent is the jurisdiction), or every area at level when parent is "".
func List(ctx context.Context, q db.Querier, parent string, level Level) ([]Area, error) {
	query := `SELECT code, name, level, COALESCE(parent_code, '') FROM area WHERE parent_code = $1 ORDER BY code`
	arg := any(parent)
	if parent == "" {
		query = `SELECT code, name, level, COALESCE(parent_code, '') FROM area WHERE level = $1 ORDER BY code`
		arg = int(level)
	}
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("list areas: %w", err)
	}
	defer rows.Close()
	var out []Area
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.Code, &a.Name, &a.Level, &a.Parent); err != nil {
			return nil, fmt.Errorf("list areas: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Under returns every area of the database under prefix (not including it), in code order.
func Under(ctx context.Context, q db.Querier, prefix string) ([]Area, error) {
	lo, hi := Range(prefix)
	rows, err := q.QueryContext(ctx, `SELECT code, name, level, COALESCE(parent_code, '') FROM area
		WHERE code >= $1 AND code < $2 AND code <> $3 ORDER BY code`, lo, hi, prefix)
	if err != nil {
		return nil, fmt.Errorf("areas under %s: %w", prefix, err)
	}
	defer rows.Close()
	var out []Area
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.Code, &a.Name, &a.Level, &a.Parent); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
