package importer

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"edubureau/i18n"
)

// The sheet's rows are read by xlsxscan.go's scanner. Its tests compare it
// with the reader it replaced, on encoding/xml, kept here as the oracle.

// xmlSheet reads a sheet's rows with encoding/xml's RawToken: the reader
// that xlsxscan.go replaced, unchanged but for where its decoder lives.
type xmlSheet struct {
	t   *xlsxTable
	dec *xml.Decoder
}

func (o *xmlSheet) next() (rawRow, error) {
	t := o.t
	for !t.eof {
		row, ok, err := o.nextRow()
		if err != nil {
			return rawRow{}, err
		}
		if ok {
			t.fillMerges(&row)
			return row, nil
		}
	}
	return rawRow{}, io.EOF
}

func (o *xmlSheet) nextRow() (rawRow, bool, error) {
	t := o.t
	for {
		tok, err := o.dec.RawToken()
		if err == io.EOF {
			t.eof = true
			return rawRow{}, false, nil
		}
		if err != nil {
			return rawRow{}, false, t.damaged(err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local == "row" {
				n := t.lastRow + 1
				if r := attr(x, "r"); r != "" {
					v, err := strconv.Atoi(r)
					if err != nil || v <= t.lastRow || v > 1<<24 {
						return rawRow{}, false, t.damaged(fmt.Errorf("row number %q", r))
					}
					n = v
				}
				t.lastRow = n
				t.inRow = true // a damaged cell is in this row, not near the next
				row, err := o.readCells(n)
				t.inRow = false
				return row, err == nil, err
			}
		case xml.EndElement:
			if x.Name.Local == "sheetData" {
				t.eof = true
				return rawRow{}, false, nil
			}
		}
	}
}

func (o *xmlSheet) readCells(n int) (rawRow, error) {
	t := o.t
	row := rawRow{n: n}
	col := -1
	for {
		tok, err := o.dec.RawToken()
		if err != nil {
			return row, t.damaged(err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local != "c" {
				continue
			}
			col++
			if r := attr(x, "r"); r != "" {
				c, _, ok := parseCellRef(r)
				if !ok || c < col {
					return row, t.damaged(fmt.Errorf("cell reference %q", r))
				}
				col = c
			}
			if col >= maxColumns {
				return row, t.damaged(fmt.Errorf("column beyond XFD"))
			}
			style, _ := strconv.Atoi(attr(x, "s"))
			value, issue, err := o.readCell(attr(x, "t"), style)
			if err != nil {
				return row, err
			}
			if value == "" && issue == nil {
				continue
			}
			for len(row.cells) <= col {
				row.cells = append(row.cells, "")
			}
			row.cells[col] = value
			if issue != nil {
				row.issues = append(row.issues, cellIssue{col: col, msg: *issue})
			}
		case xml.EndElement:
			if x.Name.Local == "row" {
				return row, nil
			}
		}
	}
}

func (o *xmlSheet) readCell(typ string, style int) (string, *i18n.Text, error) {
	t := o.t
	var v, inline, formula strings.Builder
	hasFormula := false
	in := ""
	skip := 0
	for {
		tok, err := o.dec.RawToken()
		if err != nil {
			return "", nil, t.damaged(err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "v":
				in = "v"
			case "f":
				hasFormula, in = true, "f"
			case "t":
				if skip == 0 {
					in = "t"
				}
			case "rPh", "phoneticPr":
				skip++
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "c":
				return t.cellValue(typ, style, v.String(), inline.String(), hasFormula, formula.String())
			case "rPh", "phoneticPr":
				skip--
			}
			in = ""
		case xml.CharData:
			switch in {
			case "v":
				v.Write(x)
			case "t":
				inline.Write(x)
			case "f":
				formula.Write(x)
			}
		}
	}
}

// sheetTable is a table reading sheet XML, with three shared strings and
// styles 1 and 3 in a date format; bufSize sets the scanner's buffer.
func sheetTable(sheet []byte, bufSize int) *xlsxTable {
	t := &xlsxTable{strings: memStrings{"张三", "李四", " 王五 "}, dateStyle: []bool{false, true, false, true}}
	t.read = &counter{r: bytes.NewReader(sheet)}
	t.sc = newXMLScanner(t.read, bufSize)
	return t
}

// readRows reads rows until the end or the first error.
func readRows(next func() (rawRow, error)) ([]rawRow, error) {
	var rows []rawRow
	for {
		row, err := next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

func scanRows(sheet []byte, bufSize int) ([]rawRow, error) {
	return readRows(sheetTable(sheet, bufSize).next)
}

func oracleRows(sheet []byte) ([]rawRow, error) {
	t := sheetTable(sheet, 16)
	return readRows((&xmlSheet{t: t, dec: xml.NewDecoder(bufio.NewReaderSize(bytes.NewReader(sheet), 1<<16))}).next)
}

// sameRows compares the scanner with the oracle on sheet, with buffers of
// several sizes (a token then straddles reads in every possible place).
func sameRows(t *testing.T, sheet []byte) ([]rawRow, error) {
	t.Helper()
	want, wantErr := oracleRows(sheet)
	for _, size := range []int{1, 2, 7, 64, 1 << 16} {
		got, err := scanRows(sheet, size)
		if !sameRowList(got, want) {
			t.Fatalf("buffer %d: rows\n%s\nthe encoding/xml reader:\n%s\nsheet %q", size, showRows(got), showRows(want), sheet)
		}
		if errText(err) != errText(wantErr) {
			t.Fatalf("buffer %d: error %q, the encoding/xml reader %q; sheet %q", size, errText(err), errText(wantErr), sheet)
		}
	}
	return want, wantErr
}

func sameRowList(a, b []rawRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].n != b[i].n || len(a[i].cells) != len(b[i].cells) || !reflect.DeepEqual(a[i].issues, b[i].issues) {
			return false
		}
		for j := range a[i].cells {
			if a[i].cells[j] != b[i].cells[j] {
				return false
			}
		}
	}
	return true
}

func showRows(rows []rawRow) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  row %d %q", r.n, r.cells)
		for _, is := range r.issues {
			fmt.Fprintf(&b, " [col %d: %s]", is.col, is.msg.EN)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func sheetXML(rows string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<dimension ref="A1:C3"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetData>` + rows +
		`</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>`)
}

type wantRow struct {
	n      int
	cells  []string
	issues []string // "col: part of the English message"
}

func checkRows(t *testing.T, got []rawRow, want []wantRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), showRows(got))
	}
	for i, w := range want {
		g := got[i]
		if g.n != w.n || !reflect.DeepEqual(g.cells, w.cells) || len(g.issues) != len(w.issues) {
			t.Fatalf("row %d: got\n%s", i, showRows(got[i:i+1]))
		}
		for j, is := range w.issues {
			col, part, _ := strings.Cut(is, ": ")
			if strconv.Itoa(g.issues[j].col) != col || !strings.Contains(g.issues[j].msg.EN, part) {
				t.Fatalf("row %d issue %d: %d %q, want %s", g.n, j, g.issues[j].col, g.issues[j].msg.EN, is)
			}
		}
	}
}

func TestSheetScanner(t *testing.T) {
	cases := []struct {
		name string
		rows string
		want []wantRow
	}{
		{"types", `<row r="1" spans="1:8"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>P0001</t></is></c>` +
			`<c r="C1" t="str"><v>text</v></c><c r="D1" t="b"><v>1</v></c><c r="E1" t="b"><v>0</v></c>` +
			`<c r="F1" t="d"><v>2015-09-01T00:00:00</v></c><c r="G1"><v>13800138000</v></c><c r="H1" t="n"><v>1.5</v></c></row>`,
			[]wantRow{{1, []string{"张三", "P0001", "text", "TRUE", "FALSE", "2015-09-01", "13800138000", "1.5"}, nil}}},
		{"dates and long numbers", `<row r="2"><c r="A2" s="1"><v>42444</v></c><c r="B2" s="3"><v>42444.5</v></c><c r="C2" s="2"><v>42444</v></c>` +
			`<c r="D2"><v>4.30405201509010012E17</v></c><c r="E2" s="1"><v>x</v></c></row>`,
			[]wantRow{{2, []string{"2016-03-15", "2016-03-15 12:00:00", "42444", "430405201509010000", "x"}, []string{"3: lost its digits"}}}},
		{"shared string index with spaces, and out of range style", `<row r="3"><c r="A3" t="s" s="99999999999999999999"><v> 2 </v></c></row>`,
			[]wantRow{{3, []string{" 王五 "}, nil}}},
		{"errors and formulas", `<row r="4"><c r="A4" t="e"><v>#DIV/0!</v></c><c r="B4"><f>SUM(A1:A3)</f><v>6</v></c>` +
			`<c r="C4" t="str"><f t="shared" si="0"/><v>x</v></c><c r="D4" t="s"><f>A1</f><v>1</v></c></row>`,
			[]wantRow{{4, []string{"#DIV/0!", "6", "x", "李四"}, []string{"0: Excel error #DIV/0!", "1: formula =SUM(A1:A3)", "2: 共享公式", "3: formula =A1"}}}},
		{"rich text and phonetic runs", `<row r="5"><c r="A5" t="inlineStr"><is><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve"> 三 </t></r>` +
			`<rPh sb="0" eb="1"><t>ZHANG</t></rPh><phoneticPr fontId="1"/></is></c></row>`,
			[]wantRow{{5, []string{"张 三 "}, nil}}},
		{"entities, CDATA and line ends", `<row r="6"><c r="A6" t="inlineStr"><is><t>a&amp;b&lt;c&gt;d&quot;e&apos;f&#26446;&#x56DB;</t></is></c>` +
			`<c r="B6" t="inlineStr"><is><t><![CDATA[<x> & ]] y]]></t></is></c><c r="C6" t="inlineStr"><is><t>l1` + "\r\n" + `l2` + "\r" + `l3` + "\n" + `l4</t></is></c></row>`,
			[]wantRow{{6, []string{`a&b<c>d"e'f李四`, "<x> & ]] y", "l1\nl2\nl3\nl4"}, nil}}},
		{"self-closing cells and rows, no references", `<row r="7"><c r="A7" s="3"/><c r="C7" t="inlineStr"><is><t>c</t></is></c></row><row r="9"/>` +
			`<row><c t="inlineStr"><is><t>a</t></is></c><c/><c t="inlineStr"><is><t>c</t></is></c></row>`,
			[]wantRow{{7, []string{"", "", "c"}, nil}, {9, nil, nil}, {10, []string{"a", "", "c"}, nil}}},
		{"quotes, white space, prefixes, comments and instructions", `<x:row r='11'` + "\n\t" + `spans = "1:2" ><!-- a comment --><?pi data?>` +
			`<x:c  r = 'A11'  t ="inlineStr" ><x:is><x:t>甲</x:t></x:is></x:c>` + "\r\n" + `<x:c r="B11"><x:v>7</x:v></x:c></x:row >`,
			[]wantRow{{11, []string{"甲", "7"}, nil}}},
		{"an empty row", `<row r="12"></row><row r="13"><c r="A13" t="inlineStr"><is><t></t></is></c></row>`,
			[]wantRow{{12, nil, nil}, {13, nil, nil}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := sameRows(t, sheetXML(c.rows))
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, rows, c.want)
		})
	}
}

