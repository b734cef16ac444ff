package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuri/excelize/v2"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

func TestSignInAndOut(t *testing.T) {
	f := newFixture(t)

	// Not signed in: pages send the browser to the sign-in page and back.
	res := f.get("/schools?type=primary")
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login?next="+url.QueryEscape("/schools?type=primary") {
		t.Fatalf("anonymous /schools: %d %q", res.status, res.header.Get("Location"))
	}
	res = f.get("/login?next=/schools")
	mustContain(t, "login page", res.body, `id="login-form"`, `name="next" value="/schools"`, `<title>登录 · 衡阳市教育局</title>`, `lang="zh-CN"`)

	// Wrong password: a clear message beside the form, the user name kept.
	res = f.post(f.client, "/login", url.Values{"username": {adminName}, "password": {"wrong-Password-1"}, "next": {"/schools"}})
	if res.status != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d", res.status)
	}
	mustContain(t, "wrong password", res.body, `id="login-error"`, "用户名或密码不正确", `value="admin"`)
	if len(res.header.Values("Set-Cookie")) != 0 {
		t.Errorf("wrong password set a cookie: %v", res.header.Values("Set-Cookie"))
	}

	// Right password: the session cookie, then back to next.
	res = f.post(f.client, "/login", url.Values{"username": {adminName}, "password": {adminPassword}, "next": {"/schools"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/schools" {
		t.Fatalf("sign in: %d %q", res.status, res.header.Get("Location"))
	}
	cookie := res.header.Get("Set-Cookie")
	mustContain(t, "session cookie", cookie, auth.CookieName+"=", "Path=/", "HttpOnly", "SameSite=Lax")
	mustNotContain(t, "session cookie without TLS", cookie, "Secure")
	res = f.get("/schools")
	if res.status != http.StatusOK {
		t.Fatalf("signed-in /schools: %d", res.status)
	}
	mustContain(t, "layout", res.body, `id="current-user"`, "管理员 (admin)", `id="logout-form"`, "v-test")

	// A foreign next is refused.
	other := f.newClient()
	res = f.post(other, "/login", url.Values{"username": {adminName}, "password": {adminPassword}, "next": {"//evil.example/x"}})
	if res.header.Get("Location") != "/" {
		t.Errorf("next=//evil.example: redirected to %q", res.header.Get("Location"))
	}

	// Sign out: the session is revoked and the cookie cleared.
	res = f.post(f.client, "/logout", nil)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
		t.Fatalf("sign out: %d %q", res.status, res.header.Get("Location"))
	}
	if res = f.get("/"); res.status != http.StatusSeeOther {
		t.Errorf("after sign-out /: status %d", res.status)
	}
}

func TestDashboard(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	res := f.get("/")
	if res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	// Running schools only: 4 (the closed one is left out), 3 public, 1 private, 6,000 places.
	for id, want := range map[string]string{"figure-schools": "4", "figure-public": "3", "figure-private": "1", "figure-capacity": "6,000"} {
		got := between(res.body, `id="`+id+`"`, "</div>")
		if !strings.Contains(got, `<span class="figure-value">`+want+`</span>`) {
			t.Errorf("%s: want %s in %q", id, want, got)
		}
	}
	county := between(res.body, `id="table-by-county"`, "</table>")
	mustContain(t, "table by county", county, "珠晖区", "雁峰区", "衡阳县", "南岳区", "小学", "幼儿园", "高级中学")
	mustNotContain(t, "table by county", county, "初级中学") // only the closed school is junior
	// 珠晖区: 2 primary, 2,700 places.
	row := between(county, "珠晖区", "</tr>")
	if !regexp.MustCompile(`<strong>2</strong></td>\s*<td class="num">2,700</td>`).MatchString(row) {
		t.Errorf("珠晖区 row: %s", row)
	}
	mustContain(t, "table by type", between(res.body, `id="table-by-type"`, "</table>"), "50.0%", "25.0%")
	mustContain(t, "echarts", res.body, "/static/vendor/echarts.min.")
	for _, id := range []string{"chart-by-county-data", "chart-by-type-data"} {
		raw := between(res.body, `id="`+id+`">`, "</script>")
		raw = strings.TrimPrefix(raw, `id="`+id+`">`)
		var opt map[string]any
		if err := json.Unmarshal([]byte(raw), &opt); err != nil {
			t.Errorf("%s is not JSON: %v\n%s", id, err, raw)
			continue
		}
		if _, ok := opt["series"]; !ok {
			t.Errorf("%s has no series", id)
		}
	}
	mustNotContain(t, "CSP", res.body, "style=", "onclick", "<script>")
}

