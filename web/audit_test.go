package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/audit"
	"edubureau/auth"
)

// auditFixture is the web fixture with an audit log of 46 entries: the
// fixture's load of schools (seq 1, today), then 45 entries, 15 a day on
// 1–3 March 2025 (China Standard Time), every third a failed sign-in.
func auditFixture(t *testing.T) (*fixture, *audit.Log) {
	t.Helper()
	f := newFixture(t)
	l := audit.New(f.db)
	f.ui.d.Audit = l
	ctx := context.Background()
	for i := 0; i < 45; i++ {
		at := time.Date(2025, 3, 1+i/15, 9, i, 0, 0, shanghai)
		e := audit.Entry{At: at, Username: fmt.Sprintf("clerk%d", i%2), OrgKind: "county", OrgCode: "430405", IP: "10.0.0.7",
			Action: "school.update", RecordType: "school", RecordID: fmt.Sprintf("214300000%d", i%5)}
		if i%3 == 0 {
			e.Action, e.Outcome, e.RecordType, e.RecordID, e.Detail = "auth.sign_in_failed", audit.Failed, "user", e.Username, "wrong password"
		}
		if i == 44 {
			e.Changes = audit.Diff(map[string]string{"headmaster": "张明", "phone": "13812345678"},
				map[string]string{"headmaster": "李华", "phone": "13912345678"}, map[string]string{"phone": audit.PersonalPhone})
		}
		if err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	f.signIn() // the sign-in is not recorded here: the server connects auth's events
	return f, l
}

func rowsShown(body string) int { return strings.Count(body, `<tr data-seq="`) }

func TestAuditPage(t *testing.T) {
	f, _ := auditFixture(t)
	res := f.get("/audit")
	if res.status != http.StatusOK {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	mustContain(t, "audit page", res.body, `href="/audit"`, "审计日志", `id="audit-verify"`, `共 46 条，显示第 1–46 条`,
		`<tr data-seq="46">`, "登录失败", "auth.sign_in_failed", "wrong password",
		// Changes before → after, the phone masked.
		"李华", "138****5678", "139****5678", `id="export-xlsx" href="/audit/export.xlsx"`)
	mustNotContain(t, "audit page", res.body, "13812345678")
	if i, j := strings.Index(res.body, `data-seq="46"`), strings.Index(res.body, `data-seq="45"`); i < 0 || j < i {
		t.Error("newest first")
	}

	for _, c := range []struct {
		query string
		n     int
	}{
		{"user=clerk1", 22},
		{"record_type=school&record_id=2143000002", 6},
		{"action=auth.*", 15},
		{"action=school.update&outcome=ok", 30},
		{"outcome=failed", 15},
		{"from=2025-03-02&to=2025-03-02", 15},
		{"from=2025-03-02", 31}, // and the load of schools, today
		{"to=2025-03-01", 15},
		{"user=" + url.QueryEscape("' OR 1=1 --"), 0},
	} {
		res := f.get("/audit?" + c.query)
		if res.status != http.StatusOK || rowsShown(res.body) != c.n {
			t.Errorf("%s: status %d, %d rows, want %d", c.query, res.status, rowsShown(res.body), c.n)
		}
	}

	// Pages keep the search.
	res = f.get("/audit?user=clerk0&per_page=20&page=2")
	mustContain(t, "page 2", res.body, `id="pager"`, `href="/audit?per_page=20&amp;user=clerk0" hx-get="/audit?per_page=20&amp;user=clerk0" hx-target="#audit-results" hx-push-url="true" rel="prev"`, `共 23 条，显示第 21–23 条`)
	if rowsShown(res.body) != 3 {
		t.Errorf("page 2: %d rows", rowsShown(res.body))
	}
	// htmx asks for the results only.
	res = f.get("/audit?outcome=failed", "HX-Request", "true")
	if strings.Contains(res.body, "<html") || rowsShown(res.body) != 15 {
		t.Errorf("htmx fragment: %d rows\n%.300s", rowsShown(res.body), res.body)
	}

	// Mistakes are named on the page.
	res = f.get("/audit?outcome=maybe&from=2025-13-01&per_page=1000")
	if res.status != http.StatusBadRequest {
		t.Fatalf("bad query: status %d", res.status)
	}
	mustContain(t, "bad query", res.body, "开始日期", "2025-13-01", "每页条数")
	res = f.get("/audit?from=2025-03-03&to=2025-03-01")
	mustContain(t, "reversed dates", res.body, "结束日期")
}

func TestAuditVerifyNow(t *testing.T) {
	f, l := auditFixture(t)
	res := f.post(f.client, "/audit/verify", url.Values{})
	if res.status != http.StatusOK {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	mustContain(t, "verify", res.body, `data-intact="true"`, "审计链完好", "审计日志完好：46 条，序号 1–46")
	// The check is recorded, by whom.
	p, err := l.Search(context.Background(), audit.Filter{Action: "audit.verify"})
	if err != nil || p.Total != 1 || p.Items[0].Username != adminName {
		t.Fatalf("verify entry: %+v %v", p.Items, err)
	}

	// Someone with the database's rights alters entry 30.
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET username = 'nobody' WHERE seq = 30`} {
		if _, err := f.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	res = f.post(f.client, "/audit/verify", url.Values{})
	mustContain(t, "verify after tampering", res.body, `data-intact="false"`, "审计链已损坏", "第 30 条审计记录被篡改（哈希不符）")
	p, _ = l.Search(context.Background(), audit.Filter{Action: "audit.verify", Outcome: audit.Failed})
	if p.Total != 1 || p.Items[0].RecordID != "30" {
		t.Errorf("failed check entry: %+v", p.Items)
	}
}

func TestAuditExport(t *testing.T) {
	f, l := auditFixture(t)
	res := f.get("/audit/export.xlsx?outcome=failed&page=2")
	if res.status != http.StatusOK {
		t.Fatalf("status %d\n%.500s", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("content type %q", ct)
	}
	if cd := res.header.Get("Content-Disposition"); !strings.Contains(cd, "audit-log-") {
		t.Errorf("content disposition %q", cd)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("审计日志")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 16 {
		t.Fatalf("%d rows, want a header and the 15 failed sign-ins (pages ignored)", len(rows))
	}
	if rows[0][0] != "序号" || rows[0][8] != "操作" || rows[1][0] != "44" || rows[1][9] != "失败" || rows[1][8] != "auth.sign_in_failed" {
		t.Errorf("header %v, first row %v", rows[0], rows[1])
	}
	if len(rows[1][15]) != 64 {
		t.Errorf("hash column %q", rows[1][15])
	}
	// The export is recorded, with its search.
	p, err := l.Search(context.Background(), audit.Filter{Action: "audit.export"})
	if err != nil || p.Total != 1 || !strings.Contains(p.Items[0].Detail, "outcome=failed") || p.Items[0].Username != adminName {
		t.Fatalf("export entry: %+v %v", p.Items, err)
	}
	// A bad search is a page, not a broken file.
	if res := f.get("/audit/export.xlsx?outcome=maybe"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("bad export: status %d", res.status)
	}
}

func TestAuditRoutesNeedPermissions(t *testing.T) {
	f := newFixture(t)
	want := map[string]string{"GET /audit": "audit.view", "POST /audit/verify": "audit.view", "GET /audit/export.xlsx": "audit.export"}
	for _, rt := range f.ui.Routes() {
		key := rt.Method + " " + rt.Pattern
		if p, ok := want[key]; ok {
			if rt.Permission != p {
				t.Errorf("%s: permission %q, want %q", key, rt.Permission, p)
			}
			delete(want, key)
		}
	}
	if len(want) > 0 {
		t.Errorf("routes missing: %v", want)
	}
	// Without the log the pages say so rather than fail.
	req := httptest.NewRequest("GET", "/audit", nil)
	req = req.WithContext(auth.WithUser(req.Context(), auth.User{Username: adminName, Role: auth.Admin}))
	w := httptest.NewRecorder()
	f.ui.auditList(w, req)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "审计日志不可用") {
		t.Errorf("no audit log: status %d", w.Code)
	}
}

// FuzzAuditQuery: any query string gives a valid filter or named problems, never a panic.
func FuzzAuditQuery(f *testing.F) {
	for _, s := range []string{"", "user=li&from=2025-03-01&to=2025-03-02", "outcome=maybe&page=-1", "action=auth.*&per_page=200",
		"from=2025-02-30", "to=9999-12-31&page=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		aq := readAuditQuery(q)
		flt, err := aq.filter()
		if err != nil {
			return
		}
		if err := flt.Check(); err != nil {
			t.Fatalf("%q: filter passed but Check fails: %v", raw, err)
		}
		if _, err := url.ParseQuery(strings.TrimPrefix(aq.url("/audit"), "/audit?")); err != nil {
			t.Fatalf("%q: bad link %q", raw, aq.url("/audit"))
		}
	})
}
