package i18n

// The working-day calendar page (web/calendar.go, web/templates/calendar.html).
func init() {
	add(map[string]Text{
		"nav.calendar":             {"工作日历", "Calendar"},
		"flash.calendar_imported":  {"节假日安排已导入，相关期限即刻按新日历计算", "The notice is imported; deadlines count on it from now on"},
		"flash.calendar_unchanged": {"该年已是此内容，未作改动", "The year already has this content; nothing changed"},

		"calendar.title":   {"工作日历", "Working-day calendar"},
		"calendar.heading": {"工作日历", "Working-day calendar"},
		"calendar.lead": {"法定期限按工作日计算：周一至周五，除去法定节假日，加上国务院办公厅通知安排的调休上班日。2020–2026 年已内置；新一年的通知发布后在此导入。",
			"Legal deadlines count working days: Monday to Friday, less the statutory holidays, plus the make-up workdays of the State Council's notices. 2020–2026 are built in; import each new year's notice here once it is published."},
		"calendar.year_title": {"%d 年工作日历", "Working-day calendar %d"},
		"calendar.workdays":   {"%d 年共有 %d 个工作日", "%d has %d working days"},
		"calendar.days":       {"（%d 天）", " (%d days)"},

		"calendar.upload.heading":        {"导入节假日安排", "Import a holiday notice"},
		"calendar.upload.field":          {"节假日文件（JSON）", "Holiday file (JSON)"},
		"calendar.upload.hint":           {"holiday-cn 格式，如 2027.json：{\"year\":2027,\"days\":[{\"name\":\"元旦\",\"date\":\"2027-01-01\",\"isOffDay\":true},…]}；isOffDay 为 false 表示调休上班。不超过 %d KB。", "The holiday-cn format, e.g. 2027.json: {\"year\":2027,\"days\":[{\"name\":\"元旦\",\"date\":\"2027-01-01\",\"isOffDay\":true},…]}; isOffDay false marks a make-up workday. At most %d KB."},
		"calendar.upload.submit":         {"导入", "Import"},
		"calendar.upload.nothing_stored": {"文件未导入，日历没有任何改动。", "The file was not imported; the calendar is unchanged."},

		"calendar.col.year":     {"年份", "Year"},
		"calendar.col.status":   {"来源", "Origin"},
		"calendar.col.source":   {"文件", "File"},
		"calendar.col.imported": {"导入人与时间", "Imported by, on"},
		"calendar.col.off":      {"休息日", "Days off"},
		"calendar.col.makeup":   {"调休上班", "Make-up days"},
		"calendar.col.workdays": {"工作日", "Working days"},
		"calendar.col.holiday":  {"节日", "Holiday"},

		"calendar.status.builtin":     {"内置", "Built in"},
		"calendar.status.imported":    {"已导入", "Imported"},
		"calendar.status.unpublished": {"未发布（暂定）", "Not published (provisional)"},
		"calendar.shadowed":           {"（另有导入的副本，以内置为准）", "(an imported copy is ignored)"},
		"calendar.imported_by":        {"%s，由 %s 于 %s 导入", "%s, imported by %s on %s"},
		"calendar.provisional":        {"暂定", "provisional"},
		"calendar.provisional_short":  {"暂定", "prov."},
		"calendar.provisional_note": {"“暂定”：该年（或年末几天）尚无已发布的通知，按双休日推算；涉及这些日子的期限在各处都标为暂定，通知导入后自动确定。",
			"“Provisional”: no notice is published yet for that year (or its last days), so the weekend rule is assumed; deadlines that reach those days are marked provisional everywhere until the notice is imported."},
		"calendar.unpublished_note": {"本年尚无通知：按周一至周五工作推算，所有结果均为暂定。", "No notice yet for this year: Monday to Friday are assumed to be working days, and every answer is provisional."},
		"calendar.papers":           {"通知原文：", "The notice:"},
		"calendar.holidays":         {"放假与调休安排", "Holidays and make-up workdays"},
		"calendar.legend":           {"图例", "Legend"},
		"calendar.prev":             {"← 上一年", "← Previous year"},
		"calendar.next":             {"下一年 →", "Next year →"},

		"calendar.kind.work":    {"工作日", "Working day"},
		"calendar.kind.weekend": {"周末", "Weekend"},
		"calendar.kind.off":     {"放假", "Day off"},
		"calendar.kind.makeup":  {"调休上班", "Make-up workday"},
		"calendar.mark_off":     {"休", "off"},
		"calendar.mark_work":    {"班", "work"},

		"calendar.wd.mon": {"周一", "Mon"},
		"calendar.wd.tue": {"周二", "Tue"},
		"calendar.wd.wed": {"周三", "Wed"},
		"calendar.wd.thu": {"周四", "Thu"},
		"calendar.wd.fri": {"周五", "Fri"},
		"calendar.wd.sat": {"周六", "Sat"},
		"calendar.wd.sun": {"周日", "Sun"},
	})
}
