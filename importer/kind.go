package importer

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/scope"
)

// Kind is one kind of record a bureau imports from spreadsheets (students,
// schools, teachers, scores…). A duty package implements it; the engine does
// the rest: reading CSV or XLSX, finding the header, matching columns,
// checking every row, in-file duplicates, the report, the template, the
// transaction, progress and cancellation.
type Kind interface {
	// Spec describes the kind: its name, its columns and how the template explains them.
	Spec() Spec
	// Begin starts one import inside the import's transaction and returns
	// the writer that checks and writes its rows. It is called once per import.
	Begin(ctx context.Context, s *Session) (Writer, error)
}

// Spec describes a kind of import.
type Spec struct {
	Name       string    // in URLs and commands: "students", "schools"
	Title      i18n.Text // "学生学籍", "Student records"
	Permission string    // the permission an importer needs (e.g. "student.edit")
	Columns    []Column
	// KeyColumn is the column whose value identifies a record (the natural key
	// returned by Check): in-file duplicates are reported on it.
	KeyColumn string
	// Sheet is the template's data sheet name, e.g. "学生信息".
	Sheet string
	// Instructions are the template's general notes, one paragraph each.
	Instructions []i18n.Text
	// Ignore lists headers the engine ignores without a warning (e.g. "序号").
	Ignore []string
	// Params are the kind's own choices for a whole file, besides its rows
	// (the year a 中考 cohort is for): the web page asks for them, the API
	// takes them in the query and the command line as flags; the kind's
	// Begin reads them from Options.Params and refuses what is wrong.
	Params []Param
	// Whole marks a file that is one whole (a year's cohort, a year's
	// plans): it is imported all or nothing, never only its valid rows.
	Whole bool
}

// Param is one of a kind's own choices for a whole file.
type Param struct {
	Key      string // in forms, queries and flags: "year"
	ZH, EN   string // its label
	Required bool
	Example  string
	Note     i18n.Text
}

// Column is one column of a kind's file.
type Column struct {
	Key      string   // stable identifier the kind uses: "id_number"
	ZH, EN   string   // the template's headers: "身份证件号", "ID number"
	Aliases  []string // other accepted headers in either language: "身份证号", "证件号码"
	Required bool     // a row must have a value
	// Codes are the allowed values of a coded column (ethnicity, gender…): the
	// cell may hold the code or its label in either language; the template
	// offers the labels as a drop-down list. Check receives the code.
	Codes   []Code
	Example string    // an example value for the template's instructions
	Note    i18n.Text // what goes in the column
	MaxLen  int       // the longest value in characters; 0 = no limit beyond the engine's
	Text    bool      // long digit strings (ID numbers, phones, codes): the template formats the column as text
	// Date columns take a calendar date written 2015-09-01, 2015/9/1,
	// 2015.9.1, 2015年9月1日 or 20150901 (or an Excel date); Check receives
	// YYYY-MM-DD, and a date that does not exist (31 February) is refused.
	Date  bool
	Width float64 // the template's column width in characters; 0 = from the header
}

// Code is one allowed value of a coded column.
type Code struct {
	Value   string
	Label   i18n.Text
	Aliases []string // other ways people write it: "Y", "1" for 是
}

// YesNo are the codes of a yes/no column: Check receives "true" or "false".
var YesNo = []Code{
	{Value: "true", Label: i18n.T("是", "Yes"), Aliases: []string{"Y", "1", "TRUE", "√", "✓"}},
	{Value: "false", Label: i18n.T("否", "No"), Aliases: []string{"N", "0", "FALSE", "×", "✗"}},
}

// Header is the column's header in l.
func (c Column) Header(l i18n.Lang) string {
	if l == i18n.EN && c.EN != "" {
		return c.EN
	}
	return c.ZH
}

