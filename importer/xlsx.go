package importer

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"edubureau/i18n"
)

// xlsxTable reads the first visible sheet with data of an Excel workbook,
// streaming its XML: constant memory whatever the number of rows, apart from
// the shared-string table (kept in a temporary file when it is large).
//
// Cells are read as the workbook stores them: text as text; numbers in a date
// format as YYYY-MM-DD; other numbers in plain notation. A formula is never
// evaluated: the cell is reported. Merged cells in the data are filled from
// their top-left cell (a school merged down a column); merged header cells
// that span columns are refused, since no column can then be named.
type xlsxTable struct {
	file      *os.File
	zr        *zip.Reader
	files     map[string]*zip.File // lower-case name → entry
	sheet     xlsxSheet
	strings   sharedStrings
	dateStyle []bool
	date1904  bool

	rc      io.ReadCloser
	read    *counter
	total   int64
	sc      *xmlScanner // the sheet's XML (xlsxscan.go)
	lastRow int
	inRow   bool   // reading the cells of lastRow
	width   int    // the number of cells of the last row
	cellV   []byte // a cell's <v>, <t> and <f>, reused from cell to cell
	cellT   []byte
	cellF   []byte
	merges  []mergeRange // sorted by first row
	mergeAt int          // merges[:mergeAt] have begun
	active  []*mergeRange
	extra   []Problem
	eof     bool
}

type xlsxSheet struct {
	name   string
	path   string // zip entry
	hidden bool
}

type mergeRange struct {
	ref            string
	r1, c1, r2, c2 int // rows from 1, columns from 0
	value          string
}

// maxColumns is Excel's last column (XFD).
const maxColumns = 16384

// knownSheets are the template's own sheets besides the data sheet: never reported.
var knownSheets = map[string]bool{"填写说明": true, "instructions": true, "代码表": true, "codes": true}

func xlsxProblem(zh, en string, args ...any) error {
	return fileProblem(i18n.T(zh, en, args...))
}

var errNotWorkbook = xlsxProblem("文件不是有效的 Excel 工作簿（.xlsx），可能已损坏", "the file is not a valid Excel workbook (.xlsx); it may be damaged")

func openXLSX(path string) (*xlsxTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileProblem(i18n.T("无法打开文件：%v", "cannot open the file: %v", err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fileProblem(i18n.T("无法读取文件：%v", "cannot read the file: %v", err))
	}
	t, err := readWorkbook(f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	t.file = f
	return t, nil
}

// readWorkbook reads the workbook's parts and opens its first sheet with data.
func readWorkbook(r io.ReaderAt, size int64) (*xlsxTable, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errNotWorkbook
	}
	t := &xlsxTable{zr: zr, files: map[string]*zip.File{}}
	for _, zf := range zr.File {
		t.files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(zf.Name, "\\", "/"), "/"))] = zf
	}
	ok := false
	defer func() {
		if !ok && t.strings != nil {
			t.strings.close()
		}
	}()
	book := t.officeDocument()
	sheets, rels, err := t.readBook(book)
	if err != nil {
		return nil, err
	}
	dir := path.Dir(book)
	if err := t.readStyles(resolve(dir, rels.styles, "styles.xml")); err != nil {
		return nil, err
	}
	if t.strings, err = t.readSharedStrings(resolve(dir, rels.strings, "sharedStrings.xml")); err != nil {
		return nil, err
	}
	var chosen *xlsxSheet
	for i := range sheets {
		s := &sheets[i]
		s.path = resolve(dir, rels.byID[s.path], "")
		if s.hidden || s.path == "" {
			continue
		}
		has, err := t.hasData(s.path)
		if err != nil {
			return nil, err
		}
		switch {
		case !has:
		case chosen == nil:
			chosen = s
		case !knownSheets[strings.ToLower(s.name)]:
			t.extra = append(t.extra, Problem{Message: i18n.T("工作簿中的工作表“%s”也有数据，但一次只导入一个工作表（“%s”）；请把数据合并到一个工作表，或把它另存为单独的文件分别导入",
				"the sheet %q also holds data, but one import reads one sheet (%q); put the data on one sheet, or save that sheet as a file of its own and import it separately",
				s.name, chosen.name)})
		}
	}
	if chosen == nil {
		return nil, xlsxProblem("工作簿中没有数据（所有可见工作表都是空的）", "the workbook holds no data (every visible sheet is empty)")
	}
	t.sheet = *chosen
	if t.merges, err = t.scanMerges(chosen.path); err != nil {
		return nil, err
	}
	if err := t.openSheet(); err != nil {
		return nil, err
	}
	ok = true
	return t, nil
}

