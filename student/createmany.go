package student

import (
	"context"
	"encoding/hex"
	"fmt"
	"iter"
	"runtime"
	"strings"
	"sync"
	"time"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// manyBatch is how many students CreateMany prepares and writes per round
// of COPY (or INSERTs): big enough to amortise, small enough to bound memory.
const manyBatch = 2000

// CreateMany registers many students, each enrolled as by Create, in one
// transaction: all or none (the demo generator's city-scale load). Students
// come from an iterator, so memory stays bounded whatever their number.
// Every student is validated as by Create (the school in sc and active, the
// grade valid for it, the class of that school and grade); an ID number or
// national student number repeated within the load is refused naming both
// students, one already registered is refused by the unique key. Probable
// duplicates are looked for once, at the end. The audit log gets one entry
// for the load. progress, when not nil, is called after each batch with the
// number written so far. It returns how many students were created.
//
// How it is fast: the students are checked and sealed (5 values encrypted,
// 8 keyed hashes each) by one goroutine per core while the transaction
// writes the batches before them in order (COPY on PostgreSQL, multi-row
// INSERT OR ROLLBACKs on SQLite, which need no statement journal); and when
// the registry holds few students, the indexes of the tables it writes (and
// on PostgreSQL their foreign keys) are dropped inside the transaction and
// built again at its end from the sorted rows, several times faster than
// keeping them up to date row by row (loadindexes.go). Readers keep seeing
// the old tables until the commit; a failed load rolls the drop back. On
// PostgreSQL the drop takes the tables for the load's duration: CreateMany
// is for filling a new registry (the demo, benchmarks), the importer for
// adding to a live one. Registry.OnLoadStage hears how long each stage took.
func (r *Registry) CreateMany(ctx context.Context, sc scope.Scope, students iter.Seq[Student], by Actor, progress func(done int)) (int, error) {
	schools := map[string]school.School{}
	if err := r.Schools.Each(ctx, sc, school.Filter{}, func(s school.School) error { schools[s.Code] = s; return nil }); err != nil {
		return 0, err
	}
	classes := map[int64]manyClassKey{}
	clause, args := scopeSQL(sc, "county_code", "school_code", 1)
	rows, err := r.DB.QueryContext(ctx, `SELECT id, school_code, grade FROM student_class WHERE `+clause, args...)
	if err != nil {
		return 0, fmt.Errorf("read classes: %w", err)
	}
	for rows.Next() {
		var id int64
		var k manyClassKey
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
	lap := time.Now()
	stage := func(name string) {
		if r.OnLoadStage != nil {
			r.OnLoadStage(name, time.Since(lap))
		}
		lap = time.Now()
	}
	err = r.DB.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		rebuild, had, err := r.deferLoadIndexes(ctx, tx)
		if err != nil {
			return err
		}
		stage("drop indexes")
		var first int64
		seenID := map[[16]byte]int{}
		seenNo := map[[16]byte]int{}
		write := func(b *preparedBatch) error {
			for i := range b.items {
				it := &b.items[i]
				for _, chk := range []struct {
					seen  map[[16]byte]int
					index string
					skip  bool
				}{{seenID, it.x.IDIndex, false}, {seenNo, it.x.StudentNoIndex, it.x.NoKind == "G"}} {
					if chk.skip {
						continue
					}
					var k [16]byte
					hex.Decode(k[:], []byte(chk.index[:32]))
					if prev, dup := chk.seen[k]; dup {
						return manyFault(it.n, it.name, invalid("id_number", "证件号或学籍号与第 %d 名学生相同", "the same ID number or student number as student %d", prev))
					}
					chk.seen[k] = it.n
				}
				if first == 0 || it.id < first {
					first = it.id
				}
			}
			for _, t := range []struct {
				table string
				cols  []string
				rows  [][]any
			}{{"student", studentInsertColumns, b.sRows}, {"student_enrolment", enrolmentColumns, b.eRows},
				{"student_event", eventColumns, b.vRows}, {"student_guardian", guardianColumns, b.gRows}} {
				if err := copy(ctx, t.table, t.cols, t.rows); err != nil {
					if db.IsUniqueViolation(err) {
						return &fault.Error{Kind: fault.Conflict, Err: err, Msg: i18n.T(
							"第 %d–%d 名学生中有证件号或学籍号已在本辖区登记，全部未导入", "one of students %d–%d has an ID number or student number already registered in the jurisdiction; nothing was loaded",
							b.from, b.from+len(b.items)-1)}
					}
					return err
				}
			}
			done += len(b.items)
			if progress != nil {
				progress(done)
			}
			return ctx.Err()
		}
		prep := func(s Student, n int) (preparedStudent, error) {
			return r.prepareMany(s, n, now, by, schools, classes)
		}
		if err := pipeline(ctx, students, prep, write); err != nil {
			return err
		}
		stage("write")
		if err := r.restoreLoadIndexes(ctx, tx, rebuild); err != nil {
			return err
		}
		stage("build indexes")
		if first != 0 {
			from := first
			if had == 0 {
				from = 0 // every student is new
			}
			if _, err := r.detectDuplicatesFrom(ctx, tx, from, rebuild != nil, now); err != nil {
				return err
			}
		}
		stage("probable duplicates")
		return r.Audit.Record(ctx, tx, audit.Entry{Action: "student.create_many", RecordType: "student",
			Detail: fmt.Sprintf("%d students", done)}.ByActor(by))
	})
	if err != nil {
		return 0, err
	}
	stage("commit")
	return done, nil
}

