package training

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/calendar"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

// Service keeps the institutions' supervised accounts and the charges
// checked. Every change is audited in its own transaction.
type Service struct {
	DB      *db.DB
	Audit   *audit.Log
	Schools *school.Registry
	Cases   *casework.Engine
	Now     func() time.Time
}

// New returns the service on d, reading institutions from reg and opening
// supervision cases with cases.
func New(d *db.DB, reg *school.Registry, cases *casework.Engine) *Service {
	return &Service{DB: d, Audit: audit.New(d), Schools: reg, Cases: cases, Now: time.Now}
}

var beijing = time.FixedZone("CST", 8*3600)

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) today() calendar.Date { return calendar.DateOf(s.Now().In(beijing)) }

func mayEdit(by casework.Actor) error {
	if by.Can == nil || !by.Can(auth.CaseEdit) {
		return fault.New(fault.Forbidden, "您无权办理校外培训机构监管事项", "you may not do the supervision of training institutions")
	}
	return nil
}

// Institution returns the training institution code in scope sc; a school
// of another type is not one.
func (s *Service) Institution(ctx context.Context, sc scope.Scope, code string) (school.School, error) {
	return institution(ctx, s.Schools, s.DB, sc, code)
}

func institution(ctx context.Context, reg *school.Registry, q db.Querier, sc scope.Scope, code string) (school.School, error) {
	var sch school.School
	var err error
	if tx, ok := q.(db.Tx); ok {
		sch, err = reg.GetTx(ctx, tx, sc, code)
	} else {
		sch, err = reg.Get(ctx, sc, code)
	}
	if err != nil {
		return school.School{}, err
	}
	if sch.Type != school.Training {
		return school.School{}, fault.New(fault.NotFound, "%s %s 不是校外培训机构", "%s %s is not an off-campus training institution", sch.Code, sch.Name)
	}
	return sch, nil
}

const accountCols = `school_code, county_code, kind, bank, account_no, deposit_fen, since, version, updated_at, updated_by`

func scanAccount(r interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var since string
	if err := r.Scan(&a.SchoolCode, &a.County, &a.Kind, &a.Bank, &a.AccountNo, &a.DepositFen, &since, &a.Version,
		&a.UpdatedAt, &a.UpdatedBy); err != nil {
		return Account{}, err
	}
	var err error
	if a.Since, err = calendar.ParseDate(since); err != nil {
		return Account{}, fmt.Errorf("account of %s: %w", a.SchoolCode, err)
	}
	a.UpdatedAt = a.UpdatedAt.UTC()
	return a, nil
}

// Account returns the supervised account of institution code in scope sc,
// and false when it has none.
func (s *Service) Account(ctx context.Context, sc scope.Scope, code string) (Account, bool, error) {
	if _, err := s.Institution(ctx, sc, code); err != nil {
		return Account{}, false, err
	}
	return account(ctx, s.DB, code)
}

