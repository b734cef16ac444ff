package admission

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"edubureau/fault"
	"edubureau/i18n"
)

// The file mode's CSV files: UTF-8, an optional byte-order mark, a header row
// naming the columns (in any order; unknown columns are ignored), spaces
// around every field trimmed. Rows are counted as lines of the file, the
// header being row 1.

// CSVError is a problem at one place of an input file.
type CSVError struct {
	File   string
	Row    int    // line of the file; the header is row 1
	Column string // "" when the problem is the row as a whole
	Msg    i18n.Text
}

// Text is the whole message, place included, in both languages.
func (e *CSVError) Text() i18n.Text {
	if e.Column == "" {
		return i18n.Text{
			ZH: fmt.Sprintf("%s 第 %d 行：%s", e.File, e.Row, e.Msg.ZH),
			EN: fmt.Sprintf("%s: row %d: %s", e.File, e.Row, e.Msg.EN),
		}
	}
	return i18n.Text{
		ZH: fmt.Sprintf("%s 第 %d 行“%s”列：%s", e.File, e.Row, e.Column, e.Msg.ZH),
		EN: fmt.Sprintf("%s: row %d, column %s: %s", e.File, e.Row, e.Column, e.Msg.EN),
	}
}

func (e *CSVError) Error() string { return e.Text().String() }

// Unwrap gives the error as a validation fault naming the column.
func (e *CSVError) Unwrap() error {
	field := fmt.Sprintf("%s:%d", e.File, e.Row)
	if e.Column != "" {
		field += ":" + e.Column
	}
	return &fault.Error{Kind: fault.Invalid, Msg: e.Text(), Fields: []fault.FieldError{{Field: field, Msg: e.Msg}}}
}

// Unwrap gives the error as a validation fault.
func (e *LotteryError) Unwrap() error {
	return &fault.Error{Kind: fault.Invalid, Msg: e.Msg, Fields: []fault.FieldError{{Field: e.Field, Msg: e.Msg}}}
}

// table reads one CSV file with a header.
type table struct {
	file   string
	r      *csv.Reader
	header []string
	col    map[string]int
	line   int // line of the current record
	rec    []string
}

func (t *table) errAt(row int, column, zh, en string, args ...any) *CSVError {
	return &CSVError{File: t.file, Row: row, Column: column, Msg: i18n.T(zh, en, args...)}
}

func (t *table) err(column, zh, en string, args ...any) *CSVError {
	return t.errAt(t.line, column, zh, en, args...)
}

func openTable(r io.Reader, file string) (*table, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	t := &table{file: file, r: csv.NewReader(br), col: map[string]int{}}
	t.r.FieldsPerRecord = -1
	t.r.ReuseRecord = true
	rec, err := t.r.Read()
	if err == io.EOF {
		return nil, t.errAt(1, "", "文件为空，缺少表头行", "the file is empty; a header row is needed")
	}
	if err != nil {
		return nil, t.parseErr(err)
	}
	t.header = make([]string, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(h)
		t.header[i] = h
		if h == "" {
			return nil, t.errAt(1, fmt.Sprintf("#%d", i+1), "表头第 %d 列没有列名", "header column %d has no name", i+1)
		}
		if _, dup := t.col[h]; dup {
			return nil, t.errAt(1, h, "列名重复", "the column name is repeated")
		}
		t.col[h] = i
	}
	return t, nil
}

func (t *table) parseErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &CSVError{File: t.file, Row: pe.Line, Msg: i18n.T("CSV 格式错误：%v", "malformed CSV: %v", pe.Err)}
	}
	return fmt.Errorf("reading %s: %w", t.file, err)
}

// need returns the index of a required column.
func (t *table) need(name string) (int, error) {
	i, ok := t.col[name]
	if !ok {
		return 0, t.errAt(1, name, "缺少“%s”列", "the column %s is missing", name)
	}
	return i, nil
}

