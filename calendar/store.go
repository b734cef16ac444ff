package calendar

// The notices an administrator imports for the years the program does not
// carry (table calendar_notice, migration 00006), and the calendar of the
// built-in and imported years together.
//
// A year is either built in or imported, never both: importing a built-in
// year is refused, except that a file with exactly the built-in content is
// accepted as a no-op (re-running an import script does no harm). Should a
// later release build in a year that was imported meanwhile, the built-in
// notice wins and the stored one is ignored (Load skips it; Years marks it).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
)

// MaxNoticeBytes bounds a notice file: a real one is a few kilobytes.
const MaxNoticeBytes = 256 << 10

// builtins parses the embedded notices once.
var builtins = sync.OnceValues(builtinNotices)

func builtinYear(year int) (Notice, bool) {
	ns, err := builtins()
	if err != nil {
		return Notice{}, false
	}
	for _, n := range ns {
		if n.Year == year {
			return n, true
		}
	}
	return Notice{}, false
}

// storedNotice is one row of calendar_notice.
type storedNotice struct {
	year       int
	source     string
	text       string
	importedAt time.Time
	importedBy string
}

func readStored(ctx context.Context, q db.Querier) ([]storedNotice, error) {
	rows, err := q.QueryContext(ctx, `SELECT year, source, notice, imported_at, imported_by FROM calendar_notice ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("calendar: read the imported notices: %w", err)
	}
	defer rows.Close()
	var out []storedNotice
	for rows.Next() {
		var s storedNotice
		if err := rows.Scan(&s.year, &s.source, &s.text, &s.importedAt, &s.importedBy); err != nil {
			return nil, fmt.Errorf("calendar: read an imported notice: %w", err)
		}
		s.importedAt = s.importedAt.UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("calendar: read the imported notices: %w", err)
	}
	return out, nil
}

func (s storedNotice) parse() (Notice, error) {
	n, err := ParseNotice(strings.NewReader(s.text), s.source)
	if err != nil {
		return Notice{}, fmt.Errorf("calendar: the stored notice for %d: %w", s.year, err)
	}
	if n.Year != s.year {
		return Notice{}, fmt.Errorf("calendar: the stored notice for %d says year %d", s.year, n.Year)
	}
	return n, nil
}

// notices returns the built-in notices and the stored ones for other years.
func notices(stored []storedNotice) ([]Notice, error) {
	all, err := builtins()
	if err != nil {
		return nil, err
	}
	all = slices.Clone(all)
	for _, s := range stored {
		if _, ok := builtinYear(s.year); ok {
			continue // built in since it was imported: the program's copy wins
		}
		n, err := s.parse()
		if err != nil {
			return nil, err
		}
		all = append(all, n)
	}
	return all, nil
}

// Load returns the calendar of the built-in notices and those imported into
// the database. Requests should use a Holder, which keeps it.
func Load(ctx context.Context, q db.Querier) (*Calendar, error) {
	stored, err := readStored(ctx, q)
	if err != nil {
		return nil, err
	}
	all, err := notices(stored)
	if err != nil {
		return nil, err
	}
	c, err := New(all...)
	if err != nil {
		return nil, fmt.Errorf("calendar: the stored notices do not fit together: %w", err)
	}
	return c, nil
}

// sameContent compares what a notice decides: its year and its days (date,
// holiday name, off or make-up). Its papers and the file's layout do not count.
func sameContent(a, b Notice) bool {
	return a.Year == b.Year && slices.Equal(a.Days, b.Days)
}

// fileYear is the year a file's name gives ("2027.json" → 2027), if any.
func fileYear(name string) (int, bool) {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	stem, ok := strings.CutSuffix(strings.ToLower(base), ".json")
	if !ok || len(stem) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(stem)
	return y, err == nil
}

// sourceName is what is stored of a file name: its last element, bounded.
func sourceName(name string) string {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if !utf8.ValidString(base) {
		base = strings.ToValidUTF8(base, "?")
	}
	base = strings.ReplaceAll(base, "\x00", "?")
	if r := []rune(base); len(r) > 100 {
		base = string(r[:100])
	}
	if base == "" || base == "." || base == "/" {
		base = "notice.json"
	}
	return base
}

// Import reads one year's notice in the holiday-cn JSON format (see
// ParseNotice) and stores it with an audit entry "calendar.import", in one
// transaction. name is the file's name, used in messages and kept as the
// source. Refused, with nothing written: a file ParseNotice refuses; a file
// named for another year ("2027.json" holding year 2028); a year built into
// the program, or already imported, with different content; a notice that
// contradicts a neighbouring year's about a December date. A notice whose
// content is already built in or imported is a no-op: stored reports false.
// Errors are fault.Invalid (a bad file) or fault.Conflict (the year is taken).
func Import(ctx context.Context, d *db.DB, r io.Reader, name string, by audit.Actor) (n Notice, stored bool, err error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxNoticeBytes+1))
	if err != nil {
		return Notice{}, false, fault.New(fault.Invalid, "无法读取节假日文件 %s：%v", "cannot read the holiday file %s: %v", name, err)
	}
	if len(raw) > MaxNoticeBytes {
		return Notice{}, false, fault.New(fault.Invalid, "节假日文件 %s 过大（上限 %d KB）", "holiday file %s is too large (at most %d KB)", name, MaxNoticeBytes>>10)
	}
	if !utf8.Valid(raw) {
		return Notice{}, false, fault.New(fault.Invalid, "节假日文件 %s 不是 UTF-8 编码", "holiday file %s is not UTF-8", name)
	}
	n, err = ParseNotice(bytes.NewReader(raw), name)
	if err != nil {
		return Notice{}, false, err
	}
	if fy, ok := fileYear(name); ok && fy != n.Year {
		return Notice{}, false, fault.New(fault.Invalid, "节假日文件 %s 按文件名是 %d 年的，但其中 year 为 %d——是否选错了文件？",
			"holiday file %s is named for %d but its year is %d — is it the wrong file?", name, fy, n.Year)
	}
	if b, ok := builtinYear(n.Year); ok {
		if sameContent(b, n) {
			return n, false, nil
		}
		return Notice{}, false, fault.New(fault.Conflict, "%d 年的节假日安排已内置于本程序，内容与文件 %s 不同；内置的年份不能替换",
			"the calendar for %d is built into the program and differs from %s; a built-in year cannot be replaced", n.Year, name)
	}
	source := sourceName(name)
	err = d.InTx(ctx, func(tx db.Tx) error {
		prior, err := readStored(ctx, tx)
		if err != nil {
			return err
		}
		for _, p := range prior {
			if p.year != n.Year {
				continue
			}
			old, err := p.parse()
			if err != nil {
				return err
			}
			if sameContent(old, n) {
				return errUnchanged
			}
			return fault.New(fault.Conflict, "%d 年的节假日安排已于 %s 由 %s 从 %s 导入，内容与文件 %s 不同；一年只能导入一次",
				"the calendar for %d was imported on %s by %s from %s and differs from %s; a year is imported once",
				n.Year, p.importedAt.Format("2006-01-02 15:04 UTC"), p.importedBy, p.source, name)
		}
		all, err := notices(prior)
		if err != nil {
			return err
		}
		if _, err := New(append(all, n)...); err != nil {
			// A December date the neighbouring year's notice decides otherwise.
			var fe *fault.Error
			if errors.As(err, &fe) {
				return &fault.Error{Kind: fe.Kind, Msg: i18n.Text{ZH: "节假日文件 " + name + "：" + fe.Msg.ZH, EN: "holiday file " + name + ": " + fe.Msg.EN}}
			}
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_notice (year, source, notice, imported_at, imported_by)
			VALUES ($1, $2, $3, $4, $5)`, n.Year, source, string(raw), now, importer(by)); err != nil {
			if db.IsUniqueViolation(err) {
				return fault.New(fault.Conflict, "%d 年的节假日安排刚刚已被导入，请刷新后查看", "the calendar for %d was imported meanwhile; reload to see it", n.Year)
			}
			return fmt.Errorf("calendar: store the notice for %d: %w", n.Year, err)
		}
		off, makeUp := n.counts()
		return audit.New(d).Record(ctx, tx, audit.Entry{At: now, Action: "calendar.import", RecordType: "calendar_notice",
			RecordID: strconv.Itoa(n.Year), Detail: fmt.Sprintf("%s: %d days off, %d make-up workdays", source, off, makeUp),
			Changes: []audit.Change{{Field: "year", After: strconv.Itoa(n.Year)}, {Field: "source", After: source}}}.ByActor(by))
	})
	if err == errUnchanged {
		return n, false, nil
	}
	if err != nil {
		return Notice{}, false, err
	}
	invalidate(d)
	return n, true, nil
}