// Session is what a kind's writer works with during one import.
type Session struct {
	DB *db.DB
	// Tx is the import's one transaction: everything the writer does goes
	// through it (or through Conn, its connection), so a failed, cancelled or
	// killed import leaves nothing behind.
	Tx *sql.Tx
	// Conn is Tx's connection, for a bulk COPY on PostgreSQL (db.CopyFrom).
	Conn    *sql.Conn
	Scope   scope.Scope // what the importer may reach: rows outside it are refused
	Actor   audit.Actor
	Options Options
	JobID   int64
	Now     time.Time
	// Columns reports which of the kind's columns the file has (by key).
	Columns map[string]bool
}

// Has reports whether the file has the column key.
func (s *Session) Has(key string) bool { return s.Columns[key] }

// Writer checks and writes the rows of one import.
type Writer interface {
	// Check validates one row and prepares its record (parsed, encrypted,
	// ready to write) in it.Record, its natural key in it.Key ("" when it has
	// none), and refuses it (it.Refuse) or warns (it.Warn) naming columns.
	// Check is called from several goroutines at once and must not depend on
	// the rows checked before (no counters): anything that does belongs in Write.
	Check(it *Item)
	// Write writes a batch of checked rows, in file order, inside the import's
	// transaction. It may still refuse rows (a record already at another
	// school, a class over its limit…), and sets each written row's Outcome.
	Write(ctx context.Context, items []*Item) error
	// Finish ends the import before it commits (merge a staging table, say).
	// A row refused here could no longer be reported with its cells, so
	// Finish refuses nothing: an error fails the whole import.
	Finish(ctx context.Context) error
}

// Verifier is a Writer that can run Write's database checks without writing:
// the engine calls it for the rest of an all-or-nothing import once a row has
// been refused, so that every problem of the file is still reported.
type Verifier interface {
	Verify(ctx context.Context, items []*Item) error
}

// Closer is a Writer with work of its own in the background (a goroutine
// writing batches): the engine calls Close when the import ends, however it
// ends, before the transaction commits or rolls back.
type Closer interface {
	Close()
}

// Outcome is what happened to a written row.
type Outcome uint8

const (
	Pending   Outcome = iota
	Created           // a new record
	Updated           // an existing record changed
	Unchanged         // an existing record, already as in the file
)

// Item is one row on its way through the engine.
type Item struct {
	Row     *Row
	Record  any    // the kind's prepared record
	Key     string // natural key, for in-file duplicates ("" for none)
	Outcome Outcome

	problems []fault.FieldError // Field: a column key, or "" for the row
	warnings []fault.FieldError
	keyHash  uint64
	held     bool // a possible in-file duplicate, decided after the file is read
}

// Refuse refuses the row because of column key ("" for the row as a whole).
func (it *Item) Refuse(column string, msg i18n.Text) {
	it.problems = append(it.problems, fault.FieldError{Field: column, Msg: msg})
}

// Warn records a problem that does not stop the row (a class over its size
// limit): it is reported and the row is written.
func (it *Item) Warn(column string, msg i18n.Text) {
	it.warnings = append(it.warnings, fault.FieldError{Field: column, Msg: msg})
}

// Refused reports whether the row has been refused.
func (it *Item) Refused() bool { return len(it.problems) > 0 }

// RefusedColumn reports whether column key already has a problem.
func (it *Item) RefusedColumn(key string) bool {
	for _, p := range it.problems {
		if p.Field == key {
			return true
		}
	}
	return false
}

// RefuseError refuses the row with the fields of a fault error (a duty
// package's fault.Validation): field names are mapped to column keys by
// fields (a field missing from it is kept as it is, when it is a column, or
// put on the row). Any other error refuses the row with its message.
func (it *Item) RefuseError(err error, fields map[string]string) {
	if err == nil {
		return
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		it.Refuse("", i18n.T("无法处理此行：%v", "this row cannot be processed: %v", err))
		return
	}
	if len(fe.Fields) == 0 {
		it.Refuse("", fe.Msg)
		return
	}
	for _, f := range fe.Fields {
		col := f.Field
		if m, ok := fields[col]; ok {
			col = m
		} else if !it.Row.layout.known(col) {
			col = ""
		}
		if col != "" && it.RefusedColumn(col) {
			continue // the engine already said what is wrong with the cell
		}
		it.Refuse(col, f.Msg)
	}
}

