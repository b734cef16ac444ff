package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"edubureau/fault"
	"edubureau/i18n"
)

// report is the XLSX that repeats the refused rows: the original row number,
// the problems, then the row's cells under the file's own headers, the cells
// at fault in red. A corrected report can be imported again as it is (its
// first two columns are ignored).
type report struct {
	path   string
	lay    *layout
	lang   i18n.Lang
	f      *excelize.File
	sw     *excelize.StreamWriter
	red    int
	plain  int
	msg    int
	rows   int
	closed bool
}

// ReportSheet is the report's sheet name.
const ReportSheet = "未导入的行"

func (r *report) start() error {
	r.f = excelize.NewFile()
	if err := r.f.SetSheetName("Sheet1", ReportSheet); err != nil {
		return fault.Wrap(err, "report sheet")
	}
	sw, err := r.f.NewStreamWriter(ReportSheet)
	if err != nil {
		return fault.Wrap(err, "report stream")
	}
	r.sw = sw
	bold, err := r.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DCE6F1"}}})
	if err != nil {
		return fault.Wrap(err, "report style")
	}
	if r.red, err = r.f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#F8CBAD"}},
		NumFmt: 49}); err != nil {
		return fault.Wrap(err, "report style")
	}
	if r.plain, err = r.f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil { // text, so long numbers stay as written
		return fault.Wrap(err, "report style")
	}
	if r.msg, err = r.f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "#C00000"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return fault.Wrap(err, "report style")
	}
	sw.SetColWidth(1, 1, 10)
	sw.SetColWidth(2, 2, 60)
	for i, h := range r.lay.headers {
		w := float64(min(40, max(10, len([]rune(h))*2+2)))
		sw.SetColWidth(i+3, i+3, w)
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"})
	head := []any{excelize.Cell{StyleID: bold, Value: reportColumns[0]}, excelize.Cell{StyleID: bold, Value: reportColumns[2]}}
	if r.lang == i18n.EN {
		head = []any{excelize.Cell{StyleID: bold, Value: reportColumns[1]}, excelize.Cell{StyleID: bold, Value: reportColumns[3]}}
	}
	for _, h := range r.lay.headers {
		head = append(head, excelize.Cell{StyleID: bold, Value: h})
	}
	return sw.SetRow("A1", head)
}

// add writes one refused row with its problems.
func (r *report) add(row *Row, probs []Problem) error {
	if r.f == nil {
		if err := r.start(); err != nil {
			return err
		}
	}
	r.rows++
	bad := map[string]bool{}
	var msgs []string
	for _, p := range probs {
		if p.Cell != "" {
			bad[strings.TrimRight(p.Cell, "0123456789")] = true
		}
		where := p.Column
		if p.Cell != "" {
			where = fmt.Sprintf("%s（%s）", p.Column, p.Cell)
			if r.lang == i18n.EN {
				where = fmt.Sprintf("%s (%s)", p.Column, p.Cell)
			}
		}
		sep := "："
		if r.lang == i18n.EN {
			sep = ": "
		}
		if where == "" {
			msgs = append(msgs, p.Message.In(r.lang))
		} else {
			msgs = append(msgs, where+sep+p.Message.In(r.lang))
		}
	}
	n := len(r.lay.headers)
	if len(row.Cells) > n {
		n = len(row.Cells)
	}
	cells := make([]any, 0, n+2)
	cells = append(cells, row.N, excelize.Cell{StyleID: r.msg, Value: strings.Join(msgs, "；\n")})
	for i := 0; i < n; i++ {
		v := ""
		if i < len(row.Cells) {
			v = row.Cells[i]
		}
		style := r.plain
		if bad[ColumnLetter(i)] {
			style = r.red
		}
		// Text cells, never formulas: a value that looks like one stays text.
		cells = append(cells, excelize.Cell{StyleID: style, Value: v})
	}
	cell, _ := excelize.CoordinatesToCellName(1, r.rows+1)
	if err := r.sw.SetRow(cell, cells); err != nil {
		return fault.Wrap(err, "report row")
	}
	return nil
}

// close writes the report's file.
func (r *report) close() error {
	if r.f == nil || r.closed {
		return nil
	}
	r.closed = true
	defer r.f.Close()
	if err := r.sw.Flush(); err != nil {
		return fault.Wrap(err, "report flush")
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o700); err != nil {
		return fault.Wrap(err, "report directory")
	}
	out, err := os.CreateTemp(filepath.Dir(r.path), ".report-*")
	if err != nil {
		return fault.Wrap(err, "write report")
	}
	_, err = r.f.WriteTo(out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(out.Name(), r.path)
	}
	if err != nil {
		os.Remove(out.Name())
		return fault.Wrap(err, "write report")
	}
	return nil
}

// discard drops a report that was never closed (an import that failed).
func (r *report) discard() {
	if r.f != nil && !r.closed {
		r.f.Close()
	}
}
