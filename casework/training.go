package casework

import (
	"context"
	"maps"
	"slices"

	"edubureau/calendar"
	"edubureau/db"
	"edubureau/i18n"
	"edubureau/school"
)

// trainingLicence is the licensing of off-campus training institutions
// (校外培训机构): establishment, change, renaming and termination, on the
// Administrative License Law's periods exactly as schools are licensed
// (schoolLicence). An approved establishment enters the registry as a
// private institution of type training; the supervised account its prepaid
// fees must go into (DOMAIN §10) may be given with the approval, and is then
// recorded with it (package training's hook).
func trainingLicence() Type {
	t := schoolLicence()
	t.Code = TrainingLicence
	t.Name = i18n.T("校外培训机构设立、变更、更名、终止审批", "Off-campus training institution: establishment, change, renaming, termination")
	drop := map[string]bool{"school_type": true, "ownership": true, "absorbed": true, "surviving": true}
	var fields []Field
	for _, f := range t.Fields {
		if drop[f.Name] {
			continue
		}
		if f.Name == "matter" {
			f.Choices = []string{"establish", "change", "rename", "terminate"}
		}
		if f.Name == "headmaster" {
			f.Label = i18n.T("法定代表人或负责人", "Legal representative or head")
		}
		fields = append(fields, f)
	}
	t.Fields = append(fields,
		Field{Name: "account_kind", Label: i18n.T("预收费监管方式", "Prepaid-fee supervision"), Choices: []string{"bank_custody", "risk_deposit"}},
		Field{Name: "account_bank", Label: i18n.T("监管银行", "Supervising bank")},
		Field{Name: "account_no", Label: i18n.T("监管账户账号", "Supervised account number")},
		Field{Name: "deposit", Label: i18n.T("风险保证金（元）", "Risk deposit (yuan)"), Kind: Number},
	)
	var optional []string
	for _, f := range applicationFields {
		if !drop[f] {
			optional = append(optional, f)
		}
	}
	optional = append(optional, "account_kind", "account_bank", "account_no", "deposit")
	t.Transitions = slices.Clone(t.Transitions)
	for i := range t.Transitions {
		if t.Transitions[i].Code == "approve" {
			t.Transitions[i].Optional = optional
		}
	}
	return t
}

// TrainingRegistryHook carries an approved training-institution licence to
// the registry as RegistryHook does for schools: the institution is private
// and of type training whatever the case says.
func TrainingRegistryHook(reg *school.Registry) Hook {
	return func(ctx context.Context, tx db.Tx, c Case, ev Event) error {
		c.Fields = maps.Clone(c.Fields)
		c.Fields["school_type"], c.Fields["ownership"] = string(school.Training), string(school.Private)
		return applyLicence(ctx, tx, reg, c, ev)
	}
}

// Chain runs hooks one after the other in the step's transaction; the first
// failure stops the rest (and undoes the step).
func Chain(hooks ...Hook) Hook {
	return func(ctx context.Context, tx db.Tx, c Case, ev Event) error {
		for _, h := range hooks {
			if h == nil {
				continue
			}
			if err := h(ctx, tx, c, ev); err != nil {
				return err
			}
		}
		return nil
	}
}