// rowCodes lists the school identifiers of table#school-list in order.
func rowCodes(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr data-code="(\d+)">`).FindAllStringSubmatch(between(body, `id="school-list"`, "</table>"), -1) {
		out = append(out, m[1])
	}
	return out
}

func TestSchoolList(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	for _, c := range []struct {
		query string
		want  string // identifiers in order
	}{
		{"", "1143000003 2143000001 2143000002 3143000005 3443000004"},
		{"?county=430405", "2143000001 2143000002"},
		{"?type=primary&ownership=public", "2143000001 2143000002"},
		{"?status=closed", "3143000005"},
		{"?ownership=private", "1143000003"},
		{"?q=" + url.QueryEscape("阳光"), "1143000003"},
		{"?q=experimental", "2143000001"},
		{"?sort=capacity&desc=1", "3443000004 2143000001 2143000002 3143000005 1143000003"},
		{"?sort=name", "2143000002 3143000005 3443000004 2143000001 1143000003"}, // by code point: 珠 耒 衡阳县 衡阳市 雁
		{"?per_page=2&page=2", "2143000002 3143000005"},
		{"?per_page=2&page=9", ""},
	} {
		res := f.get("/schools" + c.query)
		if res.status != http.StatusOK {
			t.Errorf("%s: status %d", c.query, res.status)
			continue
		}
		if got := strings.Join(rowCodes(res.body), " "); got != c.want {
			t.Errorf("%s: got %q, want %q", c.query, got, c.want)
		}
	}

	res := f.get("/schools?per_page=2&page=2&sort=name")
	mustContain(t, "page 2", res.body, `id="school-total"`, "共 5 所，显示第 3–4 所", `<span class="current" aria-current="page">2</span>`,
		`href="/schools?per_page=2&amp;sort=name"`, `rel="prev"`, `rel="next"`, `id="school-filter"`, `name="q"`,
		`href="/schools/export.csv?sort=name"`)
	// The sorted column's header reverses the order; the others sort ascending.
	mustContain(t, "sort links", res.body, `href="/schools?desc=1&amp;per_page=2&amp;sort=name"`, `href="/schools?per_page=2&amp;sort=capacity"`, `aria-sort="ascending"`)

	// htmx asks for the results fragment only.
	res = f.get("/schools?county=430405", "HX-Request", "true")
	if res.status != http.StatusOK || strings.Contains(res.body, "<html") || !strings.Contains(res.body, `id="school-list"`) {
		t.Errorf("htmx fragment: %d\n%s", res.status, res.body)
	}
	if got := strings.Join(rowCodes(res.body), " "); got != "2143000001 2143000002" {
		t.Errorf("htmx fragment rows: %q", got)
	}
	if !strings.Contains(res.header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary: %q", res.header.Get("Vary"))
	}
	// A history restore needs the whole page.
	res = f.get("/schools", "HX-Request", "true", "HX-History-Restore-Request", "true")
	mustContain(t, "history restore", res.body, "<html", `id="school-filter"`)
	// The full page has the form that drives the fragment.
	res = f.get("/schools")
	mustContain(t, "filter form", res.body, `hx-get="/schools"`, `hx-target="#school-results"`, `hx-push-url="true"`,
		`<option value="430405">珠晖区</option>`, `id="new-school"`)
}

func TestSchoolListBadQuery(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	for _, c := range []struct{ query, want string }{
		{"status=open", `办学状态：办学状态 &#34;open&#34; 无效`},
		{"page=-1", "页码"},
		{"page=abc", "页码"},
		{"per_page=100000", "每页条数"},
		{"sort=password", "不能按 &#34;password&#34; 排序"},
		{"desc=maybe", "排序方向"},
		{"type=castle", "办学类型"},
		{"county=43x", "县区代码"},
	} {
		res := f.get("/schools?" + c.query)
		if res.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", c.query, res.status)
		}
		mustContain(t, c.query, res.body, `id="filter-errors"`, c.want, `id="school-filter"`)
		// The fragment carries the message too (htmx swaps 400s in).
		res = f.get("/schools?"+c.query, "HX-Request", "true")
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, `id="filter-errors"`) {
			t.Errorf("%s via htmx: %d", c.query, res.status)
		}
	}
	// Exports refuse the same values with a page, not a broken file.
	res := f.get("/schools/export.csv?status=open")
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "open") {
		t.Errorf("export with a bad filter: %d", res.status)
	}
}

