package importer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/i18n"
	"edubureau/scope"
)

// fixture is a database with the test kind's table and an import service.
type fixture struct {
	t   *testing.T
	d   *db.DB
	svc *Service
	dir string
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	makePeopleTable(t, d)
	dir := t.TempDir()
	return &fixture{t: t, d: d, svc: New(d, nil, filepath.Join(dir, "imports")), dir: dir}
}

// file writes content to a file named name in the fixture's directory.
func (f *fixture) file(name string, content []byte) Source {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		f.t.Fatal(err)
	}
	src, err := FileSource(p)
	if err != nil {
		f.t.Fatal(err)
	}
	return src
}

func (f *fixture) run(src Source, opt Options) Result {
	f.t.Helper()
	res, err := f.svc.Run(context.Background(), Request{Kind: people{}, Source: src, Options: opt,
		Actor: audit.Actor{Username: "tester"}, Scope: scope.Everything, Via: "cli"})
	if err != nil {
		f.t.Fatalf("import %s: %v", src.Name, err)
	}
	return res
}

func (f *fixture) importCSV(name, content string, opt Options) Result {
	f.t.Helper()
	return f.run(f.file(name, []byte(content)), opt)
}

func (f *fixture) count() int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(`SELECT COUNT(*) FROM test_person`).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) name(code string) string {
	f.t.Helper()
	var n string
	if err := f.d.QueryRow(`SELECT name FROM test_person WHERE code = $1`, code).Scan(&n); err != nil {
		f.t.Fatalf("person %s: %v", code, err)
	}
	return n
}

// wantProblem finds a problem at row and column (header as written) whose
// Chinese or English message contains text.
func wantProblem(t *testing.T, res Result, row int, column, text string) Problem {
	t.Helper()
	for _, p := range res.Problems {
		if p.Row == row && p.Column == column && (strings.Contains(p.Message.ZH, text) || strings.Contains(p.Message.EN, text)) {
			return p
		}
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.In(i18n.ZH)+" | "+p.Message.EN)
	}
	t.Fatalf("no problem at row %d column %q with %q; status %s, problems:\n%s", row, column, text, res.Status, strings.Join(got, "\n"))
	return Problem{}
}

func wantCounts(t *testing.T, res Result, status Status, rows, created, updated, unchanged, refused int64) {
	t.Helper()
	c := res.Counts
	if res.Status != status || c.Rows != rows || c.Created != created || c.Updated != updated || c.Unchanged != unchanged || c.Refused != refused {
		var ps []string
		for _, p := range res.Problems {
			ps = append(ps, p.In(i18n.ZH))
		}
		t.Fatalf("got %s rows=%d created=%d updated=%d unchanged=%d refused=%d, want %s %d %d %d %d %d\n%s",
			res.Status, c.Rows, c.Created, c.Updated, c.Unchanged, c.Refused, status, rows, created, updated, unchanged, refused, strings.Join(ps, "\n"))
	}
}

const goodCSV = "编号,姓名,性别,出生日期,电话\nP0001,张三,男,2015-09-01,13800138000\nP0002,李四,女,2016-03-15,\nP0003,王五,2,2015-12-31,+86 139 0000 0000\n"

func TestImportCreatesUpdatesAndIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		res := f.importCSV("people.csv", goodCSV, Options{})
		wantCounts(t, res, Done, 3, 3, 0, 0, 0)
		if res.Format != "CSV UTF-8" || res.HeaderRow != 1 || len(res.Checksum) != 64 || res.Report != "" {
			t.Fatalf("format %q header %d checksum %q report %q", res.Format, res.HeaderRow, res.Checksum, res.Report)
		}
		// The same file again changes nothing and duplicates nothing.
		wantCounts(t, f.importCSV("people.csv", goodCSV, Options{}), Done, 3, 0, 0, 3, 0)
		if f.count() != 3 {
			t.Fatalf("%d people after importing the same file twice", f.count())
		}
		// A corrected file updates.
		fixed := strings.Replace(goodCSV, "李四", "李思", 1)
		wantCounts(t, f.importCSV("people.csv", fixed, Options{}), Done, 3, 0, 1, 2, 0)
		if f.name("P0002") != "李思" {
			t.Fatal("the corrected name was not written")
		}
		var gender string
		d.QueryRow(`SELECT gender FROM test_person WHERE code = 'P0003'`).Scan(&gender)
		if gender != "2" {
			t.Fatalf("a coded value given as its code: %q", gender)
		}
		// The job history has the three imports, newest first.
		page, err := f.svc.Jobs(context.Background(), Viewer{Scope: scope.Everything}, "people", 1, 10)
		if err != nil || page.Total != 3 || page.Jobs[0].Updated != 1 || page.Jobs[2].Created != 3 || page.Jobs[0].Status != Done {
			t.Fatalf("history: %+v %v", page, err)
		}
		j := page.Jobs[0]
		if j.FileName != "people.csv" || j.Checksum == "" || j.Username != "tester" || j.Via != "cli" || j.FinishedAt.IsZero() {
			t.Fatalf("job record %+v", j)
		}
	})
}

func TestAllOrNothingWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		bad := goodCSV + "P0004,赵六,男,2015-02-31,\nP0005,,女,2015-01-01,\nX1,钱七,未知,2015-01-01,\n"
		res := f.importCSV("bad.csv", bad, Options{})
		wantCounts(t, res, Refused, 6, 0, 0, 0, 3)
		if f.count() != 0 {
			t.Fatalf("all-or-nothing wrote %d rows", f.count())
		}
		wantProblem(t, res, 5, "出生日期", "2015-02-31")
		wantProblem(t, res, 6, "姓名", "必填")
		p := wantProblem(t, res, 7, "性别", "不是可填的值")
		if p.Cell != "C7" || !strings.Contains(p.Message.EN, "Male, Female") {
			t.Fatalf("problem %+v", p)
		}
		wantProblem(t, res, 7, "编号", "P 加 4 位数字")
		// The report repeats the three refused rows with their problems, the bad cells in red.
		rows := readReport(t, res.Report)
		if len(rows) != 4 || rows[1][0] != "5" || !strings.Contains(rows[1][1], "出生日期（D5）") || rows[1][2] != "P0004" ||
			rows[3][0] != "7" || !strings.Contains(rows[3][1], "编号（A7）") || rows[0][2] != "编号" {
			t.Fatalf("report: %q", rows)
		}
		// Only the valid rows.
		res = f.importCSV("bad.csv", bad, Options{Mode: ValidOnly})
		wantCounts(t, res, Partial, 6, 3, 0, 0, 3)
		if f.count() != 3 {
			t.Fatalf("valid-only wrote %d rows", f.count())
		}
		// The corrected report, imported as it is, brings the rest.
		fixedReport := fixReport(t, res.Report, map[string]string{"2015-02-31": "2015-02-28", "未知": "女", "X1": "P0007"}, map[int]string{2: "孙八"})
		res = f.run(fixedReport, Options{})
		wantCounts(t, res, Done, 3, 3, 0, 0, 0)
		if f.count() != 6 {
			t.Fatalf("after the corrected report: %d", f.count())
		}
	})
}

func TestDryRunWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		res := f.importCSV("people.csv", goodCSV, Options{DryRun: true})
		if res.Status != Checked || res.Valid != 3 || res.Created != 0 || f.count() != 0 {
			t.Fatalf("dry run: %+v, %d written", res.Counts, f.count())
		}
	})
}