// TestSheetScannerDamaged: whatever is wrong with the XML, the problem names
// the row near which it is, as the encoding/xml reader named it.
func TestSheetScannerDamaged(t *testing.T) {
	ok := `<row r="1"><c r="A1" t="inlineStr"><is><t>ok</t></is></c></row>`
	cases := []struct {
		name, rows string
		row        int    // rows read before the problem
		near       int    // the row the problem names: the row being read, or the one after the last row read
		reason     string // in the problem's message
	}{
		{"rows going back", ok + `<row r="1"/>`, 1, 2, `row number "1"`},
		{"row number not a number", ok + `<row r="2x"/>`, 1, 2, `row number "2x"`},
		{"row number too large", ok + `<row r="16777217"/>`, 1, 2, `row number "16777217"`},
		{"cells going back", ok + `<row r="2"><c r="B2"/><c r="A2"/></row>`, 1, 2, `cell reference "A2"`},
		{"bad cell reference", ok + `<row r="2"><c r="2B"/></row>`, 1, 2, `cell reference "2B"`},
		{"beyond XFD", ok + `<row r="2"><c r="XFD2"/><c/></row>`, 1, 2, "column beyond XFD"},
		{"shared string out of range", ok + `<row r="2"><c t="s"><v>3</v></c></row>`, 1, 2, `shared string "3"`},
		{"shared string not a number", ok + `<row r="2"><c t="s"><v>x</v></c></row>`, 1, 2, `shared string "x"`},
		{"unknown entity", ok + `<row r="2"><c t="inlineStr"><is><t>&nbsp;</t></is></c></row>`, 1, 2, "invalid character entity &nbsp;"},
		{"ampersand alone", ok + `<row r="2"><c t="inlineStr"><is><t>a & b</t></is></c></row>`, 1, 2, "invalid character entity & (no semicolon)"},
		{"character reference out of range", ok + `<row r="2"><c><v>&#x110000;</v></c></row>`, 1, 2, "invalid character entity &#x110000;"},
		{"control character", ok + `<row r="2"><c><v>` + "\x01" + `</v></c></row>`, 1, 2, "illegal character code U+0001"},
		{"not UTF-8", ok + `<row r="2"><c t="inlineStr"><is><t>` + "\xd5\xc5" + `</t></is></c></row>`, 1, 2, "invalid UTF-8"},
		{"unquoted attribute", ok + `<row r=2/>`, 1, 2, "unquoted or missing attribute value"},
		{"< in an attribute", ok + `<row r="<"/>`, 1, 2, "unescaped < inside quoted string"},
		{"two prefixes", ok + `<a:b:row/>`, 1, 2, "expected element name after <"},
		{"name starting with a digit", ok + `<1row/>`, 1, 2, "invalid XML name: 1row"},
		{"]]> in text", ok + `<row r="2"><c><v>]]></v></c></row>`, 1, 2, "unescaped ]]> not in CDATA section"},
		{"bad comment", ok + `<!-- a -- b -->`, 1, 2, `invalid sequence "--" not allowed in comments`},
		{"bad end tag", ok + `<row r="2"></row x>`, 1, 2, "invalid characters between </row and >"},
		{"encoding", `<?xml version="1.0" encoding="GBK"?>` + ok, 0, 1, `encoding "GBK" declared`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := sameRows(t, sheetXML(c.rows))
			want := fmt.Sprintf("the sheet cannot be read near row %d", c.near)
			if len(rows) != c.row || err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("%d rows, %v; want %s: … %s", len(rows), err, want, c.reason)
			}
		})
	}
	// Cut short anywhere: the rows before, then the problem (or the end, between rows).
	sheet := sheetXML(ok + `<row r="2"><c r="A2" t="inlineStr"><is><t>张&amp;三</t></is></c><c r="B2"><v>1</v></c></row>`)
	for i := range sheet {
		sameRows(t, sheet[:i])
	}
}

