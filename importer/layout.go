package importer

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"edubureau/i18n"
)

// Row is one data row of the file.
type Row struct {
	// N is the row's number as a spreadsheet shows it (the first line of the file is row 1).
	N int
	// Cells are the row's cells as read, in the file's column order (the report repeats them).
	Cells  []string
	values []string // by the kind's column index, cleaned
	layout *layout
	issues []cellIssue // from the reader (a formula, an Excel error, a long number)
}

// Value is the cleaned value of the kind's column key ("" when the file has
// no such column or the cell is empty). A coded column gives the code.
func (r *Row) Value(key string) string {
	if i, ok := r.layout.byKey[key]; ok {
		return r.values[i]
	}
	return ""
}

// At is Value by the column's index in the kind's Spec.Columns (faster).
func (r *Row) At(i int) string { return r.values[i] }

// Has reports whether the file has the column key.
func (r *Row) Has(key string) bool {
	i, ok := r.layout.byKey[key]
	return ok && r.layout.fileCol[i] >= 0
}

// cellIssue is something the reader found wrong with a cell.
type cellIssue struct {
	col int // file column, from 0
	msg i18n.Text
}

// layout is how the file's columns map onto the kind's.
type layout struct {
	spec    Spec
	byKey   map[string]int // column key → index in spec.Columns
	fileCol []int          // index in spec.Columns → file column (-1 when the file lacks it)
	headers []string       // file column → header as written
	width   int            // number of columns the header row spans (fields of a CSV header)
	// specOf is file column → index in spec.Columns (-1 for an unknown or ignored column).
	specOf    []int
	headerRow int // the header's row number (the second header line, when there is one)
}

func (l *layout) known(key string) bool { _, ok := l.byKey[key]; return ok }

// header is the column's header as written in the file, or the template's
// Chinese header when the file lacks the column.
func (l *layout) header(key string) string {
	i, ok := l.byKey[key]
	if !ok {
		return ""
	}
	if fc := l.fileCol[i]; fc >= 0 && l.headers[fc] != "" {
		return l.headers[fc]
	}
	return l.spec.Columns[i].ZH
}

// letter is the column's letter in the file ("C"), "" when absent.
func (l *layout) letter(key string) string {
	i, ok := l.byKey[key]
	if !ok || l.fileCol[i] < 0 {
		return ""
	}
	return ColumnLetter(l.fileCol[i])
}

// ColumnLetter is a spreadsheet's name for column i (from 0): A, B, …, Z, AA…
func ColumnLetter(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// FoldWidth maps full-width letters, digits and punctuation (and the
// ideographic space) to their ASCII forms, and half-width katakana to
// full-width, as width.Fold does. Most cells have nothing to fold: they come
// back as they are, without the transformer's copy (a few kilobytes a row
// on a million-row import).
func FoldWidth(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf && width.LookupRune(r).Folded() != 0 {
			return width.Fold.String(s)
		}
	}
	return s
}

// normHeader folds a header for matching: full-width to half-width, lower
// case, no spaces, no required-column stars or colons.
func normHeader(s string) string {
	s = FoldWidth(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '*', r == ':', r == '_', r == '-', r == '\u200b', r == '\ufeff':
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// headerPieces are the ways a header cell may name a column: the whole, and
// its parts around brackets, slashes and line breaks ("姓名(Name)", "姓名/Name").
func headerPieces(s string) []string {
	out := []string{normHeader(s)}
	parts := strings.FieldsFunc(FoldWidth(s), func(r rune) bool {
		return r == '(' || r == ')' || r == '/' || r == '\n' || r == '|' || r == '[' || r == ']'
	})
	if len(parts) > 1 {
		for _, p := range parts {
			if n := normHeader(p); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// matcher finds the kind's column a header names.
type matcher struct {
	names  map[string]int // normalized name → index in spec.Columns
	ignore map[string]bool
}

// reportColumns are the columns the report adds before the file's own; a
// corrected report imported again ignores them.
var reportColumns = []string{"原文件行号", "Original row", "问题", "Problems"}

func newMatcher(spec Spec) (*matcher, error) {
	m := &matcher{names: map[string]int{}, ignore: map[string]bool{}}
	for i, c := range spec.Columns {
		for _, n := range append([]string{c.Key, c.ZH, c.EN}, c.Aliases...) {
			k := normHeader(n)
			if k == "" {
				continue
			}
			if j, dup := m.names[k]; dup && j != i {
				return nil, fmt.Errorf("importer: %s: header %q names both %s and %s", spec.Name, n, spec.Columns[j].Key, c.Key)
			}
			m.names[k] = i
		}
	}
	for _, n := range append(append([]string{"序号", "No.", "No", "#"}, reportColumns...), spec.Ignore...) {
		if k := normHeader(n); k != "" {
			if _, clash := m.names[k]; !clash {
				m.ignore[k] = true
			}
		}
	}
	return m, nil
}

// match returns the column a header names (-1 for none) and whether the
// header is one the engine ignores.
func (m *matcher) match(h string) (int, bool) {
	for _, p := range headerPieces(h) {
		if i, ok := m.names[p]; ok {
			return i, false
		}
	}
	return -1, m.ignore[normHeader(h)]
}

// score counts the cells of a row that name a column.
func (m *matcher) score(cells []string) int {
	n := 0
	for _, c := range cells {
		if c = strings.TrimSpace(c); c != "" {
			if i, _ := m.match(c); i >= 0 {
				n++
			}
		}
	}
	return n
}

// cleanCell trims a cell: spaces of every width, a stray BOM or zero-width space.
func cleanCell(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u3000' || r == '\ufeff' || r == '\u200b' || r == '\u00a0'
	})
}

// formulaLike reports whether a text cell would run as a formula in a
// spreadsheet: it starts with = or @, or with + or - not followed by a
// number (a phone number +86… or a negative number is fine).
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@':
		return len(s) > 1
	case '+', '-':
		if len(s) == 1 {
			return false
		}
		r, _ := utf8.DecodeRuneInString(s[1:])
		return !(r >= '0' && r <= '9' || r == ' ' || r == '.' || r == '(')
	}
	return false
}

// MaxCell is the longest cell the engine takes, in characters (Excel's own limit).
const MaxCell = 32767

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }
