package importer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"edubureau/audit"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/scope"
)

// Request is one import to run.
type Request struct {
	Kind    Kind
	Source  Source
	Options Options
	Actor   audit.Actor
	Scope   scope.Scope
	Via     string // "web", "api" or "cli", for the job record
	// Checksum is the file's SHA-256 when already known (an upload spooled to
	// disk); otherwise it is computed as the file is read.
	Checksum string
	// ReportPath is where to write the report of refused rows; "" lets the
	// service choose (its directory), or writes none when it has no directory.
	ReportPath string
	// Lang is the language of the report's problems column (zh-CN by default).
	Lang i18n.Lang
}

const (
	batchRows  = 512  // rows checked together by one worker
	writeBatch = 4096 // rows handed to the kind's Write at once
	maxHeader  = 20   // rows searched for the header
)

// run is one import in progress.
type run struct {
	ctx    context.Context
	req    Request
	spec   Spec
	opt    Options
	m      *matcher
	lay    *layout
	codes  []map[string]string // by spec column: folded value or label → code
	seed   maphash.Seed
	w      Writer
	res    *Result
	report *report
	keys   *keySet
	cands  []candidate
	tbl    table

	pending  []*Item
	blank    int64 // counted by the reading goroutine, read after it ends
	panicked atomic.Pointer[error]
	lastTick time.Time
	lateDups int // duplicates found after their rows were handled
}

// candidate is a row whose key's hash was seen before: a duplicate unless
// its exact key differs (decided after the file is read).
type candidate struct {
	row, first int
	hash       uint64
	held       bool // the row was valid and is waiting for the decision
	// late marks a repeat found only after the file was read (among the keys
	// that did not fit in memory): the row has been handled already, so a
	// true duplicate refuses the whole import.
	late bool
}

func (r *run) maxProblems() int {
	if r.opt.MaxProblems > 0 {
		return r.opt.MaxProblems
	}
	return 1000
}

// addProblem records a problem in the result (within the cap).
func (r *run) addProblem(p Problem) {
	r.res.ProblemCount++
	if p.Warning {
		r.res.Warnings++
	}
	if len(r.res.Problems) < r.maxProblems() {
		r.res.Problems = append(r.res.Problems, p)
	}
}

// problemOf places a field error of a row: the column's header as written and its cell.
func (r *run) problemOf(row *Row, fe fault.FieldError, warning bool) Problem {
	p := Problem{Row: row.N, Message: fe.Msg, Warning: warning}
	if fe.Field != "" {
		if strings.HasPrefix(fe.Field, "#") { // a file column with no column of the kind: "#3"
			var fc int
			fmt.Sscanf(fe.Field, "#%d", &fc)
			p.Column = r.lay.fileHeader(fc)
			p.Cell = ColumnLetter(fc) + itoa(row.N)
		} else {
			p.Column = r.lay.header(fe.Field)
			if l := r.lay.letter(fe.Field); l != "" {
				p.Cell = l + itoa(row.N)
			}
		}
	}
	return p
}

// openTable opens the source as CSV or XLSX.
func openTable(src Source, checksum bool) (table, error) {
	rc, err := src.open()
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return nil, &FileError{Problem: Problem{Message: fe.Msg}}
		}
		return nil, err
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(rc, head)
	format, err := sniff(head[:n], src.Name)
	if err != nil {
		rc.Close()
		return nil, err
	}
	if format == XLSX {
		rc.Close()
		if src.Path == "" {
			return nil, fileProblem(i18n.T("Excel 工作簿须先保存为文件才能读取", "an Excel workbook must be saved to a file to be read"))
		}
		return openXLSX(src.Path)
	}
	// Start again from the first byte.
	rc.Close()
	if rc, err = src.open(); err != nil {
		return nil, err
	}
	return openCSV(rc, src.Size, checksum)
}

