package server

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"edubureau/auth"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

// matrixKeys is the matrix server's key for personal data: the student
// registry needs one.
func matrixKeys(t *testing.T) *pii.Keyring {
	t.Helper()
	k, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// studentEntries are the student registry's pages and API (web/students.go
// and the files beside it, api/students.go): a pupil of school A (珠晖区)
// and one of school B (衡阳县) with a class each, a follow-up case each, a
// promotion run each, a transfer from school A and one between two schools
// of 衡阳县 — the second of each out of the county users' scope. The forms
// sent are incomplete on purpose, so that an allowed call is refused for
// its content (or changes nothing that matters) and the next user meets
// the same records.
func studentEntries(t *testing.T, srv *Server) map[string]entry {
	t.Helper()
	ctx := context.Background()
	reg := srv.Students()
	if reg == nil {
		t.Fatal("the matrix server has no student registry")
	}
	if err := year.Ensure(ctx, reg.DB, time.Now()); err != nil {
		t.Fatal(err)
	}
	by := student.Actor{Username: "seed", OrgKind: auth.OrgCity, OrgCode: "4304"}
	const schoolB2 = "2143000003" // another school of 衡阳县
	if _, err := reg.Schools.Create(ctx, scope.Everything, school.School{Code: schoolB2, Name: "衡阳县丙小学", Type: school.Primary,
		Ownership: school.Public, County: "430421", Status: school.Active, OpenedOn: "2001-09-01"}, by); err != nil {
		t.Fatal(err)
	}
	seq := 0
	pupil := func(name, code string) student.Student {
		seq++
		born := time.Date(2017, 4, seq, 0, 0, 0, 0, time.UTC)
		s, err := reg.Create(ctx, scope.Everything, student.Student{Name: name, Gender: idno.Male, BirthDate: born.Format(time.DateOnly),
			IDType: idno.ResidentIDCard, IDNumber: idno.MakeResidentID("430405", born, 2*seq+1), Ethnicity: "01",
			Guardians: []student.Guardian{{Name: "家长", Relation: "father", Phone: "1390734000" + strconv.Itoa(seq)}},
			School:    code, Grade: 3, EnrolledOn: "2025-09-01"}, by)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := pupil("甲生", schoolA), pupil("乙生", schoolB)
	a2, b2 := pupil("甲转", schoolA), pupil("乙转", schoolB)
	a3, b3 := pupil("甲辍", schoolA), pupil("乙辍", schoolB)
	yr := year.AcademicOf(time.Now()).Code
	class := func(code string) int64 {
		c, err := reg.CreateClass(ctx, scope.Everything, student.Class{School: code, AcademicYear: yr, Grade: 3, Number: 1}, by)
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	ka, kb := class(schoolA), class(schoolB)
	transfer := func(s student.Student, to string) int64 {
		tr, err := reg.RequestTransfer(ctx, scope.Everything, student.TransferRequest{Number: s.StudentNo, Name: s.Name, ToSchool: to,
			ToGrade: 3, Reason: "矩阵测试"}, by)
		if err != nil {
			t.Fatal(err)
		}
		return tr.ID
	}
	// The student numbers come back masked: ask by the ID number instead.
	for _, s := range []*student.Student{&a2, &b2} {
		full, err := reg.Reveal(ctx, auth.User{Role: auth.Admin}, s.ID, "matrix", by)
		if err != nil {
			t.Fatal(err)
		}
		s.StudentNo = full.IDNumber
	}
	ta, tb := transfer(a2, schoolB), transfer(b2, schoolB2)
	for _, s := range []student.Student{a3, b3} {
		if _, err := reg.Dropout(ctx, scope.Everything, s.ID, "", "work", "", by); err != nil {
			t.Fatal(err)
		}
	}
	fus, err := reg.FollowUps(ctx, scope.Everything, student.FollowUpFilter{AllAges: true})
	if err != nil || len(fus.Items) != 2 {
		t.Fatalf("follow-ups %+v %v", fus, err)
	}
	fa, fb := fus.Items[0].ID, fus.Items[1].ID
	if fus.Items[0].School != schoolA {
		fa, fb = fb, fa
	}
	run := func(code string) int64 {
		r, err := reg.Promote(ctx, scope.Everything, student.PromotionTarget{School: code}, by)
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	ra, rb := run(schoolA), run(schoolB)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	sa, sb := "/students/"+id(a.ID), "/students/"+id(b.ID)
	blank := url.Values{}
	v, e, p := auth.StudentView, auth.StudentEdit, auth.StudentViewPII
	return map[string]entry{
		"GET /students":                        {need: v, path: "/students?q=" + url.QueryEscape("甲")},
		"GET /students/export.csv":             {need: v, path: "/students/export.csv"},
		"GET /students/export.xlsx":            {need: v, path: "/students/export.xlsx"},
		"GET /students/new":                    {need: e, path: "/students/new"},
		"POST /students":                       {need: e, path: "/students", form: blank},
		"GET /students/{id}":                   {need: v, path: sa, out: sb},
		"GET /students/{id}/edit":              {need: e, path: sa + "/edit", out: sb + "/edit"},
		"POST /students/{id}":                  {need: e, path: sa, out: sb, form: blank},
		"POST /students/{id}/reveal":           {need: p, path: sa + "/reveal", out: sb + "/reveal", form: url.Values{"reason": {"矩阵测试"}}},
		"POST /students/{id}/actions/{action}": {need: e, path: sa + "/actions/suspend", out: sb + "/actions/suspend", form: blank},
		"GET /classes":                         {need: v, path: "/classes"},
		"POST /classes":                        {need: e, path: "/classes", form: blank},
		"GET /classes/{id}":                    {need: v, path: "/classes/" + id(ka), out: "/classes/" + id(kb)},
		"POST /classes/{id}":                   {need: e, path: "/classes/" + id(ka), out: "/classes/" + id(kb), form: url.Values{"size_limit": {"x"}}},
		"GET /transfers":                       {need: v, path: "/transfers"},
		"GET /transfers/new":                   {need: e, path: "/transfers/new"},
		"POST /transfers":                      {need: e, path: "/transfers", form: blank},
		"GET /transfers/{id}":                  {need: v, path: "/transfers/" + id(ta), out: "/transfers/" + id(tb)},
		"POST /transfers/{id}/{decision}":      {need: e, path: "/transfers/" + id(ta) + "/reject", out: "/transfers/" + id(tb) + "/reject", form: blank},
		"GET /promotion":                       {need: v, path: "/promotion"},
		"POST /promotion":                      {need: e, path: "/promotion", form: blank},
		"POST /promotion/runs/{id}/undo":       {need: e, path: "/promotion/runs/" + id(ra) + "/undo", out: "/promotion/runs/" + id(rb) + "/undo", form: blank},
		"GET /followups":                       {need: v, path: "/followups"},
		"GET /followups/{id}":                  {need: v, path: "/followups/" + id(fa), out: "/followups/" + id(fb)},
		"POST /followups/{id}/actions":         {need: e, path: "/followups/" + id(fa) + "/actions", out: "/followups/" + id(fb) + "/actions", form: blank},
		"POST /followups/{id}/close":           {need: e, path: "/followups/" + id(fa) + "/close", out: "/followups/" + id(fb) + "/close", form: blank},
		"GET /duplicates":                      {need: v, path: "/duplicates"},
		"POST /duplicates/merge":               {need: e, path: "/duplicates/merge", form: blank},
		"POST /duplicates/not-duplicate":       {need: e, path: "/duplicates/not-duplicate", form: blank},

		// The API: bodies that break a rule, or are malformed after the record is found.
		"GET /api/v1/students":                 {need: v, path: "/api/v1/students?q=" + url.QueryEscape("甲")},
		"POST /api/v1/students":                {need: e, path: "/api/v1/students", json: `{"school":"` + schoolA + `","name":""}`},
		"GET /api/v1/students/{id}":            {need: v, path: "/api/v1" + sa, out: "/api/v1" + sb},
		"PUT /api/v1/students/{id}":            {need: e, path: "/api/v1" + sa, out: "/api/v1" + sb, json: `{}`, header: []string{"If-Match", `"v99"`}},
		"GET /api/v1/students/{id}/profile":    {need: v, path: "/api/v1" + sa + "/profile", out: "/api/v1" + sb + "/profile"},
		"GET /api/v1/transfers":                {need: v, path: "/api/v1/transfers"},
		"POST /api/v1/transfers":               {need: e, path: "/api/v1/transfers", json: `{}`},
		"GET /api/v1/transfers/{id}":           {need: v, path: "/api/v1/transfers/" + id(ta), out: "/api/v1/transfers/" + id(tb)},
		"POST /api/v1/transfers/{id}/approve":  {need: e, path: "/api/v1/transfers/" + id(ta) + "/approve", out: "/api/v1/transfers/" + id(tb) + "/approve", json: `{`},
		"POST /api/v1/transfers/{id}/reject":   {need: e, path: "/api/v1/transfers/" + id(ta) + "/reject", out: "/api/v1/transfers/" + id(tb) + "/reject", json: `{`},
		"POST /api/v1/transfers/{id}/withdraw": {need: e, path: "/api/v1/transfers/" + id(ta) + "/withdraw", out: "/api/v1/transfers/" + id(tb) + "/withdraw", json: `{`},
		"GET /api/v1/classes":                  {need: v, path: "/api/v1/classes?school=" + schoolA},
		"POST /api/v1/classes":                 {need: e, path: "/api/v1/classes", json: `{}`},
	}
}