// manyClassKey is a class's school and grade.
type manyClassKey struct {
	school string
	grade  Grade
}

// preparedStudent is one student checked and sealed, with its rows.
type preparedStudent struct {
	n    int    // 1-based position in the load
	name string // for messages
	id   int64
	x    sealed
	s    []any
	e    []any
	v    []any
	g    [][]any
}

// preparedBatch is a batch of students ready to write, in load order.
type preparedBatch struct {
	from                int // the position of its first student
	items               []preparedStudent
	sRows, eRows, vRows [][]any
	gRows               [][]any
	err                 error
}

// manyFault names the student n of a load in a fault.
func manyFault(n int, name string, err error) error {
	fe := fault.As(err)
	msg := fe.Msg
	if len(fe.Fields) > 0 {
		l := FieldLabel(fe.Fields[0].Field)
		msg = i18n2("%s：%s", "%s: %s", []any{l.ZH, fe.Fields[0].Msg.ZH}, []any{l.EN, fe.Fields[0].Msg.EN})
	}
	return &fault.Error{Kind: fe.Kind, Fields: fe.Fields, Err: fe.Err, Msg: i18n2("第 %d 名学生（%s）：%s", "student %d (%s): %s",
		[]any{n, pii.MaskName(name), msg.ZH}, []any{n, pii.MaskName(name), msg.EN})}
}

// prepareMany checks and seals student n of a load and builds its rows; it
// is safe to run on many goroutines at once.
func (r *Registry) prepareMany(s Student, n int, now time.Time, by Actor, schools map[string]school.School, classes map[int64]manyClassKey) (preparedStudent, error) {
	name := s.Name
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return preparedStudent{}, manyFault(n, name, err)
	}
	sch, ok := schools[s.School]
	if !ok {
		return preparedStudent{}, manyFault(n, name, fault.New(fault.NotFound, "没有标识码为 %s 的学校", "no school with identifier %s", s.School))
	}
	if sch.Status != school.Active {
		return preparedStudent{}, manyFault(n, name, invalid("school", "学校 %s 不在办学中，不能接收学生", "school %s is not active and cannot take students", s.School))
	}
	if msg := r.Rules.CheckPlacement(sch.Type, s.Grade); msg != nil {
		var v fault.Validation
		v.AddText("grade", *msg)
		return preparedStudent{}, manyFault(n, name, v.Err())
	}
	if s.ClassID != 0 {
		if k, ok := classes[s.ClassID]; !ok || k.school != s.School || k.grade != s.Grade {
			return preparedStudent{}, manyFault(n, name, invalid("class_id", "班级 %d 不是该校该年级的班级", "class %d is not a class of this school and grade", s.ClassID))
		}
	}
	x, err := r.sealStudent(&s)
	if err != nil {
		return preparedStudent{}, err
	}
	if s.EnrolledOn == "" {
		s.EnrolledOn = today(now)
	}
	s.Status, s.County, s.Level = Enrolled, sch.County, r.Rules.System.LevelOf(sch.Type, s.Grade)
	s.AbsentSince, s.RepeatMarked, s.MergedInto = "", false, 0
	s.Version, s.CreatedAt, s.UpdatedAt = 1, now, now
	p := preparedStudent{n: n, name: name, id: s.ID, x: x}
	p.s = studentRow(&s, x)
	p.e = []any{db.NewID(), s.ID, s.School, s.County, int(s.Grade), "enrol", s.EnrolledOn, nil}
	ev := Event{ID: db.NewID(), StudentID: s.ID, Kind: EvEnrol, On: s.EnrolledOn, AcademicYear: academicYearOf(s.EnrolledOn),
		School: s.School, County: s.County, GradeAfter: gradePtr(s.Grade), ClassAfter: s.ClassID, RecordedAt: now, RecordedBy: by.Username}
	p.v = eventRow(&ev, by.UserID)
	if p.g, err = r.guardianRows(&s, x.NameKey); err != nil {
		return preparedStudent{}, err
	}
	return p, nil
}