// findHeader reads up to maxHeader rows to find the header: the row naming
// the most columns (a second row naming them again, the template's English
// line, is part of the header). It returns the layout and the rows read past
// the header, which are data.
func (r *run) findHeader() ([]rawRow, error) {
	var rows []rawRow
	best, bestScore := -1, 0
	for len(rows) < maxHeader {
		row, err := r.tbl.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
		if s := r.m.score(row.cells); s > bestScore {
			best, bestScore = len(rows)-1, s
		}
	}
	need := min(2, len(r.spec.Columns))
	if len(rows) == 0 {
		return nil, fileProblem(i18n.T("文件是空的：没有表头，也没有数据", "the file is empty: no header and no data"))
	}
	if bestScore < need {
		var names []string
		for _, c := range r.spec.Columns {
			if c.Required {
				names = append(names, c.ZH)
			}
		}
		return nil, fileProblem(i18n.T("在文件的前 %d 行中找不到表头：表头应含有列名，如 %s（可下载导入模板对照）",
			"no header in the first %d rows of the file: the header names the columns, such as %s (download the template to compare)",
			maxHeader, strings.Join(names, "、")))
	}
	header := rows[best]
	lay := &layout{spec: r.spec, byKey: map[string]int{}, fileCol: make([]int, len(r.spec.Columns)), headerRow: header.n}
	for i, c := range r.spec.Columns {
		lay.byKey[c.Key] = i
		lay.fileCol[i] = -1
	}
	lay.headers = make([]string, len(header.cells))
	lay.specOf = make([]int, len(header.cells))
	for fc, h := range header.cells {
		lay.headers[fc] = cleanCell(h)
		lay.specOf[fc] = -1
	}
	lay.width = len(header.cells)
	if !r.tbl.ragged() {
		for lay.width > 0 && lay.headers[lay.width-1] == "" {
			lay.width--
		}
	}
	// A second header line (the template's English names) is skipped.
	data := rows[best+1:]
	last := header.n
	if len(data) > 0 && r.m.score(data[0].cells) >= max(1, (bestScore+1)/2) {
		last = data[0].n
		lay.headerRow = last
		for fc, h := range data[0].cells {
			if fc < len(lay.headers) && lay.headers[fc] == "" {
				lay.headers[fc] = cleanCell(h)
			}
		}
		data = data[1:]
	}
	if x, ok := r.tbl.(*xlsxTable); ok {
		if merged := x.headerMerges(header.n, last); len(merged) > 0 {
			return nil, fileProblem(i18n.T("表头有合并单元格（%s）：无法确定每一列的列名；请取消合并，让每一列在表头都有自己的列名（可下载导入模板对照）",
				"the header has merged cells (%s), so the columns cannot be named; unmerge them so that each column has its own header (download the template to compare)",
				strings.Join(merged, ", ")))
		}
	}
	var unknown, dupes []string
	for fc, h := range lay.headers {
		if h == "" {
			continue
		}
		i, ignored := r.m.match(h)
		switch {
		case i >= 0 && lay.fileCol[i] >= 0:
			dupes = append(dupes, fmt.Sprintf("“%s”（%s、%s）", h, ColumnLetter(lay.fileCol[i]), ColumnLetter(fc)))
		case i >= 0:
			lay.fileCol[i], lay.specOf[fc] = fc, i
		case !ignored:
			unknown = append(unknown, fmt.Sprintf("“%s”（%s）", h, ColumnLetter(fc)))
		}
	}
	if len(dupes) > 0 {
		return nil, fileProblem(i18n.T("同一列出现了两次：%s；请删去多余的一列", "a column appears twice: %s; delete the extra one", strings.Join(dupes, "、")))
	}
	var missing []string
	for i, c := range r.spec.Columns {
		if c.Required && lay.fileCol[i] < 0 && !(c.Key == "school" && r.opt.School != "") {
			missing = append(missing, "“"+c.ZH+"”")
		}
	}
	if len(missing) > 0 {
		return nil, fileProblem(i18n.T("缺少必填的列：%s（表头在第 %d 行）", "required columns are missing: %s (the header is row %d)",
			strings.Join(missing, "、"), header.n))
	}
	if len(unknown) > 0 {
		r.addProblem(Problem{Warning: true, Message: i18n.T("以下列不是导入模板中的列，已忽略：%s", "these columns are not in the template and were ignored: %s",
			strings.Join(unknown, "、"))})
	}
	r.lay = lay
	r.res.HeaderRow = last
	return data, nil
}

