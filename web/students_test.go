package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

// studentFixture is the web fixture with a student registry: pupils at the
// two primaries of 珠晖区 (2143000001, 2143000002) and at the senior school of
// 衡阳县 (3443000004), and users of each kind that meets students.
type studentFixture struct {
	*fixture
	reg   *student.Registry
	by    student.Actor
	seq   int
	users map[string]*http.Client
}

const studentPassword = "Student-Pass-2026"

func newStudentFixture(t *testing.T) *studentFixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	keys, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	reg := student.New(f.db, keys)
	reg.Schools, reg.Audit = f.reg, audit.New(f.db)
	f.ui.d.Students, f.ui.d.Audit = reg, reg.Audit
	if err := year.Ensure(ctx, f.db, time.Now()); err != nil {
		t.Fatal(err)
	}
	sf := &studentFixture{fixture: f, reg: reg, by: student.Actor{Username: "seed", OrgKind: auth.OrgCity, OrgCode: "4304"},
		users: map[string]*http.Client{}}
	for _, nu := range []auth.NewUser{
		{Username: "school.a", Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "2143000001"},
		{Username: "school.b", Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "2143000002"},
		{Username: "school.c", Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "3443000004"},
		{Username: "county.zh", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "students"},
		{Username: "county.hy", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421", Section: "students"},
		{Username: "inspector", Role: auth.Inspector, OrgKind: auth.OrgCounty, OrgCode: "430405", Schools: []string{"2143000001"}},
	} {
		nu.Password = studentPassword
		if _, err := f.auth.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
		c := f.newClient()
		f.signInAs(c, nu.Username, studentPassword)
		sf.users[nu.Username] = c
	}
	return sf
}

// pupil registers a pupil of the given school and grade, born in the year
// that grade's children are.
func (sf *studentFixture) pupil(name, school string, g student.Grade, male bool) student.Student {
	sf.t.Helper()
	sf.seq++
	born := time.Date(2026-6-int(g), 3, 1+sf.seq%27, 0, 0, 0, 0, time.UTC)
	seq := sf.seq * 2
	gender := idno.Female
	if male {
		seq++
		gender = idno.Male
	}
	s := student.Student{Name: name, Gender: gender, BirthDate: born.Format(time.DateOnly), IDType: idno.ResidentIDCard,
		IDNumber: idno.MakeResidentID("430405", born, seq), Ethnicity: "01", Hukou: "430405", Address: "珠晖区东风路 88 号",
		Guardians: []student.Guardian{{Name: "家长" + name, Relation: "mother", Phone: fmt.Sprintf("139%08d", sf.seq)}},
		School:    school, Grade: g, EnrolledOn: "2025-09-01"}
	got, err := sf.reg.Create(context.Background(), scope.Everything, s, sf.by)
	if err != nil {
		sf.t.Fatalf("create %s: %v", name, err)
	}
	got.IDNumber = s.IDNumber
	return got
}

func (sf *studentFixture) as(user, path string) response {
	sf.t.Helper()
	req, _ := http.NewRequest("GET", sf.srv.URL+path, nil)
	return sf.do(sf.users[user], req)
}

func (sf *studentFixture) postAs(user, path string, form url.Values) response {
	sf.t.Helper()
	c := sf.client
	if user != "admin" {
		c = sf.users[user]
	}
	return sf.post(c, path, form)
}

func (sf *studentFixture) audits(action string) int {
	sf.t.Helper()
	var n int
	if err := sf.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		sf.t.Fatal(err)
	}
	return n
}

