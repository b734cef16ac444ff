package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/school"
)

// calendarFixture is newFixture on a given database (the calendar's pages
// are tested on both).
func calendarFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	reg := school.New(d)
	svc := auth.New(d)
	svc.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	if _, err := svc.CreateUser(ctx, auth.NewUser{Username: adminName, DisplayName: "管理员", Password: adminPassword,
		Role: auth.Admin, OrgKind: auth.OrgCity}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, auth.NewUser{Username: "clerk", Password: adminPassword, Role: auth.Staff,
		OrgKind: auth.OrgCity, OrgCode: "4304", Section: "schools"}); err != nil {
		t.Fatal(err)
	}
	ui, err := New(Deps{DB: d, Schools: reg, Auth: svc, Jurisdiction: area.Area{Code: "4304", Name: "衡阳市"}, Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: d, reg: reg, auth: svc, ui: ui}
	f.srv = httptest.NewServer(f.mux())
	t.Cleanup(f.srv.Close)
	f.client = f.newClient()
	return f
}

// upload posts a file as the calendar form does.
func (f *fixture) upload(name, body string) response {
	f.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if name != "" {
		w, err := mw.CreateFormFile("notice", name)
		if err != nil {
			f.t.Fatal(err)
		}
		w.Write([]byte(body))
	} else {
		mw.WriteField("other", "x")
	}
	mw.Close()
	req, err := http.NewRequest("POST", f.srv.URL+"/calendar", &b)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.do(f.client, req)
}

const webNotice2027 = `{"year": 2027, "papers": ["https://www.gov.cn/example"], "days": [
 {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
 {"name": "国庆节", "date": "2027-09-26", "isOffDay": false},
 {"name": "国庆节", "date": "2027-10-01", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-04", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-05", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-06", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-07", "isOffDay": true},
 {"name": "国庆节", "date": "2027-10-09", "isOffDay": false}]}`

