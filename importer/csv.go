package importer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"hash"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"edubureau/i18n"
)

// table is a file read row by row: CSV or one sheet of a workbook.
type table interface {
	// next returns the next row; io.EOF after the last. A *FileError stops the import.
	next() (rawRow, error)
	// progress is how much of the file has been read, in bytes, of total.
	progress() (done, total int64)
	// describe says what was read: the format, the encoding or sheet.
	describe() string
	// ragged reports whether rows carry their own number of fields (CSV),
	// which must then match the header's.
	ragged() bool
	// notes are remarks on the file as a whole (sheets ignored…).
	notes() []Problem
	close() error
}

type rawRow struct {
	n      int
	cells  []string
	issues []cellIssue
}

// maxRecord caps one CSV record: a quote left open would otherwise read the
// rest of the file into one field.
const maxRecord = 1 << 20

// csvTable reads CSV in UTF-8 (with or without a byte-order mark), UTF-16
// with a byte-order mark (Excel's "Unicode text", tab-separated) or
// GB18030/GBK, detected from the bytes; the delimiter is a comma, a tab or a
// semicolon, whichever the header line uses.
type csvTable struct {
	rc       io.ReadCloser
	raw      *counter
	guard    *recordGuard
	cr       *csv.Reader
	size     int64
	encoding string
	rows     int // the last row's number
	prevEnd  int // the line the last record ended on
	fields   int
	sum      hash.Hash
}

// recordGuard fails a read once one record has taken more than maxRecord bytes.
type recordGuard struct {
	r     io.Reader
	since int
}

var errRecordTooLong = errors.New("record too long")

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.since > maxRecord {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.since += n
	return n, err
}

// openCSV opens a CSV file and detects its encoding and delimiter. When
// checksum is set, the file's SHA-256 is computed as it is read.
func openCSV(rc io.ReadCloser, size int64, checksum bool) (*csvTable, error) {
	t := &csvTable{rc: rc, size: size}
	t.raw = &counter{r: rc}
	if checksum {
		t.sum = sha256.New()
		t.raw.h = t.sum
	}
	br := bufio.NewReaderSize(t.raw, 1<<16)
	head, err := br.Peek(1 << 16)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fileProblem(i18n.T("读取文件失败：%v", "reading the file failed: %v", err))
	}
	var text io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		br.Discard(3)
		t.encoding = "UTF-8 (BOM)"
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		text = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		t.encoding = "UTF-16"
	case validUTF8Prefix(head, len(head) < 1<<16):
		t.encoding = "UTF-8"
	default:
		dec, _, _ := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), trimPartial(head))
		if bytes.ContainsRune(dec, utf8.RuneError) {
			return nil, fileProblem(i18n.T("无法识别文件的编码：既不是 UTF-8，也不是 GBK/GB18030；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx",
				"the file's encoding is neither UTF-8 nor GBK/GB18030; save it from Excel as \"CSV UTF-8 (comma delimited)\" or .xlsx"))
		}
		text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		t.encoding = "GB18030"
	}
	// The delimiter is the one the first line uses most, outside quotes.
	tb := bufio.NewReaderSize(text, 1<<16)
	first, _ := tb.Peek(1 << 16)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	t.guard = &recordGuard{r: tb}
	t.cr = csv.NewReader(t.guard)
	t.cr.FieldsPerRecord = -1
	t.cr.Comma = delimiter(first)
	return t, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut at the end
// of a sample that is not the whole file.
func validUTF8Prefix(b []byte, whole bool) bool {
	if whole {
		return utf8.Valid(b)
	}
	return utf8.Valid(trimPartial(b))
}

// trimPartial drops an incomplete multi-byte sequence at the end of a sample.
func trimPartial(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if c >= 0xc0 { // a lead byte: complete only if enough bytes follow
			need := 2
			switch {
			case c >= 0xf0:
				need = 4
			case c >= 0xe0:
				need = 3
			}
			if i < need {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

func delimiter(line []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(line) {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == '\t' || c == ';'):
			counts[c]++
		}
	}
	best, n := ',', counts[',']
	for _, c := range []rune{'\t', ';'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return best
}

func (t *csvTable) next() (rawRow, error) {
	t.guard.since = 0
	rec, err := t.cr.Read()
	if err == io.EOF {
		return rawRow{}, io.EOF
	}
	row := t.rows + 1
	if err != nil {
		return rawRow{}, t.parseError(row, err)
	}
	line, _ := t.cr.FieldPos(0)
	// Blank lines are rows to a spreadsheet, though the CSV reader skips them.
	if t.prevEnd > 0 && line > t.prevEnd+1 {
		row += line - t.prevEnd - 1
	}
	end := line
	for _, f := range rec {
		end += strings.Count(f, "\n")
	}
	t.rows, t.prevEnd = row, end
	return rawRow{n: row, cells: rec}, nil
}

func (t *csvTable) parseError(row int, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		if errors.Is(err, errRecordTooLong) {
			return rowProblem(row, i18n.T("这一行超过 1 MB：多半是某个引号没有闭合", "the row runs over 1 MB: most likely a quote is left open"))
		}
		return rowProblem(row, i18n.T("读取时出错：%v", "reading failed: %v", err))
	}
	switch {
	case errors.Is(pe.Err, errRecordTooLong):
		return rowProblem(row, i18n.T("从文本第 %d 行起的这一行超过 1 MB：多半是某个引号没有闭合，其后的内容都被当成了同一个单元格",
			"the row from line %d of the text runs over 1 MB: most likely a quote is left open, so everything after it reads as one cell", pe.StartLine))
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		return rowProblem(row, i18n.T("引号没有闭合：从文本第 %d 行起，直到第 %d 行也没有找到配对的引号",
			"a quote is never closed: from line %d of the text there is no closing quote up to line %d", pe.StartLine, pe.Line))
	case errors.Is(pe.Err, csv.ErrQuote):
		return rowProblem(row, i18n.T("第 %d 个字符附近：引号后面紧跟了其他字符；单元格内的引号应写成两个（\"\"）",
			"near character %d: a quote is followed by other characters; a quote inside a cell must be doubled (\"\")", pe.Column))
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return rowProblem(row, i18n.T("第 %d 个字符附近：没有用引号括起的单元格中出现了引号；请把整个单元格用引号括起，并把其中的引号写成两个（\"\"）",
			"near character %d: a quote inside a cell that is not quoted; quote the whole cell and double the quote inside (\"\")", pe.Column))
	}
	return rowProblem(row, i18n.T("无法读取：%v", "cannot be read: %v", pe.Err))
}

func (t *csvTable) progress() (int64, int64) { return t.raw.n.Load(), t.size }
func (t *csvTable) describe() string         { return "CSV " + t.encoding }
func (t *csvTable) ragged() bool             { return true }
func (t *csvTable) notes() []Problem         { return nil }
func (t *csvTable) close() error             { return t.rc.Close() }

// checksum is the SHA-256 of everything read so far (the whole file after io.EOF).
func (t *csvTable) checksum() []byte {
	if t.sum == nil {
		return nil
	}
	return t.sum.Sum(nil)
}