func account(ctx context.Context, q db.Querier, code string) (Account, bool, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM training_account WHERE school_code = $1`, code))
	if db.IsNoRows(err) {
		return Account{}, false, nil
	}
	if err != nil {
		return Account{}, false, fmt.Errorf("read the account of %s: %w", code, err)
	}
	return a, true, nil
}

// SetAccount records (or replaces) the supervised account of institution
// code. ifVersion, when not 0, is the version the caller read (0 to create).
func (s *Service) SetAccount(ctx context.Context, sc scope.Scope, code string, a Account, ifVersion int, by casework.Actor) (Account, error) {
	if err := mayEdit(by); err != nil {
		return Account{}, err
	}
	var out Account
	err := s.DB.InTx(ctx, func(tx db.Tx) error {
		var err error
		out, err = s.setAccountTx(ctx, tx, sc, code, a, ifVersion, by.Actor)
		return err
	})
	return out, err
}

func (s *Service) setAccountTx(ctx context.Context, tx db.Tx, sc scope.Scope, code string, a Account, ifVersion int, by audit.Actor) (Account, error) {
	if err := a.Validate(s.today()); err != nil {
		return Account{}, err
	}
	sch, err := institution(ctx, s.Schools, tx, sc, code)
	if err != nil {
		return Account{}, err
	}
	old, had, err := account(ctx, tx, code)
	if err != nil {
		return Account{}, err
	}
	if ifVersion != 0 && (!had || old.Version != ifVersion) {
		return Account{}, fault.New(fault.Precondition, "监管账户已被他人修改，请刷新后重试", "the account was changed meanwhile; reload and try again")
	}
	a.SchoolCode, a.County, a.UpdatedAt, a.UpdatedBy = sch.Code, sch.County, s.now(), by.Username
	a.Version = old.Version + 1
	if had {
		_, err = tx.ExecContext(ctx, `UPDATE training_account SET county_code = $2, kind = $3, bank = $4, account_no = $5,
			deposit_fen = $6, since = $7, version = $8, updated_at = $9, updated_by = $10 WHERE school_code = $1 AND version = $11`,
			a.SchoolCode, a.County, string(a.Kind), a.Bank, a.AccountNo, a.DepositFen, a.Since.String(), a.Version, a.UpdatedAt,
			a.UpdatedBy, old.Version)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO training_account (`+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.SchoolCode, a.County, string(a.Kind), a.Bank, a.AccountNo, a.DepositFen, a.Since.String(), a.Version, a.UpdatedAt, a.UpdatedBy)
	}
	if err != nil {
		return Account{}, fmt.Errorf("record the account of %s: %w", code, err)
	}
	changes := []audit.Change{
		{Field: "kind", Before: string(old.Kind), After: string(a.Kind)},
		{Field: "bank", Before: old.Bank, After: a.Bank},
		{Field: "account_no", Before: old.AccountNo, After: a.AccountNo},
		{Field: "deposit_fen", Before: fen(old.DepositFen, had), After: strconv.FormatInt(a.DepositFen, 10)},
		{Field: "since", Before: dateText(old.Since), After: a.Since.String()},
	}
	var changed []audit.Change
	for _, c := range changes {
		if c.Before != c.After {
			changed = append(changed, c)
		}
	}
	if err := s.Audit.Record(ctx, tx, audit.Entry{Action: "training.account", RecordType: "school", RecordID: code,
		Detail: sch.Name, Changes: changed}.ByActor(by)); err != nil {
		return Account{}, err
	}
	return a, nil
}

