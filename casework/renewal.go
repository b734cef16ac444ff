package casework

import (
	"context"
	"strings"

	"edubureau/calendar"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

// licenceRenewal is the renewal (延续) of a private school's licence
// (办学许可证) under the Administrative License Law: the school applies
// before its licence runs out (Art. 50 asks for 30 days before), and the
// licensing periods apply as to any licence.
//
//	received ──notify_supplement (≤5 WD, Art. 32)──▶ awaiting_supplement ──supplement──▶ accepted
//	received ──accept──▶ accepted   (after 5 WD: deemed accepted on receipt, Art. 32)
//	accepted: decision within 20 WD, extendable once by 10 (Art. 42); an
//	  inspection of the premises does not count (Art. 45)
//	accepted ──approve (the new expiry date)──▶ approved ──issue_certificate (≤10 WD, Art. 44)──▶ certified
//	accepted ──refuse──▶ refused
//
// With RenewalHooks set, opening checks the school against the registry
// (private, licensed, the licence not yet expired), and the approval writes
// the new expiry date, issue date and number to the registry in the same
// transaction.
func licenceRenewal() Type {
	wd := calendar.Workdays
	active := []string{"received", "awaiting_supplement", "accepted", "inspection"}
	return Type{
		Code:           LicenceRenewal,
		Name:           i18n.T("民办学校办学许可证延续", "Renewal of a private school's licence"),
		Section:        "schools",
		OpenPermission: edit,
		Fields: []Field{
			fieldItems, fieldApprovedBy, fieldDecisionNo,
			{Name: "new_expires_on", Label: i18n.T("延续后有效期至", "Valid until (renewed)"), Kind: DateField},
			{Name: "licence_no", Label: i18n.T("办学许可证号（换发新证时）", "Licence number (when a new one is issued)")},
		},
		Documents: []DocKind{docApplication, docSupplement, docExtension, docDecision,
			{"inspection_report", i18n.T("实地核查报告", "Inspection report")}},
		Rules: []Rule{
			acceptanceRule(),
			{Code: "decision", Name: i18n.T("延续决定", "decision"), N: 20, Unit: wd, Extension: 10, Basis: i18n.T("行政许可法第四十二条、第五十条", "License Law Arts. 42, 50")},
			{Code: "certificate", Name: i18n.T("颁发证件", "certificate"), N: 10, Unit: wd, Basis: i18n.T("行政许可法第四十四条", "License Law Art. 44")},
		},
		States: []State{
			{Code: "received", Name: i18n.T("已接收", "Received"), Initial: true, Clock: "acceptance"},
			{Code: "awaiting_supplement", Name: i18n.T("待补正", "Awaiting supplement")},
			{Code: "accepted", Name: i18n.T("已受理", "Accepted"), Clock: "decision"},
			{Code: "inspection", Name: i18n.T("实地核查中", "Inspection")},
			{Code: "approved", Name: i18n.T("准予延续", "Renewal approved"), Clock: "certificate"},
			{Code: "certified", Name: i18n.T("已换发证件", "Certificate issued"), Final: true},
			{Code: "refused", Name: i18n.T("不予延续", "Renewal refused"), Final: true},
			{Code: "rejected", Name: i18n.T("不予受理", "Not accepted"), Final: true},
			{Code: "withdrawn", Name: i18n.T("申请人撤回", "Withdrawn"), Final: true},
		},
		Transitions: append(acceptanceSteps(),
			Transition{Code: "start_inspection", Name: i18n.T("启动实地核查", "Start inspection"), From: []string{"accepted"}, To: "inspection",
				Permission: edit, Stop: "decision"},
			Transition{Code: "finish_inspection", Name: i18n.T("实地核查结束", "Inspection done"), From: []string{"inspection"}, To: "accepted",
				Permission: edit, Documents: []string{"inspection_report"}, Resume: "decision"},
			Transition{Code: "extend", Name: i18n.T("负责人批准延长十个工作日", "Extend by 10 working days (head's approval)"), From: []string{"accepted"}, To: "accepted",
				Permission: ApprovePermission, Fields: []string{"approved_by"}, Documents: []string{"extension_approval"},
				WithinClock: true, Extend: "decision"},
			Transition{Code: "approve", Name: i18n.T("准予延续", "Approve the renewal"), From: []string{"accepted"}, To: "approved",
				Permission: edit, Fields: []string{"decision_no", "new_expires_on"}, Optional: []string{"licence_no"},
				Documents: []string{"decision"}, Start: "certificate"},
			Transition{Code: "refuse", Name: i18n.T("不予延续", "Refuse the renewal"), From: []string{"accepted"}, To: "refused",
				Permission: edit, Fields: []string{"decision_no"}, Documents: []string{"decision"}, NeedReason: true},
			Transition{Code: "issue_certificate", Name: i18n.T("换发办学许可证", "Issue the renewed licence"), From: []string{"approved"}, To: "certified",
				Permission: edit},
			Transition{Code: "withdraw", Name: i18n.T("申请人撤回", "Withdrawn by the applicant"), From: active, To: "withdrawn",
				Permission: edit, NeedReason: true},
		),
	}
}

// RenewalHooks are the hooks that tie licence renewals to the school
// registry: opening checks the school, approving writes the licence.
func RenewalHooks(reg *school.Registry) map[string]Hook {
	return map[string]Hook{
		LicenceRenewal + "/open": func(ctx context.Context, tx db.Tx, c Case, ev Event) error {
			_, err := renewable(ctx, tx, reg, c, ev.On)
			return err
		},
		LicenceRenewal + "/approve": func(ctx context.Context, tx db.Tx, c Case, ev Event) error {
			return applyRenewal(ctx, tx, reg, c, ev)
		},
	}
}

// renewable reads the school a renewal is for and checks that it can be
// renewed on day on: a private school with a licence that has not run out.
func renewable(ctx context.Context, tx db.Tx, reg *school.Registry, c Case, on calendar.Date) (school.School, error) {
	var v fault.Validation
	if c.SchoolCode == "" {
		v.Add("school_code", "请填写申请延续的学校标识码", "give the identifier of the school whose licence is to be renewed")
		return school.School{}, v.Err()
	}
	s, err := reg.GetTx(ctx, tx, scope.Area(c.CountyCode), c.SchoolCode)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			v.AddText("school_code", fault.As(err).Msg)
			return school.School{}, v.Err()
		}
		return school.School{}, err
	}
	switch {
	case s.Ownership != school.Private:
		v.Add("school_code", "%s %s 是公办学校，没有办学许可证", "%s %s is a public school: it has no licence to renew", s.Code, s.Name)
	case s.Status == school.Closed:
		v.Add("school_code", "%s %s 已于 %s 撤销", "%s %s was closed on %s", s.Code, s.Name, s.ClosedOn)
	case s.LicenceExpiresOn == "":
		v.Add("school_code", "%s %s 没有登记办学许可证有效期", "%s %s has no licence expiry date in the registry", s.Code, s.Name)
	case s.LicenceExpiresOn < on.String():
		v.Add("school_code", "%s %s 的办学许可证已于 %s 到期，不能延续，应重新申请设立",
			"the licence of %s %s ran out on %s: it cannot be renewed, the school must apply anew", s.Code, s.Name, s.LicenceExpiresOn)
	}
	return s, v.Err()
}