// TestSheetScannerReadError: an error of the file under the XML (a damaged
// zip entry) is the damaged-sheet problem too, once the bytes before it are read.
func TestSheetScannerReadError(t *testing.T) {
	sheet := sheetXML(`<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c t="inlineStr"><is><t>b</t></is></c></row>`)
	cut := bytes.Index(sheet, []byte(`<row r="2"`)) + 5
	tbl := &xlsxTable{strings: memStrings{}}
	tbl.read = &counter{r: io.MultiReader(bytes.NewReader(sheet[:cut]), iotestErrReader{})}
	tbl.sc = newXMLScanner(tbl.read, 16)
	rows, err := readRows(tbl.next)
	if len(rows) != 1 || err == nil || !strings.Contains(err.Error(), "near row 2") || !strings.Contains(err.Error(), "zip: checksum error") {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, fmt.Errorf("zip: checksum error") }

// compareTokens reads data with encoding/xml's RawToken and with the scanner
// (its buffer of size bytes) and fails at the first difference.
func compareTokens(t *testing.T, data []byte, size int) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	s := newXMLScanner(bytes.NewReader(data), size)
	for i := 0; ; i++ {
		tok, err := d.RawToken()
		k, serr := s.next()
		if err != nil || serr != nil {
			if errText(err) != errText(serr) {
				t.Fatalf("buffer %d, token %d: error %q, encoding/xml %q; data %q", size, i, errText(serr), errText(err), data)
			}
			return
		}
		bad := false
		switch x := tok.(type) {
		case xml.StartElement:
			bad = k != xmlStart || x.Name.Space != string(s.space()) || x.Name.Local != string(s.local()) || len(x.Attr) != len(s.attrs)
			for j := 0; !bad && j < len(x.Attr); j++ {
				a := s.attrs[j]
				bad = x.Attr[j].Name.Local != string(s.abuf[a.local[0]:a.local[1]]) || x.Attr[j].Value != string(s.abuf[a.value[0]:a.value[1]])
			}
		case xml.EndElement:
			bad = k != xmlEnd || x.Name.Space != string(s.space()) || x.Name.Local != string(s.local())
		case xml.CharData:
			bad = k != xmlText || !bytes.Equal(x, s.text)
		case xml.ProcInst:
			bad = k != xmlOther || x.Target != string(s.name) || !bytes.Equal(x.Inst, s.text)
		case xml.Comment, xml.Directive:
			bad = k != xmlOther
		}
		if bad {
			t.Fatalf("buffer %d, token %d: encoding/xml %#v; scanner %d %q %q %q; data %q", size, i, tok, k, s.space(), s.local(), s.text, data)
		}
	}
}