func (t *xlsxTable) entry(name string) *zip.File { return t.files[strings.ToLower(name)] }

// officeDocument is the workbook part named by the package's relationships.
func (t *xlsxTable) officeDocument() string {
	if zf := t.entry("_rels/.rels"); zf != nil {
		var found string
		t.walk(zf, func(d *xml.Decoder, se xml.StartElement) error {
			if se.Name.Local == "Relationship" && strings.HasSuffix(attr(se, "Type"), "/officeDocument") {
				found = strings.TrimPrefix(attr(se, "Target"), "/")
			}
			return nil
		})
		if found != "" && t.entry(found) != nil {
			return found
		}
	}
	return "xl/workbook.xml"
}

// resolve turns a relationship target into a zip entry name.
func resolve(dir, target, fallback string) string {
	if target == "" {
		if fallback == "" {
			return ""
		}
		return path.Join(dir, fallback)
	}
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Clean(path.Join(dir, target))
}

type bookRels struct {
	byID            map[string]string
	styles, strings string
}

func (t *xlsxTable) readBook(book string) ([]xlsxSheet, bookRels, error) {
	rels := bookRels{byID: map[string]string{}}
	zf := t.entry(book)
	if zf == nil {
		return nil, rels, errNotWorkbook
	}
	var sheets []xlsxSheet
	err := t.walk(zf, func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "sheet":
			id := ""
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					id = a.Value
				}
			}
			st := attr(se, "state")
			sheets = append(sheets, xlsxSheet{name: attr(se, "name"), path: id, hidden: st == "hidden" || st == "veryHidden"})
		case "workbookPr":
			v := attr(se, "date1904")
			t.date1904 = v == "1" || v == "true"
		}
		return nil
	})
	if err != nil {
		return nil, rels, err
	}
	if zf := t.entry(path.Join(path.Dir(book), "_rels", path.Base(book)+".rels")); zf != nil {
		err = t.walk(zf, func(d *xml.Decoder, se xml.StartElement) error {
			if se.Name.Local != "Relationship" {
				return nil
			}
			typ, target := attr(se, "Type"), attr(se, "Target")
			rels.byID[attr(se, "Id")] = target
			switch {
			case strings.HasSuffix(typ, "/styles"):
				rels.styles = target
			case strings.HasSuffix(typ, "/sharedStrings"):
				rels.strings = target
			}
			return nil
		})
		if err != nil {
			return nil, rels, err
		}
	}
	if len(sheets) == 0 {
		return nil, rels, xlsxProblem("工作簿中没有工作表", "the workbook has no sheets")
	}
	return sheets, rels, nil
}

// walk calls fn for every start element of an XML part.
func (t *xlsxTable) walk(zf *zip.File, fn func(d *xml.Decoder, se xml.StartElement) error) error {
	rc, err := zf.Open()
	if err != nil {
		return errNotWorkbook
	}
	defer rc.Close()
	d := xml.NewDecoder(bufio.NewReaderSize(rc, 1<<15))
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xlsxProblem("工作簿的 %s 部分无法读取（文件可能已损坏）：%v", "the workbook's part %s cannot be read (the file may be damaged): %v", zf.Name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := fn(d, se); err != nil {
				return err
			}
		}
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// readStyles finds which cell formats (the s attribute of a cell) are dates.
func (t *xlsxTable) readStyles(name string) error {
	zf := t.entry(name)
	if zf == nil {
		return nil
	}
	custom := map[int]bool{}
	inXfs := false
	err := t.walk(zf, func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "numFmt":
			id, _ := strconv.Atoi(attr(se, "numFmtId"))
			custom[id] = dateFormat(attr(se, "formatCode"))
		case "cellXfs":
			inXfs = true
		case "cellStyleXfs", "dxfs", "cellStyles":
			inXfs = false
		case "xf":
			if inXfs {
				id, _ := strconv.Atoi(attr(se, "numFmtId"))
				isDate, ok := custom[id]
				if !ok {
					isDate = builtinDate(id)
				}
				t.dateStyle = append(t.dateStyle, isDate)
			}
		}
		return nil
	})
	return err
}

// builtinDate reports whether a built-in number format is a date or time,
// including the ones Chinese Excel adds (27–36, 50–58: yyyy"年"m"月"d"日" and the like).
func builtinDate(id int) bool {
	return id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
}