// next reads the next record into t.rec, trimmed; false at the end.
func (t *table) next() (bool, error) {
	rec, err := t.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, t.parseErr(err)
	}
	t.line, _ = t.r.FieldPos(0)
	if len(rec) != len(t.header) {
		if len(rec) < len(t.header) {
			return false, t.err(t.header[len(rec)], "本行只有 %d 个字段，表头有 %d 列", "the row has %d fields where the header has %d columns", len(rec), len(t.header))
		}
		return false, t.err(fmt.Sprintf("#%d", len(t.header)+1), "本行有 %d 个字段，表头只有 %d 列", "the row has %d fields where the header has only %d columns", len(rec), len(t.header))
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	t.rec = rec
	return true, nil
}

// ParseScore reads a score as the files write it: a plain decimal number (sign, digits, point, exponent);
// no NaN, no infinity, no hexadecimal.
func ParseScore(s string) (float64, bool) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789.+-eE", r) }) >= 0 {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, false
	}
	return x, true
}

func (t *table) score(i int) (float64, error) {
	x, ok := ParseScore(t.rec[i])
	if !ok {
		return 0, t.err(t.header[i], "“%s”不是有效的分数", "%q is not a valid score", t.rec[i])
	}
	return x, nil
}

// ReadPlan reads PLAN.csv: columns batch, school, junior, places, min_score.
// It returns the rows and the line of each row in the file.
func ReadPlan(r io.Reader, file string) ([]PlanRow, []int, error) {
	t, err := openTable(r, file)
	if err != nil {
		return nil, nil, err
	}
	var idx [5]int
	for x, name := range []string{"batch", "school", "junior", "places", "min_score"} {
		if idx[x], err = t.need(name); err != nil {
			return nil, nil, err
		}
	}
	cb, cs, cj, cp, cm := idx[0], idx[1], idx[2], idx[3], idx[4]
	var plan []PlanRow
	var lines []int
	for {
		ok, err := t.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		var p PlanRow
		if p.Batch, err = strconv.Atoi(t.rec[cb]); err != nil || p.Batch < 1 {
			return nil, nil, t.err("batch", "批次“%s”不是正整数", "the batch %q is not a positive integer", t.rec[cb])
		}
		p.School = t.rec[cs]
		if p.School == "" {
			return nil, nil, t.err("school", "学校代码为空", "the school code is empty")
		}
		if strings.ContainsRune(p.School, '|') {
			return nil, nil, t.err("school", "学校代码“%s”不能含有“|”", "the school code %q cannot contain '|'", p.School)
		}
		p.Junior = t.rec[cj]
		if p.Places, err = strconv.Atoi(t.rec[cp]); err != nil || p.Places < 0 || p.Places > math.MaxInt32 {
			return nil, nil, t.err("places", "计划数“%s”不是非负整数", "places %q is not a non-negative integer", t.rec[cp])
		}
		if m := t.rec[cm]; m != "" {
			if p.MinScore, err = t.score(cm); err != nil {
				return nil, nil, err
			}
			p.HasMin = true
		}
		plan = append(plan, p)
		lines = append(lines, t.line)
	}
	if len(plan) == 0 {
		return nil, nil, t.errAt(1, "", "招生计划没有任何行", "the plan has no rows")
	}
	return plan, lines, nil
}

// parseBatchColumn recognises a choice column "b<batch>": ok is false for any
// other column; bad is true for "b0", "b01" and the like.
func parseBatchColumn(name string) (batch int, ok, bad bool) {
	if len(name) < 2 || name[0] != 'b' {
		return 0, false, false
	}
	digits := name[1:]
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, false, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || digits[0] == '0' {
		return 0, true, true
	}
	return n, true, false
}

