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
	"edubureau/school"
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

var transferLinkRE = regexp.MustCompile(`/transfers/(\d+)`)

func TestStudentTransferPages(t *testing.T) {
	sf := newStudentFixture(t)
	sf.signIn()
	a := sf.pupil("周小燕", "2143000001", 3, false)
	c := sf.pupil("吴大伟", "3443000004", 10, true)

	// The receiving school asks, naming the child by number and name.
	res := sf.as("school.b", "/transfers/new")
	mustContain(t, "request form", res.body, `id="transfer-form"`, `name="to_school" value="2143000002"`)
	res = sf.postAs("school.b", "/transfers", url.Values{"number": {a.IDNumber}, "name": {"周小"}, "to_grade": {"3"}, "reason": {"随父母迁居"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong name: %d\n%s", res.status, res.body)
	}
	mustContain(t, "wrong name", res.body, `id="form-errors"`, `value="随父母迁居"`)
	res = sf.postAs("school.b", "/transfers", url.Values{"number": {a.IDNumber}, "name": {"周小燕"}, "to_grade": {"3"}, "reason": {""}})
	mustContain(t, "no reason", fieldBlock(res.body, "reason"), "field-error")
	res = sf.postAs("school.b", "/transfers", url.Values{"number": {a.IDNumber}, "name": {"周小燕"}, "to_grade": {"3"}, "reason": {"随父母迁居"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("request: %d\n%s", res.status, res.body)
	}
	tr := res.header.Get("Location")
	// A second request for the same child: refused clearly.
	res = sf.postAs("school.b", "/transfers", url.Values{"number": {a.IDNumber}, "name": {"周小燕"}, "to_grade": {"3"}, "reason": {"再次申请"}})
	if res.status != http.StatusConflict {
		t.Errorf("second request: %d", res.status)
	}
	// The sending school's inbox has it, with the badge; the receiving school sees it in progress.
	res = sf.as("school.a", "/transfers")
	mustContain(t, "sending inbox", res.body, `id="inbox-to-decide"`, "周小燕", `data-badge="1"`, `id="to-decide-count">1<`)
	mustContain(t, "receiving inbox", sf.as("school.b", "/transfers").body, `id="in-progress-count">1<`)
	// The receiving school cannot approve its own request; it may withdraw.
	res = sf.as("school.b", tr)
	mustContain(t, "receiver's view", res.body, `id="action-withdraw"`)
	mustNotContain(t, "receiver's view", res.body, `id="action-approve"`)
	if res = sf.postAs("school.b", tr+"/approve", url.Values{}); res.status != http.StatusForbidden {
		t.Errorf("receiver approves: %d", res.status)
	}
	// Refusing needs a reason; approving completes it (same county).
	res = sf.postAs("school.a", tr+"/reject", url.Values{"reason": {""}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("reject without reason: %d\n%s", res.status, res.body)
	}
	mustContain(t, "reject without reason", res.body, `id="action-reject" open`)
	if res = sf.postAs("school.a", tr+"/approve", url.Values{"note": {"同意"}}); res.status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.status, res.body)
	}
	res = sf.as("school.b", "/students/"+strconv.FormatInt(a.ID, 10))
	mustContain(t, "moved", res.body, `data-kind="transfer_in"`, `data-kind="transfer_out"`, "珠晖区东风小学")
	if res = sf.as("school.a", "/students/"+strconv.FormatInt(a.ID, 10)); res.status != http.StatusNotFound {
		t.Errorf("the old school still sees the student: %d", res.status)
	}

	// A grade the receiving school does not have.
	res = sf.postAs("school.b", "/transfers", url.Values{"number": {"G" + c.IDNumber}, "name": {"吴大伟"}, "to_grade": {"9"}, "reason": {"就近入学"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a grade the school lacks: %d", res.status)
	}
	mustContain(t, "wrong grade", fieldBlock(res.body, "to_grade"), "field-error")
	// A request needs a reason of two characters at least.
	d := sf.pupil("郑小军", "2143000001", 2, true)
	tr2loc := sf.postAs("county.hy", "/transfers", url.Values{"number": {d.IDNumber}, "name": {"郑小军"}, "to_school": {"3443000004"}, "to_grade": {"10"}, "reason": {"x"}})
	if tr2loc.status != http.StatusUnprocessableEntity {
		t.Errorf("a reason of one character: %d", tr2loc.status)
	}
	_ = d
	// Completed transfers show in the list of all.
	res = sf.get("/transfers?tab=all&status=completed")
	mustContain(t, "all completed", res.body, "周小燕", "共 1 条")
	if res = sf.get("/transfers?tab=all&status=lost"); res.status != http.StatusBadRequest {
		t.Errorf("bad status: %d", res.status)
	}
	if m := transferLinkRE.FindStringSubmatch(tr); m == nil {
		t.Fatalf("transfer location %q", tr)
	}
}

func TestStudentCrossCountyTransfer(t *testing.T) {
	sf := newStudentFixture(t)
	ctx := context.Background()
	// A nine-year school in 衡阳县 to receive a primary pupil of 珠晖区.
	if _, err := sf.reg.Schools.Create(ctx, scope.Everything, schoolOf("3143000009", "衡阳县九年一贯制学校", "430421"), sf.by); err != nil {
		t.Fatal(err)
	}
	rc := sf.newClient()
	if _, err := sf.auth.CreateUser(ctx, auth.NewUser{Username: "school.d", Password: studentPassword, Role: auth.SchoolAdmin,
		OrgKind: auth.OrgSchool, OrgCode: "3143000009"}); err != nil {
		t.Fatal(err)
	}
	sf.signInAs(rc, "school.d", studentPassword)
	sf.users["school.d"] = rc
	a := sf.pupil("钱小雨", "2143000001", 3, false)
	res := sf.postAs("school.d", "/transfers", url.Values{"number": {a.IDNumber}, "name": {"钱小雨"}, "to_grade": {"3"}, "reason": {"随父母回乡"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("request: %d\n%s", res.status, res.body)
	}
	tr := res.header.Get("Location")
	// The county bureaus wait for the school.
	mustContain(t, "county inbox before", sf.as("county.zh", "/transfers").body, `id="to-decide-count">0<`, `id="in-progress-count">1<`)
	if res = sf.postAs("county.zh", tr+"/approve", url.Values{}); res.status != http.StatusConflict {
		t.Errorf("county before school: %d", res.status)
	}
	if res = sf.postAs("school.a", tr+"/approve", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("school approves: %d\n%s", res.status, res.body)
	}
	mustContain(t, "county inbox", sf.as("county.zh", "/transfers").body, `id="to-decide-count">1<`, "钱小雨", `data-badge="1"`)
	mustContain(t, "county inbox", sf.as("county.hy", "/transfers").body, `id="to-decide-count">1<`)
	if res = sf.postAs("county.zh", tr+"/approve", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("from county: %d", res.status)
	}
	mustContain(t, "waiting for the other county", sf.as("county.hy", tr).body, `id="transfer-waiting"`, "衡阳县", `id="action-approve"`)
	if res = sf.postAs("county.hy", tr+"/approve", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("to county: %d", res.status)
	}
	mustContain(t, "completed", sf.as("school.d", tr).body, "已完成", `id="transfer-student"`)
}

func TestStudentClassesPromotionFollowUpsDuplicates(t *testing.T) {
	sf := newStudentFixture(t)
	sf.signIn()
	ctx := context.Background()
	yr := year.AcademicOf(time.Now()).Code

	// Classes: add one (a refusal first), put two pupils in it, set its limit to 1: over the limit.
	res := sf.post(sf.client, "/classes", url.Values{"school": {"2143000001"}, "year": {yr}, "grade": {"9"}, "number": {"1"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("grade 9 at a primary: %d\n%s", res.status, res.body)
	}
	mustContain(t, "class error", res.body, `id="action-new-class" open`, "field-error")
	res = sf.post(sf.client, "/classes", url.Values{"school": {"2143000001"}, "year": {yr}, "grade": {"6"}, "number": {"1"}, "head_teacher": {"陈老师"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("class: %d\n%s", res.status, res.body)
	}
	classes, err := sf.reg.Classes(ctx, scope.Everything, student.ClassFilter{School: "2143000001"})
	if err != nil || len(classes) != 1 {
		t.Fatalf("classes %v %v", classes, err)
	}
	k := classes[0]
	p1, p2 := sf.pupil("毕业生甲", "2143000001", 6, true), sf.pupil("毕业生乙", "2143000001", 6, false)
	for _, p := range []student.Student{p1, p2} {
		if _, err := sf.reg.Place(ctx, scope.Everything, p.ID, 6, k.ID, "", "分班", sf.by); err != nil {
			t.Fatal(err)
		}
	}
	kp := "/classes/" + strconv.FormatInt(k.ID, 10)
	if res = sf.post(sf.client, kp, url.Values{"name": {k.Name}, "head_teacher": {"陈老师"}, "size_limit": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("limit: %d\n%s", res.status, res.body)
	}
	res = sf.get(kp)
	mustContain(t, "roster", res.body, "毕业生甲", "毕业生乙", `id="class-over"`, "陈老师")
	mustContain(t, "over limit list", sf.get("/classes?school=2143000001&over=1").body, `class="over-limit"`, "共 1 个班级，其中超班额 1 个")
	if res = sf.as("school.b", kp); res.status != http.StatusNotFound {
		t.Errorf("another school's class: %d", res.status)
	}

	// Promotion: the preview, a run without the confirmation refused, the run, the undo.
	sf.pupil("升级生", "2143000001", 2, true)
	res = sf.get("/promotion?school=2143000001&preview=1")
	mustContain(t, "preview", res.body, `id="promotion-plan"`, `id="plan-graduated"`, "毕业生甲", "升级生", `id="promotion-run"`)
	if res = sf.post(sf.client, "/promotion", url.Values{"school": {"2143000001"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("run without confirmation: %d", res.status)
	}
	if res = sf.post(sf.client, "/promotion", url.Values{"school": {"2143000001"}, "confirm": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("run: %d\n%s", res.status, res.body)
	}
	runs, err := sf.reg.PromotionRuns(ctx, scope.Everything)
	if err != nil || len(runs) != 1 || runs[0].Graduated != 2 {
		t.Fatalf("runs %+v %v", runs, err)
	}
	res = sf.get("/promotion")
	mustContain(t, "runs", res.body, `data-run="`+strconv.FormatInt(runs[0].ID, 10)+`"`, "撤销")
	undo := "/promotion/runs/" + strconv.FormatInt(runs[0].ID, 10) + "/undo"
	if res = sf.post(sf.client, undo, url.Values{"reason": {""}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("undo without reason: %d", res.status)
	}
	if res = sf.post(sf.client, undo, url.Values{"reason": {"误操作"}}); res.status != http.StatusSeeOther {
		t.Fatalf("undo: %d\n%s", res.status, res.body)
	}

	// Follow-up: a dropout, an action recorded, the case closed.
	s := sf.pupil("辍学生", "2143000002", 5, true)
	if _, err := sf.reg.Dropout(ctx, scope.Everything, s.ID, "", "work", "外出", sf.by); err != nil {
		t.Fatal(err)
	}
	page, err := sf.reg.FollowUps(ctx, scope.Everything, student.FollowUpFilter{})
	if err != nil || page.Total != 1 {
		t.Fatalf("follow-ups %+v %v", page, err)
	}
	fp := "/followups/" + strconv.FormatInt(page.Items[0].ID, 10)
	mustContain(t, "list", sf.get("/followups").body, "辍学生", `data-county="430405"`)
	if res = sf.post(sf.client, fp+"/actions", url.Values{"kind": {"visit"}, "note": {""}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("action without a note: %d", res.status)
	}
	if res = sf.post(sf.client, fp+"/actions", url.Values{"kind": {"visit"}, "note": {"上门劝返，家长同意下周返校"}}); res.status != http.StatusSeeOther {
		t.Fatalf("action: %d\n%s", res.status, res.body)
	}
	mustContain(t, "case", sf.get(fp).body, "上门劝返", `id="action-close"`)
	if res = sf.post(sf.client, fp+"/close", url.Values{"outcome": {"enrolled_elsewhere"}, "note": {"已在广东就读"}}); res.status != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", res.status, res.body)
	}
	if res = sf.as("school.c", fp); res.status != http.StatusNotFound {
		t.Errorf("another county's case: %d", res.status)
	}

	// Duplicates: same name, birth date and phone, different IDs.
	x := sf.pupil("重名", "2143000001", 4, true)
	y := x
	y.ID, y.IDNumber, y.StudentNo, y.School = 0, idno.MakeResidentID("430406", mustDate(x.BirthDate), 77), "", "2143000002"
	y.Guardians = []student.Guardian{{Name: "家长重名", Relation: "mother", Phone: fmt.Sprintf("139%08d", sf.seq)}}
	y.Address = "珠晖区"
	if _, err := sf.reg.Create(ctx, scope.Everything, y, sf.by); err != nil {
		t.Fatal(err)
	}
	res = sf.get("/duplicates")
	mustContain(t, "pair", res.body, `class="panel duplicate"`, "重名", "合并，保留")
	res = sf.post(sf.client, "/duplicates/not-duplicate", url.Values{"keep": {strconv.FormatInt(x.ID, 10)}, "other": {"1"}, "note": {"x"}})
	if res.status < 400 {
		t.Errorf("a pair that is not listed: %d", res.status)
	}
	pairs, _ := sf.reg.Duplicates(ctx, scope.Everything, student.DuplicateFilter{})
	if len(pairs.Items) != 1 {
		t.Fatalf("pairs: %+v", pairs)
	}
	p := pairs.Items[0]
	res = sf.post(sf.client, "/duplicates/merge", url.Values{"keep": {strconv.FormatInt(p.A.ID, 10)}, "other": {strconv.FormatInt(p.B.ID, 10)}, "reason": {"同一人，证件号登记错误"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("merge: %d\n%s", res.status, res.body)
	}
	mustContain(t, "merged", sf.get("/duplicates?status=merged").body, "同一人")
	mustContain(t, "kept record", sf.get("/students/"+strconv.FormatInt(p.A.ID, 10)).body, `id="student-merged"`, `data-kind="merge"`)

	// The dashboard counts the students on the roll by county, level and gender.
	res = sf.get("/")
	mustContain(t, "dashboard", res.body, `id="student-figures"`, `id="chart-students-data"`, `id="table-students"`, "珠晖区")
	mustNotContain(t, "inspector has no edit", sf.as("inspector", "/students").body, `id="new-student"`)
}

func mustDate(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

func schoolOf(code, name, county string) school.School {
	return school.School{Code: code, Name: name, Type: school.NineYear, Ownership: school.Public, County: county,
		Status: school.Active, OpenedOn: "2001-09-01", Capacity: 1000}
}