// dateFormat reports whether a custom number format shows a date: it has a
// year or day outside quotes, brackets and escapes.
func dateFormat(code string) bool {
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == '[':
			bracket = true
		case c == ']':
			bracket = false
		case bracket:
		case c == 'y' || c == 'Y' || c == 'd' || c == 'D':
			return true
		case c == 'e' || c == 'E':
			// "e" is the year in some East Asian formats; "E+" is scientific.
			if i+1 < len(code) && (code[i+1] == '+' || code[i+1] == '-') {
				return false
			}
			return true
		}
	}
	return false
}

// sharedStrings is the workbook's shared-string table.
type sharedStrings interface {
	get(i int) (string, bool)
	close()
}

type memStrings []string

func (m memStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(m) {
		return "", false
	}
	return m[i], true
}
func (memStrings) close() {}

// fileStrings keeps a large table in a temporary file, with the offsets in memory.
type fileStrings struct {
	f   *os.File
	off []int64 // len = strings + 1
}

func (s *fileStrings) get(i int) (string, bool) {
	if i < 0 || i+1 >= len(s.off) {
		return "", false
	}
	b := make([]byte, s.off[i+1]-s.off[i])
	if _, err := s.f.ReadAt(b, s.off[i]); err != nil {
		return "", false
	}
	return string(b), true
}

func (s *fileStrings) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// memStringsLimit is the size of the shared-string XML above which the table
// goes to a temporary file.
var memStringsLimit uint64 = 32 << 20

func (t *xlsxTable) readSharedStrings(name string) (sharedStrings, error) {
	zf := t.entry(name)
	if zf == nil {
		return memStrings(nil), nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, errNotWorkbook
	}
	defer rc.Close()
	return readSharedStrings(rc, zf.UncompressedSize64 > memStringsLimit)
}

// readSharedStrings reads the table's strings: the text of each <si>, the
// runs of rich text one after the other, phonetic runs left out. A large
// table goes to a temporary file.
func readSharedStrings(r io.Reader, large bool) (sharedStrings, error) {
	var mem memStrings
	var fs *fileStrings
	var w *bufio.Writer
	var pos int64
	if large {
		f, err := os.CreateTemp("", "edubureau-sst-*")
		if err != nil {
			return nil, fileProblem(i18n.T("无法建立临时文件：%v", "cannot create a temporary file: %v", err))
		}
		fs = &fileStrings{f: f, off: []int64{0}}
		w = bufio.NewWriterSize(f, 1<<16)
	}
	var b []byte
	inSI, inT, skip := false, false, 0
	s := newXMLScanner(r, 1<<16)
	fail := func(err error) (sharedStrings, error) {
		if fs != nil {
			fs.close()
		}
		return nil, err
	}
	for {
		k, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(xlsxProblem("工作簿的共享字符串表无法读取（文件可能已损坏）：%v", "the workbook's shared strings cannot be read (the file may be damaged): %v", err))
		}
		switch k {
		case xmlStart:
			switch string(s.local()) {
			case "si":
				inSI = true
				b = b[:0]
			case "rPh", "phoneticPr":
				skip++
			case "t":
				inT = inSI && skip == 0
			}
		case xmlEnd:
			switch string(s.local()) {
			case "si":
				inSI = false
				if fs != nil {
					n, _ := w.Write(b)
					pos += int64(n)
					fs.off = append(fs.off, pos)
				} else {
					mem = append(mem, string(b))
				}
			case "rPh", "phoneticPr":
				skip--
			case "t":
				inT = false
			}
		case xmlText:
			if inT {
				b = append(b, s.text...)
			}
		}
	}
	if fs != nil {
		if err := w.Flush(); err != nil {
			return fail(fileProblem(i18n.T("无法写入临时文件：%v", "cannot write a temporary file: %v", err)))
		}
		return fs, nil
	}
	return mem, nil
}

// hasData reports whether a sheet has at least one cell with a value.
func (t *xlsxTable) hasData(name string) (bool, error) {
	zf := t.entry(name)
	if zf == nil {
		return false, nil
	}
	rc, err := zf.Open()
	if err != nil {
		return false, errNotWorkbook
	}
	defer rc.Close()
	d := xml.NewDecoder(bufio.NewReaderSize(rc, 1<<15))
	inValue := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, xlsxProblem("工作表无法读取（文件可能已损坏）：%v", "a sheet cannot be read (the file may be damaged): %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "v", "t":
				inValue = true
			case "mergeCells", "conditionalFormatting", "dataValidations":
				return false, nil // past the sheet's data
			}
		case xml.EndElement:
			inValue = false
		case xml.CharData:
			if inValue && len(bytes.TrimSpace(x)) > 0 {
				return true, nil
			}
		}
	}
}

