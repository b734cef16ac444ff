package api

import (
	"context"
	"strings"
	"testing"

	"edubureau/audit"
	"edubureau/calendar"
)

// testCalendar runs the calendar's scenarios (from TestAPI, on each database).
func testCalendar(t *testing.T, f *fixture) {
	const add, between = "/api/v1/calendar/add-workdays", "/api/v1/calendar/workdays-between"
	cached := []string{"Cache-Control: public, max-age=3600", "Content-Type: application/json"}
	f.run(t, []call{
		// The law's example: Friday → the make-up Sunday.
		{name: "make-up Sunday", path: add + "?from=2025-09-26&days=1", as: "anon", status: 200,
			want: []string{`{"date":"2025-09-28","provisional":false}`}, headers: cached},
		{name: "signed in too", path: add + "?from=2025-09-26&days=1", status: 200, want: []string{`"2025-09-28"`}},
		// Spring Festival 2025: off 01-28…02-04, make-up 01-26 (Sun) and 02-08 (Sat).
		{name: "across the Spring Festival", path: add + "?from=2025-01-24&days=3", as: "anon", status: 200, want: []string{`{"date":"2025-02-05","provisional":false}`}},
		{name: "to the make-up Saturday", path: add + "?from=2025-01-24&days=6", as: "anon", status: 200, want: []string{`"date":"2025-02-08"`}},
		// National Day 2025: off 10-01…10-08.
		{name: "across National Day", path: add + "?from=2025-09-30&days=1", as: "anon", status: 200, want: []string{`{"date":"2025-10-09","provisional":false}`}},
		{name: "20 working days across National Day", path: add + "?from=2025-09-15&days=20", as: "anon", status: 200, want: []string{`"2025-10-17"`}},
		{name: "backwards", path: add + "?from=2025-10-09&days=-1", as: "anon", status: 200, want: []string{`"2025-09-30"`}},
		{name: "zero", path: add + "?from=2025-10-04&days=0", as: "anon", status: 200, want: []string{`"2025-10-04"`}},
		{name: "into 2027: provisional", path: add + "?from=2026-12-20&days=20", as: "anon", status: 200, want: []string{`{"date":"2027-01-15","provisional":true}`}},
		{name: "a 2027 date", path: add + "?from=2027-03-01&days=5", as: "anon", status: 200, want: []string{`{"date":"2027-03-08","provisional":true}`}},
		{name: "the bound", path: add + "?from=2025-01-01&days=10000", as: "anon", status: 200, want: []string{`"provisional":true`}},
		{name: "spaces are trimmed", path: add + "?from=%202025-09-26%20&days=%201", as: "anon", status: 200, want: []string{`"2025-09-28"`}},

		{name: "between: the inverse", path: between + "?from=2025-09-26&to=2025-09-28", as: "anon", status: 200,
			want: []string{`{"workdays":1,"provisional":false}`}, headers: cached},
		{name: "between: across the Spring Festival", path: between + "?from=2025-01-24&to=2025-02-08", as: "anon", status: 200, want: []string{`{"workdays":6,"provisional":false}`}},
		{name: "between: National Day off", path: between + "?from=2025-09-30&to=2025-10-08", as: "anon", status: 200, want: []string{`{"workdays":0,"provisional":false}`}},
		{name: "between: 2025", path: between + "?from=2024-12-31&to=2025-12-31", as: "anon", status: 200, want: []string{`{"workdays":248,"provisional":false}`}},
		{name: "between: backwards", path: between + "?from=2025-09-28&to=2025-09-26", as: "anon", status: 200, want: []string{`{"workdays":-1,"provisional":false}`}},
		{name: "between: 2027", path: between + "?from=2026-12-20&to=2027-01-15", as: "anon", status: 200, want: []string{`{"workdays":20,"provisional":true}`}},

		{name: "no from", path: add + "?days=1", as: "anon", status: 422, fields: []string{"from"}},
		{name: "no days", path: add + "?from=2025-09-26", as: "anon", status: 422, fields: []string{"days"}},
		{name: "nothing", path: add, as: "anon", status: 422, fields: []string{"from", "days"}},
		{name: "a date that does not exist", path: add + "?from=2025-02-29&days=1", as: "anon", status: 422, fields: []string{"from"}, want: []string{"2025-02-29"}},
		{name: "a malformed date", path: add + "?from=2025-9-26&days=1", as: "anon", status: 422, fields: []string{"from"}},
		{name: "days not a number", path: add + "?from=2025-09-26&days=one", as: "anon", status: 422, fields: []string{"days"}},
		{name: "days a fraction", path: add + "?from=2025-09-26&days=1.5", as: "anon", status: 422, fields: []string{"days"}},
		{name: "days too many", path: add + "?from=2025-09-26&days=10001", as: "anon", status: 422, fields: []string{"days"}, want: []string{"10000"}},
		{name: "days too few", path: add + "?from=2025-09-26&days=-10001", as: "anon", status: 422, fields: []string{"days"}},
		{name: "past year 9999", path: add + "?from=9999-12-01&days=100", as: "anon", status: 422, fields: []string{"days"}},
		{name: "in English", path: add + "?from=x&days=1", as: "anon", header: []string{"Accept-Language: en"}, status: 422, fields: []string{"from"},
			want: []string{`"x\" is not a real date written YYYY-MM-DD`}},
		{name: "an unknown parameter", path: add + "?from=2025-09-26&days=1&n=1", as: "anon", status: 400, fields: []string{"n"}, want: []string{"unknown-parameter"}},
		{name: "a repeated parameter", path: add + "?from=2025-09-26&days=1&days=2", as: "anon", status: 400, fields: []string{"days"}},
		{name: "between: no to", path: between + "?from=2025-09-26", as: "anon", status: 422, fields: []string{"to"}},
		{name: "between: both bad", path: between + "?from=a&to=b", as: "anon", status: 422, fields: []string{"from", "to"}},
		{name: "between: days is not a parameter", path: between + "?from=2025-09-26&to=2025-09-28&days=1", as: "anon", status: 400, fields: []string{"days"}},
	})

	// An imported year answers at once, and no longer provisionally.
	notice := `{"year": 2027, "days": [{"name": "国庆节", "date": "2027-09-26", "isOffDay": false}, {"name": "国庆节", "date": "2027-10-01", "isOffDay": true}]}`
	if _, _, err := calendar.Import(context.Background(), f.d, strings.NewReader(notice), "2027.json", audit.Actor{Username: "admin"}); err != nil {
		t.Fatal(err)
	}
	f.run(t, []call{
		{name: "after the 2027 import", path: add + "?from=2027-09-24&days=1", as: "anon", status: 200, want: []string{`{"date":"2027-09-26","provisional":false}`}},
		{name: "between after the import", path: between + "?from=2027-09-30&to=2027-10-04", as: "anon", status: 200, want: []string{`{"workdays":1,"provisional":false}`}},
	})
}
