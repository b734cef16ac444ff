package demo

// The demo's casework, second part: licence renewals, reconsiderations and
// lawsuits about disclosure requests (so that last year's disclosure report
// has its table four), the litigation register, the annual check of every
// private school (年检) and the supervision of training institutions
// (accounts, prepaid-fee checks, a violation under rectification).

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/school"
	"edubureau/training"
)

// ---- licence renewals ----

// renewals adds a renewal for up to n private schools whose licence runs
// out within six months of Today, received a few weeks before Today.
func (g *caseGen) renewals(plans []casePlan, n int) []casePlan {
	soon := g.today.AddDays(183).String()
	k := 0
	for _, s := range g.private {
		if k == n {
			break
		}
		if s.LicenceExpiresOn <= g.today.AddDays(20).String() || s.LicenceExpiresOn > soon {
			continue
		}
		rec := g.workdayOnOrBefore(g.today.AddDays(-g.between(3, 45)))
		p := casePlan{id: len(plans), typ: casework.LicenceRenewal, open: casework.OpenInput{ReceivedOn: rec, CountyCode: s.County,
			SchoolCode: s.Code, ApplicantName: s.Name, ApplicantContact: g.phone(), Subject: s.Name + "申请办学许可证延续",
			Documents: []casework.Upload{doc("application", "办学许可证延续申请书")}}}
		expires, err := time.Parse(time.DateOnly, s.LicenceExpiresOn)
		if err != nil {
			continue
		}
		renewed := expires.AddDate(5, 0, 0).Format(time.DateOnly)
		scenario := []string{"approved", "supplement_open", "extended_open", "inspection_open"}[k%4]
		if k >= 4 {
			scenario = pick(g.r, []string{"approved", "approved", "accepted_open", "supplement_open"})
		}
		accept := func() calendar.Date { return p.at(g.wd(rec, g.between(1, 3)), "accept", casework.Input{}) }
		switch scenario {
		case "approved":
			a := accept()
			on := p.at(g.wd(a, g.between(3, 10)), "approve", casework.Input{Fields: fields("decision_no",
				fmt.Sprintf("衡教续决〔%d〕%d号", a.Year(), g.between(1, 200)), "new_expires_on", renewed),
				Documents: []casework.Upload{doc("decision", "准予延续行政许可决定书")}})
			p.at(g.wd(on, g.between(1, 5)), "issue_certificate", casework.Input{})
		case "supplement_open":
			p.at(g.wd(rec, g.between(1, 3)), "notify_supplement", casework.Input{Fields: fields("items", "近三年年度财务审计报告、校舍安全鉴定报告"),
				Documents: []casework.Upload{doc("supplement_notice", "补正材料通知书")}})
		case "extended_open":
			a := accept()
			p.at(g.wd(a, g.between(1, 2)), "extend", casework.Input{Reason: "需实地核查办学条件", Fields: fields("approved_by", g.head()),
				Documents: []casework.Upload{doc("extension_approval", "延期审批表")}})
		case "inspection_open":
			a := accept()
			p.at(g.wd(a, 1), "start_inspection", casework.Input{Reason: "核查办学场地和消防条件"})
		case "accepted_open":
			accept()
		}
		plans = append(plans, p)
		k++
	}
	return plans
}

// ---- reconsiderations and lawsuits about disclosure ----

// stepOn is the day of plan p's step code, and whether it has one.
func (p *casePlan) stepOn(code string) (calendar.Date, bool) {
	for _, s := range p.steps {
		if s.code == code {
			return s.on, true
		}
	}
	return calendar.Date{}, false
}

// linkReviews makes some reconsiderations about disclosure replies that
// refused or did not provide the information: they are received after the
// reply and name the request (the disclosure report's table four counts
// them). They belong to the bureau itself, where the requests do.
func (g *caseGen) linkReviews(plans []casePlan) []casePlan {
	want := max(len(plans)/50, 2)
	var targets []int
	for i := range plans {
		p := &plans[i]
		if p.typ != casework.InfoDisclosure {
			continue
		}
		for _, s := range p.steps {
			if s.code == "reply" && (s.in.Fields["outcome"] == "refuse" || s.in.Fields["outcome"] == "unable" || s.in.Fields["outcome"] == "partial") {
				targets = append(targets, i)
			}
		}
	}
	linked := 0
	// Those received last year first: last year's report counts them.
	var order []int
	for pass := 0; pass < 2; pass++ {
		for i := range plans {
			if plans[i].typ == casework.Reconsideration && (plans[i].open.ReceivedOn.Year() < g.today.Year()) == (pass == 0) {
				order = append(order, i)
			}
		}
	}
	for _, i := range order {
		p := &plans[i]
		if linked == want || len(targets) == 0 {
			break
		}
		for ti, t := range targets {
			replied, _ := plans[t].stepOn("reply")
			if replied.AddDays(5).Before(p.open.ReceivedOn) {
				p.links = map[string]int{"disclosure_no": plans[t].id}
				p.open.CountyCode = g.city
				p.open.Fields["respondent"] = g.w.city + "教育局"
				p.open.Subject = "不服" + g.w.city + "教育局作出的政府信息公开申请答复（" + plans[t].open.Subject + "）"
				targets = slices.Delete(targets, ti, ti+1)
				linked++
				break
			}
		}
	}
	return plans
}

