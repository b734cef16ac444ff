package demo

// The demo's casework: a year of cases of every shipped type — licensing,
// reconsideration, information disclosure, assigned tasks, complaints — each
// opened and moved through the real case engine (casework.Engine.Open and
// Take), so that every case is valid, numbered without gaps and audited.
//
// Each case is planned first, as a scenario of dated steps (on time, late,
// extended, waiting for the applicant's supplement, a hearing, stalled…);
// steps that would fall after Today are cut, so recent cases stay open in
// whatever state their scenario had reached. Then every step of every case
// is taken in date order with the engine's clock set to that day: the
// deadlines, "late" flags and event instants are those of a bureau that has
// really worked through the year up to Today.
//
// Overdue: the demo world stands still on Today (2026-09-01), the served
// application does not — it runs on the real clock. Every case left open
// with a running period therefore drifts into "overdue" as real time passes
// its deadline: a demo served in November 2026 shows most open cases
// overdue. That is what a bureau that stopped working on 1 September would
// see; rebuild the demo (or read the figures as of Today) for the intended
// mix.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/training"
)

// streamCases is the PCG stream of the case generator (see schools.go).
const streamCases uint64 = 5

// caseTargets is how many cases the demo opens, by scale.
var caseTargets = map[Scale]int{Small: 150, City: 1500}

// caseShares is the mix of case types, in parts of 100.
var caseShares = []struct {
	typ   string
	parts int
}{
	{casework.Complaint, 35},
	{casework.InfoDisclosure, 25},
	{casework.AssignedTask, 17},
	{casework.SchoolLicence, 15},
	{casework.Reconsideration, 8},
}

// CaseArgon2 is the cost of the demo cases' access-code hashes. The codes
// are drawn and thrown away (no one is told them), so a cheap hash keeps the
// city demo's 1,500 openings fast; cases opened later through the portal
// use the server's engine and its full cost.
var CaseArgon2 = auth.Argon2{Time: 1, Memory: 64, Threads: 1}

// CaseActor is who the demo's cases are opened and moved by.
var CaseActor = casework.Actor{
	Actor: audit.Actor{Username: "demo", OrgKind: auth.OrgCity, Reason: "synthetic demo data"},
	Can:   func(string) bool { return true },
	Scope: scope.Everything,
}

// casePlan is one case to open and the steps to take on it.
type casePlan struct {
	id    int // unique among the plans, whatever their order
	typ   string
	open  casework.OpenInput
	steps []planStep
	// links name other plans whose case numbers go into fields when this
	// one is opened (a reconsideration's disclosure_no, a lawsuit's
	// reconsideration_no); those are opened earlier.
	links map[string]int
}

type planStep struct {
	on   calendar.Date
	code string
	in   casework.Input
}

// at appends a step on day on and returns on (for chaining dates).
func (p *casePlan) at(on calendar.Date, code string, in casework.Input) calendar.Date {
	in.On = on
	p.steps = append(p.steps, planStep{on: on, code: code, in: in})
	return on
}

// doc is a small synthetic document of kind.
func doc(kind, name string) casework.Upload {
	return casework.Upload{Kind: kind, Name: name + ".pdf", Content: []byte("演示文书（synthetic demo document）：" + name)}
}

