package student

import (
	"context"
	"fmt"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/scope"
)

// sealed is what a student's personal data becomes for storage.
type sealed struct {
	StudentNo, StudentNoIndex, NoKind string
	IDNumber, IDIndex, Last4, Last6   string
	Address                           string
	NameKey                           string
	Hash                              string
}

func (r *Registry) sealStudent(s *Student) (sealed, error) {
	out, err := r.sealFields(s)
	if err == nil {
		out.Hash = contentHash(s, r.Keys.Index)
	}
	return out, err
}

// sealFields is sealStudent but for the content hash, which covers the
// class: the import computes it once the class is known.
func (r *Registry) sealFields(s *Student) (sealed, error) {
	var out sealed
	var err error
	if out.StudentNo, err = r.seal(s.StudentNo, aadStudentNo); err != nil {
		return out, err
	}
	if out.IDNumber, err = r.seal(s.IDNumber, aadIDNumber); err != nil {
		return out, err
	}
	if out.Address, err = r.seal(s.Address, aadAddress); err != nil {
		return out, err
	}
	out.StudentNoIndex = r.StudentNoIndex(s.StudentNo)
	if s.StudentNo != "" {
		out.NoKind = s.StudentNo[:1]
	}
	out.IDIndex = r.IDIndex(s.IDNumber)
	out.Last4, out.Last6 = r.IDTailIndex(4, s.IDNumber), r.IDTailIndex(6, s.IDNumber)
	out.NameKey = NameKey(s.Name)
	return out, nil
}

var studentInsertColumns = []string{"id", "student_no", "student_no_index", "student_no_kind", "name", "name_key", "gender",
	"birth_date", "id_type", "id_number", "id_index", "id_last4", "id_last6", "ethnicity", "nationality", "hukou_area",
	"address", "township_code", "lng", "lat", "migrant", "left_behind", "special_needs", "financial_aid", "status",
	"school_code", "county_code", "level", "grade", "class_id", "absent_since", "repeat_marked", "merged_into",
	"content_hash", "version", "created_at", "updated_at"}

func floatOrNil(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func studentRow(s *Student, x sealed) []any {
	return []any{s.ID, x.StudentNo, x.StudentNoIndex, x.NoKind, s.Name, x.NameKey, string(s.Gender), s.BirthDate,
		string(s.IDType), x.IDNumber, x.IDIndex, x.Last4, x.Last6, s.Ethnicity, s.Nationality, s.Hukou, x.Address,
		s.Township, floatOrNil(s.Lng), floatOrNil(s.Lat), s.Migrant, s.LeftBehind, s.SpecialNeeds, s.FinancialAid,
		string(s.Status), s.School, s.County, string(s.Level), int(s.Grade), nullInt(s.ClassID), nullText(s.AbsentSince),
		s.RepeatMarked, nullInt(s.MergedInto), x.Hash, s.Version, s.CreatedAt, s.UpdatedAt}
}

var guardianColumns = []string{"id", "student_id", "school_code", "county_code", "seq", "name", "relation", "phone", "dup_key"}

// guardianRows seals a student's guardians for storage.
func (r *Registry) guardianRows(s *Student, nameKey string) ([][]any, error) {
	rows := make([][]any, 0, len(s.Guardians))
	for i, g := range s.Guardians {
		name, err := r.seal(g.Name, aadGuardianName)
		if err != nil {
			return nil, err
		}
		phone, err := r.seal(g.Phone, aadGuardianPhone)
		if err != nil {
			return nil, err
		}
		rows = append(rows, []any{db.NewID(), s.ID, s.School, s.County, i + 1, name, g.Relation, phone,
			r.dupKey(nameKey, s.BirthDate, g.Phone)})
	}
	return rows, nil
}

func insertRows(ctx context.Context, tx db.Tx, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	ph := ""
	for i := range columns {
		if i > 0 {
			ph += ", "
		}
		ph += fmt.Sprintf("$%d", i+1)
	}
	q := "INSERT INTO " + table + " (" + joinColumns(columns) + ") VALUES (" + ph + ")"
	for _, row := range rows {
		if _, err := tx.ExecContext(ctx, q, row...); err != nil {
			return err
		}
	}
	return nil
}

func joinColumns(cs []string) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += ", "
		}
		out += c
	}
	return out
}

// duplicateID is the fault for an ID number or student number met by the
// database's unique key (a concurrent entry of the same child).
func duplicateID() error {
	return fieldFault(fault.Conflict, "id_number", i18n.T("该证件号或学籍号已在本辖区登记", "this ID number or student number is already registered in the jurisdiction"))
}

