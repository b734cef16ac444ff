package importer

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"edubureau/fault"
	"edubureau/i18n"
)

// Template sheets besides the data sheet (the engine never reports them as extra sheets).
const (
	InstructionsSheet = "填写说明"
	CodesSheet        = "代码表"
)

// WriteTemplate writes the kind's import template as an XLSX, in the
// bureau's Excel habits: the data sheet first, with the Chinese headers on
// row 1 (required columns marked *, a comment explaining each) and the
// English headers on row 2; columns of long digit strings formatted as text;
// drop-down lists for every coded column; a sheet of instructions; the code
// lists on a hidden sheet. The engine reads a filled template as it is.
func WriteTemplate(w io.Writer, spec Spec) error {
	f := excelize.NewFile()
	defer f.Close()
	data := spec.Sheet
	if data == "" {
		data = spec.Title.ZH
	}
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return fault.Wrap(err, "template sheet")
	}
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		if err != nil {
			panic(err) // a constant style: a programming error
		}
		return id
	}
	border := []excelize.Border{{Type: "bottom", Color: "#1F4E79", Style: 1}}
	zhHead := style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DCE6F1"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	reqHead := style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "#C00000"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DCE6F1"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	enHead := style(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "#595959", Size: 9}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#F2F2F2"}},
		Alignment: &excelize.Alignment{Horizontal: "center"}, Border: border})
	text := style(&excelize.Style{NumFmt: 49})

	if _, err := f.NewSheet(CodesSheet); err != nil {
		return fault.Wrap(err, "template codes")
	}
	codeCol := 0
	for i, c := range spec.Columns {
		col := ColumnLetter(i)
		zh := c.ZH
		hs := zhHead
		if c.Required {
			zh, hs = "*"+c.ZH, reqHead
		}
		f.SetCellStr(data, col+"1", zh)
		f.SetCellStyle(data, col+"1", col+"1", hs)
		f.SetCellStr(data, col+"2", c.EN)
		f.SetCellStyle(data, col+"2", col+"2", enHead)
		wd := c.Width
		if wd == 0 {
			wd = float64(max(10, min(30, 2*utf8.RuneCountInString(c.ZH)+4, len(c.EN)+2)))
		}
		f.SetColWidth(data, col, col, wd)
		if c.Text {
			f.SetColStyle(data, col, text)
			// The header rows keep their own styles.
			f.SetCellStyle(data, col+"1", col+"1", hs)
			f.SetCellStyle(data, col+"2", col+"2", enHead)
		}
		if note := noteFor(c); note != "" {
			f.AddComment(data, excelize.Comment{Cell: col + "1", Author: "edubureau", Paragraph: []excelize.RichTextRun{{Text: note}}})
		}
		if len(c.Codes) > 0 {
			codeCol++
			cc := ColumnLetter(codeCol - 1)
			f.SetCellStr(CodesSheet, cc+"1", c.ZH)
			for j, code := range c.Codes {
				f.SetCellStr(CodesSheet, fmt.Sprintf("%s%d", cc, j+2), code.Label.ZH)
			}
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s3:%s1048576", col, col)
			dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", CodesSheet, cc, cc, len(c.Codes)+1))
			// A warning, not a stop: a code typed instead of its label is fine too.
			dv.SetError(excelize.DataValidationErrorStyleWarning, "不在下拉列表中", "请从下拉列表中选择，或填写对应的代码。Choose from the list, or type the code.")
			if err := f.AddDataValidation(data, dv); err != nil {
				return fault.Wrap(err, "template drop-down")
			}
		}
	}
	f.SetRowHeight(data, 1, 22)
	f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
	if err := f.SetSheetVisible(CodesSheet, false, true); err != nil {
		return fault.Wrap(err, "template codes")
	}

	if err := writeInstructions(f, spec, data, style); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fault.Wrap(err, "write template")
	}
	return nil
}

func noteFor(c Column) string {
	var b strings.Builder
	b.WriteString(c.ZH + " / " + c.EN)
	if c.Required {
		b.WriteString("（必填 required）")
	}
	if c.Note.ZH != "" {
		b.WriteString("\n" + c.Note.ZH + "\n" + c.Note.EN)
	}
	if c.Example != "" {
		b.WriteString("\n例 e.g. " + c.Example)
	}
	return b.String()
}

