package casework

import (
	"context"
	"slices"

	"edubureau/calendar"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
)

// infoDisclosure is a request for government information under the
// Government Information Disclosure Regulations (2019).
//
//	received: reply within 20 WD, extendable by 20 with the head's consent (Art. 33)
//	  ──notify_supplement (≤7 WD of receipt, Art. 30)──▶ awaiting_supplement: the clock stops
//	  ──supplement──▶ received: the clock restarts from zero (Art. 30)
//	  ──consult_third_party──▶ third_party: 15 WD for the opinion (Art. 32), not counted (Art. 33)
//	  ──reply──▶ replied
func infoDisclosure() Type {
	wd := calendar.Workdays
	return Type{
		Code:           InfoDisclosure,
		Name:           i18n.T("政府信息公开申请", "Government information disclosure request"),
		Section:        "legal",
		OpenPermission: edit,
		OpenOptional:   []string{"applicant_type"},
		Fields: []Field{
			{Name: "applicant_type", Label: i18n.T("申请人类型", "Applicant"), Choices: ApplicantTypes},
			fieldItems, fieldApprovedBy,
			{Name: "third_party", Label: i18n.T("第三方", "Third party")},
			{Name: "outcome", Label: i18n.T("答复类型", "Reply"), Choices: outcomeCodes()},
			{Name: "outcome_reason", Label: i18n.T("理由（不予公开、无法提供、不予处理、其他处理时）", "Reason (when refused, not available, not processed, other)"),
				Choices: reasonCodes()},
		},
		Documents: []DocKind{docApplication, docSupplement,
			{"extension_notice", i18n.T("延期答复告知书", "Notice of extension")},
			{"third_party_opinion", i18n.T("第三方意见", "Third party's opinion")},
			{"reply", i18n.T("答复书", "Reply")},
		},
		Rules: []Rule{
			{Code: "reply", Name: i18n.T("答复", "reply"), N: 20, Unit: wd, Extension: 20, Basis: i18n.T("政府信息公开条例第三十三条", "GIDR Art. 33")},
			{Code: "third_party", Name: i18n.T("第三方意见", "third-party opinion"), N: 15, Unit: wd, OtherParty: true, Basis: i18n.T("政府信息公开条例第三十二条", "GIDR Art. 32")},
		},
		States: []State{
			{Code: "received", Name: i18n.T("已收到申请", "Received"), Initial: true, Clock: "reply"},
			{Code: "awaiting_supplement", Name: i18n.T("待补正", "Awaiting supplement")},
			{Code: "third_party", Name: i18n.T("征求第三方意见", "Consulting a third party"), Clock: "third_party"},
			{Code: "replied", Name: i18n.T("已答复", "Replied"), Final: true},
			{Code: "abandoned", Name: i18n.T("视为放弃", "Deemed abandoned"), Final: true},
			{Code: "withdrawn", Name: i18n.T("申请人撤回", "Withdrawn"), Final: true},
		},
		Transitions: []Transition{
			{Code: "notify_supplement", Name: i18n.T("一次性告知补正", "Notify what to supplement"), From: []string{"received"}, To: "awaiting_supplement",
				Permission: edit, Fields: []string{"items"}, Documents: []string{"supplement_notice"}, Stop: "reply",
				Within: &Window{N: 7, Unit: wd, Basis: i18n.T("政府信息公开条例第三十条", "GIDR Art. 30")}},
			{Code: "supplement", Name: i18n.T("申请人补正（重新计算期限）", "Supplemented (the period restarts)"), From: []string{"awaiting_supplement"}, To: "received",
				Permission: edit, Restart: "reply"},
			{Code: "abandon", Name: i18n.T("逾期未补正，视为放弃", "Not supplemented in time: deemed abandoned"), From: []string{"awaiting_supplement"}, To: "abandoned",
				Permission: edit, NeedReason: true},
			{Code: "consult_third_party", Name: i18n.T("书面征求第三方意见", "Consult a third party"), From: []string{"received"}, To: "third_party",
				Permission: edit, Fields: []string{"third_party"}, Stop: "reply", Start: "third_party"},
			{Code: "third_party_replied", Name: i18n.T("第三方意见期结束", "Third party's time over"), From: []string{"third_party"}, To: "received",
				Permission: edit, Resume: "reply"},
			{Code: "extend", Name: i18n.T("负责人同意延长二十个工作日", "Extend by 20 working days (head's consent)"), From: []string{"received"}, To: "received",
				Permission: ApprovePermission, Fields: []string{"approved_by"}, Documents: []string{"extension_notice"},
				WithinClock: true, Extend: "reply"},
			{Code: "reply", Name: i18n.T("答复申请人", "Reply"), From: []string{"received"}, To: "replied",
				Permission: edit, Fields: []string{"outcome"}, Optional: []string{"outcome_reason"}, Documents: []string{"reply"}},
			{Code: "withdraw", Name: i18n.T("申请人撤回", "Withdrawn by the applicant"), From: []string{"received", "awaiting_supplement", "third_party"}, To: "withdrawn",
				Permission: edit, NeedReason: true},
		},
	}
}