func fields(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// caseGen draws the plans. It is pure: the same options and calendar give
// the same plans.
type caseGen struct {
	r       *rand.Rand
	cal     *calendar.Calendar
	today   calendar.Date
	w       *world
	city    string          // the jurisdiction's code, for the bureau's own cases
	private []school.School // active private institutions (licensing)
	all     []school.School // every active institution (complaints, tasks)
}

func (g *caseGen) wd(d calendar.Date, n int) calendar.Date {
	out, _ := g.cal.AddWorkdays(d, n)
	return out
}

func (g *caseGen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// workdayOnOrBefore is d, or the last working day before it.
func (g *caseGen) workdayOnOrBefore(d calendar.Date) calendar.Date {
	for {
		if ok, _ := g.cal.IsWorkday(d); ok {
			return d
		}
		d = d.AddDays(-1)
	}
}

func (g *caseGen) person() string {
	name := pick(g.r, surnames) + pick(g.r, givenChars)
	if g.r.Float64() < 0.6 {
		name += pick(g.r, givenChars)
	}
	return name
}

func (g *caseGen) phone() string {
	return fmt.Sprintf("1%d%d%08d", pick(g.r, []int{3, 5, 7, 8, 9}), g.r.IntN(10), g.r.IntN(100_000_000))
}

func (g *caseGen) county() *county { return pick(g.r, g.w.counties) }

func (g *caseGen) countyBureau(c *county) string { return c.Name + "教育局" }

func (g *caseGen) school(from []school.School) school.School {
	if len(from) == 0 {
		return school.School{Name: g.w.city + "第一中学"}
	}
	return from[g.r.IntN(len(from))]
}

// staff is a plausible officer's name with a title, for approvals.
func (g *caseGen) head() string {
	return g.person() + pick(g.r, []string{"（局长）", "（副局长）", "（分管副局长）"})
}

func newCaseGen(opt Options, w *world, schools []school.School, cal *calendar.Calendar) *caseGen {
	g := &caseGen{r: rand.New(rand.NewPCG(uint64(opt.Seed), streamCases)), cal: cal, today: calendar.DateOf(opt.casesAsOf()), w: w}
	g.city, _ = area.Normalize(opt.Jurisdiction)
	for _, s := range schools {
		if s.Status != school.Active {
			continue
		}
		g.all = append(g.all, s)
		if s.Ownership == school.Private {
			g.private = append(g.private, s)
		}
	}
	return g
}

// generateCasePlans draws n plans. The first cases of each type take fixed
// scenarios so that the mix always holds an overdue, an extended and a
// suspended case of every type whose rules allow one, and a hearing.
func generateCasePlans(g *caseGen, n int) []casePlan {
	var plans []casePlan
	for _, sh := range caseShares {
		count := max(n*sh.parts/100, 4)
		if sh.typ == casework.InfoDisclosure {
			// Requests go back to 1 January of last year, so that last
			// year's disclosure report has its whole year.
			count = count * g.disclosureSpan() / 365
		}
		for i := range count {
			forced := ""
			if i < len(forcedScenarios[sh.typ]) {
				forced = forcedScenarios[sh.typ][i]
			}
			p := g.plan(sh.typ, forced)
			p.id = len(plans)
			plans = append(plans, p)
		}
	}
	plans = g.renewals(plans, max(n/25, 4))
	plans = g.linkReviews(plans)
	plans = g.litigations(plans, max(n/35, 4))
	// Interleave the types by the day received (the executor sorts anyway;
	// this keeps the numbers of each type in order of receipt).
	slices.SortStableFunc(plans, func(a, b casePlan) int { return a.open.ReceivedOn.Compare(b.open.ReceivedOn) })
	return plans
}

// forcedScenarios are the scenarios of each type's first cases.
var forcedScenarios = map[string][]string{
	casework.SchoolLicence:   {"overdue", "extended_open", "suspended", "hearing", "hearing_open", "late"},
	casework.Reconsideration: {"overdue", "extended_open", "suspended", "late", "supplement_open"},
	casework.InfoDisclosure:  {"overdue", "extended_open", "suspended", "late", "third_party"},
	casework.AssignedTask:    {"overdue", "escalated", "on_time"},
	casework.Complaint:       {"overdue", "on_time", "late"},
}

// forcedAge is how many days before Today a forced scenario's case was
// received, chosen so that the scenario's state holds on Today.
var forcedAge = map[string]int{
	"overdue": 75, "extended_open": 40, "suspended": 10, "hearing": 200, "hearing_open": 30,
	"supplement_open": 5, "third_party": 150, "escalated": 70, "on_time": 120, "late": 100,
}

func (g *caseGen) received(forced string) calendar.Date {
	return g.receivedWithin(forced, 365)
}

// receivedWithin is a working day up to span days before Today (or the
// forced scenario's age).
func (g *caseGen) receivedWithin(forced string, span int) calendar.Date {
	age := 1 + g.r.IntN(span)
	if forced != "" {
		age = forcedAge[forced]
	}
	return g.workdayOnOrBefore(g.today.AddDays(-age))
}

// disclosureSpan is the days from 1 January of last year to Today.
func (g *caseGen) disclosureSpan() int {
	jan, _ := calendar.NewDate(g.today.Year()-1, time.January, 1)
	return calendar.DaysBetween(jan, g.today)
}

// choose draws a scenario by weight; "stalled" (no one acts: the case goes
// overdue) only for cases received in the last three months.
func (g *caseGen) choose(received calendar.Date, weights map[string]int) string {
	names := make([]string, 0, len(weights))
	total := 0
	for k := range weights {
		if k == "stalled" && calendar.DaysBetween(received, g.today) > 90 {
			continue
		}
		names = append(names, k)
	}
	slices.Sort(names) // map order is random; the draw must not be
	for _, k := range names {
		total += weights[k]
	}
	x := g.r.IntN(total)
	for _, k := range names {
		if x -= weights[k]; x < 0 {
			return k
		}
	}
	return names[len(names)-1]
}

func (g *caseGen) plan(typ, forced string) casePlan {
	rec := g.received(forced)
	p := casePlan{typ: typ, open: casework.OpenInput{ReceivedOn: rec, CountyCode: g.city, ApplicantName: g.person(), ApplicantContact: g.phone()}}
	switch typ {
	case casework.SchoolLicence:
		g.licence(&p, forced)
	case casework.Reconsideration:
		g.reconsideration(&p, forced)
	case casework.InfoDisclosure:
		g.disclosure(&p, forced)
	case casework.AssignedTask:
		g.task(&p, forced)
	case casework.Complaint:
		g.complaint(&p, forced)
	}
	return p
}

// ---- licensing (License Law) ----

func (g *caseGen) licence(p *casePlan, scenario string) {
	rec := p.open.ReceivedOn
	matter := pick(g.r, []string{"establish", "change", "change", "rename", "merge", "terminate"})
	s := g.school(g.private)
	p.open.Fields = fields("matter", matter)
	switch matter {
	case "establish":
		c := g.county()
		p.open.CountyCode = c.Code
		name := c.short + pick(g.r, givenChars) + pick(g.r, givenChars) + pick(g.r, []string{"幼儿园", "艺术培训学校", "实验学校", "科技培训中心"})
		p.open.Subject = "申请设立" + name
		p.open.ApplicantName = g.w.city + pick(g.r, givenChars) + pick(g.r, givenChars) + "教育咨询有限公司"
	default:
		p.open.SchoolCode, p.open.CountyCode = s.Code, s.County
		p.open.ApplicantName = s.Name
		switch matter {
		case "change":
			p.open.Subject = s.Name + pick(g.r, []string{"申请变更举办者", "申请变更办学地址", "申请变更法定代表人", "申请变更办学层次"})
		case "rename":
			p.open.Subject = s.Name + "申请更名为" + strings.TrimSuffix(s.Name, "幼儿园") + pick(g.r, []string{"双语幼儿园", "实验幼儿园", "第二分园"})
		case "merge":
			p.open.Subject = s.Name + "与" + g.school(g.private).Name + "申请合并"
		case "terminate":
			p.open.Subject = s.Name + "申请终止办学"
		}
	}
	p.open.Documents = []casework.Upload{doc("application", "许可申请书")}
	if scenario == "" {
		scenario = g.choose(rec, map[string]int{"on_time": 40, "late": 6, "extended": 8, "supplement": 12, "expert": 8,
			"inspection": 8, "hearing": 3, "rejected": 4, "refused": 4, "withdrawn": 3, "stalled": 6})
	}
	decided := func(from calendar.Date, lo, hi int) calendar.Date {
		on := g.wd(from, g.between(lo, hi))
		if g.r.IntN(8) == 0 {
			p.at(on, "refuse", casework.Input{Reason: "不符合《民办教育促进法实施条例》规定的设立条件",
				Fields: fields("decision_no", fmt.Sprintf("衡教许决〔%d〕%d号", on.Year(), g.between(1, 300))), Documents: []casework.Upload{doc("decision", "不予行政许可决定书")}})
			return calendar.Date{}
		}
		p.at(on, "approve", casework.Input{Fields: fields("decision_no", fmt.Sprintf("衡教许决〔%d〕%d号", on.Year(), g.between(1, 300))),
			Documents: []casework.Upload{doc("decision", "准予行政许可决定书")}})
		return p.at(g.wd(on, g.between(2, 8)), "issue_certificate", casework.Input{Fields: fields("licence_no", fmt.Sprintf("教民1%05d%09d", g.r.IntN(100000), g.r.IntN(1_000_000_000)))})
	}
	accept := func() calendar.Date { return p.at(g.wd(rec, g.between(1, 4)), "accept", casework.Input{}) }
	switch scenario {
	case "on_time":
		decided(accept(), 8, 19)
	case "late":
		a := accept()
		on := g.wd(a, g.between(22, 26))
		p.at(on, "approve", casework.Input{Fields: fields("decision_no", fmt.Sprintf("衡教许决〔%d〕%d号", on.Year(), g.between(1, 300))),
			Documents: []casework.Upload{doc("decision", "准予行政许可决定书")}})
		p.at(g.wd(on, g.between(2, 6)), "issue_certificate", casework.Input{Fields: fields("licence_no", fmt.Sprintf("教民1%05d%09d", g.r.IntN(100000), g.r.IntN(1_000_000_000)))})
	case "extended", "extended_open":
		a := accept()
		ext := p.at(g.wd(a, g.between(16, 19)), "extend", casework.Input{Reason: "需进一步核实办学场地安全条件",
			Fields: fields("approved_by", g.head()), Documents: []casework.Upload{doc("extension_approval", "延期审批表")}})
		if scenario == "extended" {
			decided(ext, 4, 10)
		}
	case "supplement", "suspended":
		n := p.at(g.wd(rec, g.between(1, 4)), "notify_supplement", casework.Input{
			Fields:    fields("items", pick(g.r, []string{"举办者资产证明、验资报告", "校舍消防验收合格证明", "教师资格证书复印件及聘用合同", "章程草案、首届理事会组成人员名单"})),
			Documents: []casework.Upload{doc("supplement_notice", "补正材料通知书")}})
		if scenario == "supplement" {
			decided(p.at(g.wd(n, g.between(3, 15)), "supplement", casework.Input{}), 6, 18)
		}
	case "expert", "inspection":
		a := accept()
		start, finish, kind, name := "start_expert_review", "finish_expert_review", "expert_opinion", "专家评审意见"
		if scenario == "inspection" {
			start, finish, kind, name = "start_inspection", "finish_inspection", "inspection_report", "实地核查报告"
		}
		s := p.at(g.wd(a, g.between(3, 8)), start, casework.Input{})
		decided(p.at(g.wd(s, g.between(5, 20)), finish, casework.Input{Documents: []casework.Upload{doc(kind, name)}}), 3, 10)
	case "hearing", "hearing_open":
		a := accept()
		nh := p.at(g.wd(a, g.between(4, 8)), "notify_hearing", casework.Input{Reason: "许可事项直接关系他人重大利益（相邻居民反映噪声）"})
		rh := p.at(g.wd(nh, g.between(2, 4)), "request_hearing", casework.Input{})
		if scenario == "hearing" {
			decided(p.at(g.wd(rh, g.between(10, 18)), "hold_hearing", casework.Input{Documents: []casework.Upload{doc("hearing_record", "听证笔录")}}), 3, 8)
		}
	case "rejected":
		p.at(g.wd(rec, g.between(1, 4)), "reject", casework.Input{Reason: "申请事项不属于本机关职权范围，已告知向有关行政机关申请"})
	case "refused":
		a := accept()
		on := g.wd(a, g.between(10, 19))
		p.at(on, "refuse", casework.Input{Reason: "办学场地不符合消防安全要求",
			Fields: fields("decision_no", fmt.Sprintf("衡教许决〔%d〕%d号", on.Year(), g.between(1, 300))), Documents: []casework.Upload{doc("decision", "不予行政许可决定书")}})
	case "withdrawn":
		p.at(g.wd(accept(), g.between(2, 10)), "withdraw", casework.Input{Reason: "申请人书面申请撤回"})
	case "overdue", "stalled":
		accept()
	}
}

// ---- administrative reconsideration ----

func (g *caseGen) reconsideration(p *casePlan, scenario string) {
	rec := p.open.ReceivedOn
	c := g.county()
	respondent := g.countyBureau(c)
	if g.r.IntN(4) == 0 && len(g.all) > 0 {
		respondent = g.school(g.all).Name
	}
	p.open.CountyCode = c.Code
	p.open.Fields = fields("respondent", respondent)
	p.open.Subject = "不服" + respondent + pick(g.r, []string{
		"作出的行政处罚决定", "作出的政府信息公开答复", "作出的不予行政许可决定", "对校外培训机构作出的责令停止办学决定",
		"作出的教师资格认定决定", "作出的学生学籍处理决定"})
	p.open.Documents = []casework.Upload{doc("application", "行政复议申请书")}
	if scenario == "" {
		scenario = g.choose(rec, map[string]int{"on_time": 40, "late": 5, "extended": 10, "supplement": 10, "suspend": 8,
			"rejected": 5, "abandoned": 4, "withdrawn": 6, "stalled": 6})
	}
	decide := func(from calendar.Date, days int) {
		on := from.AddDays(days)
		p.at(on, "decide", casework.Input{Fields: fields("outcome", pick(g.r, []string{"uphold", "uphold", "uphold", "revoke", "alter", "confirm_illegal", "dismiss"}),
			"decision_no", fmt.Sprintf("衡教复决〔%d〕%d号", on.Year(), g.between(1, 80))), Documents: []casework.Upload{doc("decision", "行政复议决定书")}})
	}
	accept := func(from calendar.Date) calendar.Date {
		return p.at(g.wd(from, g.between(1, 4)), "accept", casework.Input{})
	}
	switch scenario {
	case "on_time":
		decide(accept(rec), g.between(25, 58))
	case "late":
		decide(accept(rec), g.between(70, 78)) // past 60 days even when the 60th falls in a long holiday
	case "extended", "extended_open":
		a := accept(rec)
		ext := p.at(a.AddDays(g.between(27, 29)), "extend", casework.Input{Reason: "案情重大、复杂",
			Fields: fields("approved_by", g.head(), "extension_days", "30"), Documents: []casework.Upload{doc("extension_approval", "延期审批表")}})
		if scenario == "extended" {
			decide(ext, g.between(35, 55))
		}
	case "supplement", "supplement_open":
		n := p.at(g.wd(rec, g.between(1, 4)), "notify_supplement", casework.Input{Fields: fields("items", "原行政行为的决定书复印件及申请人身份证明"),
			Documents: []casework.Upload{doc("supplement_notice", "补正通知书")}})
		if scenario == "supplement" {
			s := p.at(g.wd(n, g.between(2, 9)), "supplement", casework.Input{})
			decide(accept(s), g.between(20, 55))
		}
	case "abandoned":
		n := p.at(g.wd(rec, g.between(1, 4)), "notify_supplement", casework.Input{Fields: fields("items", "申请人身份证明"),
			Documents: []casework.Upload{doc("supplement_notice", "补正通知书")}})
		p.at(g.wd(n, g.between(11, 14)), "abandon", casework.Input{Reason: "申请人无正当理由逾期未补正"})
	case "suspend", "suspended":
		a := accept(rec)
		on := a.AddDays(g.between(10, 25))
		if scenario == "suspended" {
			on = a.AddDays(1)
		}
		s := p.at(on, "suspend", casework.Input{Reason: "案件涉及法律适用问题，需要有权机关作出解释"})
		if scenario == "suspend" {
			r := p.at(s.AddDays(g.between(10, 40)), "resume", casework.Input{})
			decide(r, g.between(10, 25))
		}
	case "rejected":
		p.at(g.wd(rec, g.between(1, 4)), "reject", casework.Input{Reason: "超过法定申请期限"})
	case "withdrawn":
		p.at(accept(rec).AddDays(g.between(5, 30)), "withdraw", casework.Input{Reason: "申请人与被申请人达成和解，书面申请撤回"})
	case "overdue", "stalled":
		accept(rec)
	}
}

// ---- government information disclosure ----

var disclosureTopics = []string{
	"%d年义务教育阶段学校招生划片范围及依据", "%d年市级教育经费预算及执行情况", "%d年教师公开招聘笔试面试成绩及拟录用名单",
	"%d年民办学校年度检查结果", "%d年校外培训机构白名单及黑名单", "%d年学校食堂食品安全检查记录",
	"%d年校舍安全鉴定报告", "%d年中小学教辅材料征订目录", "%d年学前教育普惠性补助资金分配情况", "%d年中考加分人员名单及依据",
}

func (g *caseGen) disclosure(p *casePlan, scenario string) {
	if scenario == "" {
		p.open.ReceivedOn = g.receivedWithin("", g.disclosureSpan())
	}
	rec := p.open.ReceivedOn
	p.open.Fields = fields("applicant_type", pick(g.r, []string{"natural_person", "natural_person", "natural_person", "natural_person",
		"natural_person", "natural_person", "enterprise", "enterprise", "research", "public_interest", "legal_service", "other_org"}))
	if p.open.Fields["applicant_type"] != "natural_person" {
		p.open.ApplicantName = g.w.city + pick(g.r, givenChars) + pick(g.r, givenChars) + pick(g.r, []string{"科技有限公司", "律师事务所", "教育研究院", "公益服务中心"})
	}
	topic := fmt.Sprintf(pick(g.r, disclosureTopics), rec.Year()-g.r.IntN(2))
	if g.r.IntN(3) == 0 {
		topic = g.county().Name + topic
	}
	p.open.Subject = "申请公开" + topic
	p.open.Documents = []casework.Upload{doc("application", "政府信息公开申请表")}
	p.open.ApplicantContact = pick(g.r, []string{"邮寄：", "电子邮件：", "当面领取；电话："}) + p.open.ApplicantContact
	if scenario == "" {
		scenario = g.choose(rec, map[string]int{"on_time": 45, "late": 5, "extended": 10, "supplement": 12, "third_party": 5,
			"abandoned": 4, "withdrawn": 4, "stalled": 8})
	}
	reply := func(from calendar.Date, lo, hi int) {
		on := g.wd(from, g.between(lo, hi))
		f := fields("outcome", pick(g.r, []string{"disclose", "disclose", "disclose", "disclose", "partial", "partial", "refuse", "unable",
			"unable", "not_processed", "other"}))
		switch o, _ := casework.OutcomeOf(f["outcome"]); {
		case o.Code == "other":
			f["outcome_reason"] = pick(g.r, []string{"fee_unpaid", "other_reason"})
		case len(o.Reasons) > 0:
			f["outcome_reason"] = pick(g.r, o.Reasons)
		}
		p.at(on, "reply", casework.Input{Fields: f, Documents: []casework.Upload{doc("reply", "政府信息公开申请答复书")}})
	}
	notify := func() calendar.Date {
		return p.at(g.wd(rec, g.between(1, 6)), "notify_supplement", casework.Input{
			Fields:    fields("items", pick(g.r, []string{"所需信息的名称、文号或者便于查询的其他特征性描述", "申请人身份证明", "获取信息的方式"})),
			Documents: []casework.Upload{doc("supplement_notice", "补正申请通知书")}})
	}
	switch scenario {
	case "on_time":
		reply(rec, 3, 19)
	case "late":
		reply(rec, 21, 25)
	case "extended", "extended_open":
		ext := p.at(g.wd(rec, g.between(15, 18)), "extend", casework.Input{Reason: "所需信息涉及多个科室，需要汇总核实",
			Fields: fields("approved_by", g.head()), Documents: []casework.Upload{doc("extension_notice", "延期答复告知书")}})
		if scenario == "extended" {
			reply(ext, 4, 18)
		}
	case "supplement", "suspended":
		n := notify()
		if scenario == "supplement" {
			reply(p.at(g.wd(n, g.between(2, 12)), "supplement", casework.Input{}), 3, 18)
		}
	case "third_party":
		c := p.at(g.wd(rec, g.between(3, 8)), "consult_third_party", casework.Input{Fields: fields("third_party", g.school(g.private).Name)})
		reply(p.at(g.wd(c, 15), "third_party_replied", casework.Input{}), 2, 6)
	case "abandoned":
		p.at(g.wd(notify(), g.between(16, 25)), "abandon", casework.Input{Reason: "申请人收到补正通知后无正当理由逾期未补正，视为放弃申请"})
	case "withdrawn":
		p.at(g.wd(rec, g.between(2, 10)), "withdraw", casework.Input{Reason: "申请人来电撤回申请"})
	case "overdue", "stalled":
	}
}

// ---- tasks assigned by superiors (督办) ----

var taskTopics = []string{
	"落实%d年秋季学期开学安全检查", "市长热线督办：%s周边上下学交通整治", "省教育厅交办：民办义务教育学校规范办学自查",
	"人大代表建议办理：关于增加%s公办幼儿园学位的建议", "政协提案办理：关于加强中小学生心理健康教育的提案",
	"防溺水专项工作部署落实", "校园食品安全专项整治", "中小学校舍安全隐患排查整改", "%s“双减”工作督导问题整改",
	"校外培训机构预收费资金监管专项检查",
}

func (g *caseGen) task(p *casePlan, scenario string) {
	rec := p.open.ReceivedOn
	topic := pick(g.r, taskTopics)
	switch strings.Count(topic, "%") {
	case 1:
		if strings.Contains(topic, "%d") {
			topic = fmt.Sprintf(topic, rec.Year())
		} else if strings.Contains(topic, "周边") {
			topic = fmt.Sprintf(topic, g.school(g.all).Name)
		} else {
			topic = fmt.Sprintf(topic, g.county().Name)
		}
	}
	sections := make([]string, 0, len(auth.Sections))
	for _, s := range auth.Sections {
		sections = append(sections, s.Code)
	}
	due := g.wd(rec, g.between(10, 40))
	p.open.Subject = topic
	p.open.ApplicantName = pick(g.r, []string{"衡阳市人民政府办公室", "湖南省教育厅", "市政府督查室", "市委教育工作领导小组秘书组", "市人大常委会人事代表工委"})
	p.open.ApplicantContact = ""
	p.open.Fields = fields("owner_section", pick(g.r, sections), "due_on", due.String(), "assigned_by", p.open.ApplicantName)
	p.open.Documents = []casework.Upload{doc("assignment", "交办单")}
	if scenario == "" {
		scenario = g.choose(rec, map[string]int{"on_time": 60, "late": 12, "cancelled": 4, "stalled": 10, "escalated": 4})
	}
	progress := func(on calendar.Date) calendar.Date {
		return p.at(on, "report_progress", casework.Input{Fields: fields("progress", pick(g.r, []string{
			"已召开专题会议部署，正在组织各县市区自查", "已完成实地检查，形成问题清单", "整改方案已报分管领导审定", "已完成过半整改任务"}))})
	}
	complete := func(on calendar.Date) {
		p.at(on, "complete", casework.Input{Fields: fields("result", "已按要求完成并书面报告交办单位"), Documents: []casework.Upload{doc("report", "办结报告")}})
	}
	days, _ := g.cal.WorkdaysBetween(rec, due)
	switch scenario {
	case "on_time":
		mid := progress(g.wd(rec, max(1, days/2)))
		complete(g.wd(mid, g.between(1, max(1, days-days/2))))
	case "late":
		progress(g.wd(rec, max(1, days/2)))
		complete(g.wd(due, g.between(1, 8)))
	case "cancelled":
		p.at(g.wd(rec, g.between(1, max(1, days-1))), "cancel", casework.Input{Reason: "交办单位通知撤销"})
	case "escalated":
		progress(g.wd(rec, max(1, days/2)))
		p.at(g.wd(due, g.between(1, 3)), "escalate", casework.Input{Reason: "逾期未办结，升级督办"})
	case "overdue", "stalled":
		progress(g.wd(rec, max(1, days/3)))
	}
}

// ---- complaints and hotline tickets ----

var complaintTopics = []string{
	"反映%s违规收取资料费", "反映%s强制学生参加课后服务并收费", "反映%s教师有偿补课", "反映%s食堂饭菜质量差",
	"反映%s放学时段校门口交通拥堵", "反映%s校车超员", "反映%s预收费后停课、退费难", "咨询%s学区划分及入学政策",
	"反映%s布置作业过多", "反映%s周边噪声影响教学",
}

func (g *caseGen) complaint(p *casePlan, scenario string) {
	rec := p.open.ReceivedOn
	s := g.school(g.all)
	p.open.SchoolCode, p.open.CountyCode = s.Code, s.County
	if p.open.SchoolCode == "" {
		p.open.CountyCode = g.city
	}
	p.open.Subject = fmt.Sprintf(pick(g.r, complaintTopics), s.Name)
	channel := pick(g.r, []string{"hotline", "hotline", "hotline", "letter", "visit", "online", "phone"})
	p.open.Fields = fields("channel", channel)
	if channel == "hotline" {
		p.open.Fields["ticket_no"] = fmt.Sprintf("12345-%s-%05d", strings.ReplaceAll(rec.String(), "-", ""), g.r.IntN(100000))
	}
	if scenario == "" {
		scenario = g.choose(rec, map[string]int{"on_time": 70, "late": 10, "withdrawn": 5, "stalled": 8})
	}
	reply := func(on calendar.Date) {
		p.at(on, "reply", casework.Input{Fields: fields("reply_summary", pick(g.r, []string{
			"经核查，反映情况属实，已责令学校立即整改并退还相关费用", "经核查，反映情况部分属实，已约谈学校负责人",
			"经核查，反映情况不属实，已向来电人说明情况", "已会同属地教育局和交警部门制定整改措施"}))})
	}
	switch scenario {
	case "on_time":
		reply(g.wd(rec, g.between(2, 14)))
	case "late":
		reply(g.wd(rec, g.between(16, 22)))
	case "withdrawn":
		p.at(g.wd(rec, g.between(1, 5)), "withdraw", casework.Input{Reason: "来电人表示问题已解决，撤回诉求"})
	case "overdue", "stalled":
	}
}

// CaseCounts is what the case step made, for tests and the summary line.
type CaseCounts struct {
	Cases, Steps        int
	ByType              map[string]int
	Open, Overdue, Late int // as of Today
	Extended, Stopped   int
	CheckYear           int // the year the annual check covers
	Checks              int // annual checks opened by the batch
	ChargeChecks        int // training charges checked
}

// buildCases opens the demo's cases and takes their steps through the case
// engine, in date order, on the engine's clock set to each step's day.
func buildCases(ctx context.Context, b *builder, report func(done, total int)) error {
	_, err := openDemoCases(ctx, b, report)
	return err
}

// demoEvent is one thing that happens on a day: a case opened, a step
// taken, the annual check started, an account recorded, a charge checked.
type demoEvent struct {
	on     calendar.Date
	k1, k2 int // the order within a day: by plan (or generator), then step
	step   bool
	run    func(ctx context.Context) error
}

// openDemoCases is buildCases, returning what it made.
func openDemoCases(ctx context.Context, b *builder, report func(done, total int)) (CaseCounts, error) {
	// Numbered as the served application numbers them: by the jurisdiction's abbreviation.
	jur, _ := area.Lookup(b.opt.Jurisdiction)
	e, err := casework.New(b.d, casework.Shipped(casework.ConfigFor(jur.Name, ""))...)
	if err != nil {
		return CaseCounts{}, err
	}
	e.Audit = audit.New(b.d)
	e.Argon2 = CaseArgon2
	cal, err := calendar.HolderFor(b.d).Calendar(ctx)
	if err != nil {
		return CaseCounts{}, err
	}
	e.Calendar = func() *calendar.Calendar { return cal }
	reg := school.New(b.d)
	// Renewals write the new licence dates to the registry, as served ones do.
	e.Hooks = casework.RenewalHooks(reg)
	svc := training.New(b.d, reg, e)
	today := calendar.DateOf(b.opt.casesAsOf())
	g := newCaseGen(b.opt, b.world, b.schools, cal)
	plans := generateCasePlans(g, caseTargets[b.opt.Scale])
	checks := g.annualCheck()
	trainings := g.training()

	var clock time.Time
	e.Now = func() time.Time { return clock }
	svc.Now = e.Now
	reg.Now = e.Now
	out := CaseCounts{ByType: map[string]int{}, CheckYear: checks.year}
	var events []demoEvent
	add := func(ev demoEvent) {
		if !ev.on.After(today) {
			events = append(events, ev)
		}
	}
	take := func(id *int64, s planStep) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			if _, err := e.Take(ctx, *id, s.code, s.in, CaseActor); err != nil {
				return fmt.Errorf("step %s on %s: %w", s.code, s.on, err)
			}
			return nil
		}
	}

	// The planned cases, opened as the engine opens them.
	ids := make([]int64, len(plans))
	numbers := map[int]string{} // by plan id
	for i := range plans {
		p := &plans[i]
		add(demoEvent{on: p.open.ReceivedOn, k1: i, k2: -1, run: func(ctx context.Context) error {
			for field, target := range p.links {
				if numbers[target] == "" {
					return fmt.Errorf("a %s case received %s names a case not opened yet", p.typ, p.open.ReceivedOn)
				}
				p.open.Fields[field] = numbers[target]
			}
			c, err := e.Open(ctx, p.typ, p.open, CaseActor)
			if err != nil {
				return fmt.Errorf("open a %s case received %s (%s): %w", p.typ, p.open.ReceivedOn, p.open.Subject, err)
			}
			ids[i], numbers[p.id] = c.ID, c.Number
			out.Cases++
			out.ByType[p.typ]++
			return nil
		}})
		for j, s := range p.steps {
			add(demoEvent{on: s.on, k1: i, k2: j, step: true, run: take(&ids[i], s)})
		}
	}

	// The annual check: one batch, then each school's steps.
	k := len(plans)
	checkIDs := make(map[string]*int64, len(checks.schools))
	add(demoEvent{on: checks.start, k1: k, k2: -1, run: func(ctx context.Context) error {
		st, err := e.StartAnnualCheck(ctx, reg, checks.year, checks.due, CaseActor)
		if err != nil {
			return fmt.Errorf("start the %d annual check: %w", checks.year, err)
		}
		out.Checks = st.Opened
		out.Cases += st.Opened
		out.ByType[casework.AnnualCheck] += st.Opened
		return e.EachAnnualCheck(ctx, CaseActor.Scope, casework.CheckFilter{Year: checks.year}, func(r casework.CheckRow) error {
			if id := checkIDs[r.SchoolCode]; id != nil {
				*id = r.Case.ID
			}
			return nil
		})
	}})
	for n, code := range checks.schools {
		id := new(int64)
		checkIDs[code] = id
		for j, s := range checks.steps[code] {
			add(demoEvent{on: s.on, k1: k + 1 + n, k2: j, step: true, run: take(id, s)})
		}
	}

	// Training institutions: accounts, charges checked, the cases those open.
	k += 1 + len(checks.schools)
	for n, ti := range trainings.institutions {
		ti := ti
		if a := ti.account; a != nil {
			add(demoEvent{on: a.Since, k1: k + n, k2: -2, run: func(ctx context.Context) error {
				_, err := svc.SetAccount(ctx, CaseActor.Scope, ti.code, *a, 0, CaseActor)
				return err
			}})
		}
		for ci, c := range ti.checks {
			c := c
			caseID := new(int64)
			add(demoEvent{on: c.charge.ChargedOn, k1: k + n, k2: ci * 100, run: func(ctx context.Context) error {
				rec, err := svc.CheckCharge(ctx, CaseActor.Scope, ti.code, c.charge, c.open, CaseActor)
				if err != nil {
					return fmt.Errorf("check a charge of %s: %w", ti.code, err)
				}
				*caseID = rec.CaseID
				out.ChargeChecks++
				if rec.CaseID != 0 {
					out.Cases++
					out.ByType[casework.TrainingCase]++
				}
				return nil
			}})
			for j, s := range c.steps {
				add(demoEvent{on: s.on, k1: k + n, k2: ci*100 + 1 + j, step: true, run: take(caseID, s)})
			}
		}
	}

	slices.SortStableFunc(events, func(a, b demoEvent) int {
		if c := a.on.Compare(b.on); c != 0 {
			return c
		}
		if a.k1 != b.k1 {
			return a.k1 - b.k1
		}
		return a.k2 - b.k2
	})
	cst := time.FixedZone("CST", 8*3600)
	report(0, len(events))
	for n, ev := range events {
		if n%64 == 0 {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			report(n, len(events))
		}
		// Office hours of the day, a few minutes apart.
		clock = ev.on.In(cst).Add(9*time.Hour + time.Duration(n%480)*time.Minute)
		if err := ev.run(ctx); err != nil {
			return out, err
		}
		if ev.step {
			out.Steps++
		}
	}
	report(len(events), len(events))
	clock = today.In(cst).Add(12 * time.Hour)
	if err := b.d.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN closed_on IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN closed_on IS NULL AND due_key < $1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN late THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN extended THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN stopped_since IS NOT NULL THEN 1 ELSE 0 END), 0) FROM case_file`, today.String()).
		Scan(&out.Open, &out.Overdue, &out.Late, &out.Extended, &out.Stopped); err != nil {
		return out, fmt.Errorf("count the demo cases: %w", err)
	}
	return out, nil
}