// scanMerges finds the sheet's merged ranges, which the XML lists after all
// the rows: the sheet is scanned for them (fast, without parsing the rows)
// before it is read.
func (t *xlsxTable) scanMerges(name string) ([]mergeRange, error) {
	zf := t.entry(name)
	rc, err := zf.Open()
	if err != nil {
		return nil, errNotWorkbook
	}
	defer rc.Close()
	const marker = "mergeCells"
	buf := make([]byte, 1<<16)
	var carry []byte
	for {
		n, rerr := io.ReadFull(rc, buf)
		chunk := append(carry, buf[:n]...)
		at := -1
		for from := 0; ; {
			i := bytes.Index(chunk[from:], []byte(marker))
			if i < 0 {
				break
			}
			i += from
			// It must be an element name: '<' and an optional prefix before it. Text
			// cannot hold '<' unescaped, so this is never inside a cell.
			j := i - 1
			for j >= 0 && (isNameByte(chunk[j])) {
				j--
			}
			if j >= 0 && chunk[j] == ':' {
				j--
				for j >= 0 && isNameByte(chunk[j]) {
					j--
				}
			}
			if j >= 0 && chunk[j] == '<' && (i == j+1 || chunk[i-1] == ':') {
				at = j
				break
			}
			from = i + len(marker)
		}
		if at >= 0 {
			return parseMerges(io.MultiReader(bytes.NewReader(chunk[at:]), rc))
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return nil, nil
		}
		if rerr != nil {
			return nil, xlsxProblem("工作表无法读取（文件可能已损坏）：%v", "the sheet cannot be read (the file may be damaged): %v", rerr)
		}
		keep := min(len(chunk), 64)
		carry = append(carry[:0:0], chunk[len(chunk)-keep:]...)
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

func parseMerges(r io.Reader) ([]mergeRange, error) {
	d := xml.NewDecoder(r)
	var out []mergeRange
	for {
		tok, err := d.RawToken()
		if err != nil {
			break // the end of the merges, or of the sheet: what was found is kept
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Local == "mergeCell" {
				m, ok := parseRange(attr(x, "ref"))
				if ok && (m.r2 > m.r1 || m.c2 > m.c1) {
					out = append(out, m)
				}
			}
		case xml.EndElement:
			if x.Name.Local == "mergeCells" {
				sort.SliceStable(out, func(i, j int) bool { return out[i].r1 < out[j].r1 })
				return out, nil
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].r1 < out[j].r1 })
	return out, nil
}

func parseRange(ref string) (mergeRange, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		b = a
	}
	c1, r1, ok1 := parseCellRef(a)
	c2, r2, ok2 := parseCellRef(b)
	if !ok1 || !ok2 || r1 < 1 || c2 < c1 || r2 < r1 {
		return mergeRange{}, false
	}
	return mergeRange{ref: ref, r1: r1, c1: c1, r2: r2, c2: c2}, true
}

// parseCellRef reads "AB12" as column 27 (from 0) and row 12; the row may be
// missing (then 0).
func parseCellRef[S string | []byte](s S) (col, row int, ok bool) {
	i := 0
	col = 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		col = col*26 + int(s[i]-'A'+1)
		i++
		if col > maxColumns {
			return 0, 0, false
		}
	}
	if i == 0 {
		return 0, 0, false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, 0, false
		}
		row = row*10 + int(s[i]-'0')
		if row > 1<<24 {
			return 0, 0, false
		}
	}
	return col - 1, row, true
}

func (t *xlsxTable) openSheet() error {
	zf := t.entry(t.sheet.path)
	rc, err := zf.Open()
	if err != nil {
		return errNotWorkbook
	}
	t.rc = rc
	t.read = &counter{r: rc}
	t.total = int64(zf.UncompressedSize64)
	t.sc = newXMLScanner(t.read, 1<<16)
	return nil
}

// headerMerges lists the merged ranges that span columns in rows first–last
// (the header), which make the columns impossible to name.
func (t *xlsxTable) headerMerges(first, last int) []string {
	var out []string
	for _, m := range t.merges {
		if m.c2 > m.c1 && m.r1 <= last && m.r2 >= first {
			out = append(out, m.ref)
		}
	}
	return out
}

