package student

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/scope"
)

// importHeader is the header of the test files: the template's Chinese names.
const importHeader = "学校标识码,年级,班级,姓名,性别,出生日期,证件号码,民族,户籍所在地,现住址,监护人1姓名,监护人1关系,监护人1电话\n"

// line is one student as a row of the test files.
func line(s Student, class string) string {
	g := Guardian{}
	if len(s.Guardians) > 0 {
		g = s.Guardians[0]
	}
	gender := map[idno.Gender]string{idno.Male: "男", idno.Female: "女"}[s.Gender]
	return strings.Join([]string{s.School, s.Grade.Name().ZH, class, s.Name, gender, s.BirthDate, s.IDNumber, "汉族", s.Hukou,
		s.Address, g.Name, "母亲", g.Phone}, ",") + "\n"
}

// importFile imports content (named name) as actor with scope sc.
func (f *fixture) importFile(name string, content []byte, sc scope.Scope, by Actor, opt importer.Options) importer.Result {
	f.t.Helper()
	p := filepath.Join(f.t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		f.t.Fatal(err)
	}
	src, err := importer.FileSource(p)
	if err != nil {
		f.t.Fatal(err)
	}
	svc := importer.New(f.d, f.r.Audit, filepath.Join(f.t.TempDir(), "reports"))
	svc.Now = func() time.Time { return f.now }
	res, err := svc.Run(f.ctx, importer.Request{Kind: ImportKind{Registry: f.r}, Source: src, Options: opt, Actor: by, Scope: sc})
	if err != nil {
		f.t.Fatalf("import %s: %v", name, err)
	}
	return res
}

func (f *fixture) importCSV(content string, opt importer.Options) importer.Result {
	f.t.Helper()
	return f.importFile("students.csv", []byte(content), scope.Everything, admin, opt)
}

func listProblems(res importer.Result) string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.In(i18n.ZH))
	}
	return strings.Join(out, "\n")
}

// wantRow finds a problem at row and column containing text.
func wantRow(t *testing.T, res importer.Result, row int, column, text string) importer.Problem {
	t.Helper()
	for _, p := range res.Problems {
		if p.Row == row && p.Column == column && strings.Contains(p.Message.ZH+p.Message.EN, text) {
			return p
		}
	}
	t.Fatalf("no problem at row %d, %s with %q; %s\n%s", row, column, text, res.Status, listProblems(res))
	return importer.Problem{}
}

func wantResult(t *testing.T, res importer.Result, status importer.Status, created, updated, unchanged, refused int64) {
	t.Helper()
	c := res.Counts
	if res.Status != status || c.Created != created || c.Updated != updated || c.Unchanged != unchanged || c.Refused != refused {
		t.Fatalf("got %s created %d updated %d unchanged %d refused %d; want %s %d %d %d %d\n%s", res.Status, c.Created, c.Updated,
			c.Unchanged, c.Refused, status, created, updated, unchanged, refused, listProblems(res))
	}
}