// litigations adds n lawsuits against the bureau: about half follow a
// decided reconsideration (and, when that was about disclosure, name the
// request too), the others are brought directly; their steps run as far as
// Today allows — a complaint just received, a hearing set, a judgment whose
// appeal period runs, suits concluded or withdrawn.
func (g *caseGen) litigations(plans []casePlan, n int) []casePlan {
	byID := map[int]*casePlan{}
	for i := range plans {
		byID[plans[i].id] = &plans[i]
	}
	var after []int // decided reconsiderations, the disclosure ones first
	for i := range plans {
		if plans[i].typ != casework.Reconsideration {
			continue
		}
		if d, ok := plans[i].stepOn("decide"); ok && d.AddDays(20).Before(g.today) {
			if plans[i].links != nil {
				after = append([]int{i}, after...)
			} else {
				after = append(after, i)
			}
		}
	}
	courts := map[string]string{}
	for _, c := range g.w.counties {
		courts[c.Code] = c.Name + "人民法院"
	}
	for k := range n {
		rc := -1
		if k%2 == 0 && len(after) > 0 {
			rc, after = after[0], after[1:]
		}
		p := casePlan{id: len(plans), typ: casework.Litigation}
		var rec calendar.Date
		county := g.county()
		p.open.CountyCode = county.Code
		plaintiff := g.person()
		f := fields("court", courts[county.Code], "plaintiff", plaintiff, "claims", "撤销被告作出的行政行为")
		if rc >= 0 {
			r := plans[rc]
			decided, _ := r.stepOn("decide")
			rec = g.workdayOnOrBefore(decided.AddDays(g.between(8, 14)))
			p.open.CountyCode = r.open.CountyCode
			p.links = map[string]int{"reconsideration_no": r.id}
			if t, ok := r.links["disclosure_no"]; ok {
				p.links["disclosure_no"] = t
				f["claims"] = "撤销被告作出的政府信息公开申请答复，责令重新答复"
			}
			f["court"] = g.w.city + "中级人民法院"
			if c, ok := courts[r.open.CountyCode]; ok {
				f["court"] = c
			}
			plaintiff = r.open.ApplicantName
			f["plaintiff"] = plaintiff
		} else {
			rec = g.workdayOnOrBefore(g.today.AddDays(-[]int{5, 35, 75, 200, 260, 110}[k%6] - g.r.IntN(10)))
		}
		f["court_case_no"] = fmt.Sprintf("（%d）湘04%s行初%d号", rec.Year(), p.open.CountyCode[len(p.open.CountyCode)-2:], g.between(10, 180))
		p.open.ReceivedOn, p.open.Fields, p.open.ApplicantName = rec, f, plaintiff
		p.open.Subject = plaintiff + "诉" + g.w.city + "教育局行政诉讼"
		p.open.Documents = []casework.Upload{doc("complaint", "起诉状副本")}
		age := calendar.DaysBetween(rec, g.today)
		defend := func() calendar.Date {
			return p.at(rec.AddDays(g.between(8, 13)), "file_defence", casework.Input{Documents: []casework.Upload{doc("defence", "答辩状"), doc("evidence", "证据清单")}})
		}
		hearing := func(from calendar.Date, on calendar.Date) calendar.Date {
			return p.at(from.AddDays(g.between(5, 10)), "schedule_hearing", casework.Input{Fields: fields("hearing_on", on.String(), "hearing_place", "第"+strconv.Itoa(g.between(1, 5))+"审判庭"),
				Documents: []casework.Upload{doc("hearing_notice", "开庭传票")}})
		}
		judgment := pick(g.r, []string{"dismiss_claims", "dismiss_claims", "dismiss_claims", "revoke", "confirm_illegal"})
		serve := func(on calendar.Date) calendar.Date {
			return p.at(on, "serve_judgment", casework.Input{Fields: fields("judgment", judgment, "judgment_no", f["court_case_no"]),
				Documents: []casework.Upload{doc("judgment", "行政判决书")}})
		}
		switch {
		case age < 14: // just received: the defence is due
		case age < 50: // defended, a hearing ahead
			d := defend()
			hearing(d, g.today.AddDays(g.between(7, 30)))
		case age < 95: // judged; the appeal period runs
			d := defend()
			h := hearing(d, d.AddDays(g.between(20, 30)))
			serve(later(g.workdayOnOrBefore(g.today.AddDays(-g.between(2, 6))), h.AddDays(25)))
		case k%5 == 4: // withdrawn before judgment
			d := defend()
			p.at(d.AddDays(g.between(15, 30)), "withdraw", casework.Input{Reason: "原告申请撤诉，法院裁定准许", Documents: []casework.Upload{doc("withdrawal", "准予撤诉裁定书")}})
		case k%3 == 0: // appealed and decided on appeal
			d := defend()
			h := hearing(d, d.AddDays(g.between(20, 30)))
			s := serve(h.AddDays(g.between(30, 40)))
			a := p.at(s.AddDays(g.between(5, 12)), "opponent_appeal", casework.Input{Fields: fields("appeal_court", g.w.city+"中级人民法院")})
			p.at(a.AddDays(g.between(40, 80)), "second_instance", casework.Input{Fields: fields("judgment", judgment, "judgment_no",
				fmt.Sprintf("（%d）湘04行终%d号", a.Year(), g.between(10, 90))), Documents: []casework.Upload{doc("judgment", "二审行政判决书")}})
		default: // judged, nobody appealed: final
			d := defend()
			h := hearing(d, d.AddDays(g.between(20, 30)))
			s := serve(h.AddDays(g.between(30, 40)))
			ends, _ := g.cal.AddCalendarDays(s, 15) // the appeal period, moved off a holiday
			p.at(ends.AddDays(g.between(1, 10)), "become_final", casework.Input{Reason: "上诉期满，双方均未上诉"})
		}
		plans = append(plans, p)
	}
	return plans
}

