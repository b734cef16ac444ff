package calendar

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"edubureau/fault"
)

// Every embedded file parses, is the year its name says, and Default builds.
func TestBuiltinNotices(t *testing.T) {
	notices, err := builtinNotices()
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 7 {
		t.Fatalf("%d notices, want 2020–2026", len(notices))
	}
	for i, n := range notices {
		if want := 2020 + i; n.Year != want {
			t.Errorf("notice %d is for %d, want %d", i, n.Year, want)
		}
		if len(n.Papers) == 0 || !strings.HasPrefix(n.Papers[0], "http") {
			t.Errorf("%d: no source paper", n.Year)
		}
		for j := 1; j < len(n.Days); j++ {
			if !n.Days[j-1].Date.Before(n.Days[j].Date) {
				t.Errorf("%d: days not sorted at %s", n.Year, n.Days[j].Date)
			}
		}
	}
	if _, err := fs.ReadFile(dataFS, "data/LICENSE"); err != nil {
		t.Error("LICENSE not embedded")
	}
	if got := Default().Years(); len(got) != 7 || got[0] != 2020 || got[6] != 2026 {
		t.Errorf("Default().Years() = %v", got)
	}
	if Default() != Default() {
		t.Error("Default is rebuilt")
	}
}

// The two irregular entries of the official data are accepted on purpose.
func TestParseNoticeOfficialIrregularities(t *testing.T) {
	c := Default()
	// The 2023 notice gives Saturday 2022-12-31 off (New Year 2022-12-31 … 2023-01-02).
	if e, ok := c.Lookup(day("2022-12-31")); !ok || !e.OffDay || e.Name != "元旦" {
		t.Errorf("2022-12-31 = %+v, %v", e, ok)
	}
	// 国办发明电〔2020〕1号: back to work on Monday 2020-02-03; Saturday 2020-02-01 no longer a make-up day.
	if e, ok := c.Lookup(day("2020-02-03")); !ok || e.OffDay {
		t.Errorf("2020-02-03 = %+v, %v", e, ok)
	}
	if w, _ := c.IsWorkday(day("2020-02-01")); w {
		t.Error("2020-02-01 must be off after the extension")
	}
}

const okEntry = `{"name": "国庆节", "date": "2025-10-01", "isOffDay": true}`

func notice(year string, entries ...string) string {
	return `{"year": ` + year + `, "papers": ["https://www.gov.cn/x"], "days": [` + strings.Join(entries, ",") + `]}`
}

func TestParseNoticeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       []string // fragments of the English message
	}{
		{"bad JSON", `{"year": 2025, "days": [`, []string{"t.json", "not valid JSON"}},
		{"empty file", ``, []string{"not valid JSON", "empty file"}},
		{"not an object", `[1,2]`, []string{"not valid JSON"}},
		{"trailing data", notice("2025", okEntry) + ` {}`, []string{"not valid JSON", "extra data"}},
		{"year missing", `{"days": [` + okEntry + `]}`, []string{"t.json", "year is missing"}},
		{"year null", notice("null", okEntry), []string{"year is missing"}},
		{"year a string", notice(`"2025"`, okEntry), []string{"year must be a whole number", `"2025"`}},
		{"year fractional", notice("2025.5", okEntry), []string{"year must be a whole number"}},
		{"year too small", notice("25", okEntry), []string{"year must be a whole number"}},
		{"days missing", `{"year": 2025}`, []string{"days is missing"}},
		{"days empty", notice("2025"), []string{"days is missing or empty"}},
		{"date twice", notice("2025", okEntry, `{"name":"国庆节","date":"2025-10-02","isOffDay":true}`, okEntry),
			[]string{"t.json", "entry days[2] (2025-10-01)", "same date as entry days[0]"}},
		{"wrong year", notice("2024", okEntry), []string{"entry days[0] (2025-10-01)", "not in 2024", "another year's file"}},
		{"previous year outside the New Year window", notice("2026", `{"name":"元旦","date":"2025-12-24","isOffDay":true}`),
			[]string{"not in 2026"}},
		{"next year", notice("2025", `{"name":"元旦","date":"2026-01-01","isOffDay":true}`), []string{"not in 2025"}},
		{"bad date", notice("2025", `{"name":"春节","date":"2025-02-31","isOffDay":true}`),
			[]string{"entry days[0] (2025-02-31)", "not a real date"}},
		{"bad date format", notice("2025", `{"name":"春节","date":"2025/02/01","isOffDay":true}`),
			[]string{"entry days[0] (2025/02/01)", "not a real date"}},
		{"make-up on a weekday", notice("2025", okEntry, `{"name":"国庆节","date":"2025-10-08","isOffDay":false}`),
			[]string{"entry days[1] (2025-10-08)", "must be a Saturday or Sunday", "Wednesday"}},
		{"date missing", notice("2025", `{"name":"国庆节","isOffDay":true}`), []string{"entry days[0] (?)", "date is missing"}},
		{"isOffDay missing", notice("2025", `{"name":"国庆节","date":"2025-10-01"}`), []string{"isOffDay is missing"}},
		{"name missing", notice("2025", `{"date":"2025-10-01","isOffDay":true}`), []string{"name (the holiday) is missing"}},
		{"isOffDay a string", notice("2025", `{"name":"国庆节","date":"2025-10-01","isOffDay":"true"}`), []string{"not valid JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseNotice(strings.NewReader(tc.json), "t.json")
			if err == nil {
				t.Fatal("accepted")
			}
			if fault.KindOf(err) != fault.Invalid {
				t.Errorf("kind = %s, want invalid", fault.KindOf(err))
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Msg.ZH == "" || fe.Msg.EN == "" || fe.Msg.ZH == fe.Msg.EN {
				t.Fatalf("not a bilingual fault: %v", err)
			}
			if !strings.Contains(fe.Msg.ZH, "t.json") {
				t.Errorf("Chinese message does not name the file: %s", fe.Msg.ZH)
			}
			for _, w := range tc.want {
				if !strings.Contains(fe.Msg.EN, w) {
					t.Errorf("message %q lacks %q", fe.Msg.EN, w)
				}
			}
		})
	}
}

