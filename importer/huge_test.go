package importer

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/audit"
	"edubureau/db/dbtest"
	"edubureau/scope"
)

var huge = flag.Bool("importer.huge", false, "stream a generated 2 GB CSV through the engine (several minutes)")

// wideRows is a generated CSV of people with the width of a real student
// row (about 240 bytes: address, guardian and a note that the kind ignores),
// generated on the fly and never held whole, until size bytes.
type wideRows struct {
	size, done int64
	next       int
	buf        []byte
	header     bool
}

func (g *wideRows) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.done+int64(len(g.buf)) < g.size {
		if !g.header {
			g.buf = append(g.buf, "编号,姓名,性别,出生日期,电话,住址,监护人,备注\n"...)
			g.header = true
			continue
		}
		g.next++
		g.buf = fmt.Appendf(g.buf, "P%09d,学生%d,%s,2015-09-%02d,1380013%04d,湖南省衡阳市珠晖区东风路%d号%d栋%d单元,家长%d（父亲）13900%06d,第%d行的备注：本行由基准测试生成\n",
			g.next, g.next, [2]string{"男", "女"}[g.next%2], g.next%28+1, g.next%10000, g.next%999, g.next%30, g.next%6, g.next, g.next%1000000, g.next)
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	g.done += int64(n)
	return n, nil
}

func (g *wideRows) Close() error { return nil }

// nothing is the people kind with a writer that writes nothing: the test
// measures the engine (reading, checking, duplicates), not a database.
type nothing struct{ people }

type nothingWriter struct{ peopleWriter }

func (nothing) Begin(context.Context, *Session) (Writer, error) { return &nothingWriter{}, nil }

func (*nothingWriter) Write(_ context.Context, items []*Item) error {
	for _, it := range items {
		it.Outcome = Created
	}
	return nil
}

// TestHugeStream streams a generated 2 GB CSV (about 9 million rows) through
// the engine and reports the time and the peak memory of the process
// (go test ./importer/ -run TestHugeStream -importer.huge -v -timeout 30m).
func TestHugeStream(t *testing.T) {
	if !*huge {
		t.Skip("needs -importer.huge")
	}
	debug.SetMemoryLimit(160 << 20) // as the command line sets it
	const size = 2 << 30
	f := newFixture(t, dbtest.SQLite(t))
	start := time.Now()
	res, err := f.svc.Run(context.Background(), Request{Kind: nothing{}, Source: ReaderSource("huge.csv", size, func() (io.ReadCloser, error) {
		return &wideRows{size: size}, nil
	}), Options: Options{Mode: ValidOnly}, Actor: audit.Actor{Username: "bench"}, Scope: scope.Everything})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	maxRSS := float64(ru.Maxrss) / 1024 // kB on Linux
	t.Logf("2 GB CSV: %d rows in %s (%.0f MB/s, %.0f rows/s); status %s, %d valid; max RSS %.0f MB = %.2f × the 256 MB limit",
		res.Rows, took.Round(time.Second), float64(size)/(1<<20)/took.Seconds(), float64(res.Rows)/took.Seconds(),
		res.Status, res.Valid, maxRSS, maxRSS/256)
	if res.Status != Done || res.Valid != res.Rows || res.Rows < 8_000_000 {
		t.Fatalf("%+v", res.Counts)
	}
	if maxRSS > 256 {
		t.Errorf("peak memory %.0f MB is over 256 MB", maxRSS)
	}
}

// BenchmarkReadXLSX100k reads a 100,000-row workbook (the template's columns
// of the test kind, every cell text) through the engine with a writer that
// writes nothing: the cost of the XLSX reader and the checks alone.
//
//	go test ./importer -run '^$' -bench ReadXLSX100k -benchtime 1x
func BenchmarkReadXLSX100k(b *testing.B) {
	const n = 100000
	dir := b.TempDir()
	x := excelize.NewFile()
	sw, _ := x.NewStreamWriter("Sheet1")
	sw.SetRow("A1", benchHeader)
	for i := 1; i <= n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		sw.SetRow(cell, benchRow(i))
	}
	sw.Flush()
	path := filepath.Join(dir, "big.xlsx")
	if err := x.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	x.Close()
	benchReadXLSX(b, path, n)
}