// errUnchanged ends the import's transaction when the year holds the same notice.
var errUnchanged = fault.New(fault.Conflict, "内容相同", "unchanged")

func importer(a audit.Actor) string {
	if a.Username != "" {
		return a.Username
	}
	return "?"
}

// counts returns how many days off and make-up workdays a notice lists.
func (n Notice) counts() (off, makeUp int) {
	for _, d := range n.Days {
		if d.OffDay {
			off++
		} else {
			makeUp++
		}
	}
	return off, makeUp
}

// Holiday is one holiday of a notice: its days off and its make-up workdays.
type Holiday struct {
	Name   string
	Off    []Date
	MakeUp []Date
}

// Holidays groups a notice's days by holiday, in the order each first appears.
func (n Notice) Holidays() []Holiday {
	var out []Holiday
	at := map[string]int{}
	for _, d := range n.Days {
		i, ok := at[d.Name]
		if !ok {
			i = len(out)
			at[d.Name] = i
			out = append(out, Holiday{Name: d.Name})
		}
		if d.OffDay {
			out[i].Off = append(out[i].Off, d.Date)
		} else {
			out[i].MakeUp = append(out[i].MakeUp, d.Date)
		}
	}
	return out
}

// YearInfo describes one year of the calendar for the pages and the CLI.
type YearInfo struct {
	Year        int
	Published   bool      // a notice is built in or imported; false: the weekend rule, provisional
	BuiltIn     bool      // the notice is built into the program
	Shadowed    bool      // also imported, but the built-in notice is used
	Source      string    // the notice's file name
	ImportedAt  time.Time // zero when built in
	ImportedBy  string
	Papers      []string // the notices' addresses
	Off, MakeUp int      // days off and make-up workdays the notice lists
	Workdays    int      // working days in the year
	Provisional bool     // some day of the year is unsettled (an unpublished year, or the next year's notice is missing for late December)
	Notice      Notice   // the notice itself (Year 0 when unpublished)
}

