package web

// The yearly government-information-disclosure report (政府信息公开工作年度
// 报告), computed from the disclosure cases: the national template's table
// three (requests received and how they were answered, by applicant) and
// table four (reconsiderations and lawsuits about disclosure), with the due
// date (31 January, provisional while the calendar does not cover it), as a
// page and as an Excel workbook laid out like the template.

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"edubureau/auth"
	"edubureau/casework"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

func init() {
	addFeature(feature{
		pages: []string{"disclosure_report"},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/cases/disclosure-report", Access: httpx.SignedIn, Permission: auth.CaseView, Handler: ui.disclosureReport},
				{Method: "GET", Pattern: "/cases/disclosure-report/export.xlsx", Access: httpx.SignedIn, Permission: auth.CaseView, Handler: ui.disclosureReportExport},
			}
		},
	})
}

// reportLine is one line of table three: a label and, unless it is a
// heading, its counts (applicant columns and the total).
type reportLine struct {
	Key, Label string
	Level      int  // 0 section, 1 outcome, 2 reason
	Heading    bool // no counts
	Total      bool
	Cells      []int
}

type reportData struct {
	Year           int
	Years          []option
	Due            string
	DueProvisional bool
	Lines          []reportLine
	Review         [3][5]int
	Balanced       bool
	Unspecified    int
	ExportHref     string
}

// reportLines lays a report out as the template's table three, in l.
func reportLines(l i18n.Lang, r casework.DisclosureReport) []reportLine {
	cells := func(c casework.Counts) []int { return c[:] }
	lines := []reportLine{
		{Key: "new", Label: i18n.Tr(l, "report.row.new"), Cells: cells(r.New)},
		{Key: "carried", Label: i18n.Tr(l, "report.row.carried"), Cells: cells(r.Carried)},
		{Key: "results", Label: i18n.Tr(l, "report.row.results"), Heading: true},
	}
	for _, o := range casework.Outcomes {
		if len(o.Reasons) == 0 {
			lines = append(lines, reportLine{Key: o.Code, Label: i18n.Tr(l, "report.out."+o.Code), Level: 1, Cells: cells(r.Answered[o.Code])})
			continue
		}
		lines = append(lines, reportLine{Key: o.Code, Label: i18n.Tr(l, "report.out."+o.Code), Level: 1, Heading: true})
		for i, reason := range o.Reasons {
			key := o.Code + "/" + reason
			lines = append(lines, reportLine{Key: key, Label: strconv.Itoa(i+1) + "." + i18n.Tr(l, "report.reason."+reason), Level: 2,
				Cells: cells(r.Answered[key])})
		}
	}
	return append(lines,
		reportLine{Key: "total", Label: i18n.Tr(l, "report.out.total"), Level: 1, Total: true, Cells: cells(r.AnsweredTotal)},
		reportLine{Key: "forward", Label: i18n.Tr(l, "report.row.forward"), Cells: cells(r.Forward)})
}

// reportYear reads ?year= (default: last year).
func reportYear(r *http.Request, e *casework.Engine) (int, error) {
	y := e.Today().Year() - 1
	if s := r.URL.Query().Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fault.New(fault.Malformed, "年度 %q 不是数字", "the year %q is not a number", s)
		}
		y = n
	}
	return y, nil
}

// disclosureReport is GET /cases/disclosure-report?year=….
func (ui *UI) disclosureReport(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	l := i18n.FromRequest(r)
	year, err := reportYear(r, e)
	var rep casework.DisclosureReport
	if err == nil {
		rep, err = e.DisclosureReport(r.Context(), u.Scope(), year)
	}
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d := &reportData{Year: year, Due: rep.Due.String(), DueProvisional: rep.DueProvisional, Lines: reportLines(l, rep),
		Review: rep.Review, Balanced: rep.Balanced(), Unspecified: rep.Unspecified,
		ExportHref: "/cases/disclosure-report/export.xlsx?year=" + strconv.Itoa(year)}
	for y := e.Today().Year(); y >= e.Today().Year()-5; y-- {
		d.Years = append(d.Years, option{Value: strconv.Itoa(y), Label: i18n.Trf(l, "check.year_option", y), Selected: y == year})
	}
	ui.render(w, r, http.StatusOK, "disclosure_report", ui.newPage(r, i18n.Trf(l, "report.title", year), d))
}

// disclosureReportExport is GET /cases/disclosure-report/export.xlsx?year=…:
// the two tables in the template's layout, in Chinese.
func (ui *UI) disclosureReportExport(w http.ResponseWriter, r *http.Request) {
	u, e, ok := ui.caseUser(w, r)
	if !ok {
		return
	}
	year, err := reportYear(r, e)
	var rep casework.DisclosureReport
	if err == nil {
		rep, err = e.DisclosureReport(r.Context(), u.Scope(), year)
	}
	if err == nil {
		err = writeReportXLSX(w, rep, ui.d.Jurisdiction.Name)
	}
	if err != nil {
		ui.exportFailed(w, r, err)
	}
}