func TestXMLScannerTokens(t *testing.T) {
	for _, data := range []string{
		`<?xml version="1.0" encoding="utf-8"?><a x:b='1' c = "&lt;&#65;&#x42;"><!DOCTYPE a [<!ENTITY e "x>"><!-- c --> ]><b/>text<![CDATA[]]></a>`,
		"\xef\xbb\xbf<a>\r\n</a>", `<:a b:="1"/>`, `<a:/>`, `<名 属性="值">文</名>`, `<a>&#0;</a>`, `<a>&#xD800;</a>`, `<a>&#xFFFE;</a>`,
		`<a>&#;</a>`, `<a>&#x;</a>`, `<a>&;</a>`, `<a>&lt</a>`, `<a>&#99999999999999999999;</a>`, `<!>`, `<!DOCTYPE <x>>`, `<!D <!-- > -->>`,
		`<!D <!- >`, `<?xml version="1.1"?>`, `<?xml?>`, `<??>`, `<?a ?>`, `<a b="1"c="2"/>`, `<a b/>`, `<a/ >`, `</a`, `<a`, `<`,
		"<a>\xff</a>", "<\xff/>", "<a\xc2\xb7/>", "<\xc2\xb7a/>", `<a>]]</a>`, `<a b="]]>"/>`, "<![CDATA[\r\n]]]]>", `<![CDATA[x`,
		`<![CDAT[x]]>`, `<!-x-->`, `<a>x`, "<a>\r", "a\r\nb", `<a b='"'/>`, `<a>&amp`, `<a>&#12`, `<a>&#x`, `<?x`,
	} {
		for _, size := range []int{1, 3, 1 << 12} {
			compareTokens(t, []byte(data), size)
		}
	}
}

