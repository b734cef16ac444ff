package api

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/audit"
	"edubureau/enrol"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

// withImports gives the fixture's API the import service: students (with a
// test key) and schools.
func withImports(t *testing.T, f *fixture) {
	t.Helper()
	if err := year.Ensure(t.Context(), f.d, time.Now()); err != nil {
		t.Fatal(err)
	}
	keys, err := pii.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(f.d)
	svc := importer.New(f.d, log, t.TempDir())
	schools := school.New(f.d)
	schools.Audit = log
	students := student.New(f.d, keys)
	students.Audit, students.Schools = log, schools
	svc.Register(student.ImportKind{Registry: students})
	svc.Register(school.ImportKind{Registry: schools})
	office := enrol.New(f.d, schools, keys, "4304")
	office.Audit = log
	svc.Register(enrol.ZhongkaoKind{Office: office})
	svc.Register(enrol.SeniorPlanKind{Office: office})
	f.api.d.Imports = svc
}

const csvType = "Content-Type: text/csv; charset=utf-8"

func studentsCSV(rows ...string) string {
	return "学校标识码,年级,姓名,性别,出生日期,证件号码,民族\n" + strings.Join(rows, "")
}

func studentRow(name, id, gender, born string) string {
	return "2143000001,二年级," + name + "," + gender + "," + born + "," + id + ",汉族\n"
}