func TestExportCSV(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	res := f.get("/schools/export.csv?sort=code")
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	cd := res.header.Get("Content-Disposition")
	day := f.ui.now().In(shanghai).Format("2006-01-02")
	mustContain(t, "Content-Disposition", cd, `attachment; filename="schools-`+day+`.csv"`,
		`filename*=UTF-8''%E5%AD%A6%E6%A0%A1%E5%90%8D%E5%BD%95-`+day+`.csv`)
	if !strings.HasPrefix(res.body, "\uFEFF学校标识码,学校名称,英文名称,办学类型,") {
		t.Errorf("no BOM or header: %q", res.body[:min(80, len(res.body))])
	}
	lines := strings.Split(strings.TrimSuffix(res.body, "\r\n"), "\r\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want header + 5", len(lines))
	}
	mustContain(t, "kindergarten row", lines[1], "1143000003,雁峰区阳光幼儿园,,幼儿园,民办,办学中,430406,雁峰区",
		`"'=HYPERLINK(""http://evil.example"")"`)
	mustContain(t, "primary row", lines[2], "112.62,26.89", ",1800,")

	res = f.get("/schools/export.csv?county=430405&page=7&per_page=1")
	if n := strings.Count(res.body, "\r\n"); n != 3 {
		t.Errorf("filtered export: %d lines, want 3 (pages are ignored)", n)
	}
}

func TestExportXLSX(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	res := f.get("/schools/export.xlsx?type=primary")
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	mustContain(t, "Content-Disposition", res.header.Get("Content-Disposition"), ".xlsx", "filename*=UTF-8''")
	wb, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sheet := wb.GetSheetName(0)
	if sheet != "学校名录" {
		t.Errorf("sheet %q", sheet)
	}
	rows, err := wb.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "学校标识码" || rows[1][0] != "2143000001" || rows[2][1] != "珠晖区东风小学" {
		t.Fatalf("rows: %q", rows)
	}
	if rows[1][3] != "小学" || rows[1][16] != "1800" {
		t.Errorf("row 1: %q", rows[1])
	}
	style, _ := wb.GetCellStyle(sheet, "A1")
	if st, err := wb.GetStyle(style); err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header is not bold: %v %+v", err, st)
	}
	panes, err := wb.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row is not frozen: %+v %v", panes, err)
	}
}

// form is a valid new school, as a browser would post it.
func newSchoolForm() url.Values {
	return url.Values{"code": {"2143000009"}, "name": {"衡阳市新城小学"}, "name_en": {""}, "type": {"primary"},
		"ownership": {"public"}, "status": {"active"}, "county": {"430405"}, "township": {""}, "address": {"新城路 9 号"},
		"lng": {"112.6"}, "lat": {"26.9"}, "opened_on": {"2023-09-01"}, "closed_on": {""}, "headmaster": {"李华"},
		"capacity": {"1,200"}, "licence_no": {""}, "licence_issued_on": {""}, "licence_expires_on": {""}}
}

