package student

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/year"
)

// Class is a class (班级) of a school in one academic year.
type Class struct {
	ID           int64     `json:"id,string"`
	School       string    `json:"school"`
	County       string    `json:"county"`
	AcademicYear string    `json:"academic_year"` // "2026-2027"
	Grade        Grade     `json:"grade"`
	Number       int       `json:"number"` // 1 for (1)班
	Name         string    `json:"name"`   // "" on create: 三年级（2）班
	HeadTeacher  string    `json:"head_teacher,omitempty"`
	SizeLimit    int       `json:"size_limit"` // the class's own limit; 0 uses Rules.ClassLimit
	CreatedAt    time.Time `json:"created_at"`

	// Filled by Classes.
	Limit      int         `json:"limit"`       // the limit in force
	Students   int         `json:"students"`    // enrolled and suspended students in it
	OverLimit  bool        `json:"over_limit"`  // Students > Limit
	SchoolName string      `json:"school_name"` // for display
	SchoolType school.Type `json:"-"`
}

// DefaultClassName is how a class is called when no name is given: 三年级（2）班.
func DefaultClassName(t school.Type, g Grade, n int) string {
	return fmt.Sprintf("%s（%d）班", g.NameAt(t).ZH, n)
}

func (c *Class) normalize() {
	c.School, c.AcademicYear = strings.TrimSpace(c.School), strings.TrimSpace(c.AcademicYear)
	c.Name, c.HeadTeacher = cleanName(c.Name), cleanName(c.HeadTeacher)
}

// check validates a class against its school (already read in scope).
func (r *Registry) checkClass(c *Class, sch school.School) error {
	var v fault.Validation
	if _, err := year.ParseAcademic(c.AcademicYear); err != nil {
		v.AddText("academic_year", fault.As(err).Msg)
	}
	if msg := r.Rules.CheckPlacement(sch.Type, c.Grade); msg != nil {
		v.AddText("grade", *msg)
	}
	if c.Number < 1 || c.Number > 99 {
		v.Add("number", "班号应在 1–99 之间", "the class number must be 1–99")
	}
	if utf8.RuneCountInString(c.Name) > 30 {
		v.Add("name", "班级名称不能超过 30 个字", "the class name must be at most 30 characters")
	}
	if utf8.RuneCountInString(c.HeadTeacher) > 50 {
		v.Add("head_teacher", "班主任姓名不能超过 50 个字", "the head teacher's name must be at most 50 characters")
	}
	if c.SizeLimit < 0 || c.SizeLimit > 200 {
		v.Add("size_limit", "班额上限应在 0–200 之间（0 为默认）", "the size limit must be 0–200 (0 for the default)")
	}
	return v.Err()
}

var classColumns = []string{"id", "school_code", "county_code", "academic_year", "grade", "number", "name", "head_teacher", "size_limit", "created_at"}

func classRow(c *Class) []any {
	return []any{c.ID, c.School, c.County, c.AcademicYear, int(c.Grade), c.Number, c.Name, c.HeadTeacher, c.SizeLimit, c.CreatedAt}
}

func classTaken(c *Class) error {
	return fieldFault(fault.Conflict, "number", i18n2("该校 %s 学年%s已有（%d）班", "the school already has class %d of %s in %s",
		[]any{c.AcademicYear, c.Grade.Name().ZH, c.Number}, []any{c.Number, c.Grade.Name().EN, c.AcademicYear}))
}

// CreateClass adds a class to a school in sc (else not found); the school,
// year, grade and number identify it.
func (r *Registry) CreateClass(ctx context.Context, sc scope.Scope, c Class, by Actor) (Class, error) {
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		if err := r.createClass(ctx, tx, sc, &c, nil); err != nil {
			return err
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.class_create", RecordType: "student_class",
			RecordID: fmt.Sprint(c.ID), Changes: audit.Diff(nil, c, nil)}.ByActor(by))
	})
	return c, err
}

// CreateClasses adds many classes in one transaction, all or none, with one
// audit entry (the demo generator).
func (r *Registry) CreateClasses(ctx context.Context, sc scope.Scope, classes []Class, by Actor) error {
	cache := map[string]school.School{}
	return r.DB.InTx(ctx, func(tx db.Tx) error {
		for i := range classes {
			if err := r.createClass(ctx, tx, sc, &classes[i], cache); err != nil {
				return fmt.Errorf("class %d (%s %s %d): %w", i+1, classes[i].School, classes[i].Grade, classes[i].Number, err)
			}
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.class_create_many", RecordType: "student_class",
			Detail: fmt.Sprintf("%d classes", len(classes))}.ByActor(by))
	})
}

func (r *Registry) createClass(ctx context.Context, tx db.Tx, sc scope.Scope, c *Class, cache map[string]school.School) error {
	c.normalize()
	sch, ok := cache[c.School]
	if !ok {
		var err error
		if sch, err = r.Schools.GetTx(ctx, tx, sc, c.School); err != nil {
			return err
		}
		if cache != nil {
			cache[c.School] = sch
		}
	}
	if err := r.checkClass(c, sch); err != nil {
		return err
	}
	if c.Name == "" {
		c.Name = DefaultClassName(sch.Type, c.Grade, c.Number)
	}
	c.ID, c.County, c.CreatedAt = db.NewID(), sch.County, r.now()
	if err := insertRows(ctx, tx, "student_class", classColumns, [][]any{classRow(c)}); err != nil {
		if db.IsUniqueViolation(err) {
			return classTaken(c)
		}
		return fmt.Errorf("insert class: %w", err)
	}
	return nil
}