// BenchmarkReadXLSXShared100k is BenchmarkReadXLSX100k with the text in a
// shared-string table, as Excel saves it (the stream writer of the other
// writes every string in its cell).
//
//	go test ./importer -run '^$' -bench ReadXLSXShared100k -benchtime 1x
func BenchmarkReadXLSXShared100k(b *testing.B) {
	const n = 100000
	path := filepath.Join(b.TempDir(), "shared.xlsx")
	rows := [][]any{benchHeader}
	for i := 1; i <= n; i++ {
		rows = append(rows, benchRow(i))
	}
	if err := writeSharedXLSX(path, rows); err != nil {
		b.Fatal(err)
	}
	benchReadXLSX(b, path, n)
}

var benchHeader = []any{"编号", "姓名", "性别", "出生日期", "电话", "住址", "监护人", "备注"}

func benchRow(i int) []any {
	return []any{fmt.Sprintf("P%08d", i), fmt.Sprintf("学生%d", i), [2]string{"男", "女"}[i%2], fmt.Sprintf("2015-09-%02d", i%28+1),
		fmt.Sprintf("1380013%04d", i%10000), fmt.Sprintf("湖南省衡阳市珠晖区东风路%d号", i), fmt.Sprintf("家长%d", i), "备注"}
}

func benchReadXLSX(b *testing.B, path string, n int64) {
	f := &fixture{t: &testing.T{}, d: dbtest.SQLite(b), dir: b.TempDir()}
	f.svc = New(f.d, nil, "")
	src, _ := FileSource(path)
	for b.Loop() {
		start := time.Now()
		res, err := f.svc.Run(context.Background(), Request{Kind: nothing{}, Source: src, Options: Options{Mode: ValidOnly},
			Actor: audit.Actor{Username: "bench"}, Scope: scope.Everything})
		if err != nil || res.Valid != n {
			b.Fatalf("%v %+v", err, res.Counts)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/read")
		b.Logf("%d rows of XLSX (%.1f MB) read and checked in %s", n, float64(src.Size)/(1<<20), time.Since(start).Round(time.Millisecond))
	}
}

// writeSharedXLSX writes a workbook of one sheet as Excel does: its strings
// in the shared-string table (each with the phonetic properties Chinese Excel
// adds), each cell a reference to one.
func writeSharedXLSX(path string, rows [][]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	part := func(name, content string) {
		w, _ := z.Create(name)
		io.WriteString(w, content)
	}
	part("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`+
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	part("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	part("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`+
		`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	part("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`+
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	index := map[string]int{}
	var table []string
	w, _ := z.Create("xl/worksheets/sheet1.xml")
	bw := bufio.NewWriter(w)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r, row := range rows {
		fmt.Fprintf(bw, `<row r="%d" spans="1:%d">`, r+1, len(row))
		for c, v := range row {
			s := fmt.Sprint(v)
			i, ok := index[s]
			if !ok {
				i = len(table)
				index[s] = i
				table = append(table, s)
			}
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			fmt.Fprintf(bw, `<c r="%s" t="s"><v>%d</v></c>`, name, i)
		}
		bw.WriteString(`</row>`)
	}
	bw.WriteString(`</sheetData></worksheet>`)
	bw.Flush()
	w, _ = z.Create("xl/sharedStrings.xml")
	bw = bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(rows)*len(rows[0]), len(table))
	for _, s := range table {
		bw.WriteString(`<si><t>`)
		xml.EscapeText(bw, []byte(s))
		bw.WriteString(`</t><phoneticPr fontId="1" type="noConversion"/></si>`)
	}
	bw.WriteString(`</sst>`)
	bw.Flush()
	return z.Close()
}