func fen(n int64, had bool) string {
	if !had {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func dateText(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// CheckRecord is a charge checked, with what it broke.
type CheckRecord struct {
	ID         int64
	SchoolCode string
	Charge     Charge
	Violations []Violation
	CaseID     int64  // the supervision case it opened; 0 when none
	CaseNumber string // its number
	CheckedAt  time.Time
	CheckedBy  string
}

// CheckCharge checks charge c of institution code against the rules and
// records the check. When it breaks one and open is set, a supervision case
// (violation: prepaid_fee) is opened in the same transaction, naming each
// rule broken and by how much. A malformed charge is refused, nothing stored.
func (s *Service) CheckCharge(ctx context.Context, sc scope.Scope, code string, c Charge, open bool, by casework.Actor) (CheckRecord, error) {
	if err := mayEdit(by); err != nil {
		return CheckRecord{}, err
	}
	if err := c.Validate(s.today()); err != nil {
		return CheckRecord{}, err
	}
	rec := CheckRecord{ID: db.NewID(), SchoolCode: code, Charge: c, CheckedAt: s.now(), CheckedBy: by.Username}
	err := s.DB.InTx(ctx, func(tx db.Tx) error {
		sch, err := institution(ctx, s.Schools, tx, sc, code)
		if err != nil {
			return err
		}
		acct, had, err := account(ctx, tx, code)
		if err != nil {
			return err
		}
		var ap *Account
		if had {
			ap = &acct
		}
		rec.Violations = Check(c, ap)
		if rec.Violations == nil {
			rec.Violations = []Violation{}
		}
		var caseID any
		if open && len(rec.Violations) > 0 {
			var found []string
			for _, v := range rec.Violations {
				found = append(found, v.Msg.ZH)
			}
			cs, err := s.Cases.OpenTx(ctx, tx, casework.TrainingCase, casework.OpenInput{
				ApplicantName: sch.Name, SchoolCode: sch.Code, CountyCode: sch.County,
				Subject: i18n.T("%s 预收费违规（%s 收费）", "%s: prepaid fees against the rules (charged %s)", sch.Name, c.ChargedOn).ZH,
				Fields:  map[string]string{"violation": "prepaid_fee", "details": strings.Join(found, "；") + "。" + Basis.ZH},
				Reason:  i18n.T("预收费检查发现违规", "found by a prepaid-fee check").ZH}, by)
			if err != nil {
				return err
			}
			rec.CaseID, rec.CaseNumber, caseID = cs.ID, cs.Number, cs.ID
		}
		input, _ := json.Marshal(c)
		found, _ := json.Marshal(rec.Violations)
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_charge_check (id, school_code, county_code, charged_on, input,
			violations, case_id, checked_at, checked_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, rec.ID, sch.Code, sch.County,
			c.ChargedOn.String(), string(input), string(found), caseID, rec.CheckedAt, rec.CheckedBy); err != nil {
			return fmt.Errorf("record the charge check of %s: %w", code, err)
		}
		detail := fmt.Sprintf("%s: %d violations", sch.Name, len(rec.Violations))
		if rec.CaseNumber != "" {
			detail += "; case " + rec.CaseNumber
		}
		return s.Audit.Record(ctx, tx, audit.Entry{Action: "training.check", RecordType: "school", RecordID: code,
			Detail: detail}.ByActor(by.Actor))
	})
	if err != nil {
		return CheckRecord{}, err
	}
	return rec, nil
}

// Checks lists the last limit checks of institution code, newest first.
func (s *Service) Checks(ctx context.Context, sc scope.Scope, code string, limit int) ([]CheckRecord, error) {
	if _, err := s.Institution(ctx, sc, code); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT k.id, k.school_code, k.input, k.violations, k.case_id, COALESCE(c.number, ''),
		k.checked_at, k.checked_by FROM training_charge_check k LEFT JOIN case_file c ON c.id = k.case_id
		WHERE k.school_code = $1 ORDER BY k.checked_at DESC, k.id DESC LIMIT $2`, code, limit)
	if err != nil {
		return nil, fmt.Errorf("read the checks of %s: %w", code, err)
	}
	defer rows.Close()
	var out []CheckRecord
	for rows.Next() {
		var r CheckRecord
		var input, found string
		var caseID sql.NullInt64
		if err := rows.Scan(&r.ID, &r.SchoolCode, &input, &found, &caseID, &r.CaseNumber, &r.CheckedAt, &r.CheckedBy); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(input), &r.Charge); err != nil {
			return nil, fmt.Errorf("check %d: %w", r.ID, err)
		}
		if err := json.Unmarshal([]byte(found), &r.Violations); err != nil {
			return nil, fmt.Errorf("check %d: %w", r.ID, err)
		}
		r.CaseID, r.CheckedAt = caseID.Int64, r.CheckedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Row is one institution of the list, with its account and supervision.
type Row struct {
	school.School
	Account   *Account
	Checks    int // charges checked
	Violating int // of them, those that broke a rule
	OpenCases int // open supervision cases
	NoAccount bool
}

// Filter selects institutions for the list.
type Filter struct {
	County  string
	Status  school.Status
	Query   string
	Account string // "" any, "none": without a supervised account, "yes": with one
	Page    int
	PerPage int
}

// List pages through the training institutions in scope sc with their
// accounts, checks and open supervision cases.
func (s *Service) List(ctx context.Context, sc scope.Scope, f Filter) ([]Row, int, error) {
	var v fault.Validation
	switch f.Account {
	case "", "none", "yes":
	default:
		v.Add("account", "账户筛选 %q 应为 none 或 yes", "the account filter %q must be none or yes", f.Account)
	}
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	sf := school.Filter{County: f.County, Type: school.Training, Status: f.Status, Query: f.Query, Page: f.Page, PerPage: f.PerPage}
	var schools []school.School
	total := 0
	if f.Account == "" {
		p, err := s.Schools.List(ctx, sc, sf)
		if err != nil {
			return nil, 0, err
		}
		schools, total = p.Items, p.Total
	} else {
		// Filtering on the account: walk the (few hundred) institutions.
		sf.Page, sf.PerPage = 0, 0
		have, err := s.accountCodes(ctx)
		if err != nil {
			return nil, 0, err
		}
		page, per := max(f.Page, 1), f.PerPage
		if per == 0 {
			per = 50
		}
		err = s.Schools.Each(ctx, sc, sf, func(sch school.School) error {
			if have[sch.Code] == (f.Account == "yes") {
				if total >= (page-1)*per && total < page*per {
					schools = append(schools, sch)
				}
				total++
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	rows := make([]Row, len(schools))
	codes := make([]string, len(schools))
	for i, sch := range schools {
		rows[i] = Row{School: sch, NoAccount: true}
		codes[i] = sch.Code
	}
	if len(codes) == 0 {
		return rows, total, nil
	}
	ph := make([]string, len(codes))
	args := make([]any, len(codes))
	for i, c := range codes {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), c
	}
	in := strings.Join(ph, ", ")
	byCode := map[string]*Row{}
	for i := range rows {
		byCode[rows[i].Code] = &rows[i]
	}
	arows, err := s.DB.QueryContext(ctx, `SELECT `+accountCols+` FROM training_account WHERE school_code IN (`+in+`)`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("read accounts: %w", err)
	}
	for arows.Next() {
		a, err := scanAccount(arows)
		if err != nil {
			arows.Close()
			return nil, 0, err
		}
		r := byCode[a.SchoolCode]
		r.Account, r.NoAccount = &a, false
	}
	arows.Close()
	crows, err := s.DB.QueryContext(ctx, `SELECT school_code, count(*), COALESCE(sum(CASE WHEN violations <> '[]' THEN 1 ELSE 0 END), 0)
		FROM training_charge_check WHERE school_code IN (`+in+`) GROUP BY school_code`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("count checks: %w", err)
	}
	for crows.Next() {
		var code string
		var n, bad int
		if err := crows.Scan(&code, &n, &bad); err != nil {
			crows.Close()
			return nil, 0, err
		}
		byCode[code].Checks, byCode[code].Violating = n, bad
	}
	crows.Close()
	open, err := s.Cases.OpenBySchool(ctx, sc, casework.TrainingCase, codes)
	if err != nil {
		return nil, 0, err
	}
	for code, n := range open {
		byCode[code].OpenCases = n
	}
	return rows, total, nil
}

func (s *Service) accountCodes(ctx context.Context) (map[string]bool, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT school_code FROM training_account`)
	if err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// AccountHook records the supervised account given with an approved
// training-institution licence (fields account_kind, account_bank,
// account_no, deposit in yuan), in the approval's transaction; chain it after
// casework.TrainingRegistryHook, which puts the institution in the registry.
func AccountHook(s *Service) casework.Hook {
	return func(ctx context.Context, tx db.Tx, c casework.Case, ev casework.Event) error {
		f := c.Fields
		if f["account_kind"] == "" && f["account_no"] == "" && f["account_bank"] == "" {
			return nil
		}
		code := c.SchoolCode
		if f["matter"] == "establish" {
			code = f["new_code"]
		}
		yuan, _ := strconv.ParseInt(f["deposit"], 10, 64)
		a := Account{Kind: AccountKind(f["account_kind"]), Bank: f["account_bank"], AccountNo: f["account_no"], DepositFen: yuan * 100,
			Since: ev.On}
		old, had, err := account(ctx, tx, code)
		if err != nil {
			return err
		}
		ver := 0
		if had {
			ver = old.Version
		}
		_, err = s.setAccountTx(ctx, tx, scope.Area(c.CountyCode), code, a, ver,
			audit.Actor{UserID: ev.ByID, Username: ev.By, Reason: c.Number})
		if err != nil {
			fe := fault.As(err)
			out := &fault.Error{Kind: fe.Kind, Msg: fe.Msg, Err: fe.Err}
			for _, x := range fe.Fields {
				name := map[string]string{"kind": "account_kind", "bank": "account_bank", "account_no": "account_no", "deposit": "deposit"}[x.Field]
				if name == "" {
					name = "account_kind"
				}
				out.Fields = append(out.Fields, fault.FieldError{Field: name, Msg: x.Msg})
			}
			return out
		}
		return nil
	}
}
