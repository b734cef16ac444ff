package calendar

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

// noticeJSON writes a notice file in the holiday-cn format; each entry is
// "date name off|work".
func noticeJSON(year int, entries ...string) string {
	type day struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay bool   `json:"isOffDay"`
	}
	v := struct {
		Year   int      `json:"year"`
		Papers []string `json:"papers"`
		Days   []day    `json:"days"`
	}{Year: year, Papers: []string{"https://www.gov.cn/example"}}
	for _, e := range entries {
		f := strings.Fields(e)
		v.Days = append(v.Days, day{Name: f[1], Date: f[0], IsOffDay: f[2] == "off"})
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// notice2027 is a made-up notice for 2027 (no real one is published yet).
var notice2027 = noticeJSON(2027,
	"2027-01-01 元旦 off", "2027-01-02 元旦 off", "2027-01-03 元旦 off",
	"2027-02-06 春节 off", "2027-02-07 春节 off", "2027-02-08 春节 off", "2027-02-09 春节 off",
	"2027-02-10 春节 off", "2027-02-11 春节 off", "2027-02-12 春节 off", "2027-02-13 春节 off",
	"2027-02-14 春节 work", "2027-02-20 春节 work",
	"2027-09-26 国庆节 work", "2027-10-01 国庆节 off", "2027-10-02 国庆节 off", "2027-10-03 国庆节 off",
	"2027-10-04 国庆节 off", "2027-10-05 国庆节 off", "2027-10-06 国庆节 off", "2027-10-07 国庆节 off",
	"2027-10-09 国庆节 work", "2027-12-26 元旦 work")

var clerk = audit.Actor{UserID: 7, Username: "wang", OrgKind: "city", OrgCode: "4304", IP: "192.0.2.7", RequestID: "req-1"}

func count(t *testing.T, d *db.DB, query string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportAndLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c, err := Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, prov := c.AddWorkdays(day("2027-09-24"), 1); got != day("2027-09-27") || !prov {
			t.Fatalf("before the import: %s %v", got, prov)
		}
		if got, prov := c.AddWorkdays(day("2025-09-26"), 1); got != day("2025-09-28") || prov {
			t.Fatalf("built in: %s %v", got, prov)
		}
		h := HolderFor(d)
		if hc, err := h.Calendar(ctx); err != nil || hc.Published(2027) {
			t.Fatalf("holder before: %v", err)
		}

		n, stored, err := Import(ctx, d, strings.NewReader(notice2027), "2027.json", clerk)
		if err != nil || !stored || n.Year != 2027 || len(n.Days) != 23 {
			t.Fatalf("import: %v stored=%v %+v", err, stored, n)
		}
		if c, err = Load(ctx, d); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			from string
			n    int
			want string
			prov bool
		}{
			{"2027-09-24", 1, "2027-09-26", false}, // the make-up Sunday
			{"2027-09-30", 1, "2027-10-08", false}, // across National Day
			{"2027-02-05", 1, "2027-02-14", false}, // across the Spring Festival to a make-up Sunday
			{"2027-12-20", 5, "2027-12-26", true},  // late December waits for the 2028 notice
			{"2026-12-30", 1, "2026-12-31", false}, // 2026's year end is settled now
		} {
			if got, prov := c.AddWorkdays(day(tc.from), tc.n); got != day(tc.want) || prov != tc.prov {
				t.Errorf("AddWorkdays(%s, %d) = %s, %v; want %s, %v", tc.from, tc.n, got, prov, tc.want, tc.prov)
			}
		}
		// The holder was told: the next request sees 2027.
		if hc, err := h.Calendar(ctx); err != nil || !hc.Published(2027) {
			t.Fatalf("holder after: %v", err)
		}
		if hc1, _ := h.Calendar(ctx); hc1 != mustHeld(t, h) {
			t.Fatal("the holder loads again instead of keeping its copy")
		}

		// Recorded: who, from where, which year.
		var action, user, ip, rid, detail string
		if err := d.QueryRowContext(ctx, `SELECT action, username, ip, record_id, detail FROM audit_log WHERE action = 'calendar.import'`).
			Scan(&action, &user, &ip, &rid, &detail); err != nil {
			t.Fatal(err)
		}
		if user != "wang" || ip != "192.0.2.7" || rid != "2027" || !strings.Contains(detail, "2027.json: 18 days off, 5 make-up workdays") {
			t.Errorf("audit entry: %s %s %s %s %q", action, user, ip, rid, detail)
		}

		// The same content again (another layout, another name): a no-op.
		same := strings.ReplaceAll(notice2027, "\n", "\n\n")
		if _, stored, err := Import(ctx, d, strings.NewReader(same), "copy.json", clerk); err != nil || stored {
			t.Fatalf("re-import: %v stored=%v", err, stored)
		}
		// Different content: refused, naming the earlier import.
		other := noticeJSON(2027, "2027-01-01 元旦 off")
		_, _, err = Import(ctx, d, strings.NewReader(other), "2027-v2.json", clerk)
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "wang") || !strings.Contains(err.Error(), "2027.json") {
			t.Fatalf("different content: %v", err)
		}
		// A built-in year: the same content is a no-op, other content refused.
		raw, err := os.ReadFile("data/2025.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, stored, err := Import(ctx, d, strings.NewReader(string(raw)), "2025.json", clerk); err != nil || stored {
			t.Fatalf("built-in identical: %v %v", err, stored)
		}
		_, _, err = Import(ctx, d, strings.NewReader(noticeJSON(2025, "2025-01-01 元旦 off")), "2025.json", clerk)
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "built into the program") {
			t.Fatalf("built-in different: %v", err)
		}
		// A 2028 notice that contradicts 2027's about a December day.
		_, _, err = Import(ctx, d, strings.NewReader(noticeJSON(2028, "2027-12-26 元旦 off", "2028-01-01 元旦 off")), "2028.json", clerk)
		if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "2027-12-26") || !strings.Contains(err.Error(), "2028.json") {
			t.Fatalf("contradiction: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM calendar_notice`); n != 1 {
			t.Errorf("%d notices stored, want 1", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.import'`); n != 1 {
			t.Errorf("%d import entries, want 1", n)
		}

		// The list: built-in years, the imported one, and 2028 unpublished.
		ys, _, err := Years(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ys) != 9 || ys[0].Year != 2020 || !ys[0].BuiltIn || ys[8].Year != 2028 || ys[8].Published || !ys[8].Provisional {
			t.Fatalf("years: %+v", ys)
		}
		y27 := ys[7]
		if y27.Year != 2027 || y27.BuiltIn || y27.Source != "2027.json" || y27.ImportedBy != "wang" || y27.ImportedAt.IsZero() ||
			y27.Off != 18 || y27.MakeUp != 5 || !y27.Provisional {
			t.Errorf("2027: %+v", y27)
		}
		if y25 := ys[5]; y25.Year != 2025 || y25.Workdays != 248 || y25.Provisional || y25.Source != "2025.json" {
			t.Errorf("2025: %+v", y25)
		}
		if y, _, err := Year(ctx, d, 2031); err != nil || y.Published || y.Workdays != 261 || !y.Provisional {
			t.Errorf("2031: %+v %v", y, err)
		}
		if _, _, err := Year(ctx, d, 12); fault.KindOf(err) != fault.NotFound {
			t.Errorf("year 12: %v", err)
		}
	})
}