func TestParseNoticeAccepts(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		days       int
	}{
		// Holidays do fall on weekends: Saturday 2025-10-04 off.
		{"off day on a Saturday", notice("2025", `{"name":"国庆节","date":"2025-10-04","isOffDay":true}`), 1},
		{"make-up Sunday", notice("2025", `{"name":"国庆节","date":"2025-09-28","isOffDay":false}`), 1},
		{"New Year from 31 December", notice("2023", `{"name":"元旦","date":"2022-12-31","isOffDay":true}`), 1},
		{"unknown members ignored", `{"$schema":"x","year":2025,"days":[` + okEntry + `]}`, 1},
		{"unsorted entries", notice("2025", okEntry, `{"name":"春节","date":"2025-01-28","isOffDay":true}`), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseNotice(strings.NewReader(tc.json), "t.json")
			if err != nil {
				t.Fatal(err)
			}
			if len(n.Days) != tc.days {
				t.Fatalf("%d days", len(n.Days))
			}
			if len(n.Days) == 2 && n.Days[0].Date != day("2025-01-28") {
				t.Errorf("not sorted: %v", n.Days)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	parse := func(js string) Notice {
		n, err := ParseNotice(strings.NewReader(js), "t.json")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := parse(notice("2025", okEntry))
	if _, err := New(a, a); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "2025") {
		t.Errorf("two notices for 2025: %v", err)
	}
	// The 2023 notice and a 2022 notice that disagree about 2022-12-31.
	n22 := parse(notice("2022", `{"name":"x","date":"2022-12-31","isOffDay":false}`))
	n23 := parse(notice("2023", `{"name":"元旦","date":"2022-12-31","isOffDay":true}`))
	if _, err := New(n22, n23); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "2022-12-31") {
		t.Errorf("conflicting notices: %v", err)
	}
	// Agreeing duplicates are fine.
	n22b := parse(notice("2022", `{"name":"元旦","date":"2022-12-31","isOffDay":true}`))
	if _, err := New(n22b, n23); err != nil {
		t.Errorf("agreeing notices: %v", err)
	}
}

// Expectations in the other tests are checked against the data: every entry
// of every official file is what the Calendar says.
func TestCalendarMatchesEveryEntry(t *testing.T) {
	notices, err := builtinNotices()
	if err != nil {
		t.Fatal(err)
	}
	c := Default()
	for _, n := range notices {
		for _, e := range n.Days {
			w, prov := c.IsWorkday(e.Date)
			if w == e.OffDay {
				t.Errorf("%d.json %s: IsWorkday = %v, isOffDay = %v", n.Year, e.Date, w, e.OffDay)
			}
			if prov != (e.Date.Year() < 2020 || (e.Date.Year() == 2026 && e.Date.Month() == 12 && e.Date.Day() > 24)) {
				t.Errorf("%s: provisional = %v", e.Date, prov)
			}
		}
	}
}

func TestNewChecksHandBuiltNotices(t *testing.T) {
	if _, err := New(Notice{Year: 12}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("year 12: %v", err)
	}
	n := Notice{Year: 2025, Days: []Day{{Date: day("2024-10-01"), Name: "国庆节", OffDay: true}}}
	if _, err := New(n); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "2024-10-01") {
		t.Errorf("date outside the year: %v", err)
	}
}