func (f *fixture) countSchools() int {
	f.t.Helper()
	pg, err := f.reg.List(context.Background(), scope.Everything, school.Filter{PerPage: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	return pg.Total
}

func TestCreateSchoolWithErrors(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	res := f.get("/schools/new")
	mustContain(t, "new form", res.body, `id="school-form"`, `action="/schools"`, `name="code"`, `data-townships="f-township"`)

	form := newSchoolForm()
	form.Set("code", "2143")
	form.Set("capacity", "很多")
	form.Set("lng", "east")
	form.Set("opened_on", "")
	form.Set("name", `<b>新城</b>`)
	res = f.post(f.client, "/schools", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.status)
	}
	for field, want := range map[string]string{
		"code":      "学校标识码应为 10 位数字",
		"capacity":  "规模（学位数）&#34;很多&#34; 应为整数",
		"lng":       "经度 &#34;east&#34; 应为数字",
		"opened_on": "办学中的学校须填写开办日期",
	} {
		block := fieldBlock(res.body, field)
		mustContain(t, "field "+field, block, `class="field-error"`, want, `aria-invalid="true"`)
	}
	// What the user typed is kept (and escaped).
	mustContain(t, "kept input", res.body, `value="很多"`, `value="east"`, `value="2143"`, `value="&lt;b&gt;新城&lt;/b&gt;"`,
		`<option value="430405" selected>珠晖区</option>`, `id="form-errors"`)
	mustNotContain(t, "no error on a good field", fieldBlock(res.body, "headmaster"), "field-error")
	if n := f.countSchools(); n != 5 {
		t.Errorf("%d schools after a refused form, want 5", n)
	}

	// Errors found by the registry (the identifier is taken) appear beside the field too.
	form = newSchoolForm()
	form.Set("code", "2143000001")
	res = f.post(f.client, "/schools", form)
	if res.status != http.StatusConflict {
		t.Errorf("duplicate: status %d", res.status)
	}
	mustContain(t, "duplicate", fieldBlock(res.body, "code"), "已被使用")
	// A private school without a licence.
	form = newSchoolForm()
	form.Set("ownership", "private")
	res = f.post(f.client, "/schools", form)
	mustContain(t, "licence", fieldBlock(res.body, "licence_no"), "民办学校须填写办学许可证号")
	if n := f.countSchools(); n != 5 {
		t.Errorf("%d schools after refused forms, want 5", n)
	}
}

func TestCreateRenameHistory(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	res := f.post(f.client, "/schools", newSchoolForm())
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/schools/2143000009" {
		t.Fatalf("create: %d %q\n%s", res.status, res.header.Get("Location"), res.body)
	}
	res = f.get("/schools/2143000009")
	mustContain(t, "detail", res.body, `id="flash"`, "已新建学校", `<h1 id="school-name">衡阳市新城小学</h1>`,
		`<dd id="school-capacity">1,200</dd>`, "珠晖区", "112.600000, 26.900000", `id="school-history"`, "新建", "小学", "办学中", "公办")
	// The flash shows once.
	if res = f.get("/schools/2143000009"); strings.Contains(res.body, `id="flash"`) {
		t.Error("the flash message showed twice")
	}

	res = f.get("/schools/2143000009/edit")
	mustContain(t, "edit form", res.body, `name="version" value="1"`, `name="renamed_on"`, `action="/schools/2143000009"`, "现名：衡阳市新城小学")
	form := newSchoolForm()
	form.Del("code")
	form.Set("version", "1")
	form.Set("name", "衡阳市育才小学")
	form.Set("renamed_on", "2024-09-01")
	res = f.post(f.client, "/schools/2143000009", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("rename: %d\n%s", res.status, res.body)
	}
	res = f.get("/schools/2143000009")
	mustContain(t, "after rename", res.body, "已保存", `<h1 id="school-name">衡阳市育才小学</h1>`)
	names := between(res.body, `id="school-name-list"`, "</table>")
	mustContain(t, "names", names, `<tr class="former-name">`, "衡阳市新城小学", "2023-09-01", "2024-09-01", "衡阳市育才小学")
	history := between(res.body, `id="school-history"`, "</table>")
	mustContain(t, "history", history, "更名", "学校名称", "<del>衡阳市新城小学</del>", "<ins>衡阳市育才小学</ins>", "admin")

	// A stale version is refused and nothing changes.
	form.Set("name", "衡阳市第三名字小学")
	res = f.post(f.client, "/schools/2143000009", form)
	if res.status != http.StatusPreconditionFailed {
		t.Errorf("stale version: status %d", res.status)
	}
	mustContain(t, "stale version", res.body, "已被他人修改", `value="衡阳市第三名字小学"`)
	s, err := f.reg.Get(context.Background(), scope.Everything, "2143000009")
	if err != nil || s.Name != "衡阳市育才小学" || s.Version != 2 {
		t.Errorf("after a stale save: %q v%d %v", s.Name, s.Version, err)
	}
	// A bad coordinate on edit is a field error, not a failure.
	form.Set("version", "2")
	form.Set("lat", "north")
	res = f.post(f.client, "/schools/2143000009", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("bad latitude: status %d", res.status)
	}
	mustContain(t, "bad latitude", fieldBlock(res.body, "lat"), "纬度 &#34;north&#34; 应为数字")
	mustNotContain(t, "bad latitude", fieldBlock(res.body, "lng"), "field-error")

	if res = f.get("/schools/2199999999"); res.status != http.StatusNotFound {
		t.Errorf("unknown school: %d", res.status)
	}
}

