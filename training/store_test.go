package training

import (
	"context"
	"strings"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/school"
	"edubureau/scope"
)

var clerk = casework.Actor{Actor: audit.Actor{UserID: 7, Username: "clerk"},
	Can: func(p string) bool { return p == auth.CaseView || p == auth.CaseEdit }, Scope: scope.Everything}

// setup is a database with two training institutions (珠晖区, 衡阳县), a
// private school, the case engine and the service, all on 30 June 2026.
func setup(t *testing.T, d *db.DB) (*Service, *casework.Engine) {
	t.Helper()
	ctx := context.Background()
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	reg := school.New(d)
	lic := func(code, name, county string, typ school.Type) school.School {
		return school.School{Code: code, Name: name, Type: typ, Ownership: school.Private, County: county, Status: school.Active,
			OpenedOn: "2019-05-01", LicenceNo: "教民" + code, LicenceIssuedOn: "2024-05-01", LicenceExpiresOn: "2029-04-30"}
	}
	if err := reg.CreateMany(ctx, scope.Everything, []school.School{
		lic("9243000106", "珠晖区启航艺术培训学校", "430405", school.Training),
		lic("9243000201", "衡阳县博学培训中心", "430421", school.Training),
		lic("1143000102", "珠晖区阳光幼儿园", "430405", school.Kindergarten),
	}, school.Actor{Username: "seed"}, nil); err != nil {
		t.Fatal(err)
	}
	e, err := casework.New(d, casework.Shipped(casework.Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2026, 6, 30, 4, 0, 0, 0, time.UTC)
	e.Now = func() time.Time { return noon }
	e.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	s := New(d, reg, e)
	s.Now = e.Now
	return s, e
}

func TestAccountAndChargeChecks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, e := setup(t, d)
		const inst = "9243000106"
		charge := Charge{ChargedOn: day(t, "2026-06-01"), CourseFrom: day(t, "2026-06-06"), CourseTo: day(t, "2026-08-31"),
			ClassHours: 48, AmountFen: 480000, PaidInto: "1904020309200123456"}

		// Without an account, any prepaid charge breaks the rules; a check without "open" only records it.
		rec, err := s.CheckCharge(ctx, scope.Everything, inst, charge, false, clerk)
		if err != nil || len(rec.Violations) != 1 || rec.Violations[0].Rule != RuleAccount || rec.CaseID != 0 {
			t.Fatalf("no account: %+v %v", rec, err)
		}
		a, err := s.SetAccount(ctx, scope.Everything, inst, Account{Kind: BankCustody, Bank: "中国工商银行衡阳珠晖支行",
			AccountNo: "1904 0203 0920 0123 456", Since: day(t, "2026-01-01")}, 0, clerk)
		if err != nil || a.Version != 1 || a.AccountNo != "1904020309200123456" || a.County != "430405" {
			t.Fatalf("account %+v %v", a, err)
		}
		if _, err := s.SetAccount(ctx, scope.Everything, inst, Account{Kind: RiskDeposit, Bank: "衡阳银行", AccountNo: "66010188000012345",
			Since: day(t, "2026-01-01")}, 1, clerk); !hasField(err, "deposit") {
			t.Errorf("a risk deposit without its amount: %v", err)
		}
		if _, err := s.SetAccount(ctx, scope.Everything, inst, a, 7, clerk); fault.KindOf(err) != fault.Precondition {
			t.Errorf("a stale version: %v", err)
		}
		// Not a training institution, out of scope, a reader: refused.
		if _, err := s.SetAccount(ctx, scope.Everything, "1143000102", a, 0, clerk); fault.KindOf(err) != fault.NotFound {
			t.Errorf("a kindergarten: %v", err)
		}
		county := clerk
		county.Scope = scope.Area("430421")
		if _, err := s.CheckCharge(ctx, county.Scope, inst, charge, true, county); fault.KindOf(err) != fault.NotFound {
			t.Errorf("out of scope: %v", err)
		}
		reader := clerk
		reader.Can = func(p string) bool { return p == auth.CaseView }
		if _, err := s.CheckCharge(ctx, scope.Everything, inst, charge, true, reader); fault.KindOf(err) != fault.Forbidden {
			t.Errorf("a reader: %v", err)
		}

		// Within the rules: recorded, no case.
		rec, err = s.CheckCharge(ctx, scope.Everything, inst, charge, true, clerk)
		if err != nil || len(rec.Violations) != 0 || rec.CaseID != 0 {
			t.Fatalf("a good charge: %+v %v", rec, err)
		}
		// A year's package of 96 hours: two violations and a supervision case, in one transaction.
		bad := charge
		bad.CourseTo, bad.ClassHours = day(t, "2027-06-05"), 96
		rec, err = s.CheckCharge(ctx, scope.Everything, inst, bad, true, clerk)
		if err != nil || len(rec.Violations) != 2 || rec.CaseNumber == "" {
			t.Fatalf("a bad charge: %+v %v", rec, err)
		}
		c, err := e.Get(ctx, scope.Everything, rec.CaseID)
		if err != nil || c.Type != casework.TrainingCase || c.State != "registered" || c.SchoolCode != inst || c.CountyCode != "430405" ||
			c.Fields["violation"] != "prepaid_fee" || !strings.Contains(c.Fields["details"], "超出 36 课时") ||
			!strings.Contains(c.Fields["details"], "教监管函〔2021〕2号") {
			t.Fatalf("the case %+v %v", c, err)
		}
		// A malformed charge is refused and nothing is stored.
		broken := charge
		broken.ClassHours = 0
		if _, err := s.CheckCharge(ctx, scope.Everything, inst, broken, true, clerk); !hasField(err, "class_hours") {
			t.Errorf("a malformed charge: %v", err)
		}
		checks, err := s.Checks(ctx, scope.Everything, inst, 10)
		if err != nil || len(checks) != 3 || checks[0].CaseNumber != rec.CaseNumber || checks[0].Charge.ClassHours != 96 ||
			checks[2].Violations[0].Rule != RuleAccount || checks[0].Violations[1].Msg.EN == "" {
			t.Fatalf("checks %+v %v", checks, err)
		}

		rows, total, err := s.List(ctx, scope.Everything, Filter{})
		if err != nil || total != 2 || len(rows) != 2 {
			t.Fatalf("list %d %+v %v", total, rows, err)
		}
		if r := rows[0]; r.Code != inst || r.Account == nil || r.Checks != 3 || r.Violating != 2 || r.OpenCases != 1 {
			t.Errorf("row %+v", r)
		}
		if r := rows[1]; !r.NoAccount || r.Checks != 0 {
			t.Errorf("row %+v", r)
		}
		if rows, total, _ := s.List(ctx, scope.Everything, Filter{Account: "none"}); total != 1 || rows[0].Code != "9243000201" {
			t.Errorf("without an account: %d %+v", total, rows)
		}
		if _, total, _ := s.List(ctx, scope.Area("430421"), Filter{}); total != 1 {
			t.Errorf("a county sees %d", total)
		}
		var audited int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('training.account', 'training.check')`).Scan(&audited); err != nil || audited != 4 {
			t.Errorf("%d audited: %v", audited, err)
		}
	})
}

// TestTrainingLicenceEstablishes: approving an establishment puts the
// institution in the registry (private, type training) and records its
// supervised account, in the approval's transaction; a bad account undoes it all.
func TestTrainingLicenceEstablishes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, e := setup(t, d)
		hooks := casework.RegistryHooks(s.Schools)
		hooks[casework.TrainingLicence+"/approve"] = casework.Chain(hooks[casework.TrainingLicence+"/approve"], AccountHook(s))
		e.Hooks = hooks
		c, err := e.Open(ctx, casework.TrainingLicence, casework.OpenInput{Subject: "申请设立珠晖区星河科技培训中心", CountyCode: "430405",
			ReceivedOn: day(t, "2026-05-04"), Fields: map[string]string{"matter": "establish"}}, clerk)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.Number, "衡教培〔2026〕") {
			t.Errorf("number %s", c.Number)
		}
		// The License Law's periods: a notice to supplement within 5 WD (4 and 5 May are
		// holidays, 9 May a make-up Saturday), the decision 20 WD from the
		// supplement, extended once by 10, the certificate within 10 WD.
		wantDue := func(c casework.Case, state, due string) {
			t.Helper()
			if c.State != state || c.DueOn.String() != due {
				t.Fatalf("%s: state %s due %s, want %s due %s", c.Number, c.State, c.DueOn, state, due)
			}
		}
		wantDue(c, "received", "2026-05-11")
		take := func(step, on string, fields map[string]string, docs ...string) casework.Case {
			t.Helper()
			in := casework.Input{On: day(t, on), Fields: fields}
			for _, k := range docs {
				in.Documents = append(in.Documents, casework.Upload{Kind: k, Name: k + ".pdf", Content: []byte("%PDF " + k)})
			}
			c, err := e.Take(ctx, c.ID, step, in, clerk)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			return c
		}
		take("notify_supplement", "2026-05-06", map[string]string{"items": "消防验收合格证明、收费标准"}, "supplement_notice")
		wantDue(take("supplement", "2026-05-12", nil), "accepted", "2026-06-09")
		wantDue(take("extend", "2026-05-20", map[string]string{"approved_by": "局长"}, "extension_approval"), "accepted", "2026-06-24")
		approve := func(acct string) error {
			_, err := e.Take(ctx, c.ID, "approve", casework.Input{On: day(t, "2026-05-20"), Fields: map[string]string{
				"decision_no": "衡教培决〔2026〕1号", "new_code": "9243000301", "new_name": "珠晖区星河科技培训中心", "school_address": "珠晖区东风路 8 号",
				"account_kind": "bank_custody", "account_bank": "中国建设银行衡阳分行", "account_no": acct},
				Documents: []casework.Upload{{Kind: "decision", Name: "决定书.pdf", Content: []byte("%PDF")}}}, clerk)
			return err
		}
		if err := approve("CCB-1"); !hasField(err, "account_no") {
			t.Fatalf("a bad account number: %v", err)
		}
		if _, err := s.Schools.Get(ctx, scope.Everything, "9243000301"); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("the refused approval left the institution in the registry: %v", err)
		}
		if err := approve("43050162860800000123"); err != nil {
			t.Fatal(err)
		}
		c, err = e.Get(ctx, scope.Everything, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantDue(c, "approved", "2026-06-03") // the certificate within 10 WD of 20 May
		if c = take("issue_certificate", "2026-05-25", map[string]string{"licence_no": "教民143040592001号"}); c.State != "certified" || c.Late {
			t.Errorf("certified: %+v", c)
		}
		inst, err := s.Institution(ctx, scope.Everything, "9243000301")
		if err != nil || inst.Type != school.Training || inst.Ownership != school.Private || inst.Status != school.Preparing {
			t.Fatalf("institution %+v %v", inst, err)
		}
		a, ok, err := s.Account(ctx, scope.Everything, "9243000301")
		if err != nil || !ok || a.AccountNo != "43050162860800000123" || a.Since != day(t, "2026-05-20") {
			t.Fatalf("account %+v %v %v", a, ok, err)
		}
	})
}