// pipeline reads the students (on one goroutine, numbering them and giving
// them their ids in order), prepares them in batches on one goroutine per
// core, and hands the batches to write in load order on the caller's
// goroutine (the transaction's). The first error, in load order, stops it.
func pipeline(ctx context.Context, students iter.Seq[Student], prep func(Student, int) (preparedStudent, error), write func(*preparedBatch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0))
	type job struct {
		from int
		in   []Student
		out  chan *preparedBatch
	}
	jobs := make(chan job, workers)
	order := make(chan chan *preparedBatch, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				b := &preparedBatch{from: j.from, items: make([]preparedStudent, 0, len(j.in))}
				for i, s := range j.in {
					p, err := prep(s, j.from+i)
					if err != nil {
						b.err = err
						break
					}
					b.items = append(b.items, p)
					b.sRows, b.eRows, b.vRows = append(b.sRows, p.s), append(b.eRows, p.e), append(b.vRows, p.v)
					b.gRows = append(b.gRows, p.g...)
				}
				j.out <- b
			}
		}()
	}
	// The reader: the iterator may not be safe to call from several
	// goroutines, and ids are given in order so that the tables grow at their end.
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(order)
		defer close(jobs)
		n := 0
		batch := make([]Student, 0, manyBatch)
		send := func() bool {
			if len(batch) == 0 {
				return true
			}
			out := make(chan *preparedBatch, 1)
			select {
			case order <- out:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- job{from: n - len(batch) + 1, in: batch, out: out}:
			case <-ctx.Done():
				return false
			}
			batch = make([]Student, 0, manyBatch)
			return true
		}
		for s := range students {
			n++
			s.ID = db.NewID()
			batch = append(batch, s)
			if len(batch) == manyBatch && !send() {
				return
			}
		}
		send()
	}()
	var err error
	for out := range order {
		if err != nil {
			continue // drain: the reader stops at the cancellation
		}
		var b *preparedBatch
		select {
		case b = <-out:
		case <-ctx.Done():
			err = ctx.Err()
			cancel()
			continue
		}
		if err = b.err; err == nil {
			err = write(b)
		}
		if err != nil {
			cancel()
		}
	}
	<-readDone
	wg.Wait()
	return err
}

// deferLoadBelow is the registry size under which CreateMany drops the
// indexes of the tables it writes (see loadindexes.go): building them again
// costs about a sort of the whole table.
const deferLoadBelow = 50_000

// deferLoadIndexes drops, inside tx, the indexes of the tables CreateMany
// writes when the registry is small — the unique keys of ID and student
// numbers too when it is empty (the in-load check is then the whole of it,
// and rebuilding them checks again) — and on PostgreSQL their foreign keys,
// which it checks with a trigger per row. It returns what to build again
// and how many students the registry held.
func (r *Registry) deferLoadIndexes(ctx context.Context, tx db.Tx) ([]indexDef, int, error) {
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM student`).Scan(&have); err != nil {
		return nil, 0, fmt.Errorf("count students: %w", err)
	}
	if have >= deferLoadBelow {
		return nil, have, nil
	}
	var keep []string
	if have > 0 {
		keep = []string{"student_id_index", "student_no_index"}
	}
	defs, err := readLoadIndexes(ctx, tx, r.DB.Dialect, keep...)
	if err == nil {
		err = dropLoadIndexes(ctx, tx, defs)
	}
	if err != nil {
		return nil, have, err
	}
	if r.DB.Dialect == db.Postgres {
		// Adding a foreign key again at the end checks every row in one join.
		fks, err := tx.QueryContext(ctx, `SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c
			JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
			WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname IN (`+deferredTables+`) ORDER BY t.relname, c.conname`)
		if err != nil {
			return nil, have, fmt.Errorf("read the foreign keys: %w", err)
		}
		var drops []indexDef
		for fks.Next() {
			var name, table, def string
			if err := fks.Scan(&name, &table, &def); err != nil {
				fks.Close()
				return nil, have, err
			}
			drops = append(drops, indexDef{name: table + "." + name, sql: `ALTER TABLE ` + table + ` ADD CONSTRAINT ` + name + ` ` + def})
		}
		fks.Close()
		if err := fks.Err(); err != nil {
			return nil, have, err
		}
		for _, d := range drops {
			table, name, _ := strings.Cut(d.name, ".")
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+table+` DROP CONSTRAINT `+name); err != nil {
				return nil, have, fmt.Errorf("drop constraint %s: %w", d.name, err)
			}
		}
		defs = append(defs, drops...)
	}
	return defs, have, nil
}

// restoreLoadIndexes builds again what deferLoadIndexes dropped.
func (r *Registry) restoreLoadIndexes(ctx context.Context, tx db.Tx, defs []indexDef) error {
	if len(defs) == 0 {
		return nil
	}
	if r.DB.Dialect == db.Postgres {
		// Sort in memory, with the server's parallel workers.
		if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
	}
	return buildLoadIndexes(ctx, tx, r.DB.Dialect, defs, func(string) error {
		return fault.New(fault.Conflict, "载入的学生中有证件号或学籍号已在本辖区登记，全部未导入", "a student loaded has an ID number or student number already registered in the jurisdiction; nothing was loaded")
	})
}