// reportCPU reports the process's CPU time per operation (the machine is
// shared: the wall time per operation moves with the others' load).
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

// BenchmarkSheetScanner reads 10,000 rows of eight inline strings from memory (the XML only, no zip).
func BenchmarkSheetScanner(b *testing.B) {
	var rows strings.Builder
	for i := 1; i <= 10000; i++ {
		fmt.Fprintf(&rows, `<row r="%d">`, i)
		for j, v := range []string{fmt.Sprintf("P%08d", i), fmt.Sprintf("学生%d", i), "男", "2015-09-01", "13800138000", fmt.Sprintf("湖南省衡阳市珠晖区东风路%d号", i), "家长", "备注"} {
			fmt.Fprintf(&rows, `<c r="%c%d" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+j, i, v)
		}
		rows.WriteString(`</row>`)
	}
	sheet := sheetXML(rows.String())
	b.SetBytes(int64(len(sheet)))
	b.Run("scanner", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if rows, err := scanRows(sheet, 1<<16); err != nil || len(rows) != 10000 {
				b.Fatal(len(rows), err)
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if rows, err := oracleRows(sheet); err != nil || len(rows) != 10000 {
				b.Fatal(len(rows), err)
			}
		}
	})
}

// xmlSharedStrings reads a shared-string table with encoding/xml's
// RawToken: the reading that the scanner replaced, kept as the oracle.
func xmlSharedStrings(r io.Reader) ([]string, error) {
	var out []string
	var b strings.Builder
	inSI, inT, skip := false, false, 0
	d := xml.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, xlsxProblem("工作簿的共享字符串表无法读取（文件可能已损坏）：%v", "the workbook's shared strings cannot be read (the file may be damaged): %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "si":
				inSI = true
				b.Reset()
			case "rPh", "phoneticPr":
				skip++
			case "t":
				inT = inSI && skip == 0
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "si":
				inSI = false
				out = append(out, b.String())
			case "rPh", "phoneticPr":
				skip--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				b.Write(x)
			}
		}
	}
}

// sameSharedStrings compares the scanner's reading of a shared-string table
// (in memory and in a temporary file) with the oracle's.
func sameSharedStrings(t *testing.T, data []byte) []string {
	t.Helper()
	want, wantErr := xmlSharedStrings(bytes.NewReader(data))
	for _, large := range []bool{false, true} {
		got, err := readSharedStrings(bytes.NewReader(data), large)
		if errText(err) != errText(wantErr) {
			t.Fatalf("large %v: error %q, the encoding/xml reader %q; table %q", large, errText(err), errText(wantErr), data)
		}
		if err != nil {
			continue
		}
		var list []string
		for i := 0; ; i++ {
			s, ok := got.get(i)
			if !ok {
				break
			}
			list = append(list, s)
		}
		got.close()
		if !reflect.DeepEqual(list, want) && len(list)+len(want) > 0 {
			t.Fatalf("large %v: %q, the encoding/xml reader %q; table %q", large, list, want, data)
		}
	}
	return want
}

func TestSharedStrings(t *testing.T) {
	table := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">` +
		`<si><t>张三</t><phoneticPr fontId="1" type="noConversion"/></si>` +
		`<si><r><rPr><b/><sz val="11"/></rPr><t>李</t></r><r><t xml:space="preserve"> 四 </t></r><rPh sb="0" eb="1"><t>LI</t></rPh></si>` +
		`<si><t/></si><si><t>a&amp;b&#x4E00;<![CDATA[<c>]]>` + "\r\n" + `d</t></si><x:si><x:t>前缀</x:t></x:si></sst>`
	got := sameSharedStrings(t, []byte(table))
	want := []string{"张三", "李 四 ", "", "a&b一<c>\nd", "前缀"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q", got)
	}
	for i := range table {
		sameSharedStrings(t, []byte(table[:i]))
	}
	if _, err := readSharedStrings(strings.NewReader(`<sst><si><t>&bad;</t></si></sst>`), false); err == nil || !strings.Contains(err.Error(), "shared strings cannot be read") {
		t.Fatal(err)
	}
}

// TestSheetScannerAllocs: reading a sheet allocates the rows and their
// cells' strings, and nothing for the elements and text around them.
func TestSheetScannerAllocs(t *testing.T) {
	var rows strings.Builder
	const n = 1000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&rows, `<row r="%d" spans="1:10">`, i)
		for j := range 8 {
			fmt.Fprintf(&rows, `<c r="%c%d" s="2" t="inlineStr"><is><t>学生%d-%d</t></is></c>`, 'A'+j, i, i, j)
		}
		fmt.Fprintf(&rows, `<c r="I%d" t="s"><v>1</v></c><c r="J%d"><v>13800138000</v></c></row>`, i, i)
	}
	sheet := sheetXML(rows.String())
	allocs := testing.AllocsPerRun(3, func() {
		tbl := sheetTable(sheet, 1<<16)
		for {
			if _, err := tbl.next(); err != nil {
				break
			}
		}
	})
	// A row: its cells, eight strings, the number's text and its formatting.
	if perRow := 1 + 8 + 2; allocs > float64(n*perRow+100) {
		t.Fatalf("%.0f allocations for %d rows, more than %d a row", allocs, n, perRow)
	}
}
