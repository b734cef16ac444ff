package i18n

// The student registry (package student; pages, API and import to come).
// Domain names — statuses, events, grades, levels, ethnicities, the coded
// lists and the record's field labels — live with their data in package
// student (student.StatusName, student.EventName, Grade.Name, student.Fields…);
// this part holds the screens' own words.
func init() {
	add(map[string]Text{
		"nav.students":   {"学籍", "Students"},
		"nav.transfers":  {"转学审批", "Transfers"},
		"nav.followups":  {"控辍保学", "Dropout follow-up"},
		"nav.duplicates": {"疑似重复", "Probable duplicates"},
		"nav.promotion":  {"学年升级", "Year-end promotion"},

		"students.title":          {"学籍管理", "Student records"},
		"students.search":         {"姓名、学籍号或证件号后 4/6 位", "Name, student number or the last 4/6 of the ID"},
		"students.masked":         {"证件号、学籍号、住址和监护人信息已脱敏显示", "ID and student numbers, address and guardians are shown masked"},
		"students.reveal":         {"查看完整信息", "Show in full"},
		"students.reveal_reason":  {"查看理由（将记入审计日志）", "Why (written to the audit log)"},
		"students.timeline":       {"学籍变动记录", "Timeline"},
		"students.enrolments":     {"就读经历", "Schools attended"},
		"students.guardians":      {"监护人", "Guardians"},
		"students.merged_records": {"已合并的重复学籍", "Duplicate records merged into this one"},
		"students.over_limit":     {"超出班额", "Over the class-size limit"},

		"transfers.to_decide":   {"待我审批", "Waiting for my decision"},
		"transfers.in_progress": {"办理中", "In progress"},
		"transfers.request":     {"申请转入", "Ask for a transfer"},
		"transfers.approve":     {"同意", "Approve"},
		"transfers.reject":      {"不同意", "Refuse"},
		"transfers.withdraw":    {"撤回申请", "Withdraw"},
		"transfers.waiting_for": {"等待：%s", "Waiting for: %s"},

		"promotion.preview":    {"预览升级结果", "Preview"},
		"promotion.run":        {"确认升级", "Promote"},
		"promotion.undo":       {"撤销本次升级", "Undo this promotion"},
		"promotion.undo_until": {"可撤销至 %s", "Can be undone until %s"},

		"followups.title":      {"控辍保学跟踪名单", "Dropout follow-up list"},
		"followups.add_action": {"登记劝返措施", "Record an action"},
		"followups.close":      {"结案", "Close the case"},

		"duplicates.merge":         {"合并（保留此条）", "Merge (keep this one)"},
		"duplicates.not_duplicate": {"不是同一人", "Not the same child"},
		"duplicates.elsewhere":     {"本辖区另一所学校的学生", "A student of another school of the jurisdiction"},
	})
}
