package importer

import (
	"fmt"
	"time"

	"edubureau/i18n"
)

// Problem is one thing wrong with the file, a row or a cell.
type Problem struct {
	Row     int       `json:"row"`              // the row as the spreadsheet numbers it; 0 for the file as a whole
	Column  string    `json:"column,omitempty"` // the column's header as written in the file
	Cell    string    `json:"cell,omitempty"`   // the cell, e.g. "C5"
	Message i18n.Text `json:"message"`
	// Warning marks a problem that did not stop the row (it was imported).
	Warning bool `json:"warning,omitempty"`
}

// Where names the place in l: "第 5 行 身份证件号（C5）", "row 5, ID number (C5)".
func (p Problem) Where(l i18n.Lang) string {
	var s string
	switch {
	case p.Row == 0 && p.Column == "":
		if l == i18n.EN {
			return "the file"
		}
		return "文件"
	case p.Row == 0:
		if l == i18n.EN {
			return fmt.Sprintf("column %s", p.Column)
		}
		return fmt.Sprintf("“%s”列", p.Column)
	case l == i18n.EN:
		s = fmt.Sprintf("row %d", p.Row)
		if p.Column != "" {
			s += ", " + p.Column
		}
	default:
		s = fmt.Sprintf("第 %d 行", p.Row)
		if p.Column != "" {
			s += " " + p.Column
		}
	}
	if p.Cell != "" {
		if l == i18n.EN {
			s += " (" + p.Cell + ")"
		} else {
			s += "（" + p.Cell + "）"
		}
	}
	return s
}

// In is the whole problem in l.
func (p Problem) In(l i18n.Lang) string {
	if l == i18n.EN {
		return p.Where(l) + ": " + p.Message.EN
	}
	return p.Where(l) + "：" + p.Message.ZH
}

// Status is where an import ended (or stands).
type Status string

const (
	Running     Status = "running"
	Done        Status = "done"        // every row valid, all written
	Partial     Status = "partial"     // valid-only: the valid rows written, the others refused
	Refused     Status = "refused"     // all-or-nothing with problems: nothing written
	Checked     Status = "checked"     // a dry run: everything checked, nothing written
	Failed      Status = "failed"      // the file could not be read, or the import failed: nothing written
	Cancelled   Status = "cancelled"   // stopped by the importer: nothing written
	Interrupted Status = "interrupted" // the process ended during the import: nothing written
)

// Label names the status for people.
func (s Status) Label() i18n.Text {
	switch s {
	case Running:
		return i18n.T("正在导入", "Running")
	case Done:
		return i18n.T("已全部导入", "Imported")
	case Partial:
		return i18n.T("已导入有效行", "Valid rows imported")
	case Refused:
		return i18n.T("有问题，未导入", "Problems found: nothing imported")
	case Checked:
		return i18n.T("仅检查，未写入", "Checked only, nothing written")
	case Failed:
		return i18n.T("失败，未导入", "Failed: nothing imported")
	case Cancelled:
		return i18n.T("已取消，未导入", "Cancelled: nothing imported")
	case Interrupted:
		return i18n.T("中断，未导入", "Interrupted: nothing imported")
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}

// Wrote reports whether the import wrote anything.
func (s Status) Wrote() bool { return s == Done || s == Partial }

// Counts are an import's figures.
type Counts struct {
	Rows      int64 `json:"rows"`      // data rows read (blank rows not counted)
	Blank     int64 `json:"blank"`     // blank rows skipped
	Valid     int64 `json:"valid"`     // rows that passed every check
	Created   int64 `json:"created"`   // new records written
	Updated   int64 `json:"updated"`   // existing records changed
	Unchanged int64 `json:"unchanged"` // existing records already as in the file
	Refused   int64 `json:"refused"`   // rows refused
	Warnings  int64 `json:"warnings"`  // problems that did not stop their row
}

// Result is the outcome of one import.
type Result struct {
	JobID    int64  `json:"job_id"`
	Kind     string `json:"kind"`
	File     string `json:"file"`
	Size     int64  `json:"size"`
	Checksum string `json:"checksum"` // SHA-256 of the file, hex
	// Format says what was read: "CSV UTF-8 (BOM)", "XLSX, 学生信息".
	Format    string `json:"format,omitempty"`
	HeaderRow int    `json:"header_row,omitempty"`
	Mode      Mode   `json:"mode"`
	DryRun    bool   `json:"dry_run"`
	Status    Status `json:"status"`
	Counts
	// Problems are the first problems found (Options.MaxProblems), in file order;
	// ProblemCount counts them all. The report repeats every refused row.
	Problems     []Problem `json:"problems"`
	ProblemCount int64     `json:"problem_count"`
	// Report is the path of the XLSX that repeats the refused rows with their
	// problems ("" when no row was refused).
	Report   string    `json:"-"`
	Started  time.Time `json:"started_at"`
	Finished time.Time `json:"finished_at"`
}

// Summary is the outcome in one line of l.
func (r Result) Summary(l i18n.Lang) string {
	c := r.Counts
	if l == i18n.EN {
		return fmt.Sprintf("%s: %d rows read, %d valid, %d created, %d updated, %d unchanged, %d refused",
			r.Status.Label().EN, c.Rows, c.Valid, c.Created, c.Updated, c.Unchanged, c.Refused)
	}
	return fmt.Sprintf("%s：读取 %d 行，有效 %d 行，新增 %d，更新 %d，未变 %d，拒绝 %d 行",
		r.Status.Label().ZH, c.Rows, c.Valid, c.Created, c.Updated, c.Unchanged, c.Refused)
}
