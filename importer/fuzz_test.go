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