func TestImportStudents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.pupil("张小明", true, "2018-03-15", primaryA, 2)
		b := f.pupil("李小红", false, "2018-07-01", primaryA, 2)
		c := f.pupil("王小刚", true, "2014-01-20", juniorC, 7)
		file := importHeader + line(a, "1") + line(b, "（1）班") + line(c, "")
		res := f.importCSV(file, importer.Options{})
		wantResult(t, res, importer.Done, 3, 0, 0, 0)
		if f.count("student") != 3 || f.count("student_enrolment") != 3 || f.count("student_guardian") != 3 || f.count("student_class") != 1 {
			t.Fatalf("students %d enrolments %d guardians %d classes %d", f.count("student"), f.count("student_enrolment"),
				f.count("student_guardian"), f.count("student_class"))
		}
		// The record as the registry reads it, personal data sealed.
		var id int64
		if err := d.QueryRow(`SELECT id FROM student WHERE id_index = $1`, f.r.IDIndex(a.IDNumber)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		got, _, err := f.r.load(f.ctx, d, scope.Everything, id)
		if err != nil || got.Name != "张小明" || got.StudentNo != "G"+a.IDNumber || got.Grade != 2 || got.ClassID == 0 ||
			got.Guardians[0].Phone != a.Guardians[0].Phone || got.Ethnicity != "01" || got.Status != Enrolled {
			t.Fatalf("%+v %v", got, err)
		}
		var raw string
		d.QueryRow(`SELECT id_number FROM student WHERE id = $1`, id).Scan(&raw)
		if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, a.IDNumber) {
			t.Fatalf("the ID number is stored as %q", raw)
		}
		// The same file again: nothing changes, nothing is duplicated.
		wantResult(t, f.importCSV(file, importer.Options{}), importer.Done, 0, 0, 3, 0)
		if f.count("student") != 3 || f.count("student_event") != 3 {
			t.Fatalf("re-import: %d students, %d events", f.count("student"), f.count("student_event"))
		}
		// A corrected file updates: a new address, and a move to class 2 (a placement event).
		b2 := b
		b2.Address = "衡阳县西渡镇新街 99 号"
		res = f.importCSV(importHeader+line(a, "2")+line(b2, "1")+line(c, ""), importer.Options{})
		wantResult(t, res, importer.Done, 0, 2, 1, 0)
		if f.count("student_class") != 2 || f.count("student_event") != 4 || f.count("student_guardian") != 3 {
			t.Fatalf("classes %d events %d guardians %d", f.count("student_class"), f.count("student_event"), f.count("student_guardian"))
		}
		var kind string
		d.QueryRow(`SELECT kind FROM student_event WHERE student_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&kind)
		if kind != string(EvPlacement) {
			t.Fatalf("last event %q", kind)
		}
		// A file without the address column keeps the stored address.
		short := "学校标识码,年级,班级,姓名,性别,出生日期,证件号码\n" + strings.Join([]string{b.School, "2", "1", "李小红", "女", b.BirthDate, b.IDNumber}, ",") + "\n"
		wantResult(t, f.importCSV(short, importer.Options{}), importer.Done, 0, 0, 1, 0)
	})
}

// TestImportStudentsBadInput is the list of bad input, each named
// by row and column, and nothing written when the import is all or nothing.
func TestImportStudentsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		registered := f.pupil("已登记", true, "2018-05-05", primaryB, 3)
		f.create(registered)
		ok := f.pupil("正常", true, "2018-03-15", primaryA, 2)

		wrongCheck := f.pupil("校验错", false, "2018-04-01", primaryA, 2)
		last := wrongCheck.IDNumber[17]
		wrongCheck.IDNumber = wrongCheck.IDNumber[:17] + map[bool]string{true: "1", false: "0"}[last == '0']
		wrongBirth := f.pupil("生日错", true, "2018-04-02", primaryA, 2)
		wrongBirth.BirthDate = "2018-04-03"
		wrongGender := f.pupil("性别错", true, "2018-04-04", primaryA, 2)
		wrongGender.Gender = idno.Female
		feb31 := f.pupil("二月", true, "2018-02-28", primaryA, 2)
		feb31.BirthDate = "2018-02-31"
		noGrade := f.pupil("没有八年级", true, "2012-04-05", primaryA, 8)
		outside := f.pupil("外县", true, "2018-04-06", juniorC, 7)
		outside.BirthDate, outside.IDNumber = "2013-04-06", idno.MakeResidentID("430407", birth("2013-04-06"), 11)
		dupInFile := ok
		dupInFile.Name = "重复"
		atOther := registered
		atOther.School = primaryA // the same child, at another school
		formula := f.pupil("=1+1", true, "2018-04-07", primaryA, 2)

		rows := []Student{ok, wrongCheck, wrongBirth, wrongGender, feb31, noGrade, outside, dupInFile, formula}
		var b strings.Builder
		b.WriteString(importHeader)
		for _, s := range rows {
			b.WriteString(line(s, "1"))
		}
		county := scope.Area("430421") // 衡阳县's bureau: 石鼓区's junior school is out of reach
		res := f.importFile("bad.csv", []byte(b.String()), county, countyActor("430421"), importer.Options{})
		if res.Status != importer.Refused || res.Created != 0 || f.count("student") != 1 {
			t.Fatalf("%s %+v, %d students\n%s", res.Status, res.Counts, f.count("student"), listProblems(res))
		}
		wantRow(t, res, 3, "证件号码", "校验")
		wantRow(t, res, 4, "证件号码", "出生日期")
		wantRow(t, res, 5, "证件号码", "性别")
		p := wantRow(t, res, 6, "出生日期", "2 月只有 28 天")
		if p.Cell != "F6" {
			t.Fatalf("cell %q", p.Cell)
		}
		wantRow(t, res, 7, "年级", "小学没有八年级")
		wantRow(t, res, 8, "学校标识码", "不在您的权限范围内")
		wantRow(t, res, 9, "证件号码", "与第 2 行重复")
		wantRow(t, res, 10, "姓名", "像是公式")

		// Against the database: the child is registered at another school.
		res = f.importCSV(importHeader+line(atOther, "1"), importer.Options{})
		wantRow(t, res, 2, "证件号码", "衡阳县第二小学")
		if res.Status != importer.Refused {
			t.Fatalf("%s", res.Status)
		}

		// Only the valid rows: the first one.
		res = f.importFile("bad.csv", []byte(b.String()), county, countyActor("430421"), importer.Options{Mode: importer.ValidOnly})
		wantResult(t, res, importer.Partial, 1, 0, 0, 8)
	})
}

func TestImportStudentsEncodingsAndExcel(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	a := f.pupil("张小明", true, "2018-03-15", primaryA, 2)
	b := f.pupil("李小红", false, "2018-07-01", primaryA, 2)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(importHeader + line(a, "1"))
	if err != nil {
		t.Fatal(err)
	}
	res := f.importFile("gbk.csv", []byte(gbk), scope.Everything, admin, importer.Options{})
	wantResult(t, res, importer.Done, 1, 0, 0, 0)
	if res.Format != "CSV GB18030" {
		t.Fatalf("format %q", res.Format)
	}
	res = f.importFile("bom.csv", []byte("\uFEFF"+importHeader+line(b, "1")), scope.Everything, admin, importer.Options{})
	wantResult(t, res, importer.Done, 1, 0, 0, 0)

	// The template, filled in as a school would, with the school given by the import.
	var buf bytes.Buffer
	if err := importer.WriteTemplate(&buf, ImportKind{}.Spec()); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	header, _ := x.GetRows("学生信息")
	col := map[string]int{}
	for i, h := range header[0] {
		col[strings.TrimPrefix(h, "*")] = i + 1
	}
	c := f.pupil("赵小兰", false, "2018-09-09", primaryA, 2)
	for name, v := range map[string]string{"年级": "二年级", "班级": "3", "姓名": c.Name, "性别": "女", "出生日期": c.BirthDate,
		"证件号码": c.IDNumber, "民族": "汉族", "是否留守儿童": "是", "监护人1姓名": "赵母", "监护人1关系": "母亲", "监护人1电话": "13800001111"} {
		cell, _ := excelize.CoordinatesToCellName(col[name], 3)
		x.SetCellStr("学生信息", cell, v)
	}
	var filled bytes.Buffer
	x.WriteTo(&filled)
	res = f.importFile("template.xlsx", filled.Bytes(), scope.School(primaryA), schoolActor(primaryA), importer.Options{School: primaryA})
	wantResult(t, res, importer.Done, 1, 0, 0, 0)
	var left bool
	f.d.QueryRow(`SELECT left_behind FROM student WHERE id_index = $1`, f.r.IDIndex(c.IDNumber)).Scan(&left)
	if !left {
		t.Fatal("是否留守儿童 was not read")
	}
}

func TestImportClassSizeIsFlagged(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	f.r.Rules.ClassLimits[Primary] = 2
	var b strings.Builder
	b.WriteString(importHeader)
	for i := range 3 {
		b.WriteString(line(f.pupil(fmt.Sprintf("学生%c", '甲'+rune(i)), i%2 == 0, "2018-03-15", primaryA, 2), "1"))
	}
	res := f.importCSV(b.String(), importer.Options{})
	wantResult(t, res, importer.Done, 3, 0, 0, 0)
	p := wantRow(t, res, 4, "班级", "超过班额上限 2 名")
	if !p.Warning || res.Warnings != 1 {
		t.Fatalf("%+v, %d warnings", p, res.Warnings)
	}
}

func TestParseClassNumber(t *testing.T) {
	for in, want := range map[string]int{"2": 2, "02": 2, "2班": 2, "(2)班": 2, "（2）班": 2, "二班": 2, "三年级2班": 2, "三年级（12）班": 12, "高一(3)班": 3, "3.0": 3} {
		if got, ok := parseClassNumber(in); !ok || got != want {
			t.Errorf("%q: %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"甲班", "0", "100", "x"} {
		if _, ok := parseClassNumber(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestImportSpec(t *testing.T) {
	if err := importer.CheckSpec(ImportKind{}.Spec()); err != nil {
		t.Fatal(err)
	}
	// Every validation field of the record lands on a column of the file.
	spec := ImportKind{}.Spec()
	cols := map[string]bool{}
	for _, c := range spec.Columns {
		cols[c.Key] = true
	}
	for _, fld := range Fields {
		key := fld.Key
		if m, ok := importFields[key]; ok {
			key = m
		}
		if !cols[key] {
			t.Errorf("field %s has no column", fld.Key)
		}
	}
	_ = context.Background
}