// Mode says what happens when some rows are refused.
type Mode string

const (
	AllOrNothing Mode = "all_or_nothing" // any refused row: nothing is written (the default)
	ValidOnly    Mode = "valid_only"     // the valid rows are written, the others reported
)

// ParseMode reads a mode; "" is AllOrNothing.
func ParseMode(s string) (Mode, bool) {
	switch Mode(s) {
	case "", AllOrNothing:
		return AllOrNothing, true
	case ValidOnly:
		return ValidOnly, true
	}
	return "", false
}

// Options are the importer's choices for one import.
type Options struct {
	Mode   Mode
	DryRun bool // check everything (database checks included), write nothing
	// School is the school the file is for, when the importer names one:
	// rows may leave the school column empty, and rows for any other school are refused.
	School string
	// Progress, when not nil, is called as the import advances (at most a few times a second).
	Progress func(Progress)
	// MaxProblems caps the problems kept in the Result (the report repeats
	// every refused row whatever the cap); 0 means 1000.
	MaxProblems int
	// Workers is how many goroutines check rows; 0 means one per CPU.
	Workers int
	// SizeHint is the file's size in bytes, set by the engine for the kind's
	// Begin (a writer may load a large file differently from a small one).
	SizeHint int64
	// Params are the values of the kind's Spec.Params, by key.
	Params map[string]string
}

// Param is the value given for the kind's parameter key ("" when none).
func (o Options) Param(key string) string { return o.Params[key] }

// Progress is how far an import has got.
type Progress struct {
	Phase   Phase
	Rows    int64 // data rows read so far
	Refused int64
	Bytes   int64 // bytes of the file read so far
	Total   int64 // the file's size in bytes (0 when unknown)
}

// Phase is a stage of an import.
type Phase string

const (
	PhaseRead    Phase = "read"    // reading and checking the rows
	PhaseRecheck Phase = "recheck" // reading again the rows that may be in-file duplicates
	PhaseFinish  Phase = "finish"  // merging into the real tables and committing
	PhaseDone    Phase = "done"
)

// Label names the phase for people.
func (p Phase) Label() i18n.Text {
	switch p {
	case PhaseRead:
		return i18n.T("读取并检查", "Reading and checking")
	case PhaseRecheck:
		return i18n.T("复核文件内重复", "Re-checking in-file duplicates")
	case PhaseFinish:
		return i18n.T("写入数据库", "Writing to the database")
	case PhaseDone:
		return i18n.T("完成", "Done")
	}
	return i18n.T("准备中", "Starting")
}

// Fraction is the share of the work done, 0–1 (bytes of the file read).
func (p Progress) Fraction() float64 {
	switch {
	case p.Phase == PhaseDone:
		return 1
	case p.Phase == PhaseFinish:
		return 0.99
	case p.Total <= 0:
		return 0
	}
	return min(1, float64(p.Bytes)/float64(p.Total))
}

// Savepoint runs fn inside a savepoint of tx: when fn fails, what it did is
// undone and the transaction stays usable for the next rows (PostgreSQL
// would otherwise refuse every statement after the first that failed). For
// writers that write row by row through a duty package's own methods.
func Savepoint(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT import_row"); err != nil {
		return fault.Wrap(err, "savepoint")
	}
	if err := fn(); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT import_row"); rerr != nil {
			return fault.Wrap(rerr, "rollback to savepoint")
		}
		if _, rerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT import_row"); rerr != nil {
			return fault.Wrap(rerr, "release savepoint")
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT import_row"); err != nil {
		return fault.Wrap(err, "release savepoint")
	}
	return nil
}