// ReadApplicants reads APPLICANTS.csv: columns exam_no, junior, total, the
// tie-break columns named, and one column b<batch> for each of batches (no
// other b<n> column may appear) holding that batch's choices separated by '|'.
// It returns the applicants (TieBreak in the order of tiebreaks) and the line
// of each in the file.
func ReadApplicants(r io.Reader, file string, batches []int, tiebreaks []string) ([]Applicant, []int, error) {
	t, err := openTable(r, file)
	if err != nil {
		return nil, nil, err
	}
	var idx [3]int
	for x, name := range []string{"exam_no", "junior", "total"} {
		if idx[x], err = t.need(name); err != nil {
			return nil, nil, err
		}
	}
	ce, cj, ct := idx[0], idx[1], idx[2]
	for _, h := range t.header {
		b, isBatch, bad := parseBatchColumn(h)
		switch {
		case bad:
			return nil, nil, t.errAt(1, h, "批次号必须是不以 0 开头的正整数", "the batch number must be a positive integer without leading zeros")
		case isBatch && !slices.Contains(batches, b):
			return nil, nil, t.errAt(1, h, "招生计划中没有第 %d 批次", "the plan has no rows for batch %d", b)
		}
	}
	choiceCol := make([]int, len(batches))
	for k, b := range batches {
		if choiceCol[k], err = t.need(BatchColumn(b)); err != nil {
			return nil, nil, err
		}
	}
	tbCol := make([]int, len(tiebreaks))
	for x, name := range tiebreaks {
		i, ok := t.col[name]
		_, isBatch, _ := parseBatchColumn(name)
		switch {
		case !ok:
			return nil, nil, t.errAt(1, name, "没有同分比较列“%s”", "there is no tie-break column %q", name)
		case name == "exam_no" || name == "junior" || name == "total" || isBatch:
			return nil, nil, t.errAt(1, name, "“%s”列不能用作同分比较", "the column %s cannot be a tie-break", name)
		case slices.Contains(tiebreaks[:x], name):
			return nil, nil, t.errAt(1, name, "同分比较列“%s”给了两次", "the tie-break column %s is given twice", name)
		}
		tbCol[x] = i
	}

	var chunks [][]Applicant
	chunk := make([]Applicant, 0, 256)
	var lines []int
	var strs []string
	var bcs []BatchChoice
	var tbs []float64
	for {
		ok, err := t.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		a := Applicant{ExamNo: t.rec[ce], Junior: t.rec[cj]}
		if a.ExamNo == "" {
			return nil, nil, t.err("exam_no", "准考证号为空", "the exam number is empty")
		}
		if a.Total, err = t.score(ct); err != nil {
			return nil, nil, err
		}
		if len(tiebreaks) > 0 {
			a.TieBreak, tbs = carve(tbs, len(tiebreaks))
			for x, i := range tbCol {
				if a.TieBreak[x], err = t.score(i); err != nil {
					return nil, nil, err
				}
			}
		}
		nonEmpty := 0
		for _, i := range choiceCol {
			if t.rec[i] != "" {
				nonEmpty++
			}
		}
		if nonEmpty > 0 {
			a.Choices, bcs = carve(bcs, nonEmpty)
			a.Choices = a.Choices[:0]
			for k, i := range choiceCol {
				f := t.rec[i]
				if f == "" {
					continue
				}
				var list []string
				list, strs = carve(strs, strings.Count(f, "|")+1)
				if x := splitChoices(f, list); x >= 0 {
					return nil, nil, t.err(t.header[i], "第 %d 个志愿的学校代码为空", "choice %d has an empty school code", x+1)
				}
				a.Choices = append(a.Choices, BatchChoice{Batch: batches[k], Schools: list})
			}
		}
		if len(chunk) == cap(chunk) {
			chunks = append(chunks, chunk)
			chunk = make([]Applicant, 0, min(2*cap(chunk), 1<<16))
		}
		chunk = append(chunk, a)
		lines = append(lines, t.line)
	}
	// Gathered in chunks: growing one slice of a million applicants would
	// copy it again and again.
	apps := make([]Applicant, 0, len(lines))
	for _, c := range chunks {
		apps = append(apps, c...)
	}
	return append(apps, chunk...), lines, nil
}

// splitChoices splits a field on '|' into list, which has room for every
// part, trimming spaces around codes. It returns the index of an empty code,
// or -1.
func splitChoices(f string, list []string) int {
	x, start := 0, 0
	clean := true // no byte that could be a space: no trimming needed
	for j := 0; j <= len(f); j++ {
		if j < len(f) && f[j] != '|' {
			if c := f[j]; c <= ' ' || c >= 0x80 {
				clean = false
			}
			continue
		}
		part := f[start:j]
		if !clean {
			part = strings.TrimSpace(part)
		}
		if part == "" {
			return x
		}
		list[x] = part
		x, start, clean = x+1, j+1, true
	}
	return -1
}

