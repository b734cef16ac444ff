// Package training is the bureau's supervision of off-campus training
// institutions (校外培训机构, schools of type training in the registry) under
// the 2021 "double reduction" policy (双减, DOMAIN.md §10): the supervised
// account their prepaid fees must go into, and checks of the charges and
// course packages they report against the prepaid-fee rules. A violation
// may open a supervision case (casework.TrainingCase) in the same transaction.
//
// The rules are those of 教育部等六部门《关于加强校外培训机构预收费监管工作的
// 通知》(教监管函〔2021〕2号):
//   - prepaid fees go wholly into the institution's own supervised account —
//     bank custody (银行托管) or a risk deposit (风险保证金) — and into no
//     other account;
//   - no charging, at once or by top-ups and cards, for more than 3 months
//     or more than 60 class hours (不得一次性收取或以充值、次卡等形式变相收取
//     时间跨度超过3个月或60课时的费用);
//   - no training loans (不得使用培训贷方式缴纳培训费用).
//
// The rules here are pure functions over plain values (Check); the store
// (store.go) records accounts and checks.
package training

import (
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/calendar"
	"edubureau/fault"
	"edubureau/i18n"
)

// The limits of a prepaid charge.
const (
	MaxMonths     = 3
	MaxClassHours = 60
)

// Basis names the rules' source, for messages and pages.
var Basis = i18n.T("《关于加强校外培训机构预收费监管工作的通知》（教监管函〔2021〕2号）",
	"Notice on the supervision of prepaid fees of off-campus training institutions (教监管函〔2021〕2号)")

// AccountKind is how an institution's prepaid fees are supervised.
type AccountKind string

const (
	BankCustody AccountKind = "bank_custody" // 银行托管: fees into a custody account, released as classes are given
	RiskDeposit AccountKind = "risk_deposit" // 风险保证金: a deposit held in a dedicated account
)

// AccountKinds lists the kinds with their names.
var AccountKinds = []struct {
	Kind AccountKind
	Name i18n.Text
}{
	{BankCustody, i18n.T("银行托管", "Bank custody")},
	{RiskDeposit, i18n.T("风险保证金", "Risk deposit")},
}

// KindName is k's name.
func KindName(k AccountKind) i18n.Text {
	for _, x := range AccountKinds {
		if x.Kind == k {
			return x.Name
		}
	}
	return i18n.Text{ZH: string(k), EN: string(k)}
}

// Account is an institution's supervised account for prepaid fees.
type Account struct {
	SchoolCode string
	County     string
	Kind       AccountKind
	Bank       string
	AccountNo  string
	DepositFen int64 // the risk deposit held, in fen; 0 for bank custody
	Since      calendar.Date
	Version    int
	UpdatedAt  time.Time
	UpdatedBy  string
}