func mustHeld(t *testing.T, h *Holder) *Calendar {
	t.Helper()
	p := h.cur.Load()
	if p == nil {
		t.Fatal("nothing held")
	}
	return p.cal
}

// Bad files are refused with a message naming the file and the entry, and
// nothing is written.
func TestImportRefusesBadFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, tc := range []struct {
			name, file, body string
			want             []string
		}{
			{"a date twice", "2027.json", noticeJSON(2027, "2027-01-01 元旦 off", "2027-01-02 元旦 off", "2027-01-01 元旦 off"),
				[]string{"2027.json", "days[2]", "2027-01-01", "the same date as entry days[0]"}},
			{"another year's date", "2027.json", noticeJSON(2027, "2027-01-01 元旦 off", "2028-01-01 元旦 off"),
				[]string{"days[1]", "2028-01-01", "not in 2027"}},
			{"a file named for another year", "2028.json", notice2027, []string{"2028.json", "named for 2028", "year is 2027"}},
			{"not a date", "2027.json", noticeJSON(2027, "2027-02-30 春节 off"), []string{"days[0]", "2027-02-30", "not a real date"}},
			{"a weekday make-up day", "2027.json", noticeJSON(2027, "2027-02-05 春节 work"), []string{"days[0]", "this is a Friday — is isOffDay flipped?", "此日是星期五——"}},
			{"malformed JSON", "2027.json", `{"year": 2027, "days": [`, []string{"2027.json", "not valid JSON"}},
			{"empty", "2027.json", "", []string{"empty file"}},
			{"no days", "2027.json", `{"year": 2027, "days": []}`, []string{"days is missing or empty"}},
			{"not UTF-8", "2027.json", "{\"year\": 2027, \"days\": [{\"name\": \"\xff\", \"date\": \"2027-01-01\", \"isOffDay\": true}]}", []string{"not UTF-8"}},
			{"too large", "2027.json", strings.Repeat(" ", MaxNoticeBytes+1), []string{"too large"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, stored, err := Import(ctx, d, strings.NewReader(tc.body), tc.file, clerk)
				if err == nil || stored || fault.KindOf(err) != fault.Invalid {
					t.Fatalf("accepted or wrong kind: %v", err)
				}
				msg := err.Error()
				if strings.Contains(msg, "\n") || strings.Contains(msg, "%!") {
					t.Errorf("not one line: %q", msg)
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("message lacks %q: %s", w, msg)
					}
				}
			})
		}
		if n := count(t, d, `SELECT COUNT(*) FROM calendar_notice`); n != 0 {
			t.Errorf("%d notices stored", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log`); n != 0 {
			t.Errorf("%d audit entries", n)
		}
	})
}

func TestHolidays(t *testing.T) {
	n, err := ParseNotice(strings.NewReader(notice2027), "2027.json")
	if err != nil {
		t.Fatal(err)
	}
	hs := n.Holidays()
	if len(hs) != 3 || hs[0].Name != "元旦" || len(hs[0].Off) != 3 || len(hs[0].MakeUp) != 1 ||
		hs[1].Name != "春节" || len(hs[1].Off) != 8 || len(hs[1].MakeUp) != 2 || hs[2].Name != "国庆节" {
		t.Fatalf("%+v", hs)
	}
}

func TestFileYear(t *testing.T) {
	for name, want := range map[string]int{"2027.json": 2027, "/tmp/x/2028.JSON": 2028, `C:\notices\2029.json`: 2029, "notice.json": 0, "20271.json": 0, "2027.txt": 0} {
		got, ok := fileYear(name)
		if got != want || ok != (want != 0) {
			t.Errorf("fileYear(%q) = %d, %v", name, got, ok)
		}
	}
	if s := sourceName(`C:\notices\2029.json`); s != "2029.json" {
		t.Errorf("sourceName: %q", s)
	}
}

// A holder re-reads the table once its copy is older than the TTL, so an
// import by another process (the CLI) reaches a running server.
func TestHolderTTL(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	h := &Holder{d: d, ttl: time.Millisecond}
	c1, err := h.Calendar(ctx)
	if err != nil || c1.Published(2027) {
		t.Fatalf("%v", err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO calendar_notice (year, source, notice, imported_at, imported_by) VALUES (2027, '2027.json', $1, $2, 'cli')`,
		notice2027, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.Calendar(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c2, err := h.Calendar(ctx)
	if err != nil || !c2.Published(2027) {
		t.Fatalf("not reloaded: %v", err)
	}
	// nil database: the built-in calendar.
	if c, err := HolderFor(nil).Calendar(ctx); err != nil || c != Default() {
		t.Fatal("nil holder")
	}
}