func TestEnglish(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	res := f.get("/lang?to=en&next=" + url.QueryEscape("/schools?type=primary"))
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/schools?type=primary" {
		t.Fatalf("switch: %d %q", res.status, res.header.Get("Location"))
	}
	res = f.get("/schools?type=primary")
	mustContain(t, "English list", res.body, `<html lang="en">`, "School registry", "Primary school",
		"衡阳市 Education Bureau", `href="/lang?to=zh-CN&amp;next=%2fschools%3ftype%3dprimary"`, ">Schools</a>")
	mustNotContain(t, "English list", res.body, "学校名录")
	res = f.get("/schools/2143000001")
	mustContain(t, "English detail", res.body, "History of changes", "Created", "Active", "Public")
	res = f.get("/schools?status=open")
	mustContain(t, "English errors", res.body, `Status: unknown status &#34;open&#34;`)
	res = f.get("/")
	mustContain(t, "English dashboard", res.body, "Places", "Schools by county and type", "Kindergarten")

	// Only local paths.
	for _, next := range []string{"https://evil.example/", "//evil.example", `/\evil.example`, "javascript:alert(1)"} {
		res = f.get("/lang?to=zh&next=" + url.QueryEscape(next))
		if loc := res.header.Get("Location"); loc != "/" {
			t.Errorf("next=%s: redirected to %q", next, loc)
		}
	}
}

// A county bureau's user reaches only that county. (auth grants permissions
// to administrators only for now, and an administrator reaches everything,
// so the handlers are called directly with a county user in the context.)
func TestCountyScope(t *testing.T) {
	f := newFixture(t)
	u := auth.User{Username: "zhuhui", Role: auth.Staff, Section: "schools", OrgKind: auth.OrgCounty, OrgCode: "430405"}
	call := func(h http.HandlerFunc, target string, pathValues ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", target, nil)
		for i := 0; i+1 < len(pathValues); i += 2 {
			r.SetPathValue(pathValues[i], pathValues[i+1])
		}
		r = r.WithContext(auth.WithUser(r.Context(), u))
		w := httptest.NewRecorder()
		h(w, r)
		return w
	}
	if got := strings.Join(rowCodes(call(f.ui.schoolList, "/schools").Body.String()), " "); got != "2143000001 2143000002" {
		t.Errorf("county user sees %q", got)
	}
	if w := call(f.ui.schoolDetail, "/schools/3443000004", "code", "3443000004"); w.Code != http.StatusNotFound {
		t.Errorf("school outside the scope: %d", w.Code)
	}
	body := call(f.ui.home, "/").Body.String()
	mustContain(t, "county dashboard", between(body, `id="figure-schools"`, "</div>"), ">2<")
	mustNotContain(t, "county dashboard", between(body, `id="table-by-county"`, "</table>"), "衡阳县")
	mustContain(t, "county default", call(f.ui.newSchool, "/schools/new").Body.String(), `<option value="430405" selected>`)
	if w := call(f.ui.exportCSV, "/schools/export.csv"); strings.Count(w.Body.String(), "\r\n") != 3 {
		t.Errorf("county export:\n%s", w.Body.String())
	}
}

func TestTownships(t *testing.T) {
	f := newFixture(t)
	f.signIn()
	res := f.get("/areas/430405/townships", "HX-Request", "true")
	if res.status != http.StatusOK || !strings.Contains(res.body, `<option value="430405`) || strings.Contains(res.body, "<html") {
		t.Errorf("townships: %d\n%s", res.status, res.body)
	}
	for _, code := range []string{"4304", "110101", "x"} {
		if res = f.get("/areas/" + code + "/townships"); res.status != http.StatusNotFound && res.status != http.StatusUnprocessableEntity {
			t.Errorf("townships of %s: %d", code, res.status)
		}
	}
	// Not signed in, htmx: tell htmx to go to the sign-in page, back to the page shown.
	anon := f.newClient()
	req, _ := http.NewRequest("GET", f.srv.URL+"/areas/430405/townships", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Current-URL", f.srv.URL+"/schools/new")
	res = f.do(anon, req)
	if res.status != http.StatusUnauthorized || res.header.Get("HX-Redirect") != "/login?next=%2Fschools%2Fnew" {
		t.Errorf("htmx without session: %d %q", res.status, res.header.Get("HX-Redirect"))
	}
}

func TestStatic(t *testing.T) {
	f := newFixture(t)
	res := f.get("/login")
	css := regexp.MustCompile(`/static/app\.[0-9a-f]{8}\.css`).FindString(res.body)
	js := regexp.MustCompile(`/static/vendor/htmx\.min\.[0-9a-f]{8}\.js`).FindString(res.body)
	if css == "" || js == "" {
		t.Fatalf("no hashed asset URLs in the page")
	}
	res = f.get(css)
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/css; charset=utf-8" ||
		res.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.Contains(res.body, "@media print") {
		t.Errorf("%s: %d %v", css, res.status, res.header)
	}
	// Go's client asks for gzip and undoes it transparently.
	res = f.get(js)
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/javascript; charset=utf-8" || !strings.Contains(res.body, "htmx") {
		t.Errorf("%s: %d %v", js, res.status, res.header)
	}
	for _, p := range []string{"/static/app.css", "/static/app.00000000.css", "/static/nothing.js"} {
		if res = f.get(p); res.status != http.StatusNotFound {
			t.Errorf("%s: %d", p, res.status)
		}
	}
}

