package casework

import (
	"edubureau/calendar"
	"edubureau/i18n"
)

// reconsideration is administrative reconsideration under the Administrative
// Reconsideration Law (2023, in force 2024-01-01). Its 5- and 10-day limits
// are working days, its 60- and 30-day periods calendar days (Art. 88).
//
//	received: review within 5 WD (Art. 30) ──notify_supplement (≤5 WD, Art. 31)──▶
//	awaiting_supplement: the applicant supplements within 10 WD ──supplement──▶ supplemented (review again, 5 WD)
//	  ──abandon (after the 10 WD)──▶ abandoned (deemed to give up, Art. 31)
//	received|supplemented ──accept──▶ accepted (not refused within the review: deemed accepted when it ends, Art. 30)
//	accepted: decision within 60 days, extendable once by at most 30 (Art. 62);
//	  suspension stops the clock (Art. 39) ──decide──▶ decided
func reconsideration() Type {
	wd, cd := calendar.Workdays, calendar.CalendarDays
	return Type{
		Code:           Reconsideration,
		Name:           i18n.T("行政复议", "Administrative reconsideration"),
		Section:        "legal",
		OpenPermission: edit,
		OpenFields:     []string{"respondent"},
		OpenOptional:   []string{"disclosure_no"},
		Fields: []Field{
			{Name: "respondent", Label: i18n.T("被申请人", "Respondent")},
			{Name: "disclosure_no", Label: i18n.T("关联的政府信息公开申请编号", "Disclosure request it concerns")},
			fieldItems, fieldApprovedBy, fieldDecisionNo,
			{Name: "extension_days", Label: i18n.T("延长日数", "Days of extension"), Kind: Number},
			{Name: "outcome", Label: i18n.T("复议结果", "Outcome"), Choices: []string{"uphold", "alter", "revoke", "confirm_illegal", "order_performance", "dismiss"}},
		},
		Documents: []DocKind{docApplication, docSupplement, docExtension, docDecision},
		Rules: []Rule{
			{Code: "review", Name: i18n.T("受理审查", "review"), N: 5, Unit: wd, Basis: i18n.T("行政复议法第三十条", "Reconsideration Law Art. 30")},
			{Code: "supplement", Name: i18n.T("申请人补正", "supplement"), N: 10, Unit: wd, OtherParty: true, Basis: i18n.T("行政复议法第三十一条", "Reconsideration Law Art. 31")},
			{Code: "decision", Name: i18n.T("复议决定", "decision"), N: 60, Unit: cd, Extension: 30, Basis: i18n.T("行政复议法第六十二条", "Reconsideration Law Art. 62")},
		},
		States: []State{
			{Code: "received", Name: i18n.T("已收到申请", "Received"), Initial: true, Clock: "review"},
			{Code: "awaiting_supplement", Name: i18n.T("待补正", "Awaiting supplement"), Clock: "supplement"},
			{Code: "supplemented", Name: i18n.T("已补正", "Supplemented"), Clock: "review"},
			{Code: "accepted", Name: i18n.T("已受理", "Accepted"), Clock: "decision"},
			{Code: "suspended", Name: i18n.T("中止审理", "Suspended")},
			{Code: "decided", Name: i18n.T("已作出复议决定", "Decided"), Final: true},
			{Code: "rejected", Name: i18n.T("不予受理", "Not accepted"), Final: true},
			{Code: "abandoned", Name: i18n.T("视为放弃", "Deemed abandoned"), Final: true},
			{Code: "withdrawn", Name: i18n.T("申请人撤回", "Withdrawn"), Final: true},
		},
		Transitions: []Transition{
			{Code: "notify_supplement", Name: i18n.T("通知补正", "Notify what to supplement"), From: []string{"received"}, To: "awaiting_supplement",
				Permission: edit, Fields: []string{"items"}, Documents: []string{"supplement_notice"}, Start: "supplement",
				Within: &Window{N: 5, Unit: wd, Basis: i18n.T("行政复议法第三十一条", "Reconsideration Law Art. 31")}},
			{Code: "supplement", Name: i18n.T("申请人补正", "Supplemented"), From: []string{"awaiting_supplement"}, To: "supplemented",
				Permission: edit, Start: "review"},
			{Code: "abandon", Name: i18n.T("逾期未补正，视为放弃", "Not supplemented in time: deemed abandoned"), From: []string{"awaiting_supplement"}, To: "abandoned",
				Permission: edit, AfterClock: true},
			{Code: "accept", Name: i18n.T("受理", "Accept"), From: []string{"received", "supplemented"}, To: "accepted",
				Permission: edit, Start: "decision", StartFrom: DeemedAtDue},
			{Code: "reject", Name: i18n.T("决定不予受理", "Do not accept"), From: []string{"received", "supplemented"}, To: "rejected",
				Permission: edit, NeedReason: true, WithinClock: true},
			{Code: "extend", Name: i18n.T("负责人批准延长（至多三十日）", "Extend by at most 30 days (head's approval)"), From: []string{"accepted"}, To: "accepted",
				Permission: ApprovePermission, Fields: []string{"approved_by"}, Documents: []string{"extension_approval"},
				WithinClock: true, Extend: "decision", ExtensionField: "extension_days"},
			{Code: "suspend", Name: i18n.T("中止审理", "Suspend"), From: []string{"accepted"}, To: "suspended",
				Permission: edit, NeedReason: true, Stop: "decision"},
			{Code: "resume", Name: i18n.T("恢复审理", "Resume"), From: []string{"suspended"}, To: "accepted",
				Permission: edit, Resume: "decision"},
			{Code: "decide", Name: i18n.T("作出复议决定", "Decide"), From: []string{"accepted"}, To: "decided",
				Permission: edit, Fields: []string{"outcome", "decision_no"}, Documents: []string{"decision"}},
			{Code: "withdraw", Name: i18n.T("申请人撤回", "Withdrawn by the applicant"),
				From: []string{"received", "awaiting_supplement", "supplemented", "accepted", "suspended"}, To: "withdrawn",
				Permission: edit, NeedReason: true},
		},
	}
}
