package student

import (
	"slices"
	"strings"
	"testing"

	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/idno"
	"edubureau/school"
	"edubureau/scope"
)

func TestCreateGetRevealUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		in := f.pupil("王小明", true, "2016-05-20", primaryA, 4)
		in.Guardians = append(in.Guardians, Guardian{Name: "王大山", Relation: "父亲", Phone: "+86 138-0734-5678"})
		got := f.create(in)
		if !got.Masked || got.Status != Enrolled || got.County != "430421" || got.Level != Primary || got.Version != 1 ||
			got.SchoolName != "衡阳县第一小学" || got.IDNumber == in.IDNumber || !strings.Contains(got.IDNumber, "****") ||
			got.StudentNo != "G"+got.IDNumber || len(got.Guardians) != 2 || got.Guardians[1].Relation != "father" {
			t.Fatalf("created %+v", got)
		}
		// Personal data is sealed at rest.
		var raw string
		d.QueryRowContext(ctx, `SELECT id_number FROM student WHERE id = $1`, got.ID).Scan(&raw)
		if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, in.IDNumber) {
			t.Fatalf("stored id_number %q", raw)
		}
		// Reveal needs the permission and a reason; both outcomes are audited.
		clerk := auth.User{ID: 7, Username: "clerk", Role: auth.Staff, Section: "teachers", OrgKind: auth.OrgCity}
		if _, err := f.r.Reveal(ctx, clerk, got.ID, "核对", admin); fault.KindOf(err) != fault.Forbidden {
			t.Fatalf("reveal without permission: %v", err)
		}
		officer := auth.User{ID: 8, Username: "officer", Role: auth.Staff, Section: "students", OrgKind: auth.OrgCounty, OrgCode: "430421"}
		if _, err := f.r.Reveal(ctx, officer, got.ID, "", admin); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("reveal without reason: %v", err)
		}
		clear, err := f.r.Reveal(ctx, officer, got.ID, "核对转学材料", admin)
		if err != nil || clear.IDNumber != in.IDNumber || clear.Guardians[1].Phone != "+86 138-0734-5678" || clear.Masked {
			t.Fatalf("revealed %+v %v", clear, err)
		}
		other := auth.User{ID: 9, Username: "other", Role: auth.Staff, Section: "students", OrgKind: auth.OrgCounty, OrgCode: "430407"}
		if _, err := f.r.Reveal(ctx, other, got.ID, "核对", admin); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("reveal out of scope: %v", err)
		}
		var denied, viewed int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'student.view_pii' AND outcome = 'denied'`).Scan(&denied)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'student.view_pii' AND outcome = 'ok' AND detail = '核对转学材料'`).Scan(&viewed)
		if denied != 1 || viewed != 1 {
			t.Fatalf("audit: %d denied, %d viewed", denied, viewed)
		}
		// Out of scope is not found.
		if _, err := f.r.Get(ctx, scope.Area("430407"), got.ID); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("get out of scope: %v", err)
		}
		if _, err := f.r.Get(ctx, scope.School(primaryA), got.ID); err != nil {
			t.Fatal(err)
		}

		// Update from the masked form: masked values keep what is stored.
		edit := got
		edit.Name = "王晓明"
		edit.Guardians[0].Phone = "13912345678"
		up, err := f.r.Update(ctx, scope.Area("430421"), got.ID, edit, 1, admin)
		if err != nil {
			t.Fatal(err)
		}
		clear, _ = f.r.Reveal(ctx, officer, got.ID, "核对", admin)
		if up.Version != 2 || clear.Name != "王晓明" || clear.Address != in.Address || clear.IDNumber != in.IDNumber ||
			clear.Guardians[0].Phone != "13912345678" || clear.Guardians[1].Phone != "+86 138-0734-5678" {
			t.Fatalf("after update %+v / %+v", up, clear)
		}
		// The audit diff masks personal fields.
		var changes string
		d.QueryRowContext(ctx, `SELECT changes FROM audit_log WHERE action = 'student.update'`).Scan(&changes)
		if !strings.Contains(changes, "王晓明") || strings.Contains(changes, "13912345678") {
			t.Fatalf("audit changes %s", changes)
		}
		// A stale version is refused; an unchanged record stays at its version.
		if _, err := f.r.Update(ctx, scope.Everything, got.ID, up, 1, admin); fault.KindOf(err) != fault.Precondition {
			t.Fatalf("stale version: %v", err)
		}
		same, err := f.r.Update(ctx, scope.Everything, got.ID, up, 2, admin)
		if err != nil || same.Version != 2 {
			t.Fatalf("no-op update: %+v %v", same, err)
		}
		// Update cannot move a student: the placement is kept.
		move := up
		move.School, move.Grade = primaryB, 5
		moved, err := f.r.Update(ctx, scope.Everything, got.ID, move, 0, admin)
		if err != nil || moved.School != primaryA || moved.Grade != 4 {
			t.Fatalf("update moved the student: %+v %v", moved, err)
		}
		// A wrong gender on update is refused and changes nothing.
		bad := up
		bad.Gender = idno.Female
		if _, err := f.r.Update(ctx, scope.Everything, got.ID, bad, 0, admin); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("gender mismatch on update: %v", err)
		}
		// The first enrolment is an event and an enrolment.
		var events, enrolments int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_event WHERE student_id = $1 AND kind = 'enrol'`, got.ID).Scan(&events)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM student_enrolment WHERE student_id = $1 AND left_on IS NULL`, got.ID).Scan(&enrolments)
		if events != 1 || enrolments != 1 {
			t.Fatalf("%d events, %d enrolments", events, enrolments)
		}
		// Events are immutable, on both databases.
		if _, err := d.ExecContext(ctx, `UPDATE student_event SET reason = 'x'`); err == nil {
			t.Fatal("an event was updated")
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM student_event`); err == nil {
			t.Fatal("an event was deleted")
		}
	})
}

func TestCreateBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		first := f.create(f.pupil("张一", true, "2016-01-10", primaryA, 4))
		before := f.count("student")
		for _, c := range []struct {
			name  string
			sc    scope.Scope
			edit  func(s *Student)
			kind  fault.Kind
			field string
			want  string
		}{
			{"wrong ID check character", scope.Everything, func(s *Student) {
				last := s.IDNumber[17]
				s.IDNumber = s.IDNumber[:17] + map[bool]string{true: "1", false: "0"}[last == '0']
			}, fault.Invalid, "id_number", "校验位"},
			{"ID disagrees with the birth date", scope.Everything, func(s *Student) { s.BirthDate = "2016-02-02" }, fault.Invalid, "id_number", "出生日期"},
			{"31 February", scope.Everything, func(s *Student) { s.BirthDate = "2016-02-31" }, fault.Invalid, "birth_date", "有效日期"},
			{"grade the school does not have", scope.Everything, func(s *Student) { s.Grade = 8 }, fault.Invalid, "grade", "小学没有八年级"},
			{"kindergarten grade at a primary", scope.Everything, func(s *Student) { s.Grade = K2 }, fault.Invalid, "grade", "中班"},
			{"school outside the user's scope", scope.Area("430407"), func(s *Student) {}, fault.NotFound, "", "2143000001"},
			{"school of another school's admin", scope.School(primaryB), func(s *Student) {}, fault.NotFound, "", ""},
			{"unknown school", scope.Everything, func(s *Student) { s.School = "2143999999" }, fault.NotFound, "", ""},
			{"closed school", scope.Everything, func(s *Student) { s.School = closedF }, fault.Invalid, "school", "不在办学中"},
			{"class of another school", scope.Everything, func(s *Student) { s.ClassID = 12345 }, fault.Invalid, "class_id", "没有编号"},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := f.pupil("李二", false, "2016-03-03", primaryA, 4)
				c.edit(&s)
				_, err := f.r.Create(ctx, c.sc, s, admin)
				if fault.KindOf(err) != c.kind {
					t.Fatalf("want %s, got %v", c.kind, err)
				}
				if c.field != "" {
					if msg := fieldsOf(err)[c.field]; !strings.Contains(msg, c.want) {
						t.Fatalf("field %s: %v", c.field, err)
					}
				} else if !strings.Contains(err.Error(), c.want) {
					t.Fatalf("message %v lacks %q", err, c.want)
				}
			})
		}
		// A duplicate ID: within scope the fault names the school; outside
		// it, only that the child is registered elsewhere.
		clear, _, _ := f.r.load(ctx, d, scope.Everything, first.ID)
		dup := f.pupil("张一", true, "2016-01-10", primaryB, 4)
		dup.IDNumber = clear.IDNumber
		_, err := f.r.Create(ctx, scope.Area("430421"), dup, admin)
		if fault.KindOf(err) != fault.Conflict || !strings.Contains(fieldsOf(err)["id_number"], "衡阳县第一小学") {
			t.Fatalf("duplicate in scope: %v", err)
		}
		dup.School = juniorC
		dup.Grade = 7
		_, err = f.r.Create(ctx, scope.Area("430407"), dup, admin)
		if fault.KindOf(err) != fault.Conflict || strings.Contains(err.Error(), "第一小学") || !strings.Contains(err.Error(), "另一所学校") {
			t.Fatalf("duplicate out of scope: %v", err)
		}
		// The same child by another way of writing the number (lower-case x, full width) is the same.
		if n := f.count("student"); n != before {
			t.Fatalf("failed creates wrote %d students", n-before)
		}
		if f.count("student_enrolment") != before || f.count("student_guardian") != before {
			t.Fatal("failed creates left rows behind")
		}
	})
}

func TestClasses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		c, err := f.r.CreateClass(ctx, scope.School(primaryA), Class{School: primaryA, AcademicYear: "2025-2026", Grade: 4, Number: 2, SizeLimit: 2}, admin)
		if err != nil || c.Name != "四年级（2）班" || c.County != "430421" {
			t.Fatalf("class %+v %v", c, err)
		}
		if _, err := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryA, AcademicYear: "2025-2026", Grade: 4, Number: 2}, admin); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("same class twice: %v", err)
		}
		if _, err := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryA, AcademicYear: "2025-2026", Grade: 7, Number: 1}, admin); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("grade 7 at a primary: %v", err)
		}
		if _, err := f.r.CreateClass(ctx, scope.Area("430407"), Class{School: primaryA, AcademicYear: "2025-2026", Grade: 4, Number: 3}, admin); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("class out of scope: %v", err)
		}
		other, _ := f.r.CreateClass(ctx, scope.Everything, Class{School: primaryA, AcademicYear: "2025-2026", Grade: 3, Number: 1}, admin)
		for i := 0; i < 3; i++ {
			s := f.pupil("赵"+string(rune('甲'+i)), i%2 == 0, "2016-04-04", primaryA, 4)
			s.ClassID = c.ID
			f.create(s)
		}
		wrong := f.pupil("钱五", true, "2016-04-04", primaryA, 4)
		wrong.ClassID = other.ID
		if _, err := f.r.Create(ctx, scope.Everything, wrong, admin); fault.KindOf(err) != fault.Invalid || !strings.Contains(fieldsOf(err)["class_id"], "三年级") {
			t.Fatalf("class of another grade: %v", err)
		}
		list, err := f.r.Classes(ctx, scope.Area("430421"), ClassFilter{School: primaryA, AcademicYear: "2025-2026"})
		if err != nil || len(list) != 2 {
			t.Fatalf("classes %+v %v", list, err)
		}
		i := slices.IndexFunc(list, func(k Class) bool { return k.ID == c.ID })
		if list[i].Students != 3 || list[i].Limit != 2 || !list[i].OverLimit {
			t.Fatalf("class counts %+v", list[i])
		}
		over, _ := f.r.Classes(ctx, scope.Everything, ClassFilter{County: "430421", OverLimit: true})
		if len(over) != 1 {
			t.Fatalf("over the limit: %+v", over)
		}
		// The default limit follows the level: 45 in primary.
		up, err := f.r.UpdateClass(ctx, scope.Everything, c.ID, "四年级二班", "周老师", 0, admin)
		if err != nil || up.Name != "四年级二班" {
			t.Fatalf("update class %+v %v", up, err)
		}
		list, _ = f.r.Classes(ctx, scope.Everything, ClassFilter{School: primaryA})
		i = slices.IndexFunc(list, func(k Class) bool { return k.ID == c.ID })
		if list[i].Limit != 45 || list[i].OverLimit || list[i].HeadTeacher != "周老师" {
			t.Fatalf("default limit %+v", list[i])
		}
		if f.r.Rules.ClassLimit(school.Kindergarten, K1, 0) != 25 || f.r.Rules.ClassLimit(school.Junior, 8, 0) != 50 {
			t.Fatal("default limits")
		}
	})
}

func TestCreateMany(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctx
		k, err := f.r.CreateClass(ctx, scope.Everything, Class{School: juniorC, AcademicYear: "2025-2026", Grade: 8, Number: 1}, admin)
		if err != nil {
			t.Fatal(err)
		}
		var all []Student
		for i := 0; i < 2500; i++ { // more than one batch
			s := f.pupil("学生"+string(rune('甲'+i%50)), i%2 == 0, "2013-02-03", juniorC, 8)
			if i%3 == 0 {
				s.ClassID = k.ID
			}
			all = append(all, s)
		}
		// A probable duplicate: same name, birth date and guardian phone, another ID.
		twin := all[10]
		twin.IDNumber = idno.MakeResidentID("430407", birth(twin.BirthDate), 997)
		all = append(all, twin)
		var ticks []int
		n, err := f.r.CreateMany(ctx, scope.Area("430407"), slices.Values(all), admin, func(done int) { ticks = append(ticks, done) })
		if err != nil || n != len(all) {
			t.Fatalf("created %d: %v", n, err)
		}
		if f.count("student") != len(all) || f.count("student_enrolment") != len(all) || f.count("student_event") != len(all) ||
			f.count("student_guardian") != len(all) || f.auditCount("student.create_many") != 1 {
			t.Fatal("rows")
		}
		if len(ticks) != 2 || ticks[1] != len(all) {
			t.Fatalf("progress %v", ticks)
		}
		if f.count("student_duplicate") != 1 {
			t.Fatalf("%d probable duplicates", f.count("student_duplicate"))
		}
		// A load with a bad row, or a repeated ID, writes nothing.
		before := f.count("student")
		more := []Student{f.pupil("甲", true, "2013-01-01", juniorC, 8), f.pupil("乙", true, "2013-01-01", juniorC, 8)}
		more[1].IDNumber = more[0].IDNumber
		if _, err := f.r.CreateMany(ctx, scope.Everything, slices.Values(more), admin, nil); fault.KindOf(err) != fault.Invalid ||
			!strings.Contains(err.Error(), "第 1 名学生") || !strings.Contains(err.Error(), "第 2 名学生") {
			t.Fatalf("repeated ID in the load: %v", err)
		}
		more[1] = f.pupil("乙", true, "2013-01-01", juniorC, 6)
		if _, err := f.r.CreateMany(ctx, scope.Everything, slices.Values(more), admin, nil); fault.KindOf(err) != fault.Invalid ||
			!strings.Contains(err.Error(), "第 2 名学生") {
			t.Fatalf("grade 6 at a junior school: %v", err)
		}
		more[1] = f.pupil("乙", true, "2013-01-01", primaryA, 5)
		if _, err := f.r.CreateMany(ctx, scope.Area("430407"), slices.Values(more), admin, nil); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("school out of scope: %v", err)
		}
		again := []Student{all[5]}
		if _, err := f.r.CreateMany(ctx, scope.Everything, slices.Values(again), admin, nil); fault.KindOf(err) != fault.Conflict {
			t.Fatalf("ID already registered: %v", err)
		}
		if f.count("student") != before {
			t.Fatal("a failed load wrote students")
		}
		// What CreateMany wrote reads back like what Create writes.
		var id int64
		d.QueryRowContext(ctx, `SELECT id FROM student WHERE class_id = $1 ORDER BY id LIMIT 1`, k.ID).Scan(&id)
		got, _, err := f.r.load(ctx, d, scope.Everything, id)
		if err != nil || got.Level != Junior || got.County != "430407" || got.ClassName != "八年级（1）班" || len(got.Guardians) != 1 ||
			got.StudentNo != "G"+got.IDNumber {
			t.Fatalf("loaded %+v %v", got, err)
		}
	})
}