// Years lists the published years, ascending, followed by the first year
// after them (unpublished: its deadlines are provisional), with the calendar
// they make.
func Years(ctx context.Context, q db.Querier) ([]YearInfo, *Calendar, error) {
	stored, err := readStored(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	all, err := notices(stored)
	if err != nil {
		return nil, nil, err
	}
	c, err := New(all...)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar: the stored notices do not fit together: %w", err)
	}
	byYear := map[int]storedNotice{}
	for _, s := range stored {
		byYear[s.year] = s
	}
	var out []YearInfo
	for _, n := range all {
		y := YearInfo{Year: n.Year, Published: true, Papers: n.Papers, Notice: n}
		y.Off, y.MakeUp = n.counts()
		s, imported := byYear[n.Year]
		if _, ok := builtinYear(n.Year); ok {
			y.BuiltIn, y.Shadowed, y.Source = true, imported, strconv.Itoa(n.Year)+".json"
		} else {
			y.Source, y.ImportedAt, y.ImportedBy = s.source, s.importedAt, s.importedBy
		}
		out = append(out, y)
	}
	// The years without a notice between and just after the published ones:
	// deadlines reaching into them are provisional.
	if len(out) == 0 {
		out = append(out, YearInfo{Year: time.Now().Year()})
	} else {
		first, last := c.years[0], c.years[len(c.years)-1]
		for y := first + 1; y <= last+1; y++ {
			if !c.Published(y) {
				out = append(out, YearInfo{Year: y})
			}
		}
	}
	slices.SortFunc(out, func(a, b YearInfo) int { return a.Year - b.Year })
	for i := range out {
		out[i].Workdays, out[i].Provisional = c.YearWorkdays(out[i].Year)
	}
	return out, c, nil
}

