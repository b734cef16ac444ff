package importer

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/db"
	"edubureau/db/dbtest"
)

// workbook builds an XLSX with excelize: fill gets the file and the data sheet's name.
func (f *fixture) workbook(name string, fill func(x *excelize.File, sheet string)) Source {
	f.t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sheet := "人员信息"
	x.SetSheetName("Sheet1", sheet)
	fill(x, sheet)
	p := filepath.Join(f.dir, name)
	if err := x.SaveAs(p); err != nil {
		f.t.Fatal(err)
	}
	src, err := FileSource(p)
	if err != nil {
		f.t.Fatal(err)
	}
	return src
}

func setRows(x *excelize.File, sheet string, from int, rows ...[]any) {
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, from+i)
		x.SetSheetRow(sheet, cell, &r)
	}
}

var header = []any{"编号", "姓名", "性别", "出生日期", "电话"}

func TestXLSX(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		birth := time.Date(2015, 9, 1, 0, 0, 0, 0, time.UTC)
		src := f.workbook("people.xlsx", func(x *excelize.File, s string) {
			setRows(x, s, 1, header,
				[]any{"P0001", "张三", "男", birth, 13800138000},
				[]any{"P0002", "李四", "女", "2016-03-15", nil},
			)
			// Excel's own date style, and a Chinese one (numFmt 31: yyyy"年"m"月"d"日").
			st, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
			x.SetCellStyle(s, "D2", "D2", st)
			x.SetCellValue(s, "D3", 42444) // 2016-03-15 as a serial…
			cn, _ := x.NewStyle(&excelize.Style{NumFmt: 31})
			x.SetCellStyle(s, "D3", "D3", cn) // …shown the Chinese way
		})
		res := f.run(src, Options{})
		wantCounts(t, res, Done, 2, 2, 0, 0, 0)
		if res.Format != "XLSX, 人员信息" {
			t.Fatalf("format %q", res.Format)
		}
		var birth1, birth2, phone string
		d.QueryRow(`SELECT birth, phone FROM test_person WHERE code = 'P0001'`).Scan(&birth1, &phone)
		d.QueryRow(`SELECT birth FROM test_person WHERE code = 'P0002'`).Scan(&birth2)
		if birth1 != "2015-09-01" || birth2 != "2016-03-15" || phone != "13800138000" {
			t.Fatalf("birth %q %q phone %q", birth1, birth2, phone)
		}
	})
}

