package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/fault"
	"edubureau/httpx"
)

// Column is one column of an export: its header and how a row fills it.
// Value returns a string, an integer, a float64, a *float64 (nil: empty) or nil.
type Column[T any] struct {
	Header string
	Width  float64 // spreadsheet column width in characters; 0 leaves the default
	Value  func(T) any
}

// Export is a download of rows of T, as CSV or XLSX: any filtered list can
// offer one (schools, students, cases…). Rows calls yield once per row,
// streaming from the database; the file is never held whole in memory (CSV)
// or only as excelize's temporary file (XLSX). Columns decide what each cell
// shows: a column of personal data masks it (pii.MaskID, pii.MaskPhone…)
// unless the user may see it unmasked. Text that a spreadsheet would run as
// a formula is neutralised in CSV and written as text in XLSX.
type Export[T any] struct {
	Name      string // file name without extension, e.g. "学校名录-2026-11-23"
	ASCIIName string // fallback for old clients, e.g. "schools-2026-11-23"
	Sheet     string // XLSX sheet name
	Columns   []Column[T]
	Rows      func(yield func(T) error) error
}

// errStarted marks a failure after the response began: its status is sent
// and the download can only be cut short.
type errStarted struct{ err error }

func (e errStarted) Error() string { return "export failed after it began: " + e.err.Error() }
func (e errStarted) Unwrap() error { return e.err }

// CSV writes the rows as UTF-8 CSV with a byte-order mark (so Excel reads the
// Chinese correctly) and CRLF line ends. Text cells that a spreadsheet would
// take for a formula are neutralised. Nothing is written before the first row
// or the end, so an early error (a bad filter) can still be a proper page.
func (e Export[T]) CSV(w http.ResponseWriter) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	started := false
	start := func() error {
		started = true
		setDownloadHeaders(w, "text/csv; charset=utf-8", e.Name+".csv", e.ASCIIName+".csv")
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write([]byte("\uFEFF")); err != nil {
			return err
		}
		header := make([]string, len(e.Columns))
		for i, c := range e.Columns {
			header[i] = c.Header
		}
		return cw.Write(header)
	}
	record := make([]string, len(e.Columns))
	n := 0
	err := e.Rows(func(row T) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		for i, c := range e.Columns {
			record[i] = csvCell(c.Value(row))
		}
		if err := cw.Write(record); err != nil {
			return err
		}
		if n++; n%1000 == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && !started {
		err = start()
	}
	if started {
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		if err != nil {
			return errStarted{err}
		}
	}
	return err
}

// csvCell writes one cell. A text starting with = + - @ (or a tab or carriage
// return) would run as a formula when the file is opened in a spreadsheet
// (CSV injection): it gets a leading apostrophe, which spreadsheets show as text.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return neutralise(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	case time.Time:
		return x.In(shanghai).Format(time.DateTime)
	}
	return neutralise(fmt.Sprint(v))
}

func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// XLSX writes the rows as an Excel workbook through excelize's stream
// writer: a bold, frozen header row with filters. The workbook is complete
// before the first byte is sent, so any error is still a proper page.
func (e Export[T]) XLSX(w http.ResponseWriter) (err error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := e.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("xlsx sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("xlsx stream: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DCE6F1"}},
		Border: []excelize.Border{{Type: "bottom", Color: "#1F4E79", Style: 1}}})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	for i, c := range e.Columns {
		if c.Width > 0 {
			if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				return fmt.Errorf("xlsx width: %w", err)
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx panes: %w", err)
	}
	header := make([]any, len(e.Columns))
	for i, c := range e.Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: c.Header}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("xlsx header: %w", err)
	}
	rowNum := 1
	cells := make([]any, len(e.Columns))
	err = e.Rows(func(row T) error {
		rowNum++
		for i, c := range e.Columns {
			cells[i] = xlsxCell(c.Value(row))
		}
		cell, err := excelize.CoordinatesToCellName(1, rowNum)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx flush: %w", err)
	}
	if len(e.Columns) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(e.Columns), max(rowNum, 2))
		if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
			return fmt.Errorf("xlsx filter: %w", err)
		}
	}
	setDownloadHeaders(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", e.Name+".xlsx", e.ASCIIName+".xlsx")
	w.WriteHeader(http.StatusOK)
	if err := f.Write(w); err != nil {
		return errStarted{err}
	}
	return nil
}

func xlsxCell(v any) any {
	switch x := v.(type) {
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	case time.Time:
		return x.In(shanghai).Format(time.DateTime)
	}
	// Strings go in as text, never as formulas: no neutralising needed.
	return v
}

func setDownloadHeaders(w http.ResponseWriter, ctype, name, ascii string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", contentDisposition(name, ascii))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// contentDisposition names a download in both forms of RFC 6266: an ASCII
// filename for old clients and filename* (RFC 5987, UTF-8) for the real one.
func contentDisposition(name, ascii string) string {
	var b strings.Builder
	for _, r := range ascii {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' {
			r = '_'
		}
		b.WriteRune(r)
	}
	return `attachment; filename="` + b.String() + `"; filename*=UTF-8''` + encode5987(name)
}

// encode5987 percent-encodes everything but RFC 5987's attr-char.
func encode5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// Serve writes the export in the format the request's path asks for
// (".xlsx" or else CSV), or the error page: what a list's export routes call.
func (e Export[T]) Serve(ui *UI, w http.ResponseWriter, r *http.Request) {
	var err error
	if strings.HasSuffix(r.URL.Path, ".xlsx") {
		err = e.XLSX(w)
	} else {
		err = e.CSV(w)
	}
	if err != nil {
		ui.exportFailed(w, r, err)
	}
}

// exportFailed reports an export's error: a page while nothing was sent,
// otherwise the connection is cut so the client sees an incomplete download
// rather than a file that looks whole.
func (ui *UI) exportFailed(w http.ResponseWriter, r *http.Request, err error) {
	var started errStarted
	if errors.As(err, &started) {
		httpx.LogError(r, fault.Wrap(started.err, "export"))
		panic(http.ErrAbortHandler)
	}
	ui.Fail(w, r, err)
}