// Year describes one year, published or not.
func Year(ctx context.Context, q db.Querier, year int) (YearInfo, *Calendar, error) {
	if year < 1950 || year > 9998 {
		return YearInfo{}, nil, fault.New(fault.NotFound, "年份 %d 超出日历范围（1950–9998）", "year %d is outside the calendar (1950–9998)", year)
	}
	ys, c, err := Years(ctx, q)
	if err != nil {
		return YearInfo{}, nil, err
	}
	for _, y := range ys {
		if y.Year == year {
			return y, c, nil
		}
	}
	y := YearInfo{Year: year}
	y.Workdays, y.Provisional = c.YearWorkdays(year)
	return y, c, nil
}

// YearWorkdays counts the working days of a year, and whether the count is provisional.
func (c *Calendar) YearWorkdays(year int) (int, bool) {
	return c.WorkdaysBetween(Date{year - 1, time.December, 31}, Date{year, time.December, 31})
}

// Holder keeps the calendar of one database for requests, so that they do
// not read the notices table: loaded on first use, dropped by Import (in
// this process), and re-read at most every TTL so that an import by another
// process (the CLI) is seen too. Safe for concurrent use.
type Holder struct {
	d   *db.DB
	ttl time.Duration
	mu  sync.Mutex // one load at a time; Invalidate waits for a load in progress
	cur atomic.Pointer[held]
}

type held struct {
	cal *Calendar
	at  time.Time
}

// HolderTTL is how long a Holder trusts its copy.
const HolderTTL = 5 * time.Minute

var holders sync.Map // *db.DB → *Holder

// HolderFor returns the process's holder for d (nil d: the built-in calendar).
func HolderFor(d *db.DB) *Holder {
	if d == nil {
		return &Holder{}
	}
	if h, ok := holders.Load(d); ok {
		return h.(*Holder)
	}
	h, _ := holders.LoadOrStore(d, &Holder{d: d, ttl: HolderTTL})
	return h.(*Holder)
}

// Calendar returns the held calendar, loading it when there is none or it is
// older than the TTL. When a reload fails the old copy is kept and returned;
// only a first load's failure is an error.
func (h *Holder) Calendar(ctx context.Context) (*Calendar, error) {
	if h.d == nil {
		return Default(), nil
	}
	p := h.cur.Load()
	if p != nil && time.Since(p.at) < h.ttl {
		return p.cal, nil
	}
	if p != nil {
		// Stale: one request reloads, the others keep going with the old copy.
		if !h.mu.TryLock() {
			return p.cal, nil
		}
		defer h.mu.Unlock()
		if c, err := Load(ctx, h.d); err == nil {
			h.cur.Store(&held{cal: c, at: time.Now()})
			return c, nil
		}
		return p.cal, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if p := h.cur.Load(); p != nil {
		return p.cal, nil
	}
	c, err := Load(ctx, h.d)
	if err != nil {
		return nil, err
	}
	h.cur.Store(&held{cal: c, at: time.Now()})
	return c, nil
}

// Invalidate drops the held copy; the next Calendar loads afresh.
func (h *Holder) Invalidate() {
	h.mu.Lock()
	h.cur.Store(nil)
	h.mu.Unlock()
}

func invalidate(d *db.DB) {
	if h, ok := holders.Load(d); ok {
		h.(*Holder).Invalidate()
	}
}
