package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

// withStudents gives the fixture's API the student registry (with a test
// key) and signs in the schools' administrators and a county's students
// section: sch1 runs 2143000001, sch2 2143000002 (both in 衡阳县), sch3
// the junior school 3143000003 in 蒸湘区; county.hy is 衡阳县's bureau.
func withStudents(t *testing.T, f *fixture) *student.Registry {
	t.Helper()
	ctx := context.Background()
	if err := year.Ensure(ctx, f.d, time.Now()); err != nil {
		t.Fatal(err)
	}
	keys, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	reg := student.New(f.d, keys)
	reg.Audit, reg.Schools = audit.New(f.d), f.api.d.Schools
	f.api.d.Students = reg
	rate := f.auth.SignInRate
	f.auth.SignInRate = -1 // several sign-ins from one address, on purpose
	defer func() { f.auth.SignInRate = rate }()
	for _, nu := range []auth.NewUser{
		{Username: "sch1", Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "2143000001"},
		{Username: "sch2", Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "2143000002"},
		{Username: "sch3", Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: "3143000003"},
		{Username: "county.hy", Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430421", Section: "students"},
	} {
		nu.Password = testPassword
		if _, err := f.auth.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
		token, _, err := f.auth.SignIn(ctx, nu.Username, testPassword, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[nu.Username] = token
	}
	return reg
}

// pupilJSON is a valid new pupil of grade 3 at a school, born in 2017.
func pupilJSON(name, school string, seq int, extra string) (string, string) {
	born := time.Date(2017, 3, 1+seq, 0, 0, 0, 0, time.UTC)
	id := idno.MakeResidentID("430421", born, 2*seq+1)
	return fmt.Sprintf(`{"name":%q,"gender":"male","birth_date":%q,"id_type":"resident_id","id_number":%q,"ethnicity":"01",`+
		`"hukou":"430421","address":"衡阳县西渡镇新街 12 号","guardians":[{"name":"家长","relation":"father","phone":"1390734%04d"}],`+
		`"school":%q,"grade":3,"enrolled_on":"2025-09-01"%s}`, name, born.Format(time.DateOnly), id, seq, school, extra), id
}

func testStudents(t *testing.T, f *fixture) {
	reg := withStudents(t, f)
	ctx := context.Background()
	body, id := pupilJSON("欧阳明远", "2143000001", 1, "")
	var created *reply
	f.run(t, []call{
		{name: "create", method: "POST", path: "/api/v1/students", body: body, status: 201, headers: []string{"Location", `ETag: "v1"`},
			want: []string{`"name":"欧阳明远"`, `"masked":true`, `"id_number":"` + pii.MaskID(id) + `"`, `"status":"enrolled"`}},
		{name: "the same ID again", method: "POST", path: "/api/v1/students", body: strings.Replace(body, "欧阳明远", "欧阳明达", 1), status: 409},
		{name: "ID disagrees with the birth date", method: "POST", path: "/api/v1/students", body: strings.Replace(body, `"birth_date":"2017-03-02"`, `"birth_date":"2017-03-03"`, 1),
			status: 422, fields: []string{"id_number"}},
		{name: "bad grade", method: "POST", path: "/api/v1/students", body: strings.Replace(body, `"grade":3`, `"grade":"x"`, 1), status: 422, fields: []string{"grade"}},
		{name: "a school out of scope", method: "POST", path: "/api/v1/students", as: "sch3", body: body, status: 404},
		{name: "unknown member", method: "POST", path: "/api/v1/students", body: strings.Replace(body, `{"name"`, `{"nmae":"x","name"`, 1), status: 400, fields: []string{"nmae"}},
		{name: "wrong content type", method: "POST", path: "/api/v1/students", body: body, header: []string{"Content-Type: text/plain"}, status: 415},
		{name: "too large", method: "POST", path: "/api/v1/students", body: `{"name":"` + strings.Repeat("x", bodyLimit) + `"}`, status: 413},
		{name: "not signed in", method: "POST", path: "/api/v1/students", body: body, as: "anon", status: 401},
		{name: "no permission", method: "POST", path: "/api/v1/students", body: body, as: "clerk", status: 403},
	})
	created = f.do(t, call{name: "search by name", path: "/api/v1/students?q=" + url.QueryEscape("欧阳明"), status: 200, headers: []string{"Link"},
		want: []string{`"total":1`, `"name":"欧阳明远"`}})
	sid := created.str("items", "0", "id")
	body2, id2 := pupilJSON("李雷", "2143000002", 2, `,"student_no":""`)
	f.do(t, call{name: "another", method: "POST", path: "/api/v1/students", body: body2, status: 201})
	path := "/api/v1/students/" + sid
	f.run(t, []call{
		{name: "by last 4", path: "/api/v1/students?q=" + id[14:], status: 200, want: []string{`"total":1`, "欧阳明远"}},
		{name: "by last 6 and county", path: "/api/v1/students?county=430421&q=" + id2[12:], status: 200, want: []string{`"total":1`, "李雷"}},
		{name: "by student number", path: "/api/v1/students?q=G" + id, status: 200, want: []string{`"total":1`}},
		{name: "filters", path: "/api/v1/students?school=2143000002&grade=3&status=enrolled&at_school=true&sort=birth_date&desc=true&per_page=10", status: 200,
			want: []string{`"total":1`, `"per_page":10`, "李雷"}},
		{name: "scope", path: "/api/v1/students", as: "sch2", status: 200, want: []string{`"total":1`, "李雷"}},
		{name: "bad values", path: "/api/v1/students?grade=13&per_page=0&sort=shoe&at_school=maybe", status: 422,
			fields: []string{"grade", "at_school", "per_page", "sort"}},
		{name: "unknown parameter", path: "/api/v1/students?name=x", status: 400, fields: []string{"name"}},
		{name: "list not signed in", path: "/api/v1/students", as: "anon", status: 401},
		{name: "list no permission", path: "/api/v1/students", as: "clerk", status: 403},
		{name: "get", path: path, status: 200, headers: []string{`ETag: "v1"`}, want: []string{`"masked":true`, `"phone":"139****0001"`}},
		{name: "not modified", path: path, header: []string{`If-None-Match: "v1"`}, status: 304},
		{name: "out of scope", path: path, as: "sch2", status: 404},
		{name: "no such id", path: "/api/v1/students/abc", status: 404},
		{name: "get not signed in", path: path, as: "anon", status: 401},
		{name: "get no permission", path: path, as: "clerk", status: 403},
		{name: "profile", path: path + "/profile", status: 200, want: []string{`"kind":"enrol"`, `"enrolments":[{`, `"merged":[]`}},
		{name: "profile out of scope", path: path + "/profile", as: "sch3", status: 404},
		{name: "profile not signed in", path: path + "/profile", as: "anon", status: 401},
		{name: "profile no permission", path: path + "/profile", as: "clerk", status: 403},
	})

	// Replace: what GET gave, sent back with a new name, keeps the masked values as stored.
	got := f.do(t, call{name: "read", path: path, status: 200})
	got.json["name"] = "欧阳明达"
	back, _ := json.Marshal(got.json)
	if err := f.doc.checkRequest(t, "PUT "+Prefix+"/students/{id}", string(back)); err != nil {
		t.Errorf("a student read does not validate as a replacement: %v", err)
	}
	other := strings.NewReplacer(`"id_number":"`+pii.MaskID(id)+`"`, `"id_number":"`+id2+`"`, `"birth_date":"2017-03-02"`, `"birth_date":"2017-03-03"`,
		`"student_no":"`+got.str("student_no")+`"`, `"student_no":""`).Replace(string(back))
	f.run(t, []call{
		{name: "no If-Match", method: "PUT", path: path, body: string(back), status: 428, fields: []string{"If-Match"}},
		{name: "malformed If-Match", method: "PUT", path: path, body: string(back), header: []string{"If-Match: v1"}, status: 400, fields: []string{"If-Match"}},
		{name: "stale", method: "PUT", path: path, body: string(back), header: []string{`If-Match: "v9"`}, status: 412},
		{name: "absent", method: "PUT", path: "/api/v1/students/1", body: string(back), header: []string{`If-Match: "v1"`}, status: 404},
		{name: "put unknown member", method: "PUT", path: path, body: `{"nom":"x"}`, header: []string{`If-Match: "v1"`}, status: 400},
		{name: "put wrong type", method: "PUT", path: path, body: string(back), header: []string{`If-Match: "v1"`, "Content-Type: text/json"}, status: 415},
		{name: "put too large", method: "PUT", path: path, body: `{"name":"` + strings.Repeat("名", bodyLimit/3) + `"}`, header: []string{`If-Match: "v1"`}, status: 413},
		{name: "rules broken", method: "PUT", path: path, body: strings.Replace(string(back), `"gender":"male"`, `"gender":"x"`, 1), header: []string{`If-Match: "v1"`}, status: 422},
		{name: "another's ID", method: "PUT", path: path, body: other, header: []string{`If-Match: "v1"`}, status: 409},
		{name: "replace", method: "PUT", path: path, body: string(back), header: []string{`If-Match: "v1"`}, status: 200,
			headers: []string{`ETag: "v2"`}, want: []string{`"name":"欧阳明达"`, `"version":2`}},
		{name: "put not signed in", method: "PUT", path: path, body: string(back), header: []string{`If-Match: "v2"`}, as: "anon", status: 401},
		{name: "put no permission", method: "PUT", path: path, body: string(back), header: []string{`If-Match: "v2"`}, as: "clerk", status: 403},
	})
	full, err := reg.Reveal(ctx, auth.User{Role: auth.Admin}, mustInt(t, sid), "test", student.Actor{Username: "test"})
	if err != nil || full.IDNumber != id || full.Guardians[0].Phone != "13907340001" || full.Address != "衡阳县西渡镇新街 12 号" {
		t.Fatalf("the masked values were not kept: %+v %v", full, err)
	}
	testTransfersAPI(t, f, reg)
	testClassesAPI(t, f)
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func testTransfersAPI(t *testing.T, f *fixture, reg *student.Registry) {
	ctx := context.Background()
	mk := func(name string, seq int) (int64, string) {
		body, id := pupilJSON(name, "2143000001", seq, "")
		r := f.do(t, call{name: "pupil " + name, method: "POST", path: "/api/v1/students", body: body, status: 201})
		return mustInt(t, r.str("id")), id
	}
	_, a := mk("转学甲", 11)
	_, b := mk("转学乙", 12)
	_, c := mk("转学丙", 13)
	req := func(id, name string) string {
		return fmt.Sprintf(`{"number":%q,"name":%q,"to_grade":3,"to_school":"2143000002","reason":"随父母迁居"}`, id, name)
	}
	first := f.do(t, call{name: "request", method: "POST", path: "/api/v1/transfers", as: "sch2", body: req(a, "转学甲"), status: 201,
		headers: []string{"Location"}, want: []string{`"status":"pending"`, `"cross_county":false`}})
	ta := "/api/v1/transfers/" + first.str("id")
	tb := "/api/v1/transfers/" + f.do(t, call{name: "request b", method: "POST", path: "/api/v1/transfers", as: "sch2", body: req(b, "转学乙"), status: 201}).str("id")
	tc := "/api/v1/transfers/" + f.do(t, call{name: "request c", method: "POST", path: "/api/v1/transfers", as: "sch2", body: req(c, "转学丙"), status: 201}).str("id")
	f.run(t, []call{
		{name: "again", method: "POST", path: "/api/v1/transfers", as: "sch2", body: req(a, "转学甲"), status: 409},
		{name: "name does not match", method: "POST", path: "/api/v1/transfers", as: "sch2", body: req(a, "别人"), status: 404, fields: []string{"number"}},
		{name: "no reason", method: "POST", path: "/api/v1/transfers", as: "sch2", body: strings.Replace(req(a, "转学甲"), "随父母迁居", "", 1), status: 422, fields: []string{"reason"}},
		{name: "bad grade", method: "POST", path: "/api/v1/transfers", as: "sch2", body: strings.Replace(req(a, "转学甲"), `"to_grade":3`, `"to_grade":9`, 1), status: 422, fields: []string{"to_grade"}},
		{name: "request unknown member", method: "POST", path: "/api/v1/transfers", body: `{"x":1}`, status: 400},
		{name: "request wrong type", method: "POST", path: "/api/v1/transfers", body: req(a, "转学甲"), header: []string{"Content-Type: text/plain"}, status: 415},
		{name: "request not signed in", method: "POST", path: "/api/v1/transfers", body: req(a, "转学甲"), as: "anon", status: 401},
		{name: "request no permission", method: "POST", path: "/api/v1/transfers", body: req(a, "转学甲"), as: "clerk", status: 403},
		{name: "list", path: "/api/v1/transfers?status=pending", as: "sch1", status: 200, headers: []string{"Link"}, want: []string{`"total":3`}},
		{name: "list bad status", path: "/api/v1/transfers?status=lost", status: 422, fields: []string{"status"}},
		{name: "list bad page", path: "/api/v1/transfers?page=0", status: 422, fields: []string{"page"}},
		{name: "list unknown parameter", path: "/api/v1/transfers?to=x", status: 400},
		{name: "list not signed in", path: "/api/v1/transfers", as: "anon", status: 401},
		{name: "list no permission", path: "/api/v1/transfers", as: "clerk", status: 403},
		{name: "one", path: ta, as: "sch1", status: 200, want: []string{`"student_name":"转学甲"`}},
		{name: "one out of scope", path: ta, as: "sch3", status: 404},
		{name: "one not signed in", path: ta, as: "anon", status: 401},
		{name: "one no permission", path: ta, as: "clerk", status: 403},
		// The receiving school may not approve its own request; the sending school does.
		{name: "approve as receiver", method: "POST", path: ta + "/approve", as: "sch2", status: 403, want: []string{"衡阳县第一小学"}},
		{name: "approve malformed", method: "POST", path: ta + "/approve", as: "sch1", body: `{"note":`, status: 400},
		{name: "approve", method: "POST", path: ta + "/approve", as: "sch1", body: `{"note":"同意"}`, status: 200, want: []string{`"status":"completed"`}},
		{name: "approve again", method: "POST", path: ta + "/approve", as: "sch1", status: 409},
		{name: "approve out of scope", method: "POST", path: tb + "/approve", as: "sch3", status: 404},
		{name: "approve not signed in", method: "POST", path: tb + "/approve", as: "anon", status: 401},
		{name: "reject without reason", method: "POST", path: tb + "/reject", as: "sch1", body: `{}`, status: 422, fields: []string{"reason"}},
		{name: "reject as receiver", method: "POST", path: tb + "/reject", as: "sch2", body: `{"reason":"不收"}`, status: 403},
		{name: "reject malformed", method: "POST", path: tb + "/reject", as: "sch1", body: `[]`, status: 400},
		{name: "reject", method: "POST", path: tb + "/reject", as: "sch1", body: `{"reason":"学生本人不同意转学"}`, status: 200,
			want: []string{`"status":"rejected"`, `"decided_step":"school"`, "学生本人不同意转学"}},
		{name: "reject again", method: "POST", path: tb + "/reject", as: "sch1", body: `{"reason":"再次"}`, status: 409},
		{name: "reject unknown", method: "POST", path: "/api/v1/transfers/9/reject", body: `{"reason":"xx"}`, status: 404},
		{name: "reject not signed in", method: "POST", path: tb + "/reject", as: "anon", status: 401},
		{name: "reject no permission", method: "POST", path: tb + "/reject", as: "clerk", status: 403},
		{name: "withdraw as sender", method: "POST", path: tc + "/withdraw", as: "sch1", status: 403},
		{name: "withdraw malformed", method: "POST", path: tc + "/withdraw", as: "sch2", body: `{"note":`, status: 400},
		{name: "withdraw", method: "POST", path: tc + "/withdraw", as: "sch2", body: `{"note":"家长改变主意"}`, status: 200, want: []string{`"status":"withdrawn"`}},
		{name: "withdraw again", method: "POST", path: tc + "/withdraw", as: "sch2", status: 409},
		{name: "withdraw unknown", method: "POST", path: "/api/v1/transfers/x/withdraw", status: 404},
		{name: "withdraw not signed in", method: "POST", path: tc + "/withdraw", as: "anon", status: 401},
		{name: "withdraw no permission", method: "POST", path: tc + "/withdraw", as: "clerk", status: 403},
	})
	// The approved transfer moved the child: the receiving school sees them now.
	page, err := reg.Search(ctx, scope.School("2143000002"), student.Filter{Query: "转学甲"})
	if err != nil || page.Total != 1 {
		t.Fatalf("after the transfer: %+v %v", page, err)
	}
}

func testClassesAPI(t *testing.T, f *fixture) {
	yr := year.AcademicOf(time.Now()).Code
	body := fmt.Sprintf(`{"school":"2143000001","academic_year":%q,"grade":"三年级","number":2,"head_teacher":"陈老师"}`, yr)
	f.run(t, []call{
		{name: "class", method: "POST", path: "/api/v1/classes", body: body, status: 201, headers: []string{"Location"},
			want: []string{`"name":"三年级（2）班"`, `"limit":45`, `"students":0`, `"over_limit":false`}},
		{name: "class taken", method: "POST", path: "/api/v1/classes", body: body, status: 409},
		{name: "class grade the school lacks", method: "POST", path: "/api/v1/classes", body: strings.Replace(body, "三年级", "初一", 1), status: 422, fields: []string{"grade"}},
		{name: "class school out of scope", method: "POST", path: "/api/v1/classes", as: "sch3", body: body, status: 404},
		{name: "class unknown member", method: "POST", path: "/api/v1/classes", body: `{"room":1}`, status: 400},
		{name: "class wrong type", method: "POST", path: "/api/v1/classes", body: body, header: []string{"Content-Type: text/plain"}, status: 415},
		{name: "class not signed in", method: "POST", path: "/api/v1/classes", body: body, as: "anon", status: 401},
		{name: "class no permission", method: "POST", path: "/api/v1/classes", body: body, as: "clerk", status: 403},
		{name: "classes", path: "/api/v1/classes?school=2143000001&academic_year=" + yr, status: 200, want: []string{`"head_teacher":"陈老师"`}},
		{name: "classes over limit", path: "/api/v1/classes?county=430421&over_limit=true&grade=3", status: 200, want: []string{`{"items":[]}`}},
		{name: "classes need a school or county", path: "/api/v1/classes", status: 422, fields: []string{"school"}},
		{name: "classes unknown parameter", path: "/api/v1/classes?room=1", status: 400},
		{name: "classes not signed in", path: "/api/v1/classes?school=2143000001", as: "anon", status: 401},
		{name: "classes no permission", path: "/api/v1/classes?school=2143000001", as: "clerk", status: 403},
	})
}