// later is the later of d and e.
func later(d, e calendar.Date) calendar.Date {
	if d.After(e) {
		return d
	}
	return e
}

// ---- the annual check ----

// checkPlan is the year's check: when it starts, and each school's steps.
type checkPlan struct {
	year      int
	start     calendar.Date
	due       calendar.Date
	schools   []string              // private schools, in the registry's order
	steps     map[string][]planStep // by school
	scenarios map[string]string     // by school, for tests
}

// annualCheck plans the check of the year before the year of Today, started
// on the first working day of March (of the year before, if Today is
// earlier), with self-reports due on 30 April; each school reports, is
// reviewed and concluded — passed, basically passed, failed and rectified,
// failed and still rectifying — as far as Today allows.
func (g *caseGen) annualCheck() checkPlan {
	y := g.today.Year()
	march, _ := calendar.NewDate(y, time.March, 1)
	start := g.workdayOnOrAfter(march)
	if start.After(g.today) {
		y--
		march, _ = calendar.NewDate(y, time.March, 1)
		start = g.workdayOnOrAfter(march)
	}
	due, _ := calendar.NewDate(y, time.April, 30)
	cp := checkPlan{year: y - 1, start: start, due: due, steps: map[string][]planStep{}, scenarios: map[string]string{}}
	forced := []string{"pass", "fail_rectifying", "fail_rectified", "not_submitted", "basic_pass", "supplement", "fail_recheck_failed", "reviewing"}
	for i, s := range g.private {
		if s.Status != school.Active && s.Status != school.Suspended {
			continue
		}
		cp.schools = append(cp.schools, s.Code)
		scenario := ""
		if i < len(forced) {
			scenario = forced[i]
		} else {
			scenario = g.choose(start, map[string]int{"pass": 55, "supplement": 8, "basic_pass": 12, "fail_rectified": 8,
				"fail_rectifying": 4, "fail_recheck_failed": 2, "not_submitted": 4, "reviewing": 4, "silent": 3})
		}
		cp.scenarios[s.Code] = scenario
		var p casePlan
		report := func() calendar.Date {
			return p.at(g.workdayOnOrBefore(start.AddDays(g.between(10, calendar.DaysBetween(start, due)-1))), "submit_report", casework.Input{
				Fields: fields("students", strconv.Itoa(max(s.Capacity*g.between(70, 98)/100, 30)), "staff", strconv.Itoa(max(s.Capacity/12, 8)),
					"teachers_certified", strconv.Itoa(max(s.Capacity/18, 5)), "income", strconv.Itoa(s.Capacity*g.between(4000, 12000)),
					"expenditure", strconv.Itoa(s.Capacity*g.between(3500, 11000)), "net_assets", strconv.Itoa(s.Capacity*g.between(2000, 9000))),
				Documents: []casework.Upload{doc("self_report", "年检自查报告"), doc("financial_audit", "年度财务审计报告")}})
		}
		opinion := casework.Input{Documents: []casework.Upload{doc("review_opinion", "年检结论通知书")}}
		issues := pick(g.r, []string{"消防设施维护记录不全", "专任教师持证率低于规定", "收费项目未按规定公示", "财务管理制度不健全，未设专账", "校车管理台账缺失"})
		fail := func(from calendar.Date, rectifyBy calendar.Date) calendar.Date {
			return p.at(from, "fail", casework.Input{Fields: fields("issues", issues+"；责令限期整改", "rectify_by", rectifyBy.String()),
				Documents: []casework.Upload{doc("rectification_notice", "责令整改通知书")}})
		}
		switch scenario {
		case "pass":
			p.at(g.wd(report(), g.between(4, 18)), "pass", opinion)
		case "supplement":
			r := report()
			n := p.at(g.wd(r, g.between(2, 5)), "request_supplement", casework.Input{Fields: fields("items", "补充提交固定资产明细及校舍安全鉴定报告"),
				Documents: []casework.Upload{doc("supplement_notice", "补充材料通知书")}})
			su := p.at(g.wd(n, g.between(3, 10)), "supplement", casework.Input{})
			p.at(g.wd(su, g.between(3, 10)), "pass", opinion)
		case "basic_pass":
			p.at(g.wd(report(), g.between(5, 18)), "basic_pass", casework.Input{Fields: fields("issues", issues),
				Documents: []casework.Upload{doc("review_opinion", "年检结论通知书")}})
		case "not_submitted":
			p.at(g.wd(due, g.between(2, 6)), "not_submitted", casework.Input{Fields: fields("issues", "未按期报送年检自查材料",
				"rectify_by", g.today.AddDays(g.between(20, 50)).String()), Documents: []casework.Upload{doc("rectification_notice", "责令整改通知书")}})
		case "reviewing": // reported, the review still open (overdue)
			report()
		case "fail_rectified":
			f := g.wd(report(), g.between(5, 15))
			fail(f, f.AddDays(g.between(45, 75)))
			sub := p.at(f.AddDays(g.between(20, 40)), "submit_rectification", casework.Input{Documents: []casework.Upload{doc("rectification_report", "整改报告")}})
			p.at(g.wd(sub, g.between(4, 12)), "recheck_pass", casework.Input{Documents: []casework.Upload{doc("recheck_opinion", "复查意见书")}})
		case "fail_rectifying": // failed, the rectification still running (some extended)
			f := g.wd(report(), g.between(5, 15))
			fail(f, g.today.AddDays(g.between(15, 40)))
			if i%2 == 1 {
				p.at(later(g.workdayOnOrBefore(g.today.AddDays(-g.between(1, 10))), f.AddDays(1)), "extend_rectification",
					casework.Input{Reason: "整改涉及校舍改造，工期较长", Fields: fields("approved_by", g.head(), "extension_days", "30"),
						Documents: []casework.Upload{doc("extension_approval", "延长整改期限审批表")}})
			}
		case "fail_recheck_failed":
			f := g.wd(report(), g.between(5, 15))
			fail(f, f.AddDays(45))
			sub := p.at(f.AddDays(g.between(30, 44)), "submit_rectification", casework.Input{Documents: []casework.Upload{doc("rectification_report", "整改报告")}})
			p.at(g.wd(sub, g.between(4, 12)), "recheck_fail", casework.Input{Fields: fields("measures", "整改不到位，责令暂停招生并限期完善"),
				Documents: []casework.Upload{doc("recheck_opinion", "复查意见书")}})
		case "silent": // nothing reported yet
		}
		cp.steps[s.Code] = p.steps
	}
	return cp
}