// Every field history can name and every action has a label in both languages.
func TestLabelsCoverSchool(t *testing.T) {
	b, _ := json.Marshal(school.School{Lng: ptr(1), Lat: ptr(1)})
	var fields map[string]any
	json.Unmarshal(b, &fields)
	for name := range fields {
		if !i18n.Has("field." + name) {
			switch name {
			case "created_at", "county_name", "township_name":
				continue
			}
			t.Errorf("no label field.%s", name)
		}
	}
	for _, a := range []string{"create", "update", "rename", "close", "reopen"} {
		if !i18n.Has("action." + a) {
			t.Errorf("no label action.%s", a)
		}
	}
	for _, name := range formFields {
		if !i18n.Has("field." + name) {
			t.Errorf("no label for form field %s", name)
		}
	}
}

func TestNewFailsOnBrokenTemplate(t *testing.T) {
	f := newFixture(t)
	ui := &UI{d: f.ui.d, assets: f.ui.assets, pages: map[i18n.Lang]map[string]*template.Template{}}
	broken := fstest.MapFS{
		"templates/layout.html":   {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
		"templates/partials.html": {Data: []byte(``)},
	}
	for _, n := range pageNames {
		broken["templates/"+n+".html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}ok{{end}}{{define "townships"}}{{end}}`)}
	}
	if err := ui.parse(broken); err != nil {
		t.Fatalf("a complete set failed: %v", err)
	}
	broken["templates/home.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{t "x"}{{end}}`)}
	if err := ui.parse(broken); err == nil {
		t.Error("a broken template was accepted")
	}
	delete(broken, "templates/home.html")
	if err := ui.parse(broken); err == nil {
		t.Error("a missing template was accepted")
	}
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t)
	ui := *f.ui
	ui.d.Secure = true
	r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {adminName}, "password": {adminPassword}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	ui.login(w, r)
	if c := w.Header().Get("Set-Cookie"); w.Code != http.StatusSeeOther || !strings.Contains(c, "; Secure") || !strings.Contains(c, "HttpOnly") {
		t.Errorf("login over TLS: %d %q", w.Code, c)
	}
	w = httptest.NewRecorder()
	ui.switchLang(w, httptest.NewRequest("GET", "/lang?to=en", nil))
	if c := w.Header().Get("Set-Cookie"); !strings.Contains(c, "lang=en") || !strings.Contains(c, "; Secure") {
		t.Errorf("lang cookie over TLS: %q", c)
	}
}

func TestFailHidesInternalErrors(t *testing.T) {
	f := newFixture(t)
	w := httptest.NewRecorder()
	f.ui.Fail(w, httptest.NewRequest("GET", "/schools", nil), errors.New("dial tcp 10.0.0.5: password=hunter2"))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d", w.Code)
	}
	body := w.Body.String()
	mustContain(t, "error page", body, `id="error-message"`, "系统内部错误", "<title>")
	mustNotContain(t, "error page", body, "hunter2", "10.0.0.5")

	w = httptest.NewRecorder()
	f.ui.Fail(w, httptest.NewRequest("POST", "/schools", nil), fault.New(fault.Unauthorized, "请先登录", "please sign in"))
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `href="/login"`) {
		t.Errorf("unauthorized POST: %d", w.Code)
	}
	w = httptest.NewRecorder()
	f.ui.Fail(w, httptest.NewRequest("GET", "/x", nil), fault.New(fault.Forbidden, "无权访问", "forbidden"))
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "无权访问") {
		t.Errorf("forbidden: %d", w.Code)
	}
}
