package student

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// Where each encrypted value lives: the aad it is sealed with.
const (
	aadStudentNo     = "student.student_no"
	aadIDNumber      = "student.id_number"
	aadAddress       = "student.address"
	aadGuardianName  = "student_guardian.name"
	aadGuardianPhone = "student_guardian.phone"
	aadFollowUpNote  = "student_followup_action.note"
)

// The encrypted columns, so that `edubureau keys rotate` re-encrypts them.
func init() {
	pii.RegisterColumn(pii.Column{Table: "student", KeyColumn: "id", Column: "student_no", AAD: aadStudentNo})
	pii.RegisterColumn(pii.Column{Table: "student", KeyColumn: "id", Column: "id_number", AAD: aadIDNumber})
	pii.RegisterColumn(pii.Column{Table: "student", KeyColumn: "id", Column: "address", AAD: aadAddress})
	pii.RegisterColumn(pii.Column{Table: "student_guardian", KeyColumn: "id", Column: "name", AAD: aadGuardianName})
	pii.RegisterColumn(pii.Column{Table: "student_guardian", KeyColumn: "id", Column: "phone", AAD: aadGuardianPhone})
	pii.RegisterColumn(pii.Column{Table: "student_followup_action", KeyColumn: "id", Column: "note", AAD: aadFollowUpNote})
}

// Actor says who acts, from where and why (the audit log's actor). The
// transfer steps also read its organisation (OrgKind, OrgCode) to know which
// party is approving.
type Actor = audit.Actor

// Registry is the student registry on a database. Every change writes its
// events and its audit entry in the same transaction.
type Registry struct {
	DB      *db.DB
	Audit   *audit.Log
	Keys    *pii.Keyring
	Schools *school.Registry
	Rules   Rules
	Now     func() time.Time // injectable for tests

	// CountsMaxAge, when positive, lets Counts reuse a result that long
	// (per scope): the dashboard's figures need not be to the second.
	CountsMaxAge time.Duration

	// OnLoadStage, when set, is told how long each stage of CreateMany took
	// (drop indexes, write, build indexes, probable duplicates, commit).
	OnLoadStage func(stage string, took time.Duration)

	countsMu    sync.Mutex
	countsCache map[string]cachedCounts
}

// New returns a registry on d whose personal data is sealed with keys.
func New(d *db.DB, keys *pii.Keyring) *Registry {
	return &Registry{DB: d, Audit: audit.New(d), Keys: keys, Schools: school.New(d), Rules: DefaultRules(), Now: time.Now}
}

func (r *Registry) now() time.Time { return r.Now().UTC().Truncate(time.Microsecond) }

func today(t time.Time) string { return t.Format(time.DateOnly) }

// IDIndex is the blind index of an ID number as the registry stores it: an
// exact lookup by ID number compares this.
func (r *Registry) IDIndex(number string) string { return r.Keys.Index(pii.IndexIDNumber, number) }

// StudentNoIndex is the blind index of a national student number.
func (r *Registry) StudentNoIndex(no string) string {
	return r.Keys.Index("student_no", idno.Normalize(no))
}

// IDTailIndex is the blind index of the last n characters (4 or 6) of an ID
// number (its normalised form): "search by the last digits of the ID", and
// the admissions results lookup (exam number + last six of the ID). It is
// 16 hex digits: a lookup key among at most a million distinct tails, where
// a 64-bit index has no practical collisions. "" when the number is shorter.
func (r *Registry) IDTailIndex(n int, number string) string {
	s := idno.Normalize(number)
	if len(s) < n {
		return ""
	}
	return r.Keys.Index(fmt.Sprintf("id_last%d", n), s[len(s)-n:])[:16]
}

func (r *Registry) seal(plain, aad string) (string, error) { return r.Keys.Encrypt(plain, aad) }

func (r *Registry) open(ct, aad string) (string, error) { return r.Keys.Decrypt(ct, aad) }

// dupKey is the keyed hash that probable duplicates share: the student's
// name and birth date and one guardian's phone.
func (r *Registry) dupKey(nameKey, birth, phone string) string {
	if phone == "" {
		return ""
	}
	return r.Keys.Index("student.duplicate", nameKey+"\x00"+birth+"\x00"+normalPhone(phone))[:32]
}

// studentScope is sc as a condition on the student alias a: a county of the
// scope is compared by equality (its index then serves name order).
func studentScope(sc scope.Scope, alias string, next int) (string, []any) {
	return scopeSQL(sc, alias+".county_code", alias+".school_code", next)
}

