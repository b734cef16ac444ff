package importer

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/width"
)

// The readers take files from outside: whatever the bytes, they return rows
// or a problem, never panic, and number rows upwards.

func FuzzCSV(f *testing.F) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(goodCSV)
	for _, s := range []string{goodCSV, "\uFEFF" + goodCSV, gbk, "a,\"b\nc\",d\n\n1,2,3", "\"unclosed,1\n2,3", "x\ty\tz\n1\t2\t3",
		"\xff\xfe" + "a\x00,\x00b\x00", "a;b;c\n1;2;3", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tbl, err := openCSV(io.NopCloser(bytes.NewReader(b)), int64(len(b)), true)
		if err != nil {
			return
		}
		defer tbl.close()
		last := 0
		for {
			row, err := tbl.next()
			if err != nil {
				break
			}
			if row.n <= last {
				t.Fatalf("row %d after row %d", row.n, last)
			}
			last = row.n
			for _, c := range row.cells {
				if tbl.encoding != "UTF-8" && tbl.encoding != "UTF-8 (BOM)" && !utf8.ValidString(c) {
					t.Fatalf("a decoded cell is not UTF-8: %q", c)
				}
			}
		}
	})
}

func FuzzXLSX(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"编号", "姓名", "性别"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"P0001", "张三", 1.5})
	x.SetCellFormula("Sheet1", "C3", "1+1")
	x.MergeCell("Sheet1", "A4", "B5")
	var buf bytes.Buffer
	x.WriteTo(&buf)
	x.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tbl, err := readWorkbook(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *FileError
			if !errorsAs(err, &fe) {
				t.Fatalf("not a file problem: %v", err)
			}
			return
		}
		defer tbl.close()
		last := 0
		for {
			row, err := tbl.next()
			if err != nil {
				break
			}
			if row.n <= last {
				t.Fatalf("row %d after row %d", row.n, last)
			}
			last = row.n
			if len(row.cells) > maxColumns {
				t.Fatalf("%d cells", len(row.cells))
			}
		}
	})
}

func FuzzHeaderAndCells(f *testing.F) {
	for _, s := range []string{"姓名", "*ＣＯＤＥ", "姓名(Name)", "=1+1", "+86 138", "-", "@x", "AB12", "A1:C3", "XFD1048576"} {
		f.Add(s)
	}
	m, err := newMatcher(people{}.Spec())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m.match(s)
		formulaLike(s)
		cleanCell(s)
		if c, r, ok := parseCellRef(s); ok && (c < 0 || c >= maxColumns || r < 0) {
			t.Fatalf("%q: column %d row %d", s, c, r)
		}
		if mr, ok := parseRange(s); ok && (mr.r2 < mr.r1 || mr.c2 < mr.c1) {
			t.Fatalf("%q: %+v", s, mr)
		}
		if strings.TrimSpace(s) == "" && formulaLike(s) {
			t.Fatal("blank is not a formula")
		}
	})
}

func errorsAs(err error, target **FileError) bool { return errors.As(err, target) }

// FuzzSheetRows: on any sheet XML, the scanner reads the rows the
// encoding/xml reader read, and stops at the same problem, named the same way.
func FuzzSheetRows(f *testing.F) {
	for _, rows := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>张</t></r><rPh><t>Z</t></rPh><r><t xml:space="preserve"> 三</t></r></is></c></row>`,
		`<row r="2"><c r="A2" s="1"><v>42444</v></c><c r="B2"><f>SUM(A1:A3)</f><v>6</v></c><c r="C2" t="str"><f t="shared" si="0"/><v>x</v></c><c r="D2" t="e"><v>#N/A</v></c></row>`,
		`<x:row r='3'><x:c r='A3' t='inlineStr'><x:is><x:t>a&amp;&#26446;<![CDATA[<]]>` + "\r\n" + `</x:t></x:is></x:c><c r="B3" s="3"/></x:row><row r="5"/><!-- c --><?p i?>`,
		`<row r="1"><c r="B1"/><c r="A1"/></row>`, `<row r="2"/><row r="1"/>`, `<row><c><v>&nbsp;</v></c></row>`,
	} {
		f.Add(sheetXML(rows))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameRows(t, b)
	})
}

// FuzzXMLScanner: on any bytes, the scanner gives encoding/xml's RawToken
// tokens, and its error at the same token.
func FuzzXMLScanner(f *testing.F) {
	for _, s := range []string{`<?xml version="1.0"?><a x:b='1' c="&lt;&#65;"><!DOCTYPE a [<!ENTITY e "x>"><!-- c --> ]><b/>t<![CDATA[]]></a>`,
		"<名 属性=\"值\">文\r\n</名>", `<a>]]></a>`, `<a b="1"c='2'/>`, "<a>\xff</a>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, size := range []int{1, 7, 4096} {
			compareTokens(t, b, size)
		}
	})
}

// FuzzSharedStrings: on any bytes, the scanner reads the shared strings the
// encoding/xml reader read, or the same problem.
func FuzzSharedStrings(f *testing.F) {
	f.Add([]byte(`<sst><si><t>张三</t><phoneticPr fontId="1"/></si><si><r><t>李</t></r><rPh><t>L</t></rPh><r><t>四</t></r></si><si/></sst>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sameSharedStrings(t, b)
	})
}

// FuzzFoldWidth checks FoldWidth's shortcut against width.Fold itself.
func FuzzFoldWidth(f *testing.F) {
	for _, s := range []string{"", "abc", "男", "汉族", "２０１５－０９－０１", "（２）班", "a\u3000b", "ｶﾀｶﾅ", "￥100", "Ｇ４３０４"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := FoldWidth(s), width.Fold.String(s); got != want {
			t.Fatalf("FoldWidth(%q) = %q, width.Fold gives %q", s, got, want)
		}
	})
}