// ApplicantTypes are the kinds of applicant the national annual-report
// template (国办公开办函〔2021〕30号) counts: natural persons, and legal persons
// or other organisations — businesses, research institutions, public-interest
// organisations, legal service providers, others.
var ApplicantTypes = []string{"natural_person", "enterprise", "research", "public_interest", "legal_service", "other_org"}

// Outcome is one way a disclosure request is answered, with the reasons the
// template counts under it (in the template's order).
type Outcome struct {
	Code    string
	Reasons []string
}

// Outcomes are the template's answers: （一）予以公开 （二）部分公开 （三）不予公开
// with its eight grounds （四）无法提供 with three （五）不予处理 with five
// （六）其他处理 with three.
var Outcomes = []Outcome{
	{"disclose", nil},
	{"partial", nil},
	{"refuse", []string{"state_secret", "law_forbids", "security", "third_party", "internal_affairs", "process_info", "enforcement_file", "inquiry"}},
	{"unable", []string{"not_held", "needs_creation", "unclear"}},
	{"not_processed", []string{"petition", "repeat", "publication", "excessive", "confirmation"}},
	{"other", []string{"no_supplement", "fee_unpaid", "other_reason"}},
}

func outcomeCodes() []string {
	out := make([]string, len(Outcomes))
	for i, o := range Outcomes {
		out[i] = o.Code
	}
	return out
}

func reasonCodes() []string {
	var out []string
	for _, o := range Outcomes {
		out = append(out, o.Reasons...)
	}
	return out
}

// OutcomeOf returns the answer with code.
func OutcomeOf(code string) (Outcome, bool) {
	for _, o := range Outcomes {
		if o.Code == code {
			return o, true
		}
	}
	return Outcome{}, false
}

func init() {
	// A reply that refuses, cannot provide, does not process or is "other"
	// says why, in one of the template's reasons for that answer; one that
	// discloses gives none.
	builtinHooks[InfoDisclosure+"/reply"] = func(ctx context.Context, e *Engine, tx db.Tx, c Case, ev Event, by Actor) error {
		o, _ := OutcomeOf(c.Fields["outcome"])
		reason := c.Fields["outcome_reason"]
		var v fault.Validation
		switch {
		case len(o.Reasons) > 0 && reason == "":
			v.Add("outcome_reason", "答复类型为“%s”时须选择理由", "a reply of type %q needs its reason", o.Code)
		case len(o.Reasons) > 0 && !slices.Contains(o.Reasons, reason):
			v.Add("outcome_reason", "理由 %q 不属于答复类型 %q（可选：%v）", "the reason %q does not go with the reply %q (choose from %v)", reason, o.Code, o.Reasons)
		case len(o.Reasons) == 0 && reason != "":
			v.Add("outcome_reason", "答复类型为 %q 时不填写理由", "a reply of type %q takes no reason", o.Code)
		}
		return v.Err()
	}
}