func (t *xlsxTable) next() (rawRow, error) {
	for !t.eof {
		row, ok, err := t.nextRow()
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

func (t *xlsxTable) damaged(err error) error {
	n := t.lastRow + 1
	if t.inRow {
		n = t.lastRow
	}
	return rowProblem(n, i18n.T("工作表在第 %d 行附近无法读取（文件可能已损坏）：%v", "the sheet cannot be read near row %d (the file may be damaged): %v", n, err))
}

func (t *xlsxTable) cellValue(typ string, style int, v, inline string, hasFormula bool, formula string) (string, *i18n.Text, error) {
	issue := func(m i18n.Text) *i18n.Text { return &m }
	var value string
	var problem *i18n.Text
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		s, ok := t.strings.get(i)
		if err != nil || !ok {
			return "", nil, t.damaged(fmt.Errorf("shared string %q", v))
		}
		value = s
	case "inlineStr":
		value = inline
	case "str":
		value = v
	case "b":
		value = map[string]string{"1": "TRUE", "0": "FALSE"}[strings.TrimSpace(v)]
	case "e":
		value = v
		problem = issue(i18n.T("单元格是 Excel 错误值 %s", "the cell holds the Excel error %s", v))
	case "d":
		value = v
		if len(v) >= 10 {
			value = v[:10]
		}
	default: // a number
		value, problem = t.number(strings.TrimSpace(v), style)
	}
	if hasFormula {
		shown := "=" + formula
		if formula == "" {
			shown = i18n.T("（共享公式）", "(a shared formula)").ZH
		}
		return value, issue(i18n.T("单元格是公式 %s；导入不计算公式，请改为直接填写值（复制后“选择性粘贴—数值”）",
			"the cell holds the formula %s; imports do not evaluate formulas: enter the value itself (copy, then Paste Special → Values)", shown)), nil
	}
	return value, problem, nil
}

// number formats a numeric cell: a date when its style is a date format, else
// plain notation. Integers of 16 digits or more have lost digits already
// (Excel keeps 15): the cell is reported.
func (t *xlsxTable) number(v string, style int) (string, *i18n.Text) {
	if v == "" {
		return "", nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v, nil
	}
	if style >= 0 && style < len(t.dateStyle) && t.dateStyle[style] {
		if d, ok := excelDate(f, t.date1904); ok {
			return d, nil
		}
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10), nil
	}
	if f == math.Trunc(f) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		m := i18n.T("这个 %d 位的长数字被 Excel 存成了数值，第 15 位以后已经丢失（现为 %s）；请把该列设置为“文本”格式后重新填写",
			"this %d-digit number was stored by Excel as a number and lost its digits after the 15th (it now reads %s); format the column as Text and enter it again", len(strings.TrimPrefix(s, "-")), s)
		return s, &m
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// excelDate converts a serial day number to YYYY-MM-DD (with the time when it has one).
func excelDate(serial float64, date1904 bool) (string, bool) {
	if serial < 0 || serial > 2958465 { // 9999-12-31
		return "", false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	} else if serial < 61 {
		// Excel counts a 29 February 1900 that never was: days before it are one off.
		base = base.AddDate(0, 0, 1)
		if serial >= 60 {
			return "", false
		}
	}
	days := math.Floor(serial)
	secs := math.Round((serial - days) * 86400)
	d := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	if secs == 0 {
		return d.Format(time.DateOnly), true
	}
	return d.Format(time.DateTime), true
}

// fillMerges copies the top-left value of a merged range into the other
// cells it covers, in rows that have data of their own.
func (t *xlsxTable) fillMerges(row *rawRow) {
	for t.mergeAt < len(t.merges) && t.merges[t.mergeAt].r1 <= row.n {
		m := &t.merges[t.mergeAt]
		t.mergeAt++
		if m.r2 >= row.n {
			t.active = append(t.active, m)
		}
	}
	if len(t.active) == 0 {
		return
	}
	live := t.active[:0]
	for _, m := range t.active {
		if m.r2 < row.n {
			continue
		}
		live = append(live, m)
		if m.r1 == row.n {
			if m.c1 < len(row.cells) {
				m.value = row.cells[m.c1]
			}
		}
		if m.value == "" || !hasAny(row.cells) {
			continue
		}
		for c := m.c1; c <= m.c2; c++ {
			if row.n == m.r1 && c == m.c1 {
				continue
			}
			for len(row.cells) <= c {
				row.cells = append(row.cells, "")
			}
			if row.cells[c] == "" {
				row.cells[c] = m.value
			}
		}
	}
	t.active = live
}

func hasAny(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return true
		}
	}
	return false
}

func (t *xlsxTable) progress() (int64, int64) { return t.read.n.Load(), t.total }
func (t *xlsxTable) describe() string         { return "XLSX, " + t.sheet.name }
func (t *xlsxTable) ragged() bool             { return false }
func (t *xlsxTable) notes() []Problem         { return t.extra }

func (t *xlsxTable) close() error {
	if t.rc != nil {
		t.rc.Close()
	}
	if t.strings != nil {
		t.strings.close()
	}
	if t.file != nil {
		return t.file.Close()
	}
	return nil
}
