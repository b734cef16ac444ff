// Package admission holds the bureau's admission rules as plain functions over
// plain values, with no database: senior-high placement (中考 平行志愿) by batches
// with quotas to junior schools (指标到校) and minimum score lines, the explanation
// each student is owed, and the auditable computer lottery (电脑随机录取) used for
// oversubscribed private schools (公民同招) and multi-school zones (多校划片).
//
// The CSV readers and writers of the file mode live here too, so that the
// command line, the web upload and the tests read files in exactly one way.
package admission

import (
	"fmt"
	"strconv"
	"strings"

	"edubureau/fault"
	"edubureau/i18n"
)

// PlanRow is one line of the enrolment plan: the places a senior school offers
// in a batch, either to every applicant (Junior empty, a general row) or as a
// 指标到校 quota that only one junior school's applicants may take.
type PlanRow struct {
	Batch    int     // positive; batches run in ascending order
	School   string  // senior-school code
	Junior   string  // "" for a general row, else the junior-school code of a quota row
	Places   int     // non-negative
	MinScore float64 // the minimum total score, when HasMin
	HasMin   bool
}

// Quota reports whether the row is a 指标到校 quota row.
func (r PlanRow) Quota() bool { return r.Junior != "" }

// Applicant is one student of the 中考 cohort.
type Applicant struct {
	ExamNo string // 准考证号, unique
	Junior string // the junior school the student graduates from ("" if none)
	Total  float64
	// TieBreak holds the city's tie-break scores in the city's order (e.g.
	// Chinese, then maths); every applicant has the same number, compared
	// descending after Total.
	TieBreak []float64
	Choices  []BatchChoice // at most one per batch
}

// BatchChoice is an applicant's list of schools for one batch, best first.
type BatchChoice struct {
	Batch   int
	Schools []string
}

// InputError is a problem with one plan row or one applicant handed to Place.
// It unwraps to a fault.Error of kind Invalid, so the web layer shows it as a
// validation problem; the command line maps the indexes back to file rows.
type InputError struct {
	PlanRow   int    // index into the plan, or -1
	Applicant int    // index into the applicants, or -1
	Field     string // the plan's or the applicant file's column name: "places", "b2", "tiebreak[1]", …
	Msg       i18n.Text
}

func (e *InputError) where() string {
	switch {
	case e.PlanRow >= 0:
		return fmt.Sprintf("plan[%d].%s", e.PlanRow, e.Field)
	case e.Applicant >= 0:
		return fmt.Sprintf("applicants[%d].%s", e.Applicant, e.Field)
	}
	return e.Field
}

func (e *InputError) Error() string { return e.where() + ": " + e.Msg.String() }

// Unwrap gives the error as a validation fault naming the field.
func (e *InputError) Unwrap() error {
	return &fault.Error{Kind: fault.Invalid, Msg: e.Msg, Fields: []fault.FieldError{{Field: e.where(), Msg: e.Msg}}}
}

func planErr(row int, field, zh, en string, args ...any) error {
	return &InputError{PlanRow: row, Applicant: -1, Field: field, Msg: i18n.T(zh, en, args...)}
}

func appErr(app int, field, zh, en string, args ...any) error {
	return &InputError{PlanRow: -1, Applicant: app, Field: field, Msg: i18n.T(zh, en, args...)}
}

// BatchColumn is the applicant-file column holding a batch's choices: "b1", "b2", ….
func BatchColumn(batch int) string { return "b" + strconv.Itoa(batch) }

// FormatScore writes a score canonically (no trailing zeros), as the CSV files do.
func FormatScore(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// scoreText writes a score for people, with at least one decimal: 612.0, 608.5.
func scoreText(x float64) string {
	s := FormatScore(x)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}