// carve takes n elements from the front of a chunk, allocating a new chunk
// when needed: one allocation per many rows instead of one per field.
func carve[T any](chunk []T, n int) ([]T, []T) {
	if len(chunk) < n {
		chunk = make([]T, max(n, 1<<14))
	}
	return chunk[:n:n], chunk[n:]
}

// newWriter returns a CSV writer using "\n" line ends.
func newWriter(w io.Writer) *csv.Writer { return csv.NewWriter(w) }

// WritePlan writes a plan in the PLAN.csv format.
func WritePlan(w io.Writer, plan []PlanRow) error {
	cw := newWriter(w)
	cw.Write([]string{"batch", "school", "junior", "places", "min_score"})
	for _, p := range plan {
		m := ""
		if p.HasMin {
			m = FormatScore(p.MinScore)
		}
		cw.Write([]string{strconv.Itoa(p.Batch), p.School, p.Junior, strconv.Itoa(p.Places), m})
	}
	cw.Flush()
	return cw.Error()
}

// WriteApplicants writes applicants in the APPLICANTS.csv format with the
// tie-break columns named and one choice column per batch.
func WriteApplicants(w io.Writer, apps []Applicant, tiebreaks []string, batches []int) error {
	cw := newWriter(w)
	rec := append([]string{"exam_no", "junior", "total"}, tiebreaks...)
	for _, b := range batches {
		rec = append(rec, BatchColumn(b))
	}
	cw.Write(rec)
	for _, a := range apps {
		rec = append(rec[:0], a.ExamNo, a.Junior, FormatScore(a.Total))
		for x := range tiebreaks {
			rec = append(rec, FormatScore(a.TieBreak[x]))
		}
		for _, b := range batches {
			f := ""
			for _, bc := range a.Choices {
				if bc.Batch == b {
					f = strings.Join(bc.Schools, "|")
				}
			}
			rec = append(rec, f)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteResults writes RESULTS.csv: exam_no,batch,school,seat sorted by exam
// number; seat is "quota" or "general"; empty fields for an applicant not placed.
func WriteResults(w io.Writer, res *Result) error {
	cw := newWriter(w)
	cw.Write([]string{"exam_no", "batch", "school", "seat"})
	rec := make([]string, 4)
	for _, i := range res.ByExamNo() {
		o := res.Outcomes[i]
		rec[0], rec[1], rec[2], rec[3] = res.Applicants[i].ExamNo, "", "", ""
		if o.Placed() {
			rec[1], rec[2], rec[3] = strconv.Itoa(o.Batch), o.School, "general"
			if o.Quota {
				rec[3] = "quota"
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteCutoffs writes CUTOFFS.csv: one row per plan row in plan order with
// batch,school,junior,places,admitted,lowest_total (empty when none admitted).
func WriteCutoffs(w io.Writer, res *Result) error {
	cw := newWriter(w)
	cw.Write([]string{"batch", "school", "junior", "places", "admitted", "lowest_total"})
	for j, p := range res.Plan {
		rr := res.Rows[j]
		low := ""
		if rr.Admitted > 0 {
			low = FormatScore(rr.LowestTotal)
		}
		cw.Write([]string{strconv.Itoa(p.Batch), p.School, p.Junior, strconv.Itoa(p.Places), strconv.Itoa(rr.Admitted), low})
	}
	cw.Flush()
	return cw.Error()
}

// WriteExplanations writes exam_no,zh,en: for each applicant by exam number,
// first the outcome, then one row per school listed above it.
func WriteExplanations(w io.Writer, res *Result) error {
	cw := newWriter(w)
	cw.Write([]string{"exam_no", "zh", "en"})
	for _, i := range res.ByExamNo() {
		ex := res.Explain(i)
		cw.Write([]string{ex.ExamNo, ex.Outcome.ZH, ex.Outcome.EN})
		for _, r := range ex.Reasons {
			if err := cw.Write([]string{ex.ExamNo, r.Text.ZH, r.Text.EN}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadLotteryIDs reads a lottery's applicant list: a column id (other columns
// are ignored). Every id must pass CheckID and appear once.
func ReadLotteryIDs(r io.Reader, file string) ([]string, []int, error) {
	t, err := openTable(r, file)
	if err != nil {
		return nil, nil, err
	}
	ci, err := t.need("id")
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	var lines []int
	seen := map[string]int{}
	for {
		ok, err := t.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		id := t.rec[ci]
		if err := CheckID(id); err != nil {
			return nil, nil, &CSVError{File: file, Row: t.line, Column: "id", Msg: err.(*LotteryError).Msg}
		}
		if first, dup := seen[id]; dup {
			return nil, nil, t.err("id", "编号 %s 重复（第 %d 行已有）", "id %s is repeated (already on row %d)", id, first)
		}
		seen[id] = t.line
		ids = append(ids, id)
		lines = append(lines, t.line)
	}
	return ids, lines, nil
}

// ReadTickets reads a published draw: columns id, rank, admitted (true/false).
func ReadTickets(r io.Reader, file string) ([]Ticket, []int, error) {
	t, err := openTable(r, file)
	if err != nil {
		return nil, nil, err
	}
	var idx [3]int
	for x, name := range []string{"id", "rank", "admitted"} {
		if idx[x], err = t.need(name); err != nil {
			return nil, nil, err
		}
	}
	var ts []Ticket
	var lines []int
	for {
		ok, err := t.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		tk := Ticket{ID: t.rec[idx[0]]}
		if tk.Rank, err = strconv.Atoi(t.rec[idx[1]]); err != nil || tk.Rank < 1 {
			return nil, nil, t.err("rank", "名次“%s”不是正整数", "the rank %q is not a positive integer", t.rec[idx[1]])
		}
		switch t.rec[idx[2]] {
		case "true":
			tk.Admitted = true
		case "false":
		default:
			return nil, nil, t.err("admitted", "“%s”应为 true 或 false", "%q should be true or false", t.rec[idx[2]])
		}
		ts = append(ts, tk)
		lines = append(lines, t.line)
	}
	return ts, lines, nil
}

// WriteTickets writes a draw as id,rank,admitted in rank order.
func WriteTickets(w io.Writer, ts []Ticket) error {
	cw := newWriter(w)
	cw.Write([]string{"id", "rank", "admitted"})
	for _, t := range ts {
		cw.Write([]string{t.ID, strconv.Itoa(t.Rank), strconv.FormatBool(t.Admitted)})
	}
	cw.Flush()
	return cw.Error()
}

// ReadColumns reads a CSV file the way the file mode does (UTF-8, optional
// byte-order mark, a header naming the columns in any order, fields trimmed,
// other columns ignored) and returns, for each row, the values of the
// required columns then the optional ones ("" when the column is absent),
// with the line of each row. A missing required column or a malformed row
// is a *CSVError naming the place.
func ReadColumns(r io.Reader, file string, required, optional []string) ([][]string, []int, error) {
	t, err := openTable(r, file)
	if err != nil {
		return nil, nil, err
	}
	idx := make([]int, 0, len(required)+len(optional))
	for _, name := range required {
		i, err := t.need(name)
		if err != nil {
			return nil, nil, err
		}
		idx = append(idx, i)
	}
	for _, name := range optional {
		i, ok := t.col[name]
		if !ok {
			i = -1
		}
		idx = append(idx, i)
	}
	var out [][]string
	var lines []int
	for {
		ok, err := t.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		rec := make([]string, len(idx))
		for x, i := range idx {
			if i >= 0 {
				rec[x] = t.rec[i]
			}
		}
		out = append(out, rec)
		lines = append(lines, t.line)
	}
	return out, lines, nil
}

// Header reads only the header row of a CSV file and returns its column
// names (trimmed), for callers that choose what to read by what is there.
func Header(r io.Reader, file string) ([]string, error) {
	t, err := openTable(r, file)
	if err != nil {
		return nil, err
	}
	return t.header, nil
}

// ChoiceBatches lists the batches whose choice column (b1, b2, …) a header
// has, ascending; a malformed one (b0, b01) is a *CSVError on row 1.
func ChoiceBatches(header []string, file string) ([]int, error) {
	var out []int
	for _, h := range header {
		b, isBatch, bad := parseBatchColumn(h)
		switch {
		case bad:
			return nil, &CSVError{File: file, Row: 1, Column: h, Msg: i18n.T("批次号必须是不以 0 开头的正整数", "the batch number must be a positive integer without leading zeros")}
		case isBatch:
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out, nil
}
