package casework

import (
	"strings"
	"testing"

	"edubureau/calendar"
	"edubureau/i18n"
)

func date(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestShippedTypesAreWellDefined(t *testing.T) {
	types := Shipped(Config{})
	if len(types) != 10 {
		t.Fatalf("%d types shipped", len(types))
	}
	for i := range types {
		if err := types[i].Check(); err != nil {
			t.Error(err)
		}
	}
	if _, err := New(nil, types...); err != nil {
		t.Fatal(err)
	}
}

func TestNumberFormatAndPrefixes(t *testing.T) {
	types := Shipped(Config{Prefixes: map[string]string{InfoDisclosure: "湘教公"}})
	want := map[string]string{SchoolLicence: "衡教许〔2026〕12号", InfoDisclosure: "湘教公〔2026〕12号", Reconsideration: "衡教复〔2026〕12号"}
	for _, ty := range types {
		if w, ok := want[ty.Code]; ok {
			if got := ty.Number(2026, 12); got != w {
				t.Errorf("%s: %s, want %s", ty.Code, got, w)
			}
		}
	}
	custom := Shipped(Config{Format: "{prefix}[{year}]第{n}号"})[0]
	if got := custom.Number(2025, 3); got != "衡教许[2025]第3号" {
		t.Errorf("custom format: %s", got)
	}
	same := Shipped(Config{Prefixes: map[string]string{Complaint: "衡教许"}})
	if _, err := New(nil, same...); err == nil || !strings.Contains(err.Error(), "prefix") {
		t.Errorf("two types with one prefix: %v", err)
	}
}

func TestCheckFindsMistakes(t *testing.T) {
	base := func() Type { return Shipped(Config{})[2] } // info_disclosure
	cases := []struct {
		name string
		edit func(*Type)
		want string
	}{
		{"unknown permission", func(ty *Type) { ty.Transitions[0].Permission = "case.nope" }, "unknown permission"},
		{"dangling state", func(ty *Type) { ty.Transitions[0].To = "nowhere" }, "unknown to state"},
		{"undefined field", func(ty *Type) { ty.Transitions[0].Fields = []string{"nope"} }, "field \"nope\""},
		{"undefined document", func(ty *Type) { ty.Transitions[0].Documents = []string{"nope"} }, "document kind"},
		{"unknown rule", func(ty *Type) { ty.Transitions[0].Stop = "nope" }, "unknown rule"},
		{"two initial", func(ty *Type) { ty.States[1].Initial = true }, "2 initial"},
		{"duplicate state", func(ty *Type) { ty.States[1].Code = ty.States[0].Code }, "defined twice"},
		{"extension without one", func(ty *Type) { ty.Rules[0].Extension = 0 }, "no extension"},
		{"bad format", func(ty *Type) { ty.Format = "{prefix}-{n}" }, "{year}"},
		{"unknown section", func(ty *Type) { ty.Section = "nope" }, "section"},
		{"leaves final", func(ty *Type) { ty.Transitions[0].From = []string{"replied"} }, "leaves final"},
	}
	for _, c := range cases {
		ty := base()
		ty.Prefix = "X"
		c.edit(&ty)
		err := ty.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestCalendarStops: stops as recorded become what calendar.Deadline takes.
func TestCalendarStops(t *testing.T) {
	d := func(s string) calendar.Date { return date(t, s) }
	cases := []struct {
		name  string
		start string
		stops []Stop
		want  []calendar.Stop
	}{
		{"none", "2025-10-09", nil, nil},
		{"on the start day moves a day on", "2025-10-09", []Stop{{d("2025-10-09"), d("2025-10-13"), false}},
			[]calendar.Stop{{From: d("2025-10-10"), To: d("2025-10-13")}}},
		{"begun and ended on the start day is nothing", "2025-10-09", []Stop{{d("2025-10-09"), d("2025-10-09"), true}}, nil},
		{"touching stops merge", "2025-10-09", []Stop{{d("2025-10-20"), d("2025-10-22"), false}, {d("2025-10-13"), d("2025-10-20"), false}},
			[]calendar.Stop{{From: d("2025-10-13"), To: d("2025-10-22")}}},
		{"a restart in a merge wins", "2025-10-09", []Stop{{d("2025-10-13"), d("2025-10-20"), false}, {d("2025-10-20"), d("2025-10-21"), true}},
			[]calendar.Stop{{From: d("2025-10-13"), To: d("2025-10-21"), Restart: true}}},
		{"apart stay apart", "2025-10-09", []Stop{{d("2025-10-13"), d("2025-10-14"), false}, {d("2025-10-16"), d("2025-10-17"), false}},
			[]calendar.Stop{{From: d("2025-10-13"), To: d("2025-10-14")}, {From: d("2025-10-16"), To: d("2025-10-17")}}},
	}
	for _, c := range cases {
		got := Clock{Start: d(c.start), Stops: c.stops}.calendarStops()
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

func TestTextPutsNamesInTheirLanguage(t *testing.T) {
	got := text("“%s”须在 %d 日内", "%q within %d days", i18n.T("补正", "supplement"), 5)
	if got.ZH != "“补正”须在 5 日内" || got.EN != `"supplement" within 5 days` {
		t.Errorf("%+v", got)
	}
}

func TestConfigForAbbreviates(t *testing.T) {
	for _, tc := range []struct{ name, abbrev, want string }{
		{"衡阳市", "", "衡教许"},
		{"长宁区", "", "长教许"},
		{"长宁区", "宁", "宁教许"},
		{"", "", DefaultPrefixes[SchoolLicence]},
	} {
		types := Shipped(ConfigFor(tc.name, tc.abbrev))
		for _, ty := range types {
			if ty.Code == SchoolLicence && ty.Prefix != tc.want {
				t.Errorf("%q/%q: prefix %q, want %q", tc.name, tc.abbrev, ty.Prefix, tc.want)
			}
		}
	}
	if n := Shipped(ConfigFor("长宁区", ""))[0].Number(2026, 12); n[:3] != "长" {
		t.Errorf("number %q", n)
	}
}

// TestCheckFindsFixedPeriodMistakes: a period whose last day a step gives
// must name a date field, and the steps that start it must require it.
func TestCheckFindsFixedPeriodMistakes(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Type)
		want string
	}{
		{"not a date field", func(ty *Type) { ty.Rules[2].DueField = "issues" }, "not a date field"},
		{"started without the field", func(ty *Type) {
			for i := range ty.Transitions {
				if ty.Transitions[i].Code == "fail" {
					ty.Transitions[i].Fields = []string{"issues"}
				}
			}
		}, "without requiring rectify_by"},
		{"the opening lacks it", func(ty *Type) { ty.OpenFields = []string{"check_year"} }, "not required at opening"},
		{"an extension without a unit", func(ty *Type) { ty.Rules[2].Unit = 0 }, "has no unit"},
	} {
		ty := annualCheck(0)
		ty.Prefix = "X"
		if err := ty.Check(); err != nil {
			t.Fatal(err)
		}
		tc.edit(&ty)
		if err := ty.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
