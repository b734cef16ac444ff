package training

import (
	"strings"
	"testing"

	"edubureau/calendar"
	"edubureau/fault"
)

func day(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLatestCovered(t *testing.T) {
	for from, want := range map[string]string{
		"2026-03-01": "2026-05-31", // three whole months
		"2026-03-15": "2026-06-14",
		"2025-11-30": "2026-02-27", // no 30 February: the month's last day, less one
		"2026-11-30": "2027-02-27",
		"2027-11-30": "2028-02-28", // a leap year's 29 February, less one
		"2026-10-31": "2027-01-30",
		"2026-12-01": "2027-02-28",
	} {
		if got := LatestCovered(day(t, from)); got.String() != want {
			t.Errorf("from %s: %s, want %s", from, got, want)
		}
	}
}

// TestCheck: each rule, at and beyond its limit, with the message naming the
// limit and by how much.
func TestCheck(t *testing.T) {
	acct := &Account{Kind: BankCustody, Bank: "中国工商银行衡阳分行", AccountNo: "1904020309200123456"}
	base := Charge{ChargedOn: day(t, "2026-03-01"), CourseFrom: day(t, "2026-03-01"), CourseTo: day(t, "2026-05-31"),
		ClassHours: 60, AmountFen: 360000, PaidInto: "1904020309200123456"}
	type want struct {
		rule string
		over int
		zh   string // a part of the Chinese message
		en   string // a part of the English one
	}
	cases := []struct {
		name string
		edit func(c *Charge)
		acct *Account
		want []want
	}{
		{"at both limits", func(c *Charge) {}, acct, nil},
		{"61 class hours", func(c *Charge) { c.ClassHours = 61 }, acct,
			[]want{{RuleHours, 1, "超出 1 课时（上限 60 课时）", "1 over the limit of 60"}}},
		{"96 class hours", func(c *Charge) { c.ClassHours = 96 }, acct,
			[]want{{RuleHours, 36, "一次收取 96 课时，超出 36 课时", "96 class hours charged at once: 36 over"}}},
		{"a day beyond 3 months", func(c *Charge) { c.CourseTo = day(t, "2026-06-01") }, acct,
			[]want{{RuleMonths, 1, "超过 3 个月（最晚至 2026-05-31），超出 1 天", "more than 3 months (at most to 2026-05-31): 1 days too many"}}},
		{"a term paid in advance", func(c *Charge) { c.ChargedOn = day(t, "2026-02-20"); c.CourseTo = day(t, "2026-07-15") }, acct,
			[]want{{RuleMonths, 45, "2026-03-01 至 2026-07-15", "45 days too many"}}},
		{"charged mid-course counts from the payment", func(c *Charge) { c.ChargedOn = day(t, "2026-04-01"); c.CourseTo = day(t, "2026-06-30") }, acct, nil},
		{"no supervised account", func(c *Charge) {}, nil,
			[]want{{RuleAccount, 0, "未登记预收费监管账户", "no supervised account"}}},
		{"into another account", func(c *Charge) { c.PaidInto = "6222 0000 1111 2222" }, acct,
			[]want{{RuleOtherAccount, 0, "6222000011112222 不是机构的预收费监管账户 1904020309200123456", "went into account 6222000011112222"}}},
		{"the account with spaces is the account", func(c *Charge) { c.PaidInto = "1904 0203 0920 0123 456" }, acct, nil},
		{"a training loan", func(c *Charge) { c.Loan = true }, acct, []want{{RuleLoan, 0, "培训贷", "training loan"}}},
		{"everything at once", func(c *Charge) { c.ClassHours, c.CourseTo, c.Loan = 120, day(t, "2026-12-31"), true }, nil,
			[]want{{RuleAccount, 0, "", ""}, {RuleMonths, 214, "", ""}, {RuleHours, 60, "", ""}, {RuleLoan, 0, "", ""}}},
	}
	for _, tc := range cases {
		c := base
		tc.edit(&c)
		if err := c.Validate(day(t, "2026-06-30")); err != nil {
			t.Fatalf("%s: the charge itself is refused: %v", tc.name, err)
		}
		got := Check(c, tc.acct)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i, w := range tc.want {
			g := got[i]
			if g.Rule != w.rule || g.Over != w.over || !strings.Contains(g.Msg.ZH, w.zh) || !strings.Contains(g.Msg.EN, w.en) {
				t.Errorf("%s: %+v, want %+v", tc.name, g, w)
			}
			if g.Msg.ZH == "" || g.Msg.EN == "" {
				t.Errorf("%s: a message not in both languages: %+v", tc.name, g.Msg)
			}
		}
	}
}

// TestChargeAndAccountValidate: malformed input is refused naming the field.
func TestChargeAndAccountValidate(t *testing.T) {
	today := day(t, "2026-06-30")
	good := Charge{ChargedOn: day(t, "2026-03-01"), CourseFrom: day(t, "2026-03-01"), CourseTo: day(t, "2026-05-31"), ClassHours: 40, PaidInto: "123456789"}
	for _, tc := range []struct {
		name  string
		edit  func(*Charge)
		field string
	}{
		{"no payment day", func(c *Charge) { c.ChargedOn = calendar.Date{} }, "charged_on"},
		{"paid tomorrow", func(c *Charge) { c.ChargedOn = day(t, "2026-07-01") }, "charged_on"},
		{"ends before it begins", func(c *Charge) { c.CourseTo = day(t, "2026-02-28") }, "course_to"},
		{"over before paid", func(c *Charge) { c.ChargedOn = day(t, "2026-06-10") }, "course_to"},
		{"no hours", func(c *Charge) { c.ClassHours = 0 }, "class_hours"},
		{"negative amount", func(c *Charge) { c.AmountFen = -1 }, "amount"},
		{"letters in the account", func(c *Charge) { c.PaidInto = "ICBC-123" }, "paid_into"},
	} {
		c := good
		tc.edit(&c)
		err := c.Validate(today)
		if fault.KindOf(err) != fault.Invalid || !hasField(err, tc.field) {
			t.Errorf("%s: %v, want a problem with %s", tc.name, err, tc.field)
		}
	}
	okAcct := Account{Kind: RiskDeposit, Bank: "衡阳银行", AccountNo: "66010188000012345", DepositFen: 50_000_000, Since: day(t, "2025-01-01")}
	for _, tc := range []struct {
		name  string
		edit  func(*Account)
		field string
	}{
		{"unknown kind", func(a *Account) { a.Kind = "trust" }, "kind"},
		{"no bank", func(a *Account) { a.Bank = " " }, "bank"},
		{"short number", func(a *Account) { a.AccountNo = "123" }, "account_no"},
		{"deposit missing", func(a *Account) { a.DepositFen = 0 }, "deposit"},
		{"deposit with custody", func(a *Account) { a.Kind = BankCustody }, "deposit"},
		{"from the future", func(a *Account) { a.Since = day(t, "2026-07-01") }, "since"},
	} {
		a := okAcct
		tc.edit(&a)
		if err := a.Validate(today); !hasField(err, tc.field) {
			t.Errorf("%s: %v, want a problem with %s", tc.name, err, tc.field)
		}
	}
	if err := okAcct.Validate(today); err != nil {
		t.Errorf("a good account: %v", err)
	}
}

func hasField(err error, field string) bool {
	for _, f := range fault.As(err).Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