func TestStudentListSearchAndScope(t *testing.T) {
	sf := newStudentFixture(t)
	sf.signIn()
	zhang := sf.pupil("张小明", "2143000001", 3, true)
	sf.pupil("张小红", "2143000001", 3, false)
	li := sf.pupil("李雷", "2143000002", 5, true)
	sf.pupil("王芳", "3443000004", 10, false)

	res := sf.get("/students")
	if res.status != http.StatusOK {
		t.Fatalf("/students: %d\n%s", res.status, res.body)
	}
	mustContain(t, "list", res.body, `id="student-list"`, "张小明", "李雷", "王芳", `id="new-student"`, "共 4 名学生")
	// The ID numbers are masked in the list: first 6 and last 4 only.
	mustNotContain(t, "list masks", res.body, zhang.IDNumber)
	mustContain(t, "masked id", res.body, pii.MaskID(zhang.IDNumber))

	// One box: a name prefix, the last 4 or 6 of the ID, the student number.
	mustContain(t, "by name", sf.get("/students?q="+url.QueryEscape("张小")).body, "张小明", "张小红", "共 2 名学生")
	res = sf.get("/students?q=" + zhang.IDNumber[14:])
	mustContain(t, "by last 4", res.body, "张小明")
	mustNotContain(t, "by last 4 only", res.body, "张小红")
	mustContain(t, "by last 6", sf.get("/students?q="+zhang.IDNumber[12:]).body, "张小明", "共 1 名学生")
	mustContain(t, "by student number", sf.get("/students?q=G"+zhang.IDNumber).body, "张小明", "共 1 名学生")

	// Filters: county, school, grade, status; htmx gets the fragment with
	// the school and class selects refreshed out of band.
	res = sf.get("/students?county=430421")
	mustContain(t, "county", res.body, "王芳")
	mustNotContain(t, "county", res.body, "张小明")
	res = sf.get("/students?county=430405&school=2143000002", "HX-Request", "true")
	mustContain(t, "htmx fragment", res.body, `id="field-filter-school" hx-swap-oob="true"`, `<option value="2143000002" selected>`, "李雷")
	mustNotContain(t, "htmx fragment", res.body, "<html", "张小明")
	res = sf.get("/students?county=430421&school=2143000002", "HX-Request", "true")
	mustContain(t, "a school of another county is dropped", res.body, "王芳")
	mustContain(t, "grade", sf.get("/students?grade=5").body, "李雷", "共 1 名学生")
	mustContain(t, "status", sf.get("/students?status=at_school&sort=grade&desc=1").body, "共 4 名学生")

	// A bad filter says what is wrong, on the page.
	res = sf.get("/students?grade=13&per_page=9999&sort=shoe")
	if res.status != http.StatusBadRequest {
		t.Errorf("bad filter: %d", res.status)
	}
	mustContain(t, "bad filter", res.body, `id="filter-errors"`, "年级", "每页条数", "排序")

	// A school's administrator sees their own school only; another
	// school's student is not found, as if it did not exist.
	res = sf.as("school.b", "/students")
	mustContain(t, "school b", res.body, "李雷", "共 1 名学生")
	if res = sf.as("school.b", "/students/"+strconv.FormatInt(zhang.ID, 10)); res.status != http.StatusNotFound {
		t.Errorf("another school's student: %d", res.status)
	}
	if res = sf.as("county.hy", "/students/"+strconv.FormatInt(li.ID, 10)); res.status != http.StatusNotFound {
		t.Errorf("another county's student: %d", res.status)
	}
	if res = sf.as("county.zh", "/students/"+strconv.FormatInt(li.ID, 10)); res.status != http.StatusOK {
		t.Errorf("the county's student: %d", res.status)
	}
}