// UpdateClass changes a class's name, head teacher and size limit.
func (r *Registry) UpdateClass(ctx context.Context, sc scope.Scope, id int64, name, headTeacher string, sizeLimit int, by Actor) (Class, error) {
	var c Class
	err := r.DB.InTx(ctx, func(tx db.Tx) error {
		old, err := r.class(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		c = old
		c.Name, c.HeadTeacher, c.SizeLimit = name, headTeacher, sizeLimit
		c.normalize()
		sch, err := r.Schools.GetTx(ctx, tx, scope.Everything, c.School)
		if err != nil {
			return err
		}
		if c.Name == "" {
			c.Name = DefaultClassName(sch.Type, c.Grade, c.Number)
		}
		if err := r.checkClass(&c, sch); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE student_class SET name = $2, head_teacher = $3, size_limit = $4 WHERE id = $1`,
			id, c.Name, c.HeadTeacher, c.SizeLimit); err != nil {
			return fmt.Errorf("update class %d: %w", id, err)
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.class_update", RecordType: "student_class",
			RecordID: fmt.Sprint(id), Changes: audit.Diff(old, c, nil)}.ByActor(by))
	})
	return c, err
}

const classSelect = `SELECT k.id, k.school_code, k.county_code, k.academic_year, k.grade, k.number, k.name, k.head_teacher,
	k.size_limit, k.created_at, COALESCE(sch.name, ''), COALESCE(sch.type, '')`

func scanClass(sc scanner, extra ...any) (Class, error) {
	var c Class
	err := sc.Scan(append([]any{&c.ID, &c.School, &c.County, &c.AcademicYear, &c.Grade, &c.Number, &c.Name, &c.HeadTeacher,
		&c.SizeLimit, &c.CreatedAt, &c.SchoolName, &c.SchoolType}, extra...)...)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

func (r *Registry) class(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Class, error) {
	clause, args := scopeSQL(sc, "k.county_code", "k.school_code", 2)
	c, err := scanClass(q.QueryRowContext(ctx, classSelect+` FROM student_class k LEFT JOIN school sch ON sch.code = k.school_code
		WHERE k.id = $1 AND `+clause, append([]any{id}, args...)...))
	if db.IsNoRows(err) {
		return Class{}, fault.New(fault.NotFound, "没有编号为 %d 的班级", "no class with id %d", id)
	}
	if err != nil {
		return Class{}, fmt.Errorf("get class %d: %w", id, err)
	}
	c.Limit = r.Rules.ClassLimit(c.SchoolType, c.Grade, c.SizeLimit)
	return c, nil
}

// ClassFilter selects classes.
type ClassFilter struct {
	School       string // a school's identifier
	County       string // or every school of a county (or any area code)
	AcademicYear string // "" is every year
	Grade        *Grade
	OverLimit    bool // only classes over their size limit
}

// Classes lists the classes in sc matching f with their student counts and
// size limits (ordered by school, year, grade and number): the class-size
// report flags those over the limit.
func (r *Registry) Classes(ctx context.Context, sc scope.Scope, f ClassFilter) ([]Class, error) {
	clause, args := scopeSQL(sc, "k.county_code", "k.school_code", 1)
	conds := []string{clause}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.School != "" {
		add("k.school_code = $%d", f.School)
	}
	if f.County != "" {
		if len(f.County) == 6 && !strings.HasSuffix(f.County, "00") {
			add("k.county_code = $%d", f.County)
		} else {
			ccl, cargs := scopeSQL(scope.Area(f.County), "k.county_code", "k.school_code", len(args)+1)
			conds, args = append(conds, ccl), append(args, cargs...)
		}
	}
	if f.AcademicYear != "" {
		add("k.academic_year = $%d", f.AcademicYear)
	}
	if f.Grade != nil {
		add("k.grade = $%d", int(*f.Grade))
	}
	rows, err := r.DB.QueryContext(ctx, classSelect+`, (SELECT COUNT(*) FROM student s WHERE s.class_id = k.id AND s.status IN ('enrolled', 'suspended'))
		FROM student_class k LEFT JOIN school sch ON sch.code = k.school_code
		WHERE `+strings.Join(conds, " AND ")+` ORDER BY k.school_code, k.academic_year, k.grade, k.number`, args...)
	if err != nil {
		return nil, fmt.Errorf("list classes: %w", err)
	}
	defer rows.Close()
	out := []Class{}
	for rows.Next() {
		var n int
		c, err := scanClass(rows, &n)
		if err != nil {
			return nil, fmt.Errorf("list classes: %w", err)
		}
		c.Students = n
		c.Limit = r.Rules.ClassLimit(c.SchoolType, c.Grade, c.SizeLimit)
		c.OverLimit = c.Limit > 0 && n > c.Limit
		if f.OverLimit && !c.OverLimit {
			continue
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
