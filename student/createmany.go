package student

import (
	"context"
	"encoding/hex"
	"fmt"
	"iter"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// manyBatch is how many students CreateMany writes per round of COPY (or
// multi-row INSERTs): big enough to amortise, small enough to bound memory.
const manyBatch = 2000

// CreateMany registers many students, each enrolled as by Create, in one
// transaction: all or none (the demo generator's city-scale load). Students
// come from an iterator, so memory stays bounded whatever their number;
// rows are written in batches with COPY on PostgreSQL and multi-row prepared
// INSERTs on SQLite. Every student is validated as by Create (the school in
// sc and active, the grade valid for it, the class of that school and grade);
// an ID number or national student number repeated within the load is
// refused naming both students, one already registered is refused by the
// unique key (naming the batch: use the importer to learn which row).
// Probable duplicates are looked for once, at the end. The audit log gets one
// entry for the load. progress, when not nil, is called after each batch with
// the number written so far. It returns how many students were created.
func (r *Registry) CreateMany(ctx context.Context, sc scope.Scope, students iter.Seq[Student], by Actor, progress func(done int)) (int, error) {
	schools := map[string]school.School{}
	if err := r.Schools.Each(ctx, sc, school.Filter{}, func(s school.School) error { schools[s.Code] = s; return nil }); err != nil {
		return 0, err
	}
	type classKey struct {
		school string
		grade  Grade
	}
	classes := map[int64]classKey{}
	clause, args := scopeSQL(sc, "county_code", "school_code", 1)
	rows, err := r.DB.QueryContext(ctx, `SELECT id, school_code, grade FROM student_class WHERE `+clause, args...)
	if err != nil {
		return 0, fmt.Errorf("read classes: %w", err)
	}
	for rows.Next() {
		var id int64
		var k classKey
		if err := rows.Scan(&id, &k.school, &k.grade); err != nil {
			rows.Close()
			return 0, err
		}
		classes[id] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}

	now := r.now()
	done := 0
	err = r.DB.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		var first int64
		seenID := map[[16]byte]int{}
		seenNo := map[[16]byte]int{}
		var sRows, eRows, vRows, gRows [][]any
		batchStart := 1
		flush := func() error {
			if len(sRows) == 0 {
				return nil
			}
			for _, t := range []struct {
				table string
				cols  []string
				rows  [][]any
			}{{"student", studentInsertColumns, sRows}, {"student_enrolment", enrolmentColumns, eRows},
				{"student_event", eventColumns, vRows}, {"student_guardian", guardianColumns, gRows}} {
				if err := copy(ctx, t.table, t.cols, t.rows); err != nil {
					if db.IsUniqueViolation(err) {
						return &fault.Error{Kind: fault.Conflict, Err: err, Msg: i18n.T(
							"第 %d–%d 名学生中有证件号或学籍号已在本辖区登记，全部未导入", "one of students %d–%d has an ID number or student number already registered in the jurisdiction; nothing was loaded",
							batchStart, done)}
					}
					return err
				}
			}
			sRows, eRows, vRows, gRows = sRows[:0], eRows[:0], vRows[:0], gRows[:0]
			batchStart = done + 1
			if progress != nil {
				progress(done)
			}
			return ctx.Err()
		}
		for s := range students {
			n := done + 1
			fail := func(err error) error {
				fe := fault.As(err)
				msg := fe.Msg
				if len(fe.Fields) > 0 {
					l := FieldLabel(fe.Fields[0].Field)
					msg = i18n2("%s：%s", "%s: %s", []any{l.ZH, fe.Fields[0].Msg.ZH}, []any{l.EN, fe.Fields[0].Msg.EN})
				}
				return &fault.Error{Kind: fe.Kind, Fields: fe.Fields, Err: fe.Err, Msg: i18n2("第 %d 名学生（%s）：%s", "student %d (%s): %s",
					[]any{n, pii.MaskName(s.Name), msg.ZH}, []any{n, pii.MaskName(s.Name), msg.EN})}
			}
			s.Normalize()
			if err := s.Validate(now); err != nil {
				return fail(err)
			}
			sch, ok := schools[s.School]
			if !ok {
				return fail(fault.New(fault.NotFound, "没有标识码为 %s 的学校", "no school with identifier %s", s.School))
			}
			if sch.Status != school.Active {
				return fail(invalid("school", "学校 %s 不在办学中，不能接收学生", "school %s is not active and cannot take students", s.School))
			}
			if msg := r.Rules.CheckPlacement(sch.Type, s.Grade); msg != nil {
				var v fault.Validation
				v.AddText("grade", *msg)
				return fail(v.Err())
			}
			if s.ClassID != 0 {
				if k, ok := classes[s.ClassID]; !ok || k.school != s.School || k.grade != s.Grade {
					return fail(invalid("class_id", "班级 %d 不是该校该年级的班级", "class %d is not a class of this school and grade", s.ClassID))
				}
			}
			x, err := r.sealStudent(&s)
			if err != nil {
				return err
			}
			for _, chk := range []struct {
				seen  map[[16]byte]int
				index string
				skip  bool
			}{{seenID, x.IDIndex, false}, {seenNo, x.StudentNoIndex, x.NoKind == "G"}} {
				if chk.skip {
					continue
				}
				var k [16]byte
				hex.Decode(k[:], []byte(chk.index[:32]))
				if prev, dup := chk.seen[k]; dup {
					return fail(invalid("id_number", "证件号或学籍号与第 %d 名学生相同", "the same ID number or student number as student %d", prev))
				}
				chk.seen[k] = n
			}
			if s.EnrolledOn == "" {
				s.EnrolledOn = today(now)
			}
			s.ID = db.NewID()
			if first == 0 || s.ID < first {
				first = s.ID
			}
			s.Status, s.County, s.Level = Enrolled, sch.County, r.Rules.System.LevelOf(sch.Type, s.Grade)
			s.AbsentSince, s.RepeatMarked, s.MergedInto = "", false, 0
			s.Version, s.CreatedAt, s.UpdatedAt = 1, now, now
			sRows = append(sRows, studentRow(&s, x))
			eRows = append(eRows, []any{db.NewID(), s.ID, s.School, s.County, int(s.Grade), "enrol", s.EnrolledOn, nil})
			ev := Event{ID: db.NewID(), StudentID: s.ID, Kind: EvEnrol, On: s.EnrolledOn, AcademicYear: academicYearOf(s.EnrolledOn),
				School: s.School, County: s.County, GradeAfter: gradePtr(s.Grade), ClassAfter: s.ClassID, RecordedAt: now, RecordedBy: by.Username}
			vRows = append(vRows, eventRow(&ev, by.UserID))
			gs, err := r.guardianRows(&s, x.NameKey)
			if err != nil {
				return err
			}
			gRows = append(gRows, gs...)
			done = n
			if len(sRows) >= manyBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if first != 0 {
			if _, err := r.detectDuplicatesFrom(ctx, tx, first, now); err != nil {
				return err
			}
		}
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.create_many", RecordType: "student",
			Detail: fmt.Sprintf("%d students", done)}.ByActor(by))
	})
	if err != nil {
		return 0, err
	}
	return done, nil
}