func (g *caseGen) workdayOnOrAfter(d calendar.Date) calendar.Date {
	for {
		if ok, _ := g.cal.IsWorkday(d); ok {
			return d
		}
		d = d.AddDays(1)
	}
}

// ---- training institutions ----

// trainingPlan is what happens to the training institutions: accounts
// recorded, charges checked, supervision cases taken through their steps.
type trainingPlan struct {
	institutions []trainingInstitution
}

type trainingInstitution struct {
	code    string
	account *training.Account // recorded on account.Since
	checks  []trainingCheck
}

type trainingCheck struct {
	charge training.Charge
	open   bool       // open a case on a violation
	steps  []planStep // the supervision case's steps, when it opens one
}

// training plans the institutions' supervision: most record a supervised
// account (bank custody, or a risk deposit); some have their charges
// checked — within the rules, or not: a year's package of 96 class hours, a
// fee paid into the owner's own account, an institution with no account —
// and the violations open supervision cases, one rectified, one still being
// rectified.
func (g *caseGen) training() trainingPlan {
	var tp trainingPlan
	n := 0
	for _, s := range g.all {
		if s.Type != school.Training {
			continue
		}
		ti := trainingInstitution{code: s.Code}
		since := g.workdayOnOrBefore(g.today.AddDays(-g.between(300, 420)))
		if opened, err := calendar.ParseDate(s.OpenedOn); err == nil && opened.After(since) {
			since = g.workdayOnOrAfter(opened.AddDays(7))
		}
		hasAccount := n%5 != 3 && since.Before(g.today)
		acctNo := fmt.Sprintf("4305%02d%012d", g.r.IntN(100), g.r.Int64N(1_000_000_000_000))
		if hasAccount {
			a := &training.Account{Kind: training.BankCustody, Bank: pick(g.r, []string{"中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "衡阳银行"}) + g.w.city + "分行",
				AccountNo: acctNo, Since: since}
			if n%4 == 1 {
				a.Kind, a.DepositFen = training.RiskDeposit, int64(g.between(20, 100))*10_000_00
			}
			ti.account = a
		}
		check := func(paidOn calendar.Date, months, hours int, into string, open bool) *trainingCheck {
			from := paidOn.AddDays(g.between(0, 10))
			c := trainingCheck{charge: training.Charge{ChargedOn: paidOn, CourseFrom: from, CourseTo: from.AddDays(months*30 - 5),
				ClassHours: hours, AmountFen: int64(hours) * int64(g.between(80, 200)) * 100, PaidInto: into,
				Note: pick(g.r, []string{"春季班", "暑期集训营", "年卡", "寒假班", "周末班"}) + "缴费凭证"}, open: open}
			ti.checks = append(ti.checks, c)
			return &ti.checks[len(ti.checks)-1]
		}
		checkDay := func(lo, hi int) calendar.Date {
			d := g.workdayOnOrBefore(g.today.AddDays(-g.between(lo, hi)))
			if d.Before(since) {
				d = since
			}
			return d
		}
		switch {
		case n == 0 && hasAccount: // a year's package of 96 hours: a case, rectified
			c := check(checkDay(150, 200), 12, 96, acctNo, true)
			o := g.wd(c.charge.ChargedOn, g.between(2, 5))
			var p casePlan
			p.at(o, "order_rectification", casework.Input{Fields: fields("items", "退还超出3个月或60课时的预收费用，调整收费方式", "rectify_by",
				o.AddDays(30).String()), Documents: []casework.Upload{doc("rectification_notice", "责令整改通知书")}})
			s := p.at(o.AddDays(g.between(15, 25)), "submit_rectification", casework.Input{Documents: []casework.Upload{doc("rectification_report", "整改报告及退费凭证")}})
			p.at(g.wd(s, g.between(3, 8)), "recheck_pass", casework.Input{Reason: "已退还超期预收费用，改为按月收费"})
			c.steps = p.steps
		case n == 1 && hasAccount: // into the owner's own account: a case under rectification
			c := check(checkDay(10, 25), 2, 40, fmt.Sprintf("6222%012d", g.r.Int64N(1_000_000_000_000)), true)
			var p casePlan
			p.at(g.wd(c.charge.ChargedOn, 2), "order_rectification", casework.Input{Fields: fields("items", "将预收费全部转入预收费监管账户",
				"rectify_by", g.today.AddDays(g.between(10, 25)).String()), Documents: []casework.Upload{doc("rectification_notice", "责令整改通知书")}})
			c.steps = p.steps
		case !hasAccount && n < 10: // no account at all: flagged, a case registered
			check(checkDay(5, 40), 3, 48, acctNo, true)
		case n%2 == 0 && hasAccount: // checked, within the rules
			check(checkDay(30, 250), 3, 40, acctNo, false)
			check(checkDay(5, 29), 2, 24, acctNo, false)
		}
		tp.institutions = append(tp.institutions, ti)
		n++
	}
	return tp
}