// applyRenewal writes an approved renewal to the registry: the new expiry
// date, the approval day as the issue date, and a new number when given.
func applyRenewal(ctx context.Context, tx db.Tx, reg *school.Registry, c Case, ev Event) error {
	s, err := renewable(ctx, tx, reg, c, ev.On)
	if err != nil {
		return err
	}
	var v fault.Validation
	until, err := calendar.ParseDate(c.Fields["new_expires_on"])
	switch {
	case err != nil:
		v.Add("new_expires_on", "请填写延续后有效期", "the renewed expiry date is required")
	case until.String() <= s.LicenceExpiresOn:
		v.Add("new_expires_on", "延续后有效期 %s 应晚于现有效期 %s", "the renewed expiry %s must be after the present one, %s", until, s.LicenceExpiresOn)
	case calendar.DaysBetween(ev.On, until) > 10*366:
		v.Add("new_expires_on", "延续后有效期 %s 超过十年", "the renewed expiry %s is more than ten years away", until)
	}
	if err := v.Err(); err != nil {
		return err
	}
	s.LicenceExpiresOn, s.LicenceIssuedOn = until.String(), ev.On.String()
	if n := strings.TrimSpace(c.Fields["licence_no"]); n != "" {
		s.LicenceNo = n
	}
	by := school.Actor{UserID: ev.ByID, Username: ev.By, Reason: i18n.T("准予延续办学许可证 %s", "licence renewed: %s",
		strings.TrimSpace(c.Number+" "+c.Fields["decision_no"])).ZH}
	if _, err := reg.UpdateTx(ctx, tx, scope.Area(c.CountyCode), s.Code, s, s.Version, "", by); err != nil {
		return registryError(err, "school_code")
	}
	return nil
}
