package casework

import (
	"edubureau/auth"
	"edubureau/i18n"
)

// assignedTask is a task assigned by the government or a superior (督办):
// an owner section and a last day set when it is assigned, progress reports,
// and escalation once the last day has passed.
func assignedTask() Type {
	sections := make([]string, len(auth.Sections))
	for i, s := range auth.Sections {
		sections[i] = s.Code
	}
	return Type{
		Code:           AssignedTask,
		Name:           i18n.T("督办事项", "Assigned task"),
		Section:        "office",
		OpenPermission: edit,
		OpenFields:     []string{"owner_section", "due_on", "assigned_by"},
		Fields: []Field{
			{Name: "owner_section", Label: i18n.T("承办科室", "Owner section"), Choices: sections},
			{Name: "due_on", Label: i18n.T("办结期限", "Due on"), Kind: DateField},
			{Name: "assigned_by", Label: i18n.T("交办单位", "Assigned by")},
			{Name: "progress", Label: i18n.T("进展情况", "Progress")},
			{Name: "result", Label: i18n.T("办理结果", "Result")},
		},
		Documents: []DocKind{{"assignment", i18n.T("交办单", "Assignment")}, {"report", i18n.T("办结报告", "Final report")}},
		Rules: []Rule{
			{Code: "deadline", Name: i18n.T("办结", "completion"), Fixed: true, Basis: i18n.T("交办单位确定的期限", "set by whoever assigned it")},
		},
		States: []State{
			{Code: "in_progress", Name: i18n.T("办理中", "In progress"), Initial: true, Clock: "deadline"},
			{Code: "completed", Name: i18n.T("已办结", "Completed"), Final: true},
			{Code: "cancelled", Name: i18n.T("已撤销", "Cancelled"), Final: true},
		},
		Transitions: []Transition{
			{Code: "report_progress", Name: i18n.T("报告进展", "Report progress"), From: []string{"in_progress"}, To: "in_progress",
				Permission: edit, Fields: []string{"progress"}},
			{Code: "escalate", Name: i18n.T("逾期升级督办", "Escalate (overdue)"), From: []string{"in_progress"}, To: "in_progress",
				Permission: edit, AfterClock: true, Escalate: true},
			{Code: "complete", Name: i18n.T("办结", "Complete"), From: []string{"in_progress"}, To: "completed",
				Permission: edit, Fields: []string{"result"}, Documents: []string{"report"}},
			{Code: "cancel", Name: i18n.T("撤销", "Cancel"), From: []string{"in_progress"}, To: "cancelled",
				Permission: edit, NeedReason: true},
		},
	}
}
