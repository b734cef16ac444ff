package api

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/audit"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/pii"
	"edubureau/school"
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

	// What every import refuses alike.
	big := studentsCSV(strings.Repeat(studentRow("张小明", good, "男", "2018-03-15"), 400))
	for _, p := range []string{path, "/api/v1/schools/import"} {
		f.run(t, []call{
			{name: "bad mode", method: "POST", path: p + "?mode=some", body: file, header: []string{csvType}, status: 422, fields: []string{"mode"}},
			{name: "unknown parameter", method: "POST", path: p + "?modus=valid_only", body: file, header: []string{csvType}, status: 400, fields: []string{"modus"}},
			{name: "json", method: "POST", path: p, body: `{"rows":[]}`, status: 415},
			{name: "anonymous", method: "POST", path: p, body: file, header: []string{csvType}, as: "anon", status: 401},
			{name: "no permission", method: "POST", path: p, body: file, header: []string{csvType}, as: "clerk", status: 403},
			{name: "too large", method: "POST", path: p, body: big, header: []string{csvType}, status: 413},
		})
	}
}