func scopeSQL(sc scope.Scope, areaCol, schoolCol string, next int) (string, []any) {
	if sc.All {
		return "1=1", nil
	}
	var parts []string
	var args []any
	for _, a := range sc.Areas {
		if len(a) == 6 && !strings.HasSuffix(a, "00") {
			parts = append(parts, fmt.Sprintf("%s = $%d", areaCol, next))
			args = append(args, a)
			next++
			continue
		}
		n, _ := area.Normalize(a)
		if n == "" {
			n = a
		}
		lo, hi := area.Range(n)
		parts = append(parts, fmt.Sprintf("(%s >= $%d AND %s < $%d)", areaCol, next, areaCol, next+1))
		args = append(args, lo, hi)
		next += 2
	}
	for _, c := range sc.Schools {
		parts = append(parts, fmt.Sprintf("%s = $%d", schoolCol, next))
		args = append(args, c)
		next++
	}
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// stored is a student row as it is in the database (personal data sealed).
type stored struct {
	ID                                int64
	StudentNo, StudentNoIndex, NoKind string
	Name, NameKey, Gender, BirthDate  string
	IDType, IDNumber, IDIndex         string
	IDLast4, IDLast6                  string
	Ethnicity, Nationality, Hukou     string
	Address, Township                 string
	Lng, Lat                          sql.NullFloat64
	Migrant, LeftBehind               bool
	SpecialNeeds, FinancialAid        string
	Status, School, County, Level     string
	Grade                             int
	ClassID                           sql.NullInt64
	AbsentSince                       sql.NullString
	RepeatMarked                      bool
	MergedInto                        sql.NullInt64
	ContentHash                       string
	Version                           int
	CreatedAt, UpdatedAt              time.Time
	SchoolName, CountyName, ClassName string
	SchoolType                        string
}

const studentColumns = `s.id, s.student_no, s.student_no_index, s.student_no_kind, s.name, s.name_key, s.gender, s.birth_date,
	s.id_type, s.id_number, s.id_index, s.id_last4, s.id_last6, s.ethnicity, s.nationality, s.hukou_area, s.address,
	s.township_code, s.lng, s.lat, s.migrant, s.left_behind, s.special_needs, s.financial_aid, s.status, s.school_code,
	s.county_code, s.level, s.grade, s.class_id, s.absent_since, s.repeat_marked, s.merged_into, s.content_hash,
	s.version, s.created_at, s.updated_at, COALESCE(sch.name, ''), COALESCE(c.name, ''), COALESCE(k.name, ''), COALESCE(sch.type, '')`

const studentJoins = ` FROM student s LEFT JOIN school sch ON sch.code = s.school_code LEFT JOIN area c ON c.code = s.county_code
	LEFT JOIN student_class k ON k.id = s.class_id`

type scanner interface{ Scan(...any) error }

func scanStored(sc scanner) (stored, error) {
	var s stored
	err := sc.Scan(&s.ID, &s.StudentNo, &s.StudentNoIndex, &s.NoKind, &s.Name, &s.NameKey, &s.Gender, &s.BirthDate,
		&s.IDType, &s.IDNumber, &s.IDIndex, &s.IDLast4, &s.IDLast6, &s.Ethnicity, &s.Nationality, &s.Hukou, &s.Address,
		&s.Township, &s.Lng, &s.Lat, &s.Migrant, &s.LeftBehind, &s.SpecialNeeds, &s.FinancialAid, &s.Status, &s.School,
		&s.County, &s.Level, &s.Grade, &s.ClassID, &s.AbsentSince, &s.RepeatMarked, &s.MergedInto, &s.ContentHash,
		&s.Version, &s.CreatedAt, &s.UpdatedAt, &s.SchoolName, &s.CountyName, &s.ClassName, &s.SchoolType)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, err
}

// decode turns a stored row into a Student with its personal data in clear.
func (r *Registry) decode(s stored, guardians []Guardian) (Student, error) {
	out := Student{ID: s.ID, Name: s.Name, Gender: idno.Gender(s.Gender), BirthDate: s.BirthDate,
		IDType: idno.IDType(s.IDType), Ethnicity: s.Ethnicity, Nationality: s.Nationality, Hukou: s.Hukou,
		Township: s.Township, Migrant: s.Migrant, LeftBehind: s.LeftBehind, SpecialNeeds: s.SpecialNeeds,
		FinancialAid: s.FinancialAid, Guardians: guardians, School: s.School, Grade: Grade(s.Grade),
		ClassID: s.ClassID.Int64, Status: Status(s.Status), County: s.County, Level: Level(s.Level),
		AbsentSince: s.AbsentSince.String, RepeatMarked: s.RepeatMarked, MergedInto: s.MergedInto.Int64,
		Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, SchoolName: s.SchoolName,
		CountyName: s.CountyName, ClassName: s.ClassName}
	if out.Guardians == nil {
		out.Guardians = []Guardian{}
	}
	if s.Lng.Valid && s.Lat.Valid {
		lng, lat := s.Lng.Float64, s.Lat.Float64
		out.Lng, out.Lat = &lng, &lat
	}
	var err error
	if out.StudentNo, err = r.open(s.StudentNo, aadStudentNo); err != nil {
		return Student{}, err
	}
	if out.IDNumber, err = r.open(s.IDNumber, aadIDNumber); err != nil {
		return Student{}, err
	}
	if out.Address, err = r.open(s.Address, aadAddress); err != nil {
		return Student{}, err
	}
	return out, nil
}

// MaskStudentNo masks a national student number like the ID number inside it.
func MaskStudentNo(no string) string {
	if len(no) > 1 && (no[0] == 'G' || no[0] == 'J' || no[0] == 'L') {
		return no[:1] + pii.MaskID(no[1:])
	}
	return pii.MaskID(no)
}

// MaskAddress keeps the first third of an address (at most 9 characters:
// the province, city and district as usually written) and masks the rest.
func MaskAddress(a string) string {
	rs := []rune(strings.TrimSpace(a))
	if len(rs) == 0 {
		return ""
	}
	keep := min(len(rs)/3, 9)
	return string(rs[:keep]) + strings.Repeat("*", len(rs)-keep)
}

// Mask returns s with its personal fields masked and its coordinates (which
// locate a child's home) removed.
func (s Student) Mask() Student {
	if s.Masked {
		return s
	}
	s.StudentNo = MaskStudentNo(s.StudentNo)
	s.IDNumber = pii.MaskID(s.IDNumber)
	s.Address = MaskAddress(s.Address)
	s.Lng, s.Lat = nil, nil
	gs := make([]Guardian, len(s.Guardians))
	for i, g := range s.Guardians {
		gs[i] = Guardian{Name: pii.MaskName(g.Name), Relation: g.Relation, Phone: pii.MaskPhone(g.Phone)}
	}
	s.Guardians = gs
	s.Masked = true
	return s
}

func notFound(id int64) error {
	return fault.New(fault.NotFound, "没有编号为 %d 的学生", "no student with id %d", id)
}

// load reads a student in sc (not found outside it), with personal data in clear.
func (r *Registry) load(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Student, stored, error) {
	clause, args := studentScope(sc, "s", 2)
	row, err := scanStored(q.QueryRowContext(ctx, `SELECT `+studentColumns+studentJoins+` WHERE s.id = $1 AND `+clause,
		append([]any{id}, args...)...))
	if db.IsNoRows(err) {
		return Student{}, stored{}, notFound(id)
	}
	if err != nil {
		return Student{}, stored{}, fmt.Errorf("get student %d: %w", id, err)
	}
	gs, err := r.guardians(ctx, q, id)
	if err != nil {
		return Student{}, stored{}, err
	}
	s, err := r.decode(row, gs)
	return s, row, err
}

func (r *Registry) guardians(ctx context.Context, q db.Querier, id int64) ([]Guardian, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, relation, phone FROM student_guardian WHERE student_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("guardians of student %d: %w", id, err)
	}
	defer rows.Close()
	out := []Guardian{}
	for rows.Next() {
		var g Guardian
		if err := rows.Scan(&g.Name, &g.Relation, &g.Phone); err != nil {
			return nil, err
		}
		if g.Name, err = r.open(g.Name, aadGuardianName); err != nil {
			return nil, err
		}
		if g.Phone, err = r.open(g.Phone, aadGuardianPhone); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Get returns a student in sc with personal data masked; a student outside
// sc is not found.
func (r *Registry) Get(ctx context.Context, sc scope.Scope, id int64) (Student, error) {
	s, _, err := r.load(ctx, r.DB, sc, id)
	if err != nil {
		return Student{}, err
	}
	return s.Mask(), nil
}

// GetTx is Get inside the caller's transaction.
func (r *Registry) GetTx(ctx context.Context, tx db.Tx, sc scope.Scope, id int64) (Student, error) {
	s, _, err := r.load(ctx, tx, sc, id)
	if err != nil {
		return Student{}, err
	}
	return s.Mask(), nil
}

// Reveal returns a student with personal data in clear, for a user holding
// student.view_pii who states why; the view is written to the audit log
// with the reason (an attempt without the permission is logged as denied).
func (r *Registry) Reveal(ctx context.Context, u auth.User, id int64, reason string, by Actor) (Student, error) {
	reason = strings.TrimSpace(reason)
	entry := audit.Entry{Action: "student.view_pii", RecordType: "student", RecordID: fmt.Sprint(id), Detail: reason}.ByActor(by)
	if !u.Can(auth.StudentViewPII) {
		entry.Outcome = audit.Denied
		if err := r.Audit.Append(ctx, entry); err != nil {
			return Student{}, err
		}
		return Student{}, fault.New(fault.Forbidden, "您无权查看学生的完整个人信息", "you may not see students' full personal data")
	}
	if utf8.RuneCountInString(reason) < 2 {
		var v fault.Validation
		v.Add("reason", "请说明查看完整个人信息的理由", "say why you need to see the full personal data")
		return Student{}, v.Err()
	}
	s, _, err := r.load(ctx, r.DB, u.Scope(), id)
	if err != nil {
		return Student{}, err
	}
	if err := r.Audit.Append(ctx, entry); err != nil {
		return Student{}, err
	}
	return s, nil
}

// placement is the school, grade and class a student is put in, checked.
type placement struct {
	School school.School
	Grade  Grade
	Class  int64
	Level  Level
}

// checkPlacement verifies that the school is in sc and active, that the
// grade exists at it, and that the class belongs to it and the grade.
func (r *Registry) checkPlacement(ctx context.Context, tx db.Tx, sc scope.Scope, code string, g Grade, classID int64) (placement, error) {
	sch, err := r.Schools.GetTx(ctx, tx, sc, code)
	if err != nil {
		return placement{}, err
	}
	var v fault.Validation
	if sch.Status != school.Active {
		v.AddText("school", i18n2("学校“%s”不在办学中（%s），不能接收学生", "school %q is not active (%s) and cannot take students",
			[]any{sch.Name, school.StatusName(sch.Status).ZH}, []any{sch.Name, school.StatusName(sch.Status).EN}))
		return placement{}, v.Err()
	}
	if msg := r.Rules.CheckPlacement(sch.Type, g); msg != nil {
		v.AddText("grade", *msg)
		return placement{}, v.Err()
	}
	if classID != 0 {
		var cs string
		var cg int
		err := tx.QueryRowContext(ctx, `SELECT school_code, grade FROM student_class WHERE id = $1`, classID).Scan(&cs, &cg)
		switch {
		case db.IsNoRows(err) || err == nil && cs != code:
			v.Add("class_id", "学校“%s”没有编号为 %d 的班级", "school %q has no class %d", sch.Name, classID)
		case err != nil:
			return placement{}, fmt.Errorf("read class %d: %w", classID, err)
		case Grade(cg) != g:
			v.AddText("class_id", i18n2("该班级属于%s，不是%s", "the class is in %s, not %s",
				[]any{Grade(cg).NameAt(sch.Type).ZH, g.NameAt(sch.Type).ZH}, []any{Grade(cg).NameAt(sch.Type).EN, g.NameAt(sch.Type).EN}))
		}
		if err := v.Err(); err != nil {
			return placement{}, err
		}
	}
	return placement{School: sch, Grade: g, Class: classID, Level: r.Rules.System.LevelOf(sch.Type, g)}, nil
}

// existing reports a registered student with the same ID number (or national
// student number) as a Conflict naming where they are, as far as sc allows:
// within the user's scope the school and student are named; outside it, only
// that the child is registered elsewhere in the jurisdiction.
func (r *Registry) existing(ctx context.Context, q db.Querier, sc scope.Scope, idIndex, noIndex string, except int64) error {
	var id int64
	var name, schoolCode, county, schoolName, status string
	err := q.QueryRowContext(ctx, `SELECT s.id, s.name, s.school_code, s.county_code, COALESCE(sch.name, ''), s.status
		FROM student s LEFT JOIN school sch ON sch.code = s.school_code
		WHERE (s.id_index = $1 OR s.student_no_index = $2) AND s.id <> $3`, idIndex, noIndex, except).
		Scan(&id, &name, &schoolCode, &county, &schoolName, &status)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up the ID number: %w", err)
	}
	if sc.Reaches(county, schoolCode) {
		st := StatusName(Status(status))
		return fieldFault(fault.Conflict, "id_number", i18n2("该证件号已登记：学生 %s（编号 %d），%s，%s", "this ID number is already registered: student %s (id %d), %s, %s",
			[]any{pii.MaskName(name), id, schoolName, st.ZH}, []any{pii.MaskName(name), id, schoolName, st.EN}))
	}
	return fieldFault(fault.Conflict, "id_number", i18n.T("该证件号已在本辖区另一所学校登记", "this ID number is already registered at another school of the jurisdiction"))
}