// fileHeader is file column fc's header as written ("" beyond the header).
func (l *layout) fileHeader(fc int) string {
	if fc < len(l.headers) && l.headers[fc] != "" {
		return l.headers[fc]
	}
	return ColumnLetter(fc)
}

// buildCodes indexes each coded column's values and labels.
func buildCodes(spec Spec) []map[string]string {
	out := make([]map[string]string, len(spec.Columns))
	for i, c := range spec.Columns {
		if len(c.Codes) == 0 {
			continue
		}
		m := map[string]string{}
		for _, code := range c.Codes {
			for _, s := range append([]string{code.Value, code.Label.ZH, code.Label.EN}, code.Aliases...) {
				if k := normHeader(s); k != "" {
					if _, taken := m[k]; !taken {
						m[k] = code.Value
					}
				}
			}
			// "01" may come back from a spreadsheet as 1.
			if t := strings.TrimLeft(code.Value, "0"); t != "" && t != code.Value && isDigits(t) {
				if _, taken := m[t]; !taken {
					m[t] = code.Value
				}
			}
		}
		out[i] = m
	}
	return out
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// newItem makes the item for a data row read from the file.
func (r *run) newItem(raw rawRow) *Item {
	return &Item{Row: &Row{N: raw.n, Cells: raw.cells, layout: r.lay, issues: raw.issues}}
}

// isBlank reports whether a row has no value at all.
func isBlank(cells []string) bool {
	for _, c := range cells {
		if cleanCell(c) != "" {
			return false
		}
	}
	return true
}

// check runs the engine's checks of a row's cells, then the kind's.
func (r *run) check(it *Item) {
	row := it.Row
	lay := r.lay
	row.values = make([]string, len(r.spec.Columns))
	bad := map[int]bool{} // file columns already refused
	if r.tbl.ragged() && len(row.Cells) != lay.width {
		extra := false
		for _, c := range row.Cells[min(len(row.Cells), lay.width):] {
			extra = extra || cleanCell(c) != ""
		}
		switch {
		case len(row.Cells) < lay.width:
			it.Refuse("", i18n.T("这一行只有 %d 个单元格，而表头有 %d 列：可能少了分隔符（逗号），或某个单元格里的逗号没有用引号括起",
				"the row has %d cells but the header has %d columns: a delimiter (comma) may be missing, or a comma inside a cell is not quoted", len(row.Cells), lay.width))
		case extra:
			it.Refuse("", i18n.T("这一行有 %d 个单元格，而表头只有 %d 列：可能多了分隔符（逗号），或某个单元格里的逗号没有用引号括起",
				"the row has %d cells but the header has only %d columns: there may be an extra delimiter (comma), or a comma inside a cell is not quoted", len(row.Cells), lay.width))
		}
	}
	for _, is := range row.issues {
		if is.col < len(lay.specOf) && lay.specOf[is.col] >= 0 {
			it.Refuse(r.spec.Columns[lay.specOf[is.col]].Key, is.msg)
		} else {
			it.Refuse("#"+itoa(is.col), is.msg)
		}
		bad[is.col] = true
	}
	if !r.tbl.ragged() {
		// A value under no header belongs to no column.
		for fc := len(lay.headers); fc < len(row.Cells); fc++ {
			if !bad[fc] && cleanCell(row.Cells[fc]) != "" {
				it.Refuse("#"+itoa(fc), i18n.T("这个单元格有内容，但它所在的列没有列名", "the cell has a value but its column has no header"))
			}
		}
	}
	for fc, h := range lay.headers {
		if h == "" && fc < len(row.Cells) && !bad[fc] && cleanCell(row.Cells[fc]) != "" {
			it.Refuse("#"+itoa(fc), i18n.T("这个单元格有内容，但它所在的列没有列名", "the cell has a value but its column has no header"))
		}
	}
	for i, c := range r.spec.Columns {
		fc := lay.fileCol[i]
		v := ""
		if fc >= 0 && fc < len(row.Cells) {
			if bad[fc] {
				continue
			}
			v = cleanCell(row.Cells[fc])
		}
		switch {
		case v == "":
			if c.Required && !(c.Key == "school" && r.opt.School != "") {
				it.Refuse(c.Key, i18n.T("必填，不能为空", "required: it cannot be empty"))
			}
			continue
		case !utf8.ValidString(v) || strings.ContainsRune(v, utf8.RuneError):
			it.Refuse(c.Key, i18n.T("含有无法识别的字符（文件编码可能不对）", "contains characters that cannot be read (the file's encoding may be wrong)"))
			continue
		case formulaLike(v):
			it.Refuse(c.Key, i18n.T("“%s”以 %c 开头，像是公式；导入不执行公式，也不接受这样的值", "%q begins with %c like a formula; imports never run formulas and do not take such values", short(v), v[0]))
			continue
		}
		if n := utf8.RuneCountInString(v); n > MaxCell || c.MaxLen > 0 && n > c.MaxLen {
			limit := MaxCell
			if c.MaxLen > 0 {
				limit = c.MaxLen
			}
			it.Refuse(c.Key, i18n.T("太长：%d 个字，最多 %d 个", "too long: %d characters, at most %d", n, limit))
			continue
		}
		if c.Date {
			d, msg := NormalizeDate(v)
			if msg != nil {
				it.Refuse(c.Key, *msg)
				continue
			}
			v = d
		}
		if codes := r.codes[i]; codes != nil {
			code, ok := codes[v] // most cells are written as the list has them
			if !ok {
				code, ok = codes[normHeader(v)]
			}
			if !ok {
				it.Refuse(c.Key, i18n.Text{ZH: fmt.Sprintf("“%s”不是可填的值；可填：%s", short(v), codeList(c, i18n.ZH)),
					EN: fmt.Sprintf("%q is not one of the allowed values: %s", short(v), codeList(c, i18n.EN))})
				continue
			}
			v = code
		}
		row.values[i] = v
	}
	r.w.Check(it)
	if it.Key != "" {
		it.keyHash = hashKey(r, it.Key)
	}
}

// hashKey is a key's 64-bit hash (a variable so that a test can make every key collide).
var hashKey = func(r *run, key string) uint64 { return maphash.String(r.seed, key) }

// short cuts a value for a message.
func short(s string) string {
	if utf8.RuneCountInString(s) <= 30 {
		return s
	}
	return string([]rune(s)[:30]) + "…"
}

func codeList(c Column, l i18n.Lang) string {
	var names []string
	for i, code := range c.Codes {
		if i == 12 {
			if l == i18n.EN {
				names = append(names, fmt.Sprintf("… (%d in all; see the drop-down list of the template)", len(c.Codes)))
			} else {
				names = append(names, fmt.Sprintf("…（共 %d 项，见模板的下拉列表）", len(c.Codes)))
			}
			break
		}
		names = append(names, code.Label.In(l))
	}
	if l == i18n.EN {
		return strings.Join(names, ", ")
	}
	return strings.Join(names, "、")
}

// batch is a run of rows checked by one worker, taken in file order.
type batch struct {
	items []*Item
	err   error // the reading stopped here
	done  chan struct{}
}

// execute runs the import; the error is an internal failure (file problems
// are in the result).
func (s *Service) execute(ctx context.Context, req Request, res *Result) (err error) {
	r := &run{ctx: ctx, req: req, spec: req.Kind.Spec(), opt: req.Options, res: res, seed: maphash.MakeSeed(), keys: newKeySet()}
	if r.opt.Mode == "" {
		r.opt.Mode = AllOrNothing
	}
	res.Mode, res.DryRun = r.opt.Mode, r.opt.DryRun
	defer r.keys.close()
	if r.m, err = newMatcher(r.spec); err != nil {
		return err
	}
	r.codes = buildCodes(r.spec)
	fail := func(err error) error {
		var fe *FileError
		if errors.As(err, &fe) {
			res.Status = Failed
			r.addProblem(fe.Problem)
			return nil
		}
		return err
	}
	r.tick(PhaseRead, true)
	if r.tbl, err = openTable(req.Source, req.Checksum == ""); err != nil {
		return fail(err)
	}
	defer func() { r.tbl.close() }()
	res.Format = r.tbl.describe()
	first, err := r.findHeader()
	if err != nil {
		return fail(err)
	}
	for _, p := range r.tbl.notes() {
		r.addProblem(p)
	}

	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return fault.Wrap(err, "import connection")
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fault.Wrap(err, "begin import")
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	cols := map[string]bool{}
	for i, c := range r.spec.Columns {
		cols[c.Key] = r.lay.fileCol[i] >= 0
	}
	r.opt.SizeHint = req.Source.Size
	sess := &Session{DB: s.DB, Tx: tx, Conn: conn, Scope: req.Scope, Actor: req.Actor, Options: r.opt, JobID: res.JobID, Now: s.now(), Columns: cols}
	if r.w, err = req.Kind.Begin(ctx, sess); err != nil {
		if fe := fault.As(err); fe.Kind != fault.Internal {
			res.Status = Failed
			r.addProblem(Problem{Message: fe.Msg})
			return nil
		}
		return err
	}
	if c, ok := r.w.(Closer); ok {
		defer c.Close() // before the transaction ends
	}
	if req.ReportPath != "" {
		r.report = &report{path: req.ReportPath, lay: r.lay, lang: req.Lang}
		defer r.report.discard()
	}

	if err := r.readAll(first); err != nil {
		return fail(err)
	}
	if err := r.recheck(); err != nil {
		return fail(err)
	}
	if err := r.flush(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if res.Rows == 0 {
		res.Status = Failed
		r.addProblem(Problem{Message: i18n.T("文件中没有数据行（表头在第 %d 行）", "the file has no data rows (the header is row %d)", res.HeaderRow)})
		return nil
	}
	if c, ok := r.tbl.(*csvTable); ok && res.Checksum == "" {
		if sum := c.checksum(); sum != nil {
			res.Checksum = hex.EncodeToString(sum)
		}
	}
	if r.lateDups > 0 {
		r.addProblem(Problem{Message: i18n.T("文件很大，其中 %d 处重复是在读完全部行之后才查出的，已无法只跳过这些行：整个文件都没有导入；请删去重复的行后重新导入",
			"the file is large and %d of its duplicates were found only after every row had been read, too late to skip just those rows: nothing was imported; delete the duplicates and import again", r.lateDups)})
		res.Status = Refused
		return r.closeReport()
	}
	blocked := res.Refused > 0 || r.fileProblems() > 0
	if blocked && (r.opt.Mode == AllOrNothing || res.Valid == 0) {
		res.Status = Refused
	} else {
		r.tick(PhaseFinish, true)
		if err := r.w.Finish(ctx); err != nil {
			if fe := fault.As(err); fe.Kind != fault.Internal {
				res.Status = Failed
				r.addProblem(Problem{Message: fe.Msg})
				return nil
			}
			return err
		}
		switch {
		case r.opt.DryRun:
			res.Status = Checked
		case res.Refused > 0 || r.fileProblems() > 0:
			res.Status = Partial
		default:
			res.Status = Done
		}
	}
	if res.Status == Done || res.Status == Partial {
		if err := s.audit().Record(ctx, tx, audit.Entry{Action: "import." + r.spec.Name, Outcome: audit.OK, RecordType: "import_job",
			RecordID: fmt.Sprint(res.JobID), Detail: fmt.Sprintf("%s (sha256 %.16s): %d rows, %d created, %d updated, %d unchanged, %d refused",
				res.File, res.Checksum, res.Rows, res.Created, res.Updated, res.Unchanged, res.Refused)}.ByActor(req.Actor)); err != nil {
			return err
		}
		if err := s.DB.CommitBulk(conn, tx); err != nil {
			return fault.Wrap(err, "commit import")
		}
		committed = true
	}
	if !res.Status.Wrote() {
		res.Created, res.Updated, res.Unchanged = 0, 0, 0
	}
	return r.closeReport()
}

// closeReport writes the report when rows were refused.
func (r *run) closeReport() error {
	if r.report != nil && r.report.rows > 0 {
		if err := r.report.close(); err != nil {
			return err
		}
		r.res.Report = r.report.path
	}
	return nil
}

// fileProblems counts the problems of the file as a whole that block an
// all-or-nothing import (warnings do not).
func (r *run) fileProblems() int {
	n := 0
	for _, p := range r.res.Problems {
		if p.Row == 0 && !p.Warning {
			n++
		}
	}
	return n
}

// readAll reads and checks every row: one goroutine reads, several check,
// and this one takes the checked rows in file order.
func (r *run) readAll(first []rawRow) error {
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	workers := r.opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ordered := make(chan *batch, 2*workers+2)
	work := make(chan *batch, 2*workers+2)
	go r.read(ctx, first, ordered, work)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				r.checkBatch(b)
			}
		}()
	}
	defer wg.Wait()
	defer cancel()
	for b := range ordered {
		select {
		case <-b.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if p := r.panicked.Load(); p != nil {
			return *p
		}
		for _, it := range b.items {
			if err := r.take(it); err != nil {
				return err
			}
		}
		if b.err != nil {
			return b.err
		}
		r.tick(PhaseRead, false)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	r.res.Blank = r.blank
	r.tick(PhaseRead, true) // the whole file read: the bar ends full
	return nil
}

func (r *run) checkBatch(b *batch) {
	defer close(b.done)
	defer func() {
		if p := recover(); p != nil {
			err := fault.Wrap(fmt.Errorf("panic checking a row: %v", p), "check row")
			r.panicked.CompareAndSwap(nil, &err)
		}
	}()
	for _, it := range b.items {
		r.check(it)
	}
}

// read reads the rows into batches, each sent in order to ordered and to work.
func (r *run) read(ctx context.Context, first []rawRow, ordered, work chan<- *batch) {
	defer close(work)
	defer close(ordered)
	b := &batch{done: make(chan struct{})}
	send := func() bool {
		select {
		case ordered <- b:
		case <-ctx.Done():
			return false
		}
		select {
		case work <- b:
		case <-ctx.Done():
			return false
		}
		b = &batch{done: make(chan struct{})}
		return true
	}
	next := func() (rawRow, error) {
		if len(first) > 0 {
			row := first[0]
			first = first[1:]
			return row, nil
		}
		return r.tbl.next()
	}
	for {
		raw, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.err = err
			send()
			return
		}
		if isBlank(raw.cells) && len(raw.issues) == 0 {
			r.blank++
			continue
		}
		b.items = append(b.items, r.newItem(raw))
		if len(b.items) == batchRows && !send() {
			return
		}
	}
	if len(b.items) > 0 {
		send()
	}
}

