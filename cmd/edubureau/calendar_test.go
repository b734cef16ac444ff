package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
)

const cliNotice2027 = `{"year": 2027, "papers": ["https://www.gov.cn/example"], "days": [
 {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
 {"name": "国庆节", "date": "2027-09-26", "isOffDay": false},
 {"name": "国庆节", "date": "2027-10-01", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-04", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-05", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-06", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-07", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-09", "isOffDay": false}]}`

func writeNotice(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCalendarCommand(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			good := writeNotice(t, "2027.json", cliNotice2027)
			twice := writeNotice(t, "2027.json", strings.Replace(cliNotice2027, `"2027-10-07"`, `"2027-10-06"`, 1))
			wrong := writeNotice(t, "2028.json", cliNotice2027)

			// A bad file: exit 1, one line naming the file and the entry, nothing written.
			code, out, errs := auditRun(dsn, "calendar", "import", twice)
			if code != 1 || !strings.Contains(errs, twice) || !strings.Contains(errs, "entry days[6] (2027-10-06): the same date as entry days[5]") ||
				strings.Count(errs, "\n") != 1 {
				t.Fatalf("date twice: exit %d\n%s%s", code, out, errs)
			}
			code, _, errs = auditRun(dsn, "calendar", "import", wrong, "--db", dsn)
			if code != 1 || !strings.Contains(errs, "named for 2028 but its year is 2027") {
				t.Fatalf("wrong year: exit %d %s", code, errs)
			}
			code, _, errs = auditRun(dsn, "calendar", "import", filepath.Join(t.TempDir(), "none.json"))
			if code != 1 || !strings.Contains(errs, "none.json") || !strings.Contains(errs, "no such file") {
				t.Fatalf("missing file: exit %d %s", code, errs)
			}
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var n int
			if err := d.QueryRow(`SELECT COUNT(*) FROM calendar_notice`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("stored after refusals: %d %v", n, err)
			}

			// Before the import 2027 is provisional.
			code, out, _ = auditRun(dsn, "calendar", "show", "2027")
			if code != 0 || !strings.Contains(out, "no notice published") || !strings.Contains(out, "working days in 2027 (工作日): 261 (provisional)") {
				t.Fatalf("show unpublished: exit %d\n%s", code, out)
			}
			// Flags after the file, as the usage line writes them.
			code, out, errs = auditRun("sqlite:/nonexistent/x.db", "calendar", "import", good, "--db", dsn)
			if code != 0 || !strings.Contains(out, "imported the calendar for 2027") || !strings.Contains(out, "6 days off, 2 make-up workdays") {
				t.Fatalf("import: exit %d\n%s%s", code, out, errs)
			}
			code, out, _ = auditRun(dsn, "calendar", "import", good)
			if code != 0 || !strings.Contains(out, "nothing changed") {
				t.Fatalf("re-import: exit %d %s", code, out)
			}
			var by string
			if err := d.QueryRow(`SELECT imported_by FROM calendar_notice WHERE year = 2027`).Scan(&by); err != nil || by != "cli:ops" {
				t.Fatalf("imported_by %q %v", by, err)
			}
			code, out, _ = auditRun(dsn, "calendar", "show", "2027")
			if code != 0 || !strings.Contains(out, "imported from 2027.json by cli:ops") ||
				!strings.Contains(out, "off (休)     2027-10-01 Fri, 2027-10-04 Mon – 2027-10-07 Thu (4 days)") ||
				!strings.Contains(out, "work (班)    2027-09-26 Sun, 2027-10-09 Sat") ||
				!strings.Contains(out, "working days in 2027 (工作日): 257 (provisional: the next year") {
				t.Fatalf("show 2027: exit %d\n%s", code, out)
			}
			code, out, _ = auditRun(dsn, "calendar", "show", "--db", dsn, "2025")
			if code != 0 || !strings.Contains(out, "2025: built in (2025.json)") || !strings.Contains(out, "春节") ||
				!strings.Contains(out, "2025-01-28 Tue – 2025-02-04 Tue (8 days)") || !strings.Contains(out, "working days in 2025 (工作日): 248\n") {
				t.Fatalf("show 2025: exit %d\n%s", code, out)
			}
		})
	}
}

func TestCalendarCommandLine(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"calendar"}, 2, "a subcommand is needed"},
		{[]string{"calendar", "-h"}, 0, "usage: edubureau calendar import FILE.json"},
		{[]string{"calendar", "import", "-h"}, 0, "holiday-cn JSON format"},
		{[]string{"calendar", "show", "-h"}, 0, "usage: edubureau calendar show YEAR [--db DSN]"},
		{[]string{"calendar", "import"}, 2, "FILE.json is required"},
		{[]string{"calendar", "import", "a.json", "b.json"}, 2, `unexpected argument "b.json"`},
		{[]string{"calendar", "show", "twenty"}, 2, `YEAR "twenty" is not a year`},
		{[]string{"calendar", "show", "1200"}, 1, "outside the calendar"},
		{[]string{"calendar", "show", "2025", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"calendar", "burn"}, 2, `unknown subcommand "burn"`},
	} {
		code, out, errs := auditRun(dsn, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
}