func storedNotices(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(`SELECT COUNT(*) FROM calendar_notice`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCalendarPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := calendarFixture(t, d)
		f.signIn()

		res := f.get("/calendar")
		if res.status != 200 || !strings.Contains(res.body, `href="/calendar" class="active"`) ||
			!strings.Contains(res.body, `<tr data-year="2027" class="cal-unpublished">`) ||
			!strings.Contains(res.body, `enctype="multipart/form-data"`) || strings.Contains(res.body, "style=") {
			t.Fatalf("list: %d\n%s", res.status, res.body)
		}
		row := between(res.body, `<tr data-year="2025"`, "</tr>")
		if !strings.Contains(row, "内置") || !strings.Contains(row, "2025.json") || !strings.Contains(row, ">248<") {
			t.Errorf("2025 row: %s", row)
		}
		if !strings.Contains(res.body, `/static/calendar.`) {
			t.Error("the page's stylesheet is not linked")
		}

		// Bad files: the page says which entry, and nothing is stored.
		for _, tc := range []struct {
			name, file, body string
			status           int
			want             string
		}{
			{"a date twice", "2027.json", strings.Replace(webNotice2027, `"2027-10-07"`, `"2027-10-06"`, 1), 422, "第 days[6] 条（2027-10-06）：与第 days[5] 条日期重复"},
			{"the wrong year", "2028.json", webNotice2027, 422, "按文件名是 2028 年的，但其中 year 为 2027"},
			{"not JSON", "2027.json", "year: 2027", 422, "不是有效的 JSON"},
			{"a built-in year", "2025.json", `{"year": 2025, "days": [{"name": "元旦", "date": "2025-01-01", "isOffDay": true}]}`, 409, "已内置于本程序"},
			{"too large", "2027.json", strings.Repeat(" ", 300<<10), 422, "过大"},
			{"no file", "", "", 422, "请选择要上传的节假日文件"},
		} {
			res := f.upload(tc.file, tc.body)
			if res.status != tc.status || !strings.Contains(between(res.body, `id="upload-errors"`, "</div>"), tc.want) ||
				!strings.Contains(res.body, "日历没有任何改动") {
				t.Errorf("%s: %d\n%s", tc.name, res.status, between(res.body, `id="calendar-upload"`, "</section>"))
			}
		}
		// A form that is not multipart at all (the authorisation matrix sends one).
		if res := f.post(f.client, "/calendar", url.Values{}); res.status != 422 || !strings.Contains(res.body, "请选择要上传的节假日文件") {
			t.Errorf("empty form: %d", res.status)
		}
		if n := storedNotices(t, d); n != 0 {
			t.Fatalf("%d notices stored after refusals", n)
		}

		// A good file: stored, and the year's page says so.
		res = f.upload("2027.json", webNotice2027)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/calendar/2027" {
			t.Fatalf("upload: %d %s\n%s", res.status, res.header.Get("Location"), res.body)
		}
		res = f.get("/calendar/2027")
		if res.status != 200 || !strings.Contains(res.body, "节假日安排已导入") || !strings.Contains(res.body, "2027.json，由 admin 于") ||
			!strings.Contains(res.body, "2027 年共有 257 个工作日") {
			t.Fatalf("2027: %d\n%s", res.status, between(res.body, "<main", `id="calendar-months"`))
		}
		for date, class := range map[string]string{"2027-09-26": "cal-makeup", "2027-10-01": "cal-off", "2027-10-08": "cal-work", "2027-10-10": "cal-weekend",
			"2027-12-27": "cal-work cal-prov"} {
			if !strings.Contains(res.body, `<td class="cal-day `+class+`" data-date="`+date+`"`) {
				t.Errorf("%s is not %s", date, class)
			}
		}
		if h := between(res.body, `id="calendar-holidays"`, "</table>"); !strings.Contains(h, "10-01 周五, 10-04 周一 – 10-07 周四（4 天）") ||
			!strings.Contains(h, "09-26 周日, 10-09 周六") {
			t.Errorf("holidays: %s", h)
		}
		if n := storedNotices(t, d); n != 1 {
			t.Fatalf("%d notices stored", n)
		}
		// The same file again changes nothing; another 2027 is refused.
		if res := f.upload("2027.json", webNotice2027); res.status != http.StatusSeeOther {
			t.Fatalf("again: %d", res.status)
		}
		if res := f.get("/calendar/2027"); !strings.Contains(res.body, "该年已是此内容，未作改动") {
			t.Error("no unchanged flash")
		}
		res = f.upload("2027-fixed.json", strings.Replace(webNotice2027, `"2027-10-07", "isOffDay": true`, `"2027-10-08", "isOffDay": true`, 1))
		if res.status != 409 || !strings.Contains(res.body, "已于") || !strings.Contains(res.body, "由 admin 从 2027.json 导入") {
			t.Errorf("different 2027: %d\n%s", res.status, between(res.body, `id="upload-errors"`, "</div>"))
		}
		res = f.get("/calendar")
		if row := between(res.body, `<tr data-year="2027"`, "</tr>"); !strings.Contains(row, "已导入") || !strings.Contains(row, "admin") {
			t.Errorf("2027 row: %s", row)
		}
		if !strings.Contains(res.body, `<tr data-year="2028" class="cal-unpublished">`) {
			t.Error("2028 is not listed as unpublished")
		}

		// A built-in year, in English.
		res = f.get("/calendar/2025", "Cookie", "lang=en")
		if res.status != 200 || !strings.Contains(res.body, "2025 has 248 working days") || !strings.Contains(res.body, "<caption>September</caption>") ||
			!strings.Contains(res.body, `<td class="cal-day cal-makeup" data-date="2025-09-28" title="2025-09-28 国庆节、中秋节 · Make-up workday">`) {
			t.Errorf("2025 in English: %d\n%s", res.status, between(res.body, "<main", "</main>"))
		}
		// An unpublished year shows the weekend rule, provisional.
		res = f.get("/calendar/2031")
		if res.status != 200 || !strings.Contains(res.body, "未发布（暂定）") || !strings.Contains(res.body, `<td class="cal-day cal-weekend cal-prov" data-date="2031-01-04"`) {
			t.Errorf("2031: %d", res.status)
		}
		for _, p := range []string{"/calendar/abc", "/calendar/1200", "/calendar/20255"} {
			if res := f.get(p); res.status != 404 {
				t.Errorf("%s: %d", p, res.status)
			}
		}

		// Without calendar.manage: no page and no menu entry.
		other := f.newClient()
		f.signInAs(other, "clerk", adminPassword)
		req, _ := http.NewRequest("GET", f.srv.URL+"/calendar", nil)
		if res := f.do(other, req); res.status != 403 {
			t.Errorf("clerk: %d", res.status)
		}
		req, _ = http.NewRequest("GET", f.srv.URL+"/", nil)
		if res := f.do(other, req); strings.Contains(res.body, `href="/calendar"`) {
			t.Error("clerk sees the calendar in the menu")
		}
	})
}

// The built-in files are accepted as a no-op through the page too.
func TestCalendarUploadBuiltIn(t *testing.T) {
	f := calendarFixture(t, dbtest.SQLite(t))
	f.signIn()
	raw, err := os.ReadFile("../calendar/data/2024.json")
	if err != nil {
		t.Fatal(err)
	}
	if res := f.upload("2024.json", string(raw)); res.status != http.StatusSeeOther || res.header.Get("Location") != "/calendar/2024" {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if n := storedNotices(t, f.db); n != 0 {
		t.Fatalf("%d stored", n)
	}
}