// trainingSupervision is a case against an off-campus training institution
// for breaking the rules — prepaid fees outside the supervised account or
// charged too far ahead (教监管函〔2021〕2号), training without a licence,
// false advertising, safety — opened by staff or by the charge check that
// found the violation (package training).
//
//	registered: decided within 90 days of registration (行政处罚法第六十条)
//	  ──order_rectification (a deadline)──▶ rectifying ──extend_rectification (once, ≤ 30 days)
//	  ──submit_rectification──▶ rechecking (10 WD) ──recheck_pass──▶ rectified
//	                                               ──recheck_fail (a decision)──▶ penalised
//	registered ──penalise──▶ penalised · ──close_unfounded──▶ unfounded
func trainingSupervision() Type {
	wd, cd := calendar.Workdays, calendar.CalendarDays
	return Type{
		Code:           TrainingCase,
		Name:           i18n.T("校外培训机构违规查处", "Off-campus training institution: violation"),
		Section:        "schools",
		OpenPermission: edit,
		OpenFields:     []string{"violation"},
		OpenOptional:   []string{"details"},
		Fields: []Field{
			{Name: "violation", Label: i18n.T("违规类型", "Violation"),
				Choices: []string{"prepaid_fee", "unlicensed", "advertising", "safety", "other"}},
			{Name: "details", Label: i18n.T("违规情况", "What was found")},
			fieldItems, fieldApprovedBy, fieldDecisionNo,
			{Name: "rectify_by", Label: i18n.T("整改期限", "Rectify by"), Kind: DateField},
			{Name: "extension_days", Label: i18n.T("延长日数", "Days of extension"), Kind: Number},
			{Name: "measures", Label: i18n.T("处理措施", "Measures taken")},
		},
		Documents: []DocKind{
			{"inspection_record", i18n.T("检查记录及证据", "Inspection record and evidence")},
			{"rectification_notice", i18n.T("责令整改通知书", "Rectification notice")},
			{"rectification_report", i18n.T("整改报告", "Rectification report")},
			docExtension, docDecision,
		},
		Rules: []Rule{
			{Code: "handling", Name: i18n.T("作出处理决定", "decision"), N: 90, Unit: cd, Basis: i18n.T("行政处罚法第六十条", "Administrative Penalty Law Art. 60")},
			{Code: "rectification", Name: i18n.T("限期整改", "rectification"), Fixed: true, DueField: "rectify_by", OtherParty: true,
				Extension: 30, Unit: cd, Basis: i18n.T("责令整改通知书确定的期限", "the deadline the rectification notice set")},
			{Code: "recheck", Name: i18n.T("整改复查", "re-check"), N: 10, Unit: wd, Basis: i18n.T("本局校外培训监管工作规程", "the bureau's supervision rules")},
		},
		States: []State{
			{Code: "registered", Name: i18n.T("已立案", "Registered"), Initial: true, Clock: "handling"},
			{Code: "rectifying", Name: i18n.T("限期整改中", "Rectifying"), Clock: "rectification"},
			{Code: "rechecking", Name: i18n.T("整改复查中", "Re-check"), Clock: "recheck"},
			{Code: "rectified", Name: i18n.T("整改到位，结案", "Rectified, closed"), Final: true},
			{Code: "penalised", Name: i18n.T("已作出处理决定", "Decision taken"), Final: true},
			{Code: "unfounded", Name: i18n.T("查无违规，结案", "Unfounded, closed"), Final: true},
		},
		Transitions: []Transition{
			{Code: "order_rectification", Name: i18n.T("责令限期整改", "Order rectification"), From: []string{"registered"}, To: "rectifying",
				Permission: edit, Fields: []string{"items", "rectify_by"}, Documents: []string{"rectification_notice"}, Start: "rectification"},
			{Code: "extend_rectification", Name: i18n.T("批准延长整改期限（一次，至多三十日）", "Extend the rectification once (at most 30 days)"),
				From: []string{"rectifying"}, To: "rectifying", Permission: ApprovePermission, WithinClock: true,
				Fields: []string{"approved_by"}, Documents: []string{"extension_approval"}, Extend: "rectification", ExtensionField: "extension_days"},
			{Code: "submit_rectification", Name: i18n.T("机构报送整改报告", "Rectification report received"), From: []string{"rectifying"}, To: "rechecking",
				Permission: edit, Documents: []string{"rectification_report"}, Start: "recheck"},
			{Code: "recheck_pass", Name: i18n.T("复查整改到位", "Re-check: rectified"), From: []string{"rechecking"}, To: "rectified",
				Permission: edit, NeedReason: true},
			{Code: "recheck_fail", Name: i18n.T("复查未整改到位，作出处理决定", "Re-check failed: decision"), From: []string{"rechecking"}, To: "penalised",
				Permission: edit, Fields: []string{"decision_no", "measures"}, Documents: []string{"decision"}},
			{Code: "penalise", Name: i18n.T("作出处理决定", "Take a decision"), From: []string{"registered"}, To: "penalised",
				Permission: edit, Fields: []string{"decision_no", "measures"}, Documents: []string{"decision"}},
			{Code: "close_unfounded", Name: i18n.T("查无违规，结案", "Unfounded: close"), From: []string{"registered"}, To: "unfounded",
				Permission: edit, NeedReason: true},
		},
	}
}