func TestXLSXBadInput(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	t.Run("formula", func(t *testing.T) {
		res := f.run(f.workbook("formula.xlsx", func(x *excelize.File, s string) {
			setRows(x, s, 1, header, []any{"P0001", "张三", "男", "2015-09-01"})
			x.SetCellFormula(s, "B2", `CONCATENATE("张","三")`)
		}), Options{})
		wantCounts(t, res, Refused, 1, 0, 0, 0, 1)
		p := wantProblem(t, res, 2, "姓名", `=CONCATENATE("张","三")`)
		if p.Cell != "B2" || !strings.Contains(p.Message.EN, "do not evaluate formulas") {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("merged header", func(t *testing.T) {
		res := f.run(f.workbook("merged.xlsx", func(x *excelize.File, s string) {
			setRows(x, s, 1, []any{"编号", "姓名", nil, "性别", "出生日期"}, []any{"P0001", "张", "三", "男", "2015-09-01"})
			x.MergeCell(s, "B1", "C1")
		}), Options{})
		if res.Status != Failed || !strings.Contains(res.Problems[0].Message.ZH, "表头有合并单元格（B1:C1）") {
			t.Fatalf("%s %+v", res.Status, res.Problems)
		}
	})
	t.Run("merged data and title", func(t *testing.T) {
		// A merged title above the header, and the gender merged down two rows: fine.
		res := f.run(f.workbook("merged-data.xlsx", func(x *excelize.File, s string) {
			setRows(x, s, 1, []any{"2026 年人员名单"}, header,
				[]any{"P0011", "甲", "女", "2015-09-01"}, []any{"P0012", "乙", nil, "2015-09-02"}, []any{nil, nil, nil, nil})
			x.MergeCell(s, "A1", "E1")
			x.MergeCell(s, "C3", "C5")
		}), Options{})
		wantCounts(t, res, Done, 2, 2, 0, 0, 0)
		var g string
		f.d.QueryRow(`SELECT gender FROM test_person WHERE code = 'P0012'`).Scan(&g)
		if g != "2" {
			t.Fatalf("merged gender %q", g)
		}
	})
	t.Run("extra sheet", func(t *testing.T) {
		src := f.workbook("sheets.xlsx", func(x *excelize.File, s string) {
			setRows(x, s, 1, header, []any{"P0021", "丙", "男", "2015-09-01"})
			x.NewSheet("二年级")
			setRows(x, "二年级", 1, header, []any{"P0022", "丁", "女", "2015-09-01"})
			x.NewSheet(InstructionsSheet)
			setRows(x, InstructionsSheet, 1, []any{"说明"})
		})
		res := f.run(src, Options{})
		wantCounts(t, res, Refused, 1, 0, 0, 0, 0)
		p := wantProblem(t, res, 0, "", "二年级")
		if p.Warning || strings.Contains(p.Message.ZH, InstructionsSheet) || len(res.Problems) != 1 {
			t.Fatalf("%+v", res.Problems)
		}
		// Valid-only imports the first sheet and still says what was left.
		res = f.run(src, Options{Mode: ValidOnly})
		wantCounts(t, res, Partial, 1, 1, 0, 0, 0)
	})
	t.Run("long number", func(t *testing.T) {
		res := f.run(f.workbook("long.xlsx", func(x *excelize.File, s string) {
			setRows(x, s, 1, header, []any{"P0031", "戊", "男", "2015-09-01", 430405201509010012.0})
		}), Options{})
		p := wantProblem(t, res, 2, "电话", "第 15 位以后已经丢失")
		if p.Cell != "E2" {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("empty workbook", func(t *testing.T) {
		res := f.run(f.workbook("empty.xlsx", func(x *excelize.File, s string) {}), Options{})
		if res.Status != Failed || !strings.Contains(res.Problems[0].Message.ZH, "没有数据") {
			t.Fatalf("%s %+v", res.Status, res.Problems)
		}
	})
	t.Run("not a workbook", func(t *testing.T) {
		res := f.run(f.file("broken.xlsx", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{1}, 100)...)), Options{})
		if res.Status != Failed || !strings.Contains(res.Problems[0].Message.ZH, "不是有效的 Excel 工作簿") {
			t.Fatalf("%s %+v", res.Status, res.Problems)
		}
		res = f.run(f.file("old.xls", append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 100)...)), Options{})
		if res.Status != Failed || !strings.Contains(res.Problems[0].Message.ZH, ".xls") {
			t.Fatalf("%s %+v", res.Status, res.Problems)
		}
	})
}

// TestTemplateRoundTrip fills the kind's template as a person would and imports it.
func TestTemplateRoundTrip(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, people{}.Spec()); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) != 3 || sheets[0] != "人员信息" || sheets[1] != CodesSheet || sheets[2] != InstructionsSheet {
		t.Fatalf("sheets %v", sheets)
	}
	if v, _ := x.GetSheetVisible(CodesSheet); v {
		t.Fatal("the code lists should be hidden")
	}
	a1, _ := x.GetCellValue("人员信息", "A1")
	b2, _ := x.GetCellValue("人员信息", "B2")
	if a1 != "*编号" || b2 != "Name" {
		t.Fatalf("headers %q %q", a1, b2)
	}
	dvs, err := x.GetDataValidations("人员信息")
	if err != nil || len(dvs) != 1 || dvs[0].Sqref != "C3:C1048576" || !strings.Contains(dvs[0].Formula1, CodesSheet) {
		t.Fatalf("drop-downs %+v %v", dvs, err)
	}
	// An empty template: the header is found, there is no data.
	p := filepath.Join(f.dir, "template.xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	src, _ := FileSource(p)
	res := f.run(src, Options{})
	if res.Status != Failed || !strings.Contains(res.Problems[0].Message.ZH, "没有数据行（表头在第 2 行）") {
		t.Fatalf("empty template: %s %+v", res.Status, res.Problems)
	}
	setRows(x, "人员信息", 3, []any{"P0001", "张三", "男", "2015-09-01", "13800138000"}, []any{"P0002", "李四", "女", "2016-01-01"})
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	src, _ = FileSource(p)
	res = f.run(src, Options{})
	wantCounts(t, res, Done, 2, 2, 0, 0, 0)
	if res.HeaderRow != 2 || len(res.Problems) != 0 {
		t.Fatalf("header %d problems %+v", res.HeaderRow, res.Problems)
	}
}