func testImports(t *testing.T, f *fixture) {
	withImports(t, f)
	born := time.Date(2018, 3, 15, 0, 0, 0, 0, time.UTC)
	good := idno.MakeResidentID("430421", born, 11)
	other := idno.MakeResidentID("430421", born, 13)
	bad := other[:17] + map[bool]string{true: "1", false: "0"}[other[17] == '0']
	file := studentsCSV(studentRow("张小明", good, "男", "2018-03-15"))
	withBad := studentsCSV(studentRow("张小明", good, "男", "2018-03-15"), studentRow("王小军", bad, "男", "2018-03-15"))
	path := "/api/v1/students/import"

	f.run(t, []call{
		{name: "dry run", method: "POST", path: path + "?dry_run=true&filename=students.csv", body: file, header: []string{csvType}, status: 200,
			want: []string{`"status":"checked"`, `"valid":1`, `"created":0`, `"file":"students.csv"`, `"format":"CSV UTF-8"`}},
		{name: "import", method: "POST", path: path, body: file, header: []string{csvType}, status: 200,
			want: []string{`"status":"done"`, `"created":1`, `"problems":[]`}},
		{name: "again", method: "POST", path: path, body: file, header: []string{csvType}, status: 200,
			want: []string{`"unchanged":1`, `"created":0`}},
		{name: "refused", method: "POST", path: path, body: withBad, header: []string{csvType, "Accept-Language: en"}, status: 422,
			fields: []string{"F3"}, want: []string{`"status":"refused"`, `"refused":1`, `"report_url":"/imports/students/`, "check character"},
			check: func(t *testing.T, r *reply) {
				if r.str("result", "problems", "0", "row") != "3" || r.str("result", "problems", "0", "column") != "证件号码" {
					t.Fatalf("%s", r.body)
				}
			}},
		{name: "valid only", method: "POST", path: path + "?mode=valid_only", body: withBad, header: []string{csvType}, status: 200,
			want: []string{`"status":"partial"`, `"refused":1`, `"unchanged":1`, `"cell":"F3"`}},
		{name: "not a file", method: "POST", path: path, body: "\n\n", header: []string{csvType}, status: 422,
			fields: []string{"file"}, want: []string{`"status":"failed"`, "文件是空的"}},
	})
	// An Excel workbook.
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"学校标识码", "年级", "姓名", "性别", "出生日期", "证件号码", "民族"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"2143000001", "二年级", "李小红", "女", "2018-03-15", idno.MakeResidentID("430421", born, 12), "汉族"})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	x.Close()
	f.do(t, call{method: "POST", path: path + "?filename=students.xlsx", body: buf.String(),
		header: []string{"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, status: 200,
		want: []string{`"created":1`, `"format":"XLSX, Sheet1"`}})

	schools := "学校标识码,学校名称,办学类型,举办者类型,县区代码,办学状态,开办日期\n2143000077,衡阳县第七十七小学,小学,公办,430421,办学中,2001-09-01\n"
	f.do(t, call{name: "schools", method: "POST", path: "/api/v1/schools/import", body: schools, header: []string{csvType}, status: 200,
		want: []string{`"kind":"schools"`, `"created":1`}})
	f.do(t, call{method: "POST", path: "/api/v1/schools/import", body: strings.Replace(schools, "430421", "430999", 1), header: []string{csvType}, status: 422,
		fields: []string{"E2"}, want: []string{`"refused":1`}})

	// The admission office's kinds: senior plans, then the 中考 cohort, for a year.
	if _, err := school.New(f.d).Create(t.Context(), scope.Everything, school.School{Code: "3443000088", Name: "蒸湘区第八中学", Type: school.Senior,
		Ownership: school.Public, County: "430408", Status: school.Active, OpenedOn: "1950-09-01"}, school.Actor{Username: "seed"}); err != nil {
		t.Fatal(err)
	}
	plans := "batch,school,junior,places,min_score\n1,3443000088,3143000003,5,550\n2,3443000088,,10,\n"
	plansPath, cohortPath := "/api/v1/senior-plans/import", "/api/v1/zhongkao/import"
	cohort := "exam_no,junior,total,chinese,b1,b2,id_no,name\nZ1,3143000003,600,100,3443000088,3443000088," +
		idno.MakeResidentID("430408", time.Date(2011, 4, 5, 0, 0, 0, 0, time.UTC), 77) + ",张三\n"
	f.run(t, []call{
		{name: "plans", method: "POST", path: plansPath + "?year=2027", body: plans, header: []string{csvType}, status: 200,
			want: []string{`"kind":"senior-plans"`, `"created":2`}},
		{name: "plans again", method: "POST", path: plansPath + "?year=2027", body: plans, header: []string{csvType}, status: 200,
			want: []string{`"unchanged":2`}},
		{name: "plans: a primary school", method: "POST", path: plansPath + "?year=2027", body: strings.Replace(plans, "2,3443000088", "2,2143000001", 1),
			header: []string{csvType}, status: 422, fields: []string{"B3"}, want: []string{"不招收高中新生"}},
		{name: "cohort", method: "POST", path: cohortPath + "?year=2027&tiebreak=语文", body: cohort, header: []string{csvType}, status: 200,
			want: []string{`"kind":"zhongkao"`, `"created":1`}},
		{name: "cohort: a choice without places", method: "POST", path: cohortPath + "?year=2027&tiebreak=chinese",
			body: strings.Replace(cohort, "100,3443000088", "100,3443000099", 1), header: []string{csvType}, status: 422, fields: []string{"E2"}},
		{name: "cohort: no year", method: "POST", path: cohortPath, body: cohort, header: []string{csvType}, status: 422, fields: []string{"year"}},
		{name: "cohort: valid only", method: "POST", path: cohortPath + "?year=2027&mode=valid_only", body: cohort, header: []string{csvType},
			status: 422, fields: []string{"mode"}},
	})

	// What every import refuses alike.
	big := studentsCSV(strings.Repeat(studentRow("张小明", good, "男", "2018-03-15"), 400))
	for _, p := range []string{path + "?", "/api/v1/schools/import?", plansPath + "?year=2027&", cohortPath + "?year=2027&"} {
		f.run(t, []call{
			{name: "bad mode", method: "POST", path: p + "mode=some", body: file, header: []string{csvType}, status: 422, fields: []string{"mode"}},
			{name: "unknown parameter", method: "POST", path: p + "modus=valid_only", body: file, header: []string{csvType}, status: 400, fields: []string{"modus"}},
			{name: "json", method: "POST", path: p, body: `{"rows":[]}`, status: 415},
			{name: "anonymous", method: "POST", path: p, body: file, header: []string{csvType}, as: "anon", status: 401},
			{name: "no permission", method: "POST", path: p, body: file, header: []string{csvType}, as: "clerk", status: 403},
			{name: "too large", method: "POST", path: p, body: big, header: []string{csvType}, status: 413},
		})
	}
}