// Create registers a student and enrols them at s.School in s.Grade (and
// s.ClassID when given) on s.EnrolledOn (today when ""): the record, the
// enrolment, the enrol event, the guardians and the audit entry in one
// transaction. The school must be in sc (else not found) and active, the
// grade must exist there, and no student in the jurisdiction may have the
// same ID number or national student number (a Conflict naming where, as
// far as sc allows). It returns the student, masked.
func (r *Registry) Create(ctx context.Context, sc scope.Scope, s Student, by Actor) (Student, error) {
	if err := r.DB.InTx(ctx, func(tx db.Tx) error { return r.CreateTx(ctx, tx, sc, &s, by) }); err != nil {
		return Student{}, err
	}
	return r.Get(ctx, scope.Everything, s.ID)
}

// CreateTx is Create inside the caller's transaction; s gets its id and
// stored form.
func (r *Registry) CreateTx(ctx context.Context, tx db.Tx, sc scope.Scope, s *Student, by Actor) error {
	if err := r.create(ctx, tx, sc, s, by); err != nil {
		return err
	}
	return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.create", RecordType: "student", RecordID: fmt.Sprint(s.ID),
		Changes: audit.Diff(nil, record(*s), personal)}.ByActor(by))
}

func (r *Registry) create(ctx context.Context, tx db.Tx, sc scope.Scope, s *Student, by Actor) error {
	s.Normalize()
	now := r.now()
	if err := s.Validate(now); err != nil {
		return err
	}
	if s.EnrolledOn == "" {
		s.EnrolledOn = today(now)
	}
	p, err := r.checkPlacement(ctx, tx, sc, s.School, s.Grade, s.ClassID)
	if err != nil {
		return err
	}
	x, err := r.sealStudent(s)
	if err != nil {
		return err
	}
	if err := r.existing(ctx, tx, sc, x.IDIndex, x.StudentNoIndex, 0); err != nil {
		return err
	}
	s.ID = db.NewID()
	s.Status, s.County, s.Level = Enrolled, p.School.County, p.Level
	s.AbsentSince, s.RepeatMarked, s.MergedInto = "", false, 0
	s.Version, s.CreatedAt, s.UpdatedAt = 1, now, now
	if err := insertRows(ctx, tx, "student", studentInsertColumns, [][]any{studentRow(s, x)}); err != nil {
		if db.IsUniqueViolation(err) {
			return duplicateID()
		}
		return fmt.Errorf("insert student: %w", err)
	}
	if _, err := enter(ctx, tx, s.ID, p, "enrol", s.EnrolledOn, 0); err != nil {
		return err
	}
	ev := Event{StudentID: s.ID, Kind: EvEnrol, On: s.EnrolledOn, School: s.School, County: s.County,
		GradeAfter: gradePtr(s.Grade), ClassAfter: s.ClassID, Reason: by.Reason}
	if err := addEvent(ctx, tx, &ev, now, by); err != nil {
		return err
	}
	gs, err := r.guardianRows(s, x.NameKey)
	if err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "student_guardian", guardianColumns, gs); err != nil {
		return fmt.Errorf("insert guardians: %w", err)
	}
	_, err = r.detectDuplicates(ctx, tx, s.ID, now)
	return err
}

// record is s with only the fields Update changes (for the audit's diff).
func record(s Student) Student {
	s.ID, s.Version, s.CreatedAt, s.UpdatedAt, s.Masked = 0, 0, time.Time{}, time.Time{}, false
	s.SchoolName, s.CountyName, s.ClassName = "", "", ""
	return s
}

// Update replaces a student's record fields (everything but the placement
// and the state, which change only through events). ifVersion, when not 0,
// must be the version the caller read (ETag/If-Match). When s.Masked is true
// (s came from Get and was edited on a form), a personal field still equal
// to its masked form, and coordinates left out, keep what is stored. A
// record that would not change is left as it is (same version, no audit).
// It returns the student, masked.
func (r *Registry) Update(ctx context.Context, sc scope.Scope, id int64, s Student, ifVersion int, by Actor) (Student, error) {
	if err := r.DB.InTx(ctx, func(tx db.Tx) error { return r.UpdateTx(ctx, tx, sc, id, &s, ifVersion, by) }); err != nil {
		return Student{}, err
	}
	return r.Get(ctx, scope.Everything, id)
}