// take handles a checked row in file order: in-file duplicates, refusal or
// the queue for writing.
func (r *run) take(it *Item) error {
	r.res.Rows++
	if it.Key != "" {
		first, seen, err := r.keys.add(it.keyHash, it.Row.N)
		if err != nil {
			return fault.Wrap(err, "key file")
		}
		if seen {
			c := candidate{row: it.Row.N, first: first, hash: it.keyHash, held: !it.Refused()}
			r.cands = append(r.cands, c)
			if c.held {
				return nil // decided after the file is read
			}
		}
	}
	if it.Refused() {
		return r.refuse(it)
	}
	r.pending = append(r.pending, it)
	if len(r.pending) >= writeBatch {
		return r.flush()
	}
	return nil
}

// refuse records a refused row: its problems and its line in the report.
func (r *run) refuse(it *Item) error {
	r.res.Refused++
	probs := make([]Problem, 0, len(it.problems))
	for _, fe := range it.problems {
		p := r.problemOf(it.Row, fe, false)
		probs = append(probs, p)
		r.addProblem(p)
	}
	if r.report != nil {
		if err := r.report.add(it.Row, probs); err != nil {
			return err
		}
	}
	return nil
}

// flush hands the queued valid rows to the kind: to write them, or only to
// verify them once an all-or-nothing import can no longer be written.
func (r *run) flush() error {
	if len(r.pending) == 0 {
		return nil
	}
	items := r.pending
	r.pending = nil
	write := !(r.opt.Mode == AllOrNothing && (r.res.Refused > 0 || r.fileProblems() > 0))
	var err error
	if write {
		err = r.w.Write(r.ctx, items)
	} else if v, ok := r.w.(Verifier); ok {
		err = v.Verify(r.ctx, items)
	}
	if err != nil {
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		return err
	}
	for _, it := range items {
		if it.Refused() {
			if err := r.refuse(it); err != nil {
				return err
			}
			continue
		}
		r.res.Valid++
		for _, fe := range it.warnings {
			r.addProblem(r.problemOf(it.Row, fe, true))
		}
		switch it.Outcome {
		case Created:
			r.res.Created++
		case Updated:
			r.res.Updated++
		case Unchanged:
			r.res.Unchanged++
		}
	}
	return nil
}

