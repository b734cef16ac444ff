package student

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"edubureau/idno"
	"edubureau/scope"
)

// Leaver is a student who finishes their school this year: enrolled in the
// last grade their school teaches (大班 at a kindergarten, the last primary
// grade at a primary school), so that the next stage must find them a
// place — the admission office's applicants for primary 1 and junior 7. A
// nine-year school's grade-6 pupils are not leavers: they stay on.
//
// The ID number and the address stay sealed under the registry's keys;
// IDIndex is the ID number's blind index (pii.IndexIDNumber), the same
// other duties compute, so a leaver already known elsewhere is found without
// opening anything. OpenLeaver opens the rest when it is needed.
type Leaver struct {
	ID       int64
	Name     string
	IDType   idno.IDType
	IDIndex  string
	School   string
	County   string // the school's county
	Township string // the residential address's township (9 digits), "" when not recorded
	Lng, Lat *float64
	idNumber string // sealed (student.id_number)
	address  string // sealed (student.address)
}

// LastPrimary is the last primary grade under the system: 6, or 5 under 五四制.
func (sys System) LastPrimary() Grade { return sys.lastPrimary() }

// leaverTypes are the school types whose last grade is g under the system.
func (sys System) leaverTypes(g Grade) []string {
	var out []string
	for _, row := range gradeTable {
		if span, _ := sys.Grades(row.Type); span.Last == g {
			out = append(out, string(row.Type))
		}
	}
	return out
}

// EachLeaver calls fn, in id order, for every student in sc enrolled in
// grade g at a school whose last grade is g.
func (r *Registry) EachLeaver(ctx context.Context, sc scope.Scope, g Grade, fn func(Leaver) error) error {
	types := r.Rules.System.leaverTypes(g)
	if len(types) == 0 {
		return nil
	}
	args := []any{Enrolled, int(g)}
	ph := make([]string, len(types))
	for i, t := range types {
		args = append(args, t)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	cond, more := sc.SQL("s.county_code", "s.school_code", len(args)+1)
	rows, err := r.DB.QueryContext(ctx, `SELECT s.id, s.name, s.id_type, s.id_number, s.id_index, s.address, s.township_code, s.lng, s.lat,
		s.school_code, s.county_code FROM student s JOIN school k ON k.code = s.school_code
		WHERE s.status = $1 AND s.grade = $2 AND k.type IN (`+strings.Join(ph, ", ")+`) AND `+cond+` ORDER BY s.id`, append(args, more...)...)
	if err != nil {
		return fmt.Errorf("list leavers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l Leaver
		var lng, lat sql.NullFloat64
		if err := rows.Scan(&l.ID, &l.Name, &l.IDType, &l.idNumber, &l.IDIndex, &l.address, &l.Township, &lng, &lat, &l.School, &l.County); err != nil {
			return err
		}
		if lng.Valid && lat.Valid {
			l.Lng, l.Lat = &lng.Float64, &lat.Float64
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// OpenLeaver decrypts a leaver's ID number and residential address, for a
// record of another duty that seals them again under its own column.
func (r *Registry) OpenLeaver(l Leaver) (idNumber, address string, err error) {
	if idNumber, err = r.open(l.idNumber, aadIDNumber); err != nil {
		return "", "", err
	}
	if address, err = r.open(l.address, aadAddress); err != nil {
		return "", "", err
	}
	return idNumber, address, nil
}