// NormalizeAccountNo drops the spaces and dashes people type in account numbers.
func NormalizeAccountNo(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// Validate checks an account, naming each field at fault.
func (a *Account) Validate(today calendar.Date) error {
	var v fault.Validation
	a.Bank, a.AccountNo = strings.TrimSpace(a.Bank), NormalizeAccountNo(a.AccountNo)
	if a.Kind != BankCustody && a.Kind != RiskDeposit {
		v.Add("kind", "监管方式应为银行托管或风险保证金，而不是 %q", "the supervision must be bank custody or a risk deposit, not %q", a.Kind)
	}
	if a.Bank == "" || utf8.RuneCountInString(a.Bank) > 100 {
		v.Add("bank", "请填写监管银行（最多 100 字）", "the supervising bank is required (at most 100 characters)")
	}
	if n := len(a.AccountNo); n < 6 || n > 40 || strings.Trim(a.AccountNo, "0123456789") != "" {
		v.Add("account_no", "账号应为 6–40 位数字", "the account number must be 6 to 40 digits")
	}
	switch {
	case a.DepositFen < 0:
		v.Add("deposit", "风险保证金不能为负数", "the risk deposit cannot be negative")
	case a.Kind == RiskDeposit && a.DepositFen == 0:
		v.Add("deposit", "风险保证金方式须填写保证金金额", "a risk deposit account needs the deposit's amount")
	case a.Kind == BankCustody && a.DepositFen != 0:
		v.Add("deposit", "银行托管方式不填写保证金", "bank custody takes no deposit")
	}
	switch {
	case a.Since.IsZero():
		v.Add("since", "请填写监管协议生效日期", "the day the supervision agreement took effect is required")
	case a.Since.After(today):
		v.Add("since", "生效日期 %s 晚于今天", "the date %s is after today", a.Since)
	}
	return v.Err()
}

// Charge is a fee an institution took (or offers) for a course package, as
// reported or found in an inspection.
type Charge struct {
	ChargedOn  calendar.Date `json:"charged_on"`  // the day it was paid
	CourseFrom calendar.Date `json:"course_from"` // the first class it pays for
	CourseTo   calendar.Date `json:"course_to"`   // the last class it pays for
	ClassHours int           `json:"class_hours"` // the class hours it pays for
	AmountFen  int64         `json:"amount_fen"`  // in fen
	PaidInto   string        `json:"paid_into"`   // the account number it went into
	Loan       bool          `json:"loan"`        // paid with a training loan (培训贷)
	Note       string        `json:"note,omitempty"`
}

// Validate checks a reported charge on day today, naming each field at fault.
func (c *Charge) Validate(today calendar.Date) error {
	var v fault.Validation
	c.PaidInto, c.Note = NormalizeAccountNo(c.PaidInto), strings.TrimSpace(c.Note)
	switch {
	case c.ChargedOn.IsZero():
		v.Add("charged_on", "请填写收费日期", "the day of payment is required")
	case c.ChargedOn.After(today):
		v.Add("charged_on", "收费日期 %s 晚于今天", "the day of payment, %s, is after today", c.ChargedOn)
	}
	if c.CourseFrom.IsZero() {
		v.Add("course_from", "请填写课程开始日期", "the first class's date is required")
	}
	switch {
	case c.CourseTo.IsZero():
		v.Add("course_to", "请填写课程结束日期", "the last class's date is required")
	case !c.CourseFrom.IsZero() && c.CourseTo.Before(c.CourseFrom):
		v.Add("course_to", "课程结束日期 %s 早于开始日期 %s", "the last class, %s, is before the first, %s", c.CourseTo, c.CourseFrom)
	case !c.ChargedOn.IsZero() && c.CourseTo.Before(c.ChargedOn):
		v.Add("course_to", "课程在收费日期 %s 之前已经结束，不属于预收费", "the course ended before the payment (%s): the fee was not prepaid", c.ChargedOn)
	}
	if c.ClassHours < 1 || c.ClassHours > 10000 {
		v.Add("class_hours", "课时数应为 1–10000", "the class hours must be from 1 to 10000")
	}
	if c.AmountFen < 0 || c.AmountFen > 100_000_000_00 {
		v.Add("amount", "金额应为 0–1 亿元", "the amount must be from 0 to 100 million yuan")
	}
	if n := len(c.PaidInto); n < 6 || n > 40 || strings.Trim(c.PaidInto, "0123456789") != "" {
		v.Add("paid_into", "收款账号应为 6–40 位数字", "the account paid into must be 6 to 40 digits")
	}
	if utf8.RuneCountInString(c.Note) > 200 {
		v.Add("note", "备注最多 200 字", "the note is at most 200 characters")
	}
	return v.Err()
}

// The rules a charge may break.
const (
	RuleAccount      = "account"       // no supervised account
	RuleOtherAccount = "other_account" // paid into another account
	RuleMonths       = "months"        // more than 3 months ahead
	RuleHours        = "hours"         // more than 60 class hours
	RuleLoan         = "loan"          // a training loan
)

// Violation is one rule a charge breaks, by how much when it is a quantity.
type Violation struct {
	Rule string    `json:"rule"`
	Over int       `json:"over,omitempty"` // days beyond 3 months, class hours beyond 60
	Msg  i18n.Text `json:"message"`
}

// LatestCovered is the last day a prepaid charge may pay for when its
// classes begin on from: 3 months on, less a day (1 March → 31 May). A month
// with no such day ends the period on its last day, as the courts count
// months (30 November → 28 February − 1 day = 27 February).
func LatestCovered(from calendar.Date) calendar.Date {
	y, m := from.Year(), int(from.Month())+MaxMonths
	for m > 12 {
		y, m = y+1, m-12
	}
	day := from.Day()
	if dim := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(); day > dim {
		day = dim
	}
	end, _ := calendar.NewDate(y, time.Month(m), day)
	return end.AddDays(-1)
}

// Check returns the rules charge c breaks, given the institution's supervised
// account (nil: it has none). The time span is counted from the later of the
// payment and the first class — classes already given are not prepaid — to
// the last class. c must be valid (Charge.Validate).
func Check(c Charge, acct *Account) []Violation {
	var out []Violation
	switch {
	case acct == nil:
		out = append(out, Violation{Rule: RuleAccount, Msg: i18n.T(
			"机构未登记预收费监管账户（银行托管或风险保证金），不得预收费用",
			"the institution has no supervised account (bank custody or a risk deposit): it may not take prepaid fees")})
	case NormalizeAccountNo(c.PaidInto) != acct.AccountNo:
		out = append(out, Violation{Rule: RuleOtherAccount, Msg: i18n.T(
			"费用收入账户 %s 不是机构的预收费监管账户 %s",
			"the fee went into account %s, not the supervised account %s", c.PaidInto, acct.AccountNo)})
	}
	from := c.CourseFrom
	if c.ChargedOn.After(from) {
		from = c.ChargedOn
	}
	if latest := LatestCovered(from); c.CourseTo.After(latest) {
		over := calendar.DaysBetween(latest, c.CourseTo)
		out = append(out, Violation{Rule: RuleMonths, Over: over, Msg: i18n.T(
			"收费时间跨度 %s 至 %s 超过 %d 个月（最晚至 %s），超出 %d 天",
			"the fee covers %s to %s, more than %d months (at most to %s): %d days too many",
			from, c.CourseTo, MaxMonths, latest, over)})
	}
	if c.ClassHours > MaxClassHours {
		over := c.ClassHours - MaxClassHours
		out = append(out, Violation{Rule: RuleHours, Over: over, Msg: i18n.T(
			"一次收取 %d 课时，超出 %d 课时（上限 %d 课时）",
			"%d class hours charged at once: %d over the limit of %d", c.ClassHours, over, MaxClassHours)})
	}
	if c.Loan {
		out = append(out, Violation{Rule: RuleLoan, Msg: i18n.T("以培训贷方式收取培训费用", "paid with a training loan (培训贷)")})
	}
	return out
}