func writeInstructions(f *excelize.File, spec Spec, data string, style func(*excelize.Style) int) error {
	s := InstructionsSheet
	if _, err := f.NewSheet(s); err != nil {
		return fault.Wrap(err, "template instructions")
	}
	title := style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	head := style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DCE6F1"}}})
	wrap := style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	f.SetCellStr(s, "A1", spec.Title.ZH+"导入模板 — 填写说明 / "+spec.Title.EN+" import template — instructions")
	f.SetCellStyle(s, "A1", "A1", title)
	general := []i18n.Text{
		i18n.T("在“%s”工作表中从第 3 行起每行填写一条记录；第 1 行（中文）和第 2 行（英文）是表头，请勿修改或合并。",
			"On the sheet %q, fill one record per row from row 3; rows 1 (Chinese) and 2 (English) are the header: do not change or merge them.", data),
		i18n.T("带 * 的列必须填写。列的顺序可以调整，多余的列会被忽略并提示。", "Columns marked * are required. Columns may be reordered; extra columns are ignored with a notice."),
		i18n.T("有下拉列表的列，请从列表中选择（也可填写代码）。", "Columns with a drop-down list take a value from the list (or its code)."),
		i18n.T("身份证件号、电话、代码等列已设为文本格式，请不要改为数值，否则 Excel 会丢失 15 位以后的数字。", "ID numbers, phones and codes are formatted as text: do not change them to numbers, or Excel loses the digits after the 15th."),
		i18n.T("日期请写成 2015-09-01 的形式（或 Excel 日期）。不要使用公式：导入不计算公式。", "Write dates as 2015-09-01 (or as Excel dates). Do not use formulas: imports do not evaluate them."),
		i18n.T("可保存为 .xlsx，或 CSV（UTF-8 或 GBK 编码均可）。导入不限行数。", "Save as .xlsx, or as CSV (UTF-8 or GBK). There is no limit on the number of rows."),
		i18n.T("默认“全部或全不”：只要有一行有问题，就一行也不写入；也可选择“只导入正确的行”。有问题的行会列在下载的问题报告中，改正后可直接再次导入该报告。",
			"By default an import is all or nothing: if any row has a problem, nothing is written; you may choose to import only the valid rows instead. Refused rows are listed in a downloadable report, which can be corrected and imported again as it is."),
		i18n.T("同一文件再次导入不会产生重复；改正后的文件再次导入会更新已有记录。", "Importing the same file again changes nothing and creates no duplicates; importing a corrected file updates the records."),
	}
	row := 3
	for _, t := range append(general, spec.Instructions...) {
		f.SetCellStr(s, fmt.Sprintf("A%d", row), t.ZH)
		f.SetCellStr(s, fmt.Sprintf("A%d", row+1), t.EN)
		row += 2
	}
	row++
	headers := []string{"列名", "Column", "必填 Required", "说明", "Description", "可填的值 Allowed values", "示例 Example"}
	for i, h := range headers {
		cell := fmt.Sprintf("%s%d", ColumnLetter(i), row)
		f.SetCellStr(s, cell, h)
		f.SetCellStyle(s, cell, cell, head)
	}
	for _, c := range spec.Columns {
		row++
		req := ""
		if c.Required {
			req = "是 Yes"
		}
		var vals []string
		for i, code := range c.Codes {
			if i == 60 {
				vals = append(vals, "…")
				break
			}
			vals = append(vals, code.Value+" "+code.Label.ZH)
		}
		for i, v := range []string{c.ZH, c.EN, req, c.Note.ZH, c.Note.EN, strings.Join(vals, "；"), c.Example} {
			cell := fmt.Sprintf("%s%d", ColumnLetter(i), row)
			f.SetCellStr(s, cell, v)
			f.SetCellStyle(s, cell, cell, wrap)
		}
	}
	for i, w := range []float64{16, 18, 12, 40, 40, 40, 20} {
		c := ColumnLetter(i)
		f.SetColWidth(s, c, c, w)
	}
	return nil
}
