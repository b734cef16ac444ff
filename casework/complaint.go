package casework

import (
	"edubureau/calendar"
	"edubureau/i18n"
)

// DefaultComplaintReplyDays is the working days within which the bureau
// replies to a complaint or a hotline ticket. It is the bureau's own default,
// not a figure from DOMAIN.md: set Config.ComplaintReplyDays to what the
// city's hotline rules say.
const DefaultComplaintReplyDays = 15

// complaint is a complaint or petition from the public (a hotline ticket, a
// letter, a visit), with a reply deadline of days working days.
func complaint(days int) Type {
	if days <= 0 {
		days = DefaultComplaintReplyDays
	}
	return Type{
		Code:           Complaint,
		Name:           i18n.T("投诉与信访", "Complaint or petition"),
		Section:        "office",
		OpenPermission: edit,
		OpenFields:     []string{"channel"},
		Fields: []Field{
			{Name: "channel", Label: i18n.T("来源渠道", "Channel"), Choices: []string{"hotline", "letter", "visit", "online", "phone"}},
			{Name: "ticket_no", Label: i18n.T("工单号", "Ticket number")},
			{Name: "reply_summary", Label: i18n.T("答复内容", "Reply")},
		},
		Documents: []DocKind{docApplication, {"reply", i18n.T("答复意见书", "Reply")}},
		Rules: []Rule{
			{Code: "reply", Name: i18n.T("答复", "reply"), N: days, Unit: calendar.Workdays, Basis: i18n.T("本局规定的答复期限", "the bureau's own reply period")},
		},
		States: []State{
			{Code: "received", Name: i18n.T("已登记", "Registered"), Initial: true, Clock: "reply"},
			{Code: "replied", Name: i18n.T("已答复", "Replied"), Final: true},
			{Code: "withdrawn", Name: i18n.T("已撤回", "Withdrawn"), Final: true},
		},
		Transitions: []Transition{
			{Code: "reply", Name: i18n.T("答复", "Reply"), From: []string{"received"}, To: "replied",
				Permission: edit, Fields: []string{"reply_summary"}},
			{Code: "withdraw", Name: i18n.T("撤回", "Withdrawn"), From: []string{"received"}, To: "withdrawn",
				Permission: edit, NeedReason: true},
		},
	}
}
