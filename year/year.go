// Package year holds the bureau's two calendars of work: the academic year
// (学年, 1 September to 31 August; statistics, enrolment and promotion follow
// it) and the fiscal year (财年, China's budget year: 1 January to 31 December).
// One of each is marked current.
package year

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"edubureau/db"
	"edubureau/fault"
)

// Academic is one academic year, e.g. 2026-2027.
type Academic struct {
	Code     string `json:"code"`      // "2026-2027"
	StartsOn string `json:"starts_on"` // "2026-09-01"
	EndsOn   string `json:"ends_on"`   // "2027-08-31"
	Current  bool   `json:"current"`
}

// AcademicStarting returns the academic year that starts in September of y.
func AcademicStarting(y int) Academic {
	return Academic{
		Code:     fmt.Sprintf("%d-%d", y, y+1),
		StartsOn: fmt.Sprintf("%04d-09-01", y),
		EndsOn:   fmt.Sprintf("%04d-08-31", y+1),
	}
}

// AcademicOf returns the academic year a date falls in: from 1 September on,
// the year that starts then; before it, the one that started the year before.
func AcademicOf(t time.Time) Academic {
	y := t.Year()
	if t.Month() < time.September {
		y--
	}
	return AcademicStarting(y)
}

// ParseAcademic checks a code like "2026-2027".
func ParseAcademic(code string) (Academic, error) {
	if len(code) == 9 && code[4] == '-' {
		a, err1 := strconv.Atoi(code[:4])
		b, err2 := strconv.Atoi(code[5:])
		if err1 == nil && err2 == nil && b == a+1 && a >= 1949 && a <= 2200 {
			return AcademicStarting(a), nil
		}
	}
	return Academic{}, fault.New(fault.Invalid, "学年 %q 格式应为 2026-2027", "academic year %q must look like 2026-2027", code)
}

// Fiscal is one fiscal year.
type Fiscal struct {
	Year     int    `json:"year"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Current  bool   `json:"current"`
}

// FiscalOf returns the fiscal year of a date.
func FiscalOf(t time.Time) Fiscal {
	return Fiscal{Year: t.Year(), StartsOn: fmt.Sprintf("%04d-01-01", t.Year()), EndsOn: fmt.Sprintf("%04d-12-31", t.Year())}
}

// Ensure records the academic and fiscal years around now (two back, one ahead)
// and, when none is marked current yet, marks the ones now falls in.
func Ensure(ctx context.Context, d *db.DB, now time.Time) error {
	return d.InTx(ctx, func(tx db.Tx) error {
		cur := AcademicOf(now)
		start, _ := strconv.Atoi(cur.Code[:4])
		for y := start - 2; y <= start+1; y++ {
			a := AcademicStarting(y)
			if _, err := tx.ExecContext(ctx, `INSERT INTO academic_year (code, starts_on, ends_on) VALUES ($1, $2, $3)
				ON CONFLICT (code) DO NOTHING`, a.Code, a.StartsOn, a.EndsOn); err != nil {
				return fmt.Errorf("record academic year %s: %w", a.Code, err)
			}
		}
		fcur := FiscalOf(now)
		for y := fcur.Year - 2; y <= fcur.Year+1; y++ {
			f := FiscalOf(time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC))
			if _, err := tx.ExecContext(ctx, `INSERT INTO fiscal_year (year, starts_on, ends_on) VALUES ($1, $2, $3)
				ON CONFLICT (year) DO NOTHING`, f.Year, f.StartsOn, f.EndsOn); err != nil {
				return fmt.Errorf("record fiscal year %d: %w", f.Year, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE academic_year SET is_current = TRUE WHERE code = $1
			AND NOT EXISTS (SELECT 1 FROM academic_year WHERE is_current)`, cur.Code); err != nil {
			return fmt.Errorf("mark current academic year: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fiscal_year SET is_current = TRUE WHERE year = $1
			AND NOT EXISTS (SELECT 1 FROM fiscal_year WHERE is_current)`, fcur.Year); err != nil {
			return fmt.Errorf("mark current fiscal year: %w", err)
		}
		return nil
	})
}

// CurrentAcademic returns the academic year marked current.
func CurrentAcademic(ctx context.Context, q db.Querier) (Academic, error) {
	var a Academic
	err := q.QueryRowContext(ctx, `SELECT code, starts_on, ends_on, is_current FROM academic_year WHERE is_current`).
		Scan(&a.Code, &a.StartsOn, &a.EndsOn, &a.Current)
	if db.IsNoRows(err) {
		return Academic{}, fault.New(fault.NotFound, "尚未设置当前学年", "no academic year is marked current")
	}
	if err != nil {
		return Academic{}, fmt.Errorf("current academic year: %w", err)
	}
	return a, nil
}

// SetCurrentAcademic marks code as the current academic year (the year-end
// promotion of the student registry moves it on).
func SetCurrentAcademic(ctx context.Context, d *db.DB, code string) error {
	a, err := ParseAcademic(code)
	if err != nil {
		return err
	}
	return d.InTx(ctx, func(tx db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO academic_year (code, starts_on, ends_on) VALUES ($1, $2, $3)
			ON CONFLICT (code) DO NOTHING`, a.Code, a.StartsOn, a.EndsOn); err != nil {
			return fmt.Errorf("record academic year %s: %w", a.Code, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE academic_year SET is_current = FALSE WHERE is_current`); err != nil {
			return fmt.Errorf("unmark academic year: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE academic_year SET is_current = TRUE WHERE code = $1`, a.Code); err != nil {
			return fmt.Errorf("mark academic year %s: %w", a.Code, err)
		}
		return nil
	})
}

// ListAcademic returns the recorded academic years, newest first.
func ListAcademic(ctx context.Context, q db.Querier) ([]Academic, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, starts_on, ends_on, is_current FROM academic_year ORDER BY code DESC`)
	if err != nil {
		return nil, fmt.Errorf("list academic years: %w", err)
	}
	defer rows.Close()
	var out []Academic
	for rows.Next() {
		var a Academic
		if err := rows.Scan(&a.Code, &a.StartsOn, &a.EndsOn, &a.Current); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CurrentFiscal returns the fiscal year marked current.
func CurrentFiscal(ctx context.Context, q db.Querier) (Fiscal, error) {
	var f Fiscal
	err := q.QueryRowContext(ctx, `SELECT year, starts_on, ends_on, is_current FROM fiscal_year WHERE is_current`).
		Scan(&f.Year, &f.StartsOn, &f.EndsOn, &f.Current)
	if db.IsNoRows(err) {
		return Fiscal{}, fault.New(fault.NotFound, "尚未设置当前财年", "no fiscal year is marked current")
	}
	if err != nil {
		return Fiscal{}, fmt.Errorf("current fiscal year: %w", err)
	}
	return f, nil
}
