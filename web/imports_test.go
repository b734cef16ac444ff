package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/student"
	"edubureau/year"
)

// newImportFixture is the web fixture with the import service: students
// (with a test key) and schools.
func newImportFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	if err := year.Ensure(context.Background(), f.db, time.Now()); err != nil {
		t.Fatal(err)
	}
	keys, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(f.db)
	svc := importer.New(f.db, log, t.TempDir())
	students := student.New(f.db, keys)
	students.Audit, students.Schools = log, f.reg
	svc.Register(student.ImportKind{Registry: students})
	svc.Register(school.ImportKind{Registry: f.reg})
	ui, err := New(Deps{DB: f.db, Schools: f.reg, Auth: f.auth, Audit: log, Imports: svc, MaxUpload: 1 << 20,
		Jurisdiction: area.Area{Code: "4304", Name: "衡阳市"}, Version: "v-test"})
	if err != nil {
		t.Fatal(err)
	}
	f.serve(ui, svc)
	return f
}

// serve puts ui, with its import service, behind the fixture's server and
// client (anew: sign in again).
func (f *fixture) serve(ui *UI, svc *importer.Service) {
	f.srv.Close()
	f.ui = ui
	f.srv = httptest.NewServer(f.mux())
	f.t.Cleanup(f.srv.Close)
	f.client = f.newClient()
	f.t.Cleanup(svc.Wait)
}

// upload posts a file to an import page as the browser's form does.
func (f *fixture) uploadImport(path, name string, content []byte, fields map[string]string) response {
	f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.do(f.client, req)
}

// finished follows an import's page until it shows the result.
func (f *fixture) finished(job string) response {
	f.t.Helper()
	for range 200 {
		res := f.get(job + "/progress")
		if res.status != http.StatusOK {
			f.t.Fatalf("progress: %d %s", res.status, res.body)
		}
		if strings.Contains(res.body, `id="import-result"`) {
			return f.get(job)
		}
		if !strings.Contains(res.body, `hx-trigger="every 1s"`) {
			f.t.Fatalf("a running import's fragment should poll:\n%s", res.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.t.Fatal("the import did not end")
	return response{}
}

func TestImportPages(t *testing.T) {
	f := newImportFixture(t)
	f.signIn()

	res := f.get("/imports")
	mustContain(t, "index", res.body, `data-kind="students"`, `data-kind="schools"`, "导入学生学籍", `href="/imports/students/template.xlsx"`)

	res = f.get("/imports/students/template.xlsx")
	if res.status != 200 || !strings.Contains(res.header.Get("Content-Disposition"), "students-template.xlsx") {
		t.Fatalf("template: %d %v", res.status, res.header)
	}
	if x, err := excelize.OpenReader(strings.NewReader(res.body)); err != nil {
		t.Fatal(err)
	} else {
		x.Close()
	}

	res = f.get("/imports/students")
	mustContain(t, "kind page", res.body, `id="import-form"`, `value="all_or_nothing"`, `value="valid_only"`, `name="dry_run"`, "还没有导入记录")

	// No file chosen: the page again, with the reason.
	res = f.uploadImport("/imports/students", "", nil, map[string]string{"mode": "all_or_nothing"})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "请选择要导入的文件") {
		t.Fatalf("no file: %d\n%s", res.status, between(res.body, `id="import-upload"`, "</form>"))
	}

	// A file with a wrong ID check character: refused, named by row and column, with the report.
	born := time.Date(2018, 3, 15, 0, 0, 0, 0, time.UTC)
	good := idno.MakeResidentID("430405", born, 11)
	bad := idno.MakeResidentID("430405", born, 13)
	bad = bad[:17] + map[bool]string{true: "1", false: "0"}[bad[17] == '0']
	csv := "学校标识码,年级,姓名,性别,出生日期,证件号码,民族\n" +
		"2143000001,二年级,张小明,男,2018-03-15," + good + ",汉族\n" +
		"2143000001,二年级,王小军,男,2018-03-15," + bad + ",汉族\n"
	res = f.uploadImport("/imports/students", "学生.csv", []byte(csv), map[string]string{"mode": "all_or_nothing"})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/imports/students/") {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	job := res.header.Get("Location")
	res = f.finished(job)
	mustContain(t, "refused", res.body, "有问题，未导入", `data-row="3"`, `data-cell="F3"`, "证件号码", "校验位", `id="report-link"`)
	rep := f.get(job + "/report.xlsx")
	if rep.status != 200 || !strings.Contains(rep.header.Get("Content-Disposition"), "problems.xlsx") {
		t.Fatalf("report: %d %v", rep.status, rep.header)
	}
	var n int
	f.db.QueryRow(`SELECT COUNT(*) FROM student`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d students written", n)
	}
	// The history lists it; cancelling an import that has ended is a conflict.
	mustContain(t, "history", f.get("/imports/students").body, "学生.csv", "有问题，未导入")
	req, _ := http.NewRequest("POST", f.srv.URL+job+"/cancel", nil)
	if res := f.do(f.client, req); res.status != http.StatusConflict {
		t.Fatalf("cancel: %d", res.status)
	}

	// Only the valid rows: the first is written.
	res = f.uploadImport("/imports/students", "学生.csv", []byte(csv), map[string]string{"mode": "valid_only"})
	res = f.finished(res.header.Get("Location"))
	mustContain(t, "valid only", res.body, "已导入有效行", "新增 1")
	f.db.QueryRow(`SELECT COUNT(*) FROM student`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d students written", n)
	}

	// Another school's administrator sees neither the import nor its report.
	if _, err := f.auth.CreateUser(context.Background(), auth.NewUser{Username: "other", Password: adminPassword, Role: auth.SchoolAdmin,
		OrgKind: auth.OrgSchool, OrgCode: "2143000002"}); err != nil {
		t.Fatal(err)
	}
	other := f.newClient()
	f.signInAs(other, "other", adminPassword)
	for _, p := range []string{job, job + "/report.xlsx", job + "/progress"} {
		req, _ := http.NewRequest("GET", f.srv.URL+p, nil)
		if res := f.do(other, req); res.status != http.StatusNotFound {
			t.Errorf("%s as another school: %d", p, res.status)
		}
	}
	// A school's administrator imports for their school: the file needs no school column.
	req, _ = http.NewRequest("GET", f.srv.URL+"/imports/students", nil)
	mustContain(t, "school admin", f.do(other, req).body, `id="fixed-school"`, "2143000002")
}
