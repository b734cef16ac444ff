package student

import (
	"context"
	"fmt"
	"strconv"

	"edubureau/scope"
)

// Profile is everything about one student a page shows: the record (masked),
// the enrolments, the timeline of events, the transfers and the follow-up
// cases, including those of duplicate records merged into this one.
type Profile struct {
	Student    Student     `json:"student"`
	Enrolments []Enrolment `json:"enrolments"`
	Events     []Event     `json:"events"`
	Transfers  []Transfer  `json:"transfers"`
	FollowUps  []FollowUp  `json:"follow_ups"`
	Merged     IDList      `json:"merged"` // the records merged into this one
}

// Profile returns a student in sc with their history, personal data masked
// (Reveal unmasks the record). A student outside sc is not found.
func (r *Registry) Profile(ctx context.Context, sc scope.Scope, id int64) (Profile, error) {
	s, _, err := r.load(ctx, r.DB, sc, id)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{Student: s.Mask(), Merged: []int64{}}
	rows, err := r.DB.QueryContext(ctx, `SELECT id FROM student WHERE merged_into = $1 ORDER BY id`, id)
	if err != nil {
		return Profile{}, fmt.Errorf("merged records of %d: %w", id, err)
	}
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return Profile{}, err
		}
		p.Merged = append(p.Merged, m)
	}
	rows.Close()
	ids := append([]int64{id}, p.Merged...)
	if p.Enrolments, err = r.enrolments(ctx, r.DB, ids); err != nil {
		return Profile{}, err
	}
	if p.Events, err = r.events(ctx, r.DB, ids); err != nil {
		return Profile{}, err
	}
	in, args := inList(ids, 1)
	if p.Transfers, err = r.transferList(ctx, r.DB, transferSelect+` WHERE t.student_id IN (`+in+`) ORDER BY t.requested_at, t.id`, args); err != nil {
		return Profile{}, err
	}
	if p.FollowUps, err = r.followUpsOf(ctx, r.DB, ids); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// IDList is a list of ids, written in JSON as strings: ids are 63-bit
// integers, beyond what JavaScript's numbers hold exactly (every id field of
// this package is written as a string for the same reason).
type IDList []int64

// MarshalJSON writes the ids as JSON strings.
func (l IDList) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	for i, id := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, id, 10)
		b = append(b, '"')
	}
	return append(b, ']'), nil
}
