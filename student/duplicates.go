package student

import (
	"context"
	"fmt"
	"time"

	"edubureau/db"
)

// detectDuplicates records, as open pairs for review, the students that share
// a name, a birth date and a guardian's phone with student id (through the
// guardians' dup_key) but have another ID number. Pairs already known (open,
// reviewed or merged) are left as they are. It returns how many were new.
func (r *Registry) detectDuplicates(ctx context.Context, tx db.Tx, id int64, now time.Time) (int, error) {
	return r.detectWhere(ctx, tx, `n.student_id = $1`, id, now)
}

// detectDuplicatesFrom is detectDuplicates for every student whose id is at
// least from (the students of a bulk load: ids grow with time).
func (r *Registry) detectDuplicatesFrom(ctx context.Context, tx db.Tx, from int64, now time.Time) (int, error) {
	return r.detectWhere(ctx, tx, `n.student_id >= $1`, from, now)
}

func (r *Registry) detectWhere(ctx context.Context, tx db.Tx, cond string, arg any, now time.Time) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT n.student_id, o.student_id
		FROM student_guardian n JOIN student_guardian o ON o.dup_key = n.dup_key AND o.student_id <> n.student_id
		JOIN student so ON so.id = o.student_id
		WHERE `+cond+` AND n.dup_key <> '' AND so.status <> 'merged'`, arg)
	if err != nil {
		return 0, fmt.Errorf("look for probable duplicates: %w", err)
	}
	type pair struct{ a, b int64 }
	seen := map[pair]bool{}
	var pairs []pair
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return 0, err
		}
		if a > b {
			a, b = b, a
		}
		if p := (pair{a, b}); !seen[p] {
			seen[p] = true
			pairs = append(pairs, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	added := 0
	for _, p := range pairs {
		res, err := tx.ExecContext(ctx, `INSERT INTO student_duplicate (student_a, student_b, county_a, county_b, status, found_at)
			SELECT a.id, b.id, a.county_code, b.county_code, 'open', $3 FROM student a, student b WHERE a.id = $1 AND b.id = $2
			ON CONFLICT (student_a, student_b) DO NOTHING`, p.a, p.b, now)
		if err != nil {
			return 0, fmt.Errorf("record probable duplicate %d/%d: %w", p.a, p.b, err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, nil
}