// recheck decides the possible in-file duplicates: the file is read again
// and the rows concerned checked anew, so that their exact keys can be
// compared (two keys may share a hash). A row whose key was seen on an
// earlier row is refused; one whose key only shared a hash is written.
func (r *run) recheck() error {
	err := r.keys.repeats(func(h uint64, rows []int) error {
		for _, row := range rows[1:] {
			r.cands = append(r.cands, candidate{row: row, first: rows[0], hash: h, late: true})
		}
		return nil
	})
	if err != nil {
		return fault.Wrap(err, "key file")
	}
	if len(r.cands) == 0 {
		return nil
	}
	if err := r.flush(); err != nil {
		return err
	}
	r.tick(PhaseRecheck, true)
	want := map[int]uint64{}
	cand := map[int]candidate{}
	for _, c := range r.cands {
		want[c.row], want[c.first] = c.hash, c.hash
		cand[c.row] = c
	}
	r.cands = nil
	tbl, err := openTable(r.req.Source, false)
	if err != nil {
		return err
	}
	defer tbl.close()
	saved := r.tbl
	r.tbl = tbl
	defer func() { r.tbl = saved }()
	type seen struct {
		key string
		row int
	}
	groups := map[uint64][]seen{}
	keyCol := r.spec.KeyColumn
	for len(want) > 0 {
		raw, err := tbl.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		h, ok := want[raw.n]
		if !ok || raw.n <= r.lay.headerRow {
			continue
		}
		delete(want, raw.n)
		it := r.newItem(raw)
		r.check(it)
		first := 0
		for _, s := range groups[h] {
			if s.key == it.Key {
				first = s.row
				break
			}
		}
		if first == 0 {
			groups[h] = append(groups[h], seen{it.Key, raw.n})
		}
		c, isCand := cand[raw.n]
		if !isCand {
			continue
		}
		msg := i18n.Text{ZH: fmt.Sprintf("与第 %d 行重复：同一%s在文件中出现了两次", first, r.lay.header(keyCol)),
			EN: fmt.Sprintf("duplicates row %d: the same %s appears twice in the file", first, r.lay.header(keyCol))}
		switch {
		case first != 0 && c.late:
			r.lateDups++
			if !it.Refused() {
				r.res.Refused++
				r.res.Valid--
			}
			r.addProblem(r.problemOf(it.Row, fault.FieldError{Field: keyCol, Msg: msg}, false))
		case first != 0 && c.held:
			it.problems = nil
			it.Refuse(keyCol, msg)
			if err := r.refuse(it); err != nil {
				return err
			}
		case first != 0:
			r.addProblem(r.problemOf(it.Row, fault.FieldError{Field: keyCol, Msg: msg}, false))
		case c.held && it.Refused():
			if err := r.refuse(it); err != nil {
				return err
			}
		case c.held:
			r.pending = append(r.pending, it)
			if len(r.pending) >= writeBatch {
				if err := r.flush(); err != nil {
					return err
				}
			}
		}
		if err := r.ctx.Err(); err != nil {
			return err
		}
	}
	sort.SliceStable(r.res.Problems, func(i, j int) bool { return r.res.Problems[i].Row < r.res.Problems[j].Row })
	return nil
}

// tick reports progress, at most every 200 ms unless forced.
func (r *run) tick(phase Phase, force bool) {
	if r.opt.Progress == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(r.lastTick) < 200*time.Millisecond {
		return
	}
	r.lastTick = now
	p := Progress{Phase: phase, Rows: r.res.Rows, Refused: r.res.Refused, Total: r.req.Source.Size}
	if r.tbl != nil {
		p.Bytes, p.Total = r.tbl.progress()
		if phase == PhaseRead && r.req.Source.Size > 0 {
			if _, isCSV := r.tbl.(*csvTable); isCSV {
				p.Total = r.req.Source.Size
			}
		}
	}
	r.opt.Progress(p)
}