func TestEncodings(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(goodCSV)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(goodCSV, ",", "\t"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, content, format string }{
		{"utf8.csv", goodCSV, "CSV UTF-8"},
		{"bom.csv", "\uFEFF" + goodCSV, "CSV UTF-8 (BOM)"},
		{"gbk.csv", gbk, "CSV GB18030"},
		{"crlf.csv", strings.ReplaceAll(goodCSV, "\n", "\r\n"), "CSV UTF-8"},
		{"unicode.txt", utf16, "CSV UTF-16"},
		{"semicolon.csv", strings.ReplaceAll(goodCSV, ",", ";"), "CSV UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, dbtest.SQLite(t))
			res := f.importCSV(c.name, c.content, Options{})
			wantCounts(t, res, Done, 3, 3, 0, 0, 0)
			if res.Format != c.format || f.name("P0001") != "张三" || f.name("P0003") != "王五" {
				t.Fatalf("format %q, name %q", res.Format, f.name("P0001"))
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		f := newFixture(t, dbtest.SQLite(t))
		res := f.importCSV("latin.csv", "编号,姓名\n\xff\xff,x\n", Options{})
		if res.Status != Failed {
			t.Fatalf("status %s", res.Status)
		}
	})
}

func TestHeaderFinding(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	// A title row, headers in English and in full width, a required star, an
	// unknown column and an ignored 序号, columns in another order.
	csv := "2026年秋季人员名单,,,,,,\n序号,ＣＯＤＥ,*Name,Gender,date of birth,备注,Phone\n1,P0001,张三,男,2015-09-01,x,\n"
	res := f.importCSV("title.csv", csv, Options{})
	wantCounts(t, res, Done, 1, 1, 0, 0, 0)
	if res.HeaderRow != 2 {
		t.Fatalf("header row %d", res.HeaderRow)
	}
	w := wantProblem(t, res, 0, "", "备注")
	if !w.Warning || !strings.Contains(w.Message.ZH, "（F）") {
		t.Fatalf("unknown column: %+v", w)
	}

	// A second header line in English is part of the header.
	res = f.importCSV("two.csv", "编号,姓名,性别,出生日期\nCode,Name,Gender,Date of birth\nP0002,李四,女,2016-01-01\n", Options{})
	wantCounts(t, res, Done, 1, 1, 0, 0, 0)
	if res.HeaderRow != 2 {
		t.Fatalf("two-line header ends on row %d", res.HeaderRow)
	}

	for _, c := range []struct{ name, csv, want string }{
		{"missing", "编号,姓名,电话\nP0001,张三,1\n", "缺少必填的列：“性别”、“出生日期”"},
		{"twice", "编号,姓名,性别,出生日期,姓名\nP0001,张三,男,2015-01-01,李\n", "“姓名”（B、E）"},
		{"none", "a,b,c\n1,2,3\n", "找不到表头"},
		{"empty", "", "文件是空的"},
		{"blank", "\n\n\n", "文件是空的"},
		{"header only", "编号,姓名,性别,出生日期\n\n", "没有数据行"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := f.importCSV(c.name+".csv", c.csv, Options{})
			if res.Status != Failed || len(res.Problems) == 0 || !strings.Contains(res.Problems[0].Message.ZH, c.want) || res.Problems[0].Message.EN == "" {
				t.Fatalf("status %s problems %+v", res.Status, res.Problems)
			}
		})
	}
	if f.count() != 2 {
		t.Fatalf("%d people", f.count())
	}
}

func TestRaggedRowsAndQuotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		head := "编号,姓名,性别,出生日期,电话\n"
		res := f.importCSV("ragged.csv", head+"P0001,张三,男,2015-09-01\nP0002,李四,女,2016-01-01,1,extra\nP0003,王五,男,2015-01-01,,\n", Options{})
		wantCounts(t, res, Refused, 3, 0, 0, 0, 2)
		wantProblem(t, res, 2, "", "只有 4 个单元格，而表头有 5 列")
		wantProblem(t, res, 3, "", "有 6 个单元格，而表头只有 5 列")
		if f.count() != 0 {
			t.Fatal("a refused file wrote rows")
		}
		// A quote left open: nothing can be read reliably after it, so nothing is imported even in valid-only mode.
		res = f.importCSV("quote.csv", head+"P0001,张三,男,2015-09-01,\nP0002,\"李四,女,2016-01-01,\nP0003,王五,男,2015-01-01,\n", Options{Mode: ValidOnly})
		if res.Status != Failed || f.count() != 0 {
			t.Fatalf("unclosed quote: %s, %d written", res.Status, f.count())
		}
		wantProblem(t, res, 3, "", "引号没有闭合")
		res = f.importCSV("bare.csv", head+"P0001,张\"三,男,2015-09-01,\n", Options{})
		wantProblem(t, res, 2, "", "没有用引号括起的单元格中出现了引号")
		// Quoted cells with commas, quotes and line breaks are fine, and rows keep the spreadsheet's numbers.
		res = f.importCSV("quoted.csv", head+"\"P0001\",\"张,三\",男,2015-09-01,\n\nP0002,\"李\"\"四\n二\",女,2016-01-01,\nP0003,王五,X,2015-01-01,\n", Options{Mode: ValidOnly})
		wantCounts(t, res, Partial, 3, 2, 0, 0, 1)
		wantProblem(t, res, 5, "性别", "不是可填的值")
		if f.name("P0002") != "李\"四\n二" {
			t.Fatalf("quoted cell %q", f.name("P0002"))
		}
	})
}

func TestFormulaCellsAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		res := f.importCSV("formula.csv", "编号,姓名,性别,出生日期,电话\nP0001,\"=HYPERLINK(\"\"http://x\"\")\",男,2015-09-01,+86 138 0013 8000\nP0002,@SUM(1),女,2015-01-01,-\n", Options{})
		wantCounts(t, res, Refused, 2, 0, 0, 0, 2)
		wantProblem(t, res, 2, "姓名", "像是公式")
		wantProblem(t, res, 3, "姓名", "@")
		if f.count() != 0 {
			t.Fatal("written")
		}
		// The report keeps the formula as text.
		rows := readReport(t, res.Report)
		if rows[1][3] != "=HYPERLINK(\"http://x\")" {
			t.Fatalf("report cell %q", rows[1][3])
		}
		rf, err := excelize.OpenFile(res.Report)
		if err != nil {
			t.Fatal(err)
		}
		defer rf.Close()
		if formula, _ := rf.GetCellFormula(ReportSheet, "D2"); formula != "" {
			t.Fatalf("the report has a formula: %q", formula)
		}
	})
}

func TestInFileDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		csv := goodCSV + "p0001,张三丰,男,2015-09-01,\nP0004,赵六,男,2015-09-01,\nP0002,李四,女,2016-03-15,\n"
		res := f.importCSV("dup.csv", csv, Options{Mode: ValidOnly})
		wantCounts(t, res, Partial, 6, 4, 0, 0, 2)
		wantProblem(t, res, 5, "编号", "与第 2 行重复")
		wantProblem(t, res, 7, "编号", "与第 3 行重复")
		if f.name("P0001") != "张三" {
			t.Fatal("the first occurrence should win")
		}
		// Against what is already stored, a row is an update, not a duplicate.
		wantCounts(t, f.importCSV("again.csv", goodCSV, Options{}), Done, 3, 0, 0, 3, 0)
	})
}

// TestHashCollisionsAreRecheckedExactly makes every key share one hash: no
// row may be called a duplicate unless its key truly repeats.
func TestHashCollisionsAreRecheckedExactly(t *testing.T) {
	saved := hashKey
	hashKey = func(*run, string) uint64 { return 42 }
	defer func() { hashKey = saved }()
	f := newFixture(t, dbtest.SQLite(t))
	var b strings.Builder
	b.WriteString("编号,姓名,性别,出生日期\n")
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(&b, "P%04d,人%d,男,2015-09-01\n", i, i)
	}
	b.WriteString("P0007,重复,男,2015-09-01\nP0050,重复,女,2015-09-01\n")
	res := f.importCSV("collide.csv", b.String(), Options{Mode: ValidOnly})
	wantCounts(t, res, Partial, 52, 50, 0, 0, 2)
	wantProblem(t, res, 52, "编号", "与第 8 行重复")
	wantProblem(t, res, 53, "编号", "与第 51 行重复")
	if f.count() != 50 || f.name("P0007") != "人7" {
		t.Fatalf("%d written", f.count())
	}
}

func TestDatabaseChecksStillRunAfterARefusal(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	res := f.importCSV("taken.csv", "编号,姓名,性别,出生日期\nP0001,,男,2015-09-01\nP9999,李四,女,2015-09-01\n", Options{})
	wantCounts(t, res, Refused, 2, 0, 0, 0, 2)
	wantProblem(t, res, 3, "编号", "P9999")
}

func TestWarningsDoNotRefuse(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	res := f.importCSV("warn.csv", "编号,姓名,性别,出生日期\nP0001,警告,男,2015-09-01\n", Options{})
	wantCounts(t, res, Done, 1, 1, 0, 0, 0)
	if p := wantProblem(t, res, 2, "姓名", "测试警告"); !p.Warning || res.Warnings != 1 {
		t.Fatalf("%+v", p)
	}
}

// readReport reads the report's sheet as text.
func readReport(t *testing.T, path string) [][]string {
	t.Helper()
	if path == "" {
		t.Fatal("no report")
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(ReportSheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// fixReport replaces values in a report's cells and sets column cells by
// data row (1 = first data row) in its name column, returning it as a new source.
func fixReport(t *testing.T, path string, replace map[string]string, names map[int]string) Source {
	t.Helper()
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows(ReportSheet)
	for r, row := range rows {
		for c, v := range row {
			if nv, ok := replace[v]; ok && r > 0 {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				x.SetCellStr(ReportSheet, cell, nv)
			}
		}
	}
	for r, name := range names {
		cell, _ := excelize.CoordinatesToCellName(4, r+1)
		x.SetCellStr(ReportSheet, cell, name)
	}
	out := filepath.Join(filepath.Dir(path), "fixed.xlsx")
	if err := x.SaveAs(out); err != nil {
		t.Fatal(err)
	}
	src, _ := FileSource(out)
	return src
}

func TestValidOnlyWithNothingValidIsRefused(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	res := f.importCSV("bad.csv", "编号,姓名,性别,出生日期\nX1,张三,男,2015-09-01\nP0002,,女,2015-09-01\n", Options{Mode: ValidOnly})
	wantCounts(t, res, Refused, 2, 0, 0, 0, 2)
	if res.Status.Wrote() || f.count() != 0 {
		t.Fatal("written")
	}
}