func TestStudentExport(t *testing.T) {
	sf := newStudentFixture(t)
	sf.signIn()
	a := sf.pupil("张小明", "2143000001", 3, true)
	ctx := context.Background()
	k, err := sf.reg.CreateClass(ctx, scope.Everything, student.Class{School: "2143000001", AcademicYear: year.AcademicOf(time.Now()).Code,
		Grade: 3, Number: 9, Name: "=HYPERLINK(\"x\")"}, sf.by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sf.reg.Place(ctx, scope.Everything, a.ID, 3, k.ID, "", "分班", sf.by); err != nil {
		t.Fatal(err)
	}
	// The administrator may see personal data: the export has the numbers
	// in full, and the export is in the audit log.
	res := sf.get("/students/export.csv?q=" + url.QueryEscape("张"))
	if res.status != http.StatusOK || !strings.HasPrefix(res.body, "\uFEFF") {
		t.Fatalf("csv: %d %q", res.status, res.body[:min(len(res.body), 40)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv rows %v: %v", rows, err)
	}
	line := strings.Join(rows[1], "|")
	mustContain(t, "unmasked csv", line, a.IDNumber, "G"+a.IDNumber, "张小明", "'=HYPERLINK")
	mustContain(t, "headers", strings.Join(rows[0], "|"), "全国学籍号", "证件号码", "学校名称")
	if n := sf.audits("student.export"); n != 1 {
		t.Errorf("audit entries of the export: %d", n)
	}
	// The inspector may not: masked, and audited as well.
	res = sf.as("inspector", "/students/export.csv")
	mustNotContain(t, "masked csv", res.body, a.IDNumber)
	mustContain(t, "masked csv", res.body, pii.MaskID(a.IDNumber))
	res = sf.as("inspector", "/students/export.xlsx")
	if res.status != http.StatusOK {
		t.Fatalf("xlsx: %d", res.status)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := x.GetRows("学生名单")
	if err != nil || len(cells) != 2 || cells[1][5] != pii.MaskID(a.IDNumber) {
		t.Fatalf("xlsx rows %v: %v", cells, err)
	}
	var detail string
	sf.db.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'student.export' AND username = 'inspector' ORDER BY seq DESC LIMIT 1`).Scan(&detail)
	if !strings.HasPrefix(detail, "masked") {
		t.Errorf("the inspector's export is recorded as %q", detail)
	}
	// A bad filter is a page, not a broken file.
	if res = sf.get("/students/export.csv?grade=x"); res.status != http.StatusUnprocessableEntity && res.status != http.StatusBadRequest {
		t.Errorf("bad export filter: %d", res.status)
	}
}

var revealedRE = regexp.MustCompile(`id="student-id-number">([^<]+)<`)

func TestStudentProfileRevealAndActions(t *testing.T) {
	sf := newStudentFixture(t)
	sf.signIn()
	s := sf.pupil("赵小刚", "2143000001", 4, true)
	path := "/students/" + strconv.FormatInt(s.ID, 10)
	res := sf.get(path)
	if res.status != http.StatusOK {
		t.Fatalf("profile: %d\n%s", res.status, res.body)
	}
	mustContain(t, "profile", res.body, `id="student-name"`, "赵小刚", `id="student-timeline"`, `data-kind="enrol"`, "入学",
		`id="student-guardians"`, `id="action-reveal"`, `id="action-suspend"`, `id="action-dropout"`, `data-confirm="确定登记赵小刚辍学`)
	mustNotContain(t, "masked", res.body, s.IDNumber, "家长赵小刚")
	if m := revealedRE.FindStringSubmatch(res.body); m == nil || m[1] != pii.MaskID(s.IDNumber) {
		t.Fatalf("masked id: %v", m)
	}

	// Show in full: a reason is required, then the number shows and the view is audited.
	res = sf.post(sf.client, path+"/reveal", url.Values{"reason": {""}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("reveal without reason: %d", res.status)
	}
	mustContain(t, "reason needed", res.body, `id="action-reveal" open`, "请说明查看完整个人信息的理由")
	before := sf.audits("student.view_pii")
	res = sf.post(sf.client, path+"/reveal", url.Values{"reason": {"核对转学材料"}})
	if m := revealedRE.FindStringSubmatch(res.body); res.status != 200 || m == nil || m[1] != s.IDNumber {
		t.Fatalf("revealed: %d %v", res.status, m)
	}
	mustContain(t, "revealed", res.body, `id="revealed-note"`, "家长赵小刚")
	if sf.audits("student.view_pii") != before+1 {
		t.Errorf("the reveal is not in the audit log")
	}
	// Without the permission the route is refused.
	if res = sf.postAs("inspector", path+"/reveal", url.Values{"reason": {"看看"}}); res.status != http.StatusForbidden {
		t.Errorf("inspector reveal: %d", res.status)
	}

	// An action refused names the field and keeps the input; then done.
	res = sf.post(sf.client, path+"/actions/suspend", url.Values{"on": {"2026-13-01"}, "reason": {""}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad suspend: %d\n%s", res.status, res.body)
	}
	mustContain(t, "suspend errors", res.body, `id="action-suspend" open`, `value="2026-13-01"`, "field-error")
	res = sf.post(sf.client, path+"/actions/suspend", url.Values{"reason": {"因病休学"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("suspend: %d\n%s", res.status, res.body)
	}
	res = sf.get(path)
	mustContain(t, "suspended", res.body, `data-kind="suspend"`, "因病休学", `id="action-resume"`, "已登记休学")
	if res = sf.post(sf.client, path+"/actions/resume", url.Values{"reason": {"病愈"}}); res.status != http.StatusSeeOther {
		t.Fatalf("resume: %d", res.status)
	}
	if res = sf.post(sf.client, path+"/actions/absence", url.Values{"reason": {"外出务工"}}); res.status != http.StatusSeeOther {
		t.Fatalf("absence: %d\n%s", res.status, res.body)
	}
	res = sf.post(sf.client, path+"/actions/dropout", url.Values{"reason": {"work"}, "note": {"随父母外出"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("dropout: %d\n%s", res.status, res.body)
	}
	res = sf.get(path)
	mustContain(t, "dropped out", res.body, "外出务工", `id="action-readmit"`, `id="student-followups"`)
	res = sf.get("/followups")
	mustContain(t, "follow-up list", res.body, "赵小刚", `id="followup-list"`)
	// Unknown action.
	if res = sf.post(sf.client, path+"/actions/fly", url.Values{}); res.status != http.StatusNotFound {
		t.Errorf("unknown action: %d", res.status)
	}
	// Readmitted: back on the roll, the follow-up closed as returned.
	res = sf.post(sf.client, path+"/actions/readmit", url.Values{"school": {"2143000001"}, "grade": {"4"}, "reason": {"劝返成功"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("readmit: %d\n%s", res.status, res.body)
	}
	mustContain(t, "readmitted", sf.get(path).body, `data-kind="reenrol"`, "student-status-enrolled")
}

func TestStudentForm(t *testing.T) {
	sf := newStudentFixture(t)
	sf.signIn()
	born := time.Date(2018, 5, 6, 0, 0, 0, 0, time.UTC)
	id := idno.MakeResidentID("430405", born, 31)
	form := url.Values{"county": {"430405"}, "school": {"2143000001"}, "grade": {"2"}, "name": {"孙悟"}, "gender": {"male"},
		"birth_date": {"2018-05-07"}, "id_type": {"resident_id"}, "id_number": {id}, "ethnicity": {"01"}, "nationality": {"CHN"},
		"hukou": {"430405"}, "address": {"珠晖区茶山坳镇 1 号"}, "guardians[0].name": {"孙大圣"}, "guardians[0].relation": {"father"},
		"guardians[0].phone": {"13907340000"}}
	// The birth date disagrees with the ID number: an error beside the field, the input kept.
	res := sf.post(sf.client, "/students", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch: %d\n%s", res.status, res.body)
	}
	mustContain(t, "mismatch", fieldBlock(res.body, "id_number")+fieldBlock(res.body, "birth_date"), "field-error")
	mustContain(t, "kept", fieldBlock(res.body, "name"), `value="孙悟"`)
	form.Set("birth_date", "2018-05-06")
	res = sf.post(sf.client, "/students", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	// The same ID again is refused.
	form.Set("name", "孙悟空")
	if res = sf.post(sf.client, "/students", form); res.status != http.StatusConflict {
		t.Errorf("duplicate: %d", res.status)
	}
	// Edit: the masked values stay as stored; the name changes.
	res = sf.get(loc + "/edit")
	mustContain(t, "edit form", res.body, `id="student-form"`, pii.MaskID(id), `name="version" value="1"`)
	edit := url.Values{"version": {"1"}, "name": {"孙悟净"}, "gender": {"male"}, "birth_date": {"2018-05-06"}, "id_type": {"resident_id"},
		"id_number": {pii.MaskID(id)}, "student_no": {student.MaskStudentNo("G" + id)}, "ethnicity": {"01"}, "nationality": {"CHN"},
		"hukou": {"430405"}, "address": {student.MaskAddress("珠晖区茶山坳镇 1 号")}, "guardians[0].name": {pii.MaskName("孙大圣")},
		"guardians[0].relation": {"father"}, "guardians[0].phone": {pii.MaskPhone("13907340000")}}
	if res = sf.post(sf.client, loc, edit); res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	got, err := sf.reg.Reveal(context.Background(), auth.User{Role: auth.Admin}, mustID(t, loc), "test", sf.by)
	if err != nil || got.Name != "孙悟净" || got.IDNumber != id || got.Guardians[0].Phone != "13907340000" {
		t.Fatalf("after edit: %+v %v", got, err)
	}
	// A stale version is refused.
	if res = sf.post(sf.client, loc, edit); res.status != http.StatusPreconditionFailed {
		t.Errorf("stale edit: %d", res.status)
	}
	// The new form follows the county and school chosen (htmx reloads it).
	res = sf.get("/students/new?county=430405&school=2143000001")
	mustContain(t, "new form", res.body, `<option value="2143000001" selected>`, `id="field-class_id"`)
}

func mustID(t *testing.T, loc string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("no id in %q", loc)
	}
	return n
}