// UpdateTx is Update inside the caller's transaction.
func (r *Registry) UpdateTx(ctx context.Context, tx db.Tx, sc scope.Scope, id int64, s *Student, ifVersion int, by Actor) error {
	old, _, err := r.load(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	if ifVersion != 0 && ifVersion != old.Version {
		return fault.New(fault.Precondition, "该学生的信息已被他人修改（当前版本 %d），请刷新后重试",
			"the student's record was changed meanwhile (now version %d); reload and try again", old.Version)
	}
	if old.Status == Merged {
		return fault.New(fault.Conflict, "该学籍已合并到学生 %d，不能再修改", "this record was merged into student %d and can no longer be changed", old.MergedInto)
	}
	s.Normalize()
	if s.Masked {
		m := old.Mask()
		keep := func(v *string, masked, clear string) {
			if *v == masked {
				*v = clear
			}
		}
		keep(&s.StudentNo, idno.Normalize(m.StudentNo), old.StudentNo)
		keep(&s.IDNumber, idno.Normalize(m.IDNumber), old.IDNumber)
		keep(&s.Address, m.Address, old.Address)
		for i := range s.Guardians {
			if i < len(old.Guardians) {
				keep(&s.Guardians[i].Name, m.Guardians[i].Name, old.Guardians[i].Name)
				keep(&s.Guardians[i].Phone, m.Guardians[i].Phone, old.Guardians[i].Phone)
			}
		}
		if s.Lng == nil && s.Lat == nil {
			s.Lng, s.Lat = old.Lng, old.Lat
		}
		s.Masked = false
	}
	// The placement and the state are the registry's.
	s.ID, s.School, s.Grade, s.ClassID, s.EnrolledOn = id, old.School, old.Grade, old.ClassID, ""
	s.Status, s.County, s.Level, s.AbsentSince, s.RepeatMarked, s.MergedInto = old.Status, old.County, old.Level, old.AbsentSince, old.RepeatMarked, old.MergedInto
	s.SchoolName, s.CountyName, s.ClassName = old.SchoolName, old.CountyName, old.ClassName
	now := r.now()
	if err := s.Validate(now); err != nil {
		return err
	}
	x, err := r.sealStudent(s)
	if err != nil {
		return err
	}
	if x.Hash == contentHash(&old, r.Keys.Index) {
		*s = old
		return nil
	}
	if s.IDNumber != old.IDNumber || s.StudentNo != old.StudentNo {
		if err := r.existing(ctx, tx, sc, x.IDIndex, x.StudentNoIndex, id); err != nil {
			return err
		}
	}
	s.Version, s.CreatedAt, s.UpdatedAt = old.Version+1, old.CreatedAt, now
	res, err := tx.ExecContext(ctx, `UPDATE student SET student_no = $2, student_no_index = $3, student_no_kind = $4, name = $5,
		name_key = $6, gender = $7, birth_date = $8, id_type = $9, id_number = $10, id_index = $11, id_last4 = $12,
		id_last6 = $13, ethnicity = $14, nationality = $15, hukou_area = $16, address = $17, township_code = $18,
		lng = $19, lat = $20, migrant = $21, left_behind = $22, special_needs = $23, financial_aid = $24,
		content_hash = $25, version = $26, updated_at = $27 WHERE id = $1 AND version = $28`,
		id, x.StudentNo, x.StudentNoIndex, x.NoKind, s.Name, x.NameKey, string(s.Gender), s.BirthDate, string(s.IDType),
		x.IDNumber, x.IDIndex, x.Last4, x.Last6, s.Ethnicity, s.Nationality, s.Hukou, x.Address, s.Township,
		floatOrNil(s.Lng), floatOrNil(s.Lat), s.Migrant, s.LeftBehind, s.SpecialNeeds, s.FinancialAid, x.Hash,
		s.Version, s.UpdatedAt, old.Version)
	if db.IsUniqueViolation(err) {
		return duplicateID()
	}
	if err != nil {
		return fmt.Errorf("update student %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.New(fault.Conflict, "该学生的信息已被他人修改，请刷新后重试", "the student's record was changed meanwhile; reload and try again")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM student_guardian WHERE student_id = $1`, id); err != nil {
		return fmt.Errorf("replace guardians of student %d: %w", id, err)
	}
	gs, err := r.guardianRows(s, x.NameKey)
	if err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "student_guardian", guardianColumns, gs); err != nil {
		return fmt.Errorf("insert guardians: %w", err)
	}
	if _, err := r.detectDuplicates(ctx, tx, id, now); err != nil {
		return err
	}
	return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.update", RecordType: "student", RecordID: fmt.Sprint(id),
		Changes: audit.Diff(record(old), record(*s), personal)}.ByActor(by))
}