func writeReportXLSX(w http.ResponseWriter, rep casework.DisclosureReport, bureau string) error {
	zh := func(k string) string { return i18n.Tr(i18n.ZH, k) }
	f := excelize.NewFile()
	defer f.Close()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DCE6F1"}},
		Border: []excelize.Border{{Type: "left", Color: "#808080", Style: 1}, {Type: "right", Color: "#808080", Style: 1}, {Type: "top", Color: "#808080", Style: 1}, {Type: "bottom", Color: "#808080", Style: 1}}})
	if err != nil {
		return err
	}
	cell, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Border: []excelize.Border{{Type: "left", Color: "#808080", Style: 1}, {Type: "right", Color: "#808080", Style: 1}, {Type: "top", Color: "#808080", Style: 1}, {Type: "bottom", Color: "#808080", Style: 1}}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	set := func(sheet, at string, v any, style int) error {
		if err := f.SetCellValue(sheet, at, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, at, at, style)
	}
	name := func(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }

	// Table three.
	s3 := zh("report.sheet3")
	if err := f.SetSheetName("Sheet1", s3); err != nil {
		return err
	}
	if err := set(s3, "A1", i18n.Trf(i18n.ZH, "report.xlsx_title", bureau, rep.Year), title); err != nil {
		return err
	}
	f.SetCellValue(s3, "A2", i18n.Trf(i18n.ZH, "report.xlsx_due", rep.Due.String()))
	f.SetColWidth(s3, "A", "A", 58)
	f.SetColWidth(s3, "B", "H", 12)
	// Header: 申请人情况 over everything; 自然人 | 法人或其他组织 (five) | 总计.
	for _, m := range [][2]string{{"A4", "A6"}, {"B4", "H4"}, {"B5", "B6"}, {"C5", "G5"}, {"H5", "H6"}} {
		f.MergeCell(s3, m[0], m[1])
	}
	set(s3, "A4", zh("report.check_note"), head)
	set(s3, "B4", zh("report.col.applicant"), head)
	set(s3, "B5", zh("report.col.natural_person"), head)
	set(s3, "C5", zh("report.col.legal"), head)
	for i, c := range casework.ReportColumns[1:] {
		set(s3, name(3+i, 6), zh("report.col."+c), head)
	}
	set(s3, "H5", zh("report.col.total"), head)
	for col := 1; col <= 8; col++ {
		for row := 4; row <= 6; row++ {
			f.SetCellStyle(s3, name(col, row), name(col, row), head)
		}
	}
	row := 7
	for _, ln := range reportLines(i18n.ZH, rep) {
		label := ln.Label
		for i := 0; i < ln.Level; i++ {
			label = "　" + label
		}
		set(s3, name(1, row), label, cell)
		for i := 0; i < 7; i++ {
			var v any
			if !ln.Heading {
				v = ln.Cells[i]
			}
			set(s3, name(2+i, row), v, cell)
		}
		row++
	}
	if rep.Unspecified > 0 {
		f.SetCellValue(s3, name(1, row+1), i18n.Trf(i18n.ZH, "report.unspecified", rep.Unspecified))
	}

	// Table four.
	s4 := zh("report.sheet4")
	if _, err := f.NewSheet(s4); err != nil {
		return err
	}
	f.SetColWidth(s4, "A", "O", 11)
	if err := set(s4, "A1", zh("report.table4"), title); err != nil {
		return err
	}
	for _, m := range [][2]string{{"A3", "E4"}, {"F3", "O3"}, {"F4", "J4"}, {"K4", "O4"}} {
		f.MergeCell(s4, m[0], m[1])
	}
	set(s4, "A3", zh("report.reconsideration"), head)
	set(s4, "F3", zh("report.litigation"), head)
	set(s4, "F4", zh("report.sued_directly"), head)
	set(s4, "K4", zh("report.sued_after"), head)
	results := []string{"upheld", "corrected", "other", "pending", "total"}
	for g := 0; g < 3; g++ {
		for i, res := range results {
			set(s4, name(1+g*5+i, 5), zh("report.review."+res), head)
			set(s4, name(1+g*5+i, 6), rep.Review[g][i], cell)
		}
	}
	for col := 1; col <= 15; col++ {
		for row := 3; row <= 4; row++ {
			f.SetCellStyle(s4, name(col, row), name(col, row), head)
		}
	}
	f.SetActiveSheet(0)
	fileName := fmt.Sprintf("%s%d", zh("report.file"), rep.Year)
	setDownloadHeaders(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fileName+".xlsx",
		fmt.Sprintf("disclosure-report-%d.xlsx", rep.Year))
	w.WriteHeader(http.StatusOK)
	if err := f.Write(w); err != nil {
		return errStarted{err}
	}
	return nil
}
