package student

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/importer"
	"edubureau/school"
	"edubureau/scope"
)

// bulk writes an import's students. Check (importkind.go) has parsed,
// validated and sealed each row; Write decides, per batch and against the
// database, whether each is new, an update or refused, finds or creates its
// class, counts the class against its limit, and writes straight into the
// registry's tables: on PostgreSQL by COPY (updates staged, applied by
// Finish in one statement), on SQLite by multi-row prepared INSERTs and
// UPDATEs. Everything runs in the import's one transaction.
type bulk struct {
	reg     *Registry
	s       *importer.Session
	pg      bool
	copy    db.CopyFunc
	done    func()
	schools map[string]school.School // in the importer's scope
	year    string                   // the academic year classes belong to
	classes map[classKey]*classInfo
	byID    map[int64]*classInfo
	nos     map[string]int // J/L student numbers of the file → row
	first   int64          // the smallest id of the students created
	updated bool           // some were updates
	rebuild []indexDef     // indexes dropped for the load, built again by Finish (SQLite)
	// memID and memNo are the registered students by ID and student number
	// index, read into memory when there are few of them (the lookups of a
	// batch then need no query, and on SQLite their unique indexes may be
	// dropped for the load).
	memID, memNo map[string]*found
	classes0     [][]any // classes created for the next batch

	// The batches are written by a goroutine of their own, so that the next
	// batch is checked while the database takes this one; dbMu keeps the
	// transaction's connection to one user at a time.
	queue   chan rows
	writing sync.WaitGroup
	dbMu    sync.Mutex
	werr    error // the writer's first error (read under dbMu)
	closed  bool
}

type classKey struct {
	school string
	grade  Grade
	number int
}

type classInfo struct {
	id    int64
	name  string
	limit int
	count int // students on the class's roll, with the file's so far
}

// The staging tables, dropped at the end of the transaction.
const (
	stageUpdate = "import_student_upd" // PostgreSQL: the updates, applied by Finish in one statement
	updatedIDs  = "import_updated"     // both databases: the students updated, for the duplicate check
)

// updateColumns are the columns an update sets (Update's fields and the placement).
var updateColumns = []string{"id", "student_no", "student_no_index", "student_no_kind", "name", "name_key", "gender",
	"birth_date", "id_type", "id_number", "id_index", "id_last4", "id_last6", "ethnicity", "nationality", "hukou_area",
	"address", "township_code", "lng", "lat", "migrant", "left_behind", "special_needs", "financial_aid", "level",
	"grade", "class_id", "content_hash", "updated_at"}

func newBulk(ctx context.Context, r *Registry, s *importer.Session) (*bulk, error) {
	w := &bulk{reg: r, s: s, pg: s.DB.Dialect == db.Postgres, schools: map[string]school.School{},
		classes: map[classKey]*classInfo{}, byID: map[int64]*classInfo{}, nos: map[string]int{}}
	if err := r.Schools.Each(ctx, s.Scope, school.Filter{}, func(sch school.School) error {
		w.schools[sch.Code] = sch
		return nil
	}); err != nil {
		return nil, err
	}
	var err error
	if w.year, err = academicYear(ctx, s.Tx, s.Now); err != nil {
		return nil, err
	}
	if err := w.loadClasses(ctx); err != nil {
		return nil, err
	}
	// SQLite: a bigger page cache for this connection while it writes (the
	// default 2 MB rereads index pages from the file for every row); not
	// much bigger, as SQLite's memory grows with it several times over.
	stmts := []string{`PRAGMA cache_size = -8192`, `CREATE TEMP TABLE ` + updatedIDs + ` (id BIGINT PRIMARY KEY)`}
	if w.pg {
		stmts = []string{
			`CREATE TEMP TABLE ` + updatedIDs + ` (id BIGINT PRIMARY KEY) ON COMMIT DROP`,
			`CREATE TEMP TABLE ` + stageUpdate + ` ON COMMIT DROP AS SELECT ` + strings.Join(updateColumns, ", ") + ` FROM student WITH NO DATA`,
		}
	}
	for _, q := range stmts {
		if _, err := s.Tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("import staging: %w", err)
		}
	}
	if w.copy, w.done, err = s.DB.CopyOn(ctx, s.Conn, s.Tx); err != nil {
		return nil, err
	}
	var have int64
	if err := s.Tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM student`).Scan(&have); err != nil {
		return nil, fmt.Errorf("count students: %w", err)
	}
	if have <= maxKeysInMemory {
		w.memID, w.memNo = map[string]*found{}, map[string]*found{}
		if err := w.scanFound(ctx, w.memID, w.memNo, `SELECT `+foundColumns+` FROM student`); err != nil {
			return nil, err
		}
	}
	if !w.pg {
		if err := w.deferIndexes(ctx, have); err != nil {
			return nil, err
		}
	}
	w.queue = make(chan rows, 1)
	w.writing.Add(1)
	go w.writer(ctx, w.queue)
	return w, nil
}

// writer writes the batches put queues, in order, until the queue closes.
func (w *bulk) writer(ctx context.Context, queue <-chan rows) {
	defer w.writing.Done()
	for b := range queue {
		w.dbMu.Lock()
		if w.werr == nil {
			w.werr = w.write(ctx, b)
		}
		w.dbMu.Unlock()
	}
}

// Close stops the writer (the engine calls it however the import ends)
// and gives the connection back SQLite's default page cache.
func (w *bulk) Close() {
	if w.queue != nil {
		close(w.queue)
		w.queue = nil
		w.writing.Wait()
	}
	if !w.pg && !w.closed {
		w.closed = true
		w.s.Conn.ExecContext(context.Background(), `PRAGMA cache_size = -2000`)
	}
}

// bulkRowBytes is about how many bytes of a file make one student (a full
// row of the template is 200–300): it turns a file's size into an estimate
// of its rows.
const bulkRowBytes = 250

// deferIndexes (SQLite), when the file is large next to what is
// registered, drops inside the import's transaction the indexes of the
// tables a load writes (deferredTables), and notes their definitions:
// Finish builds
// them again from the sorted rows, far faster than keeping them up to date
// one random key (a name, a hash, a phone) at a time. Readers keep seeing
// the old tables and indexes until the import commits (WAL); a failed import
// rolls the drop back. The import itself reads the unique keys of ID and
// student numbers: when few students are registered yet (the first load of
// a registry), they are read into memory and those indexes go too, to be
// built again — and their uniqueness checked again — at the end; otherwise
// they stay, and only the others are dropped.
func (w *bulk) deferIndexes(ctx context.Context, have int64) error {
	rows := w.s.Options.SizeHint / bulkRowBytes
	if rows < deferFrom || rows < have && deferFrom > 0 {
		return nil
	}
	keep := []string{"student_id_index", "student_no_index"}
	if w.memID != nil {
		keep = nil
	}
	var err error
	if w.rebuild, err = readLoadIndexes(ctx, w.s.Tx, db.SQLite, keep...); err != nil {
		return err
	}
	if err := dropLoadIndexes(ctx, w.s.Tx, w.rebuild); err != nil {
		return err
	}
	if deferred != nil {
		deferred(len(w.rebuild), w.memID != nil)
	}
	return nil
}

// afterLookup, when set (tests), runs after a batch's students were looked up.
var afterLookup func()

// deferred, when set (tests), hears how many indexes an import dropped and
// whether it keeps the registered keys in memory.
var deferred func(dropped int, inMemory bool)

// deferFrom is the smallest file (in estimated rows) for which indexes are deferred.
var deferFrom int64 = 20000

// deferredTables are the tables a load writes: their indexes (but their
// primary keys) are dropped and built again. Keeping even the ones that grow
// at their end up to date costs more, in modernc's SQLite, than a scan and a
// sort at the end.
const deferredTables = `'student', 'student_guardian', 'student_enrolment', 'student_event'`

// maxKeysInMemory is how many registered students an import reads into
// memory (about 300 bytes each) instead of looking each batch up.
var maxKeysInMemory int64 = 100000

// restoreIndexes builds again the indexes deferIndexes dropped.
func (w *bulk) restoreIndexes(ctx context.Context) error {
	err := buildLoadIndexes(ctx, w.s.Tx, db.SQLite, w.rebuild, func(name string) error {
		return fault.New(fault.Conflict, "导入的学生与已登记的学生冲突（%s），没有写入任何数据", "the imported students conflict with registered ones (%s); nothing was written", name)
	})
	w.rebuild = nil
	return err
}

// loadClasses reads the current year's classes in scope with how many
// students each has on its roll.
func (w *bulk) loadClasses(ctx context.Context) error {
	clause, args := scopeSQL(w.s.Scope, "k.county_code", "k.school_code", 2)
	rows, err := w.s.Tx.QueryContext(ctx, `SELECT k.id, k.school_code, k.grade, k.number, k.name, k.size_limit,
		(SELECT COUNT(*) FROM student s WHERE s.class_id = k.id AND s.status IN ('enrolled', 'suspended'))
		FROM student_class k WHERE k.academic_year = $1 AND `+clause, append([]any{w.year}, args...)...)
	if err != nil {
		return fmt.Errorf("read classes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k classKey
		var c classInfo
		var g, own int
		if err := rows.Scan(&c.id, &k.school, &g, &k.number, &c.name, &own, &c.count); err != nil {
			return err
		}
		k.grade = Grade(g)
		c.limit = w.reg.Rules.ClassLimit(w.schools[k.school].Type, k.grade, own)
		w.classes[k], w.byID[c.id] = &c, &c
	}
	return rows.Err()
}

// class finds the class of a school, grade and number in the current year,
// creating it when the school has none (inserted only when writing).
func (w *bulk) class(ctx context.Context, sch school.School, g Grade, n int, write bool) (*classInfo, error) {
	k := classKey{sch.Code, g, n}
	if c, ok := w.classes[k]; ok {
		return c, nil
	}
	c := Class{ID: db.NewID(), School: sch.Code, County: sch.County, AcademicYear: w.year, Grade: g, Number: n,
		Name: DefaultClassName(sch.Type, g, n), CreatedAt: w.s.Now}
	if write {
		w.classes0 = append(w.classes0, classRow(&c)) // written with the batch
	}
	info := &classInfo{id: c.ID, name: c.Name, limit: w.reg.Rules.ClassLimit(sch.Type, g, 0)}
	w.classes[k], w.byID[c.ID] = info, info
	return info, nil
}

// found is a student already registered, as the lookup reads them.
type found struct {
	id                     int64
	idIndex, noIndex       string
	school, county, status string
	hash                   string
	grade                  Grade
	classID                int64
	version                int
	level                  string
}

// lookup finds the students already registered with the batch's ID numbers
// or national student numbers.
func (w *bulk) lookup(ctx context.Context, ids, nos []string) (byID, byNo map[string]*found, err error) {
	byID, byNo = map[string]*found{}, map[string]*found{}
	if w.memID != nil {
		for _, k := range ids {
			if f, ok := w.memID[k]; ok {
				byID[k], byNo[f.noIndex] = f, f
			}
		}
		for _, k := range nos {
			if f, ok := w.memNo[k]; ok {
				byID[f.idIndex], byNo[k] = f, f
			}
		}
		return byID, byNo, nil
	}
	w.dbMu.Lock()
	defer w.dbMu.Unlock()
	if w.pg {
		return byID, byNo, w.scanFound(ctx, byID, byNo, `SELECT `+foundColumns+` FROM student WHERE id_index = ANY($1) OR student_no_index = ANY($2)`, ids, nos)
	}
	for _, list := range []struct {
		col  string
		keys []string
	}{{"id_index", ids}, {"student_no_index", nos}} {
		for len(list.keys) > 0 {
			n := min(len(list.keys), 500)
			args := make([]any, n)
			for i := range n {
				args[i] = list.keys[i]
			}
			// Positional parameters: modernc binds $N by name, slowly in long lists.
			if err := w.scanFound(ctx, byID, byNo, `SELECT `+foundColumns+` FROM student WHERE `+list.col+` IN (`+strings.Repeat("?, ", n-1)+`?)`, args...); err != nil {
				return nil, nil, err
			}
			list.keys = list.keys[n:]
		}
	}
	return byID, byNo, nil
}

const foundColumns = `id, id_index, student_no_index, school_code, county_code, status, content_hash, grade, class_id, version, level`

// scanFound reads students (foundColumns) into the maps by ID and student number index.
func (w *bulk) scanFound(ctx context.Context, byID, byNo map[string]*found, q string, args ...any) error {
	rows, err := w.s.Tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("look up students: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f found
		var class *int64
		var g int
		if err := rows.Scan(&f.id, &f.idIndex, &f.noIndex, &f.school, &f.county, &f.status, &f.hash, &g, &class, &f.version, &f.level); err != nil {
			return err
		}
		f.grade = Grade(g)
		if class != nil {
			f.classID = *class
		}
		byID[f.idIndex], byNo[f.noIndex] = &f, &f
	}
	return rows.Err()
}

// Write decides and writes a batch.
func (w *bulk) Write(ctx context.Context, items []*importer.Item) error {
	return w.apply(ctx, items, true)
}

// Verify runs Write's checks against the database, writing nothing.
func (w *bulk) Verify(ctx context.Context, items []*importer.Item) error {
	return w.apply(ctx, items, false)
}

// rows gathers a batch's rows for each table.
type rows struct {
	classes, students, updates, enrolments, events, guardians, updated [][]any
}

func (w *bulk) apply(ctx context.Context, items []*importer.Item, write bool) error {
	ids := make([]string, 0, len(items))
	nos := make([]string, 0, len(items))
	for _, it := range items {
		rec := it.Record.(*importRow)
		ids, nos = append(ids, rec.x.IDIndex), append(nos, rec.x.StudentNoIndex)
	}
	byID, byNo, err := w.lookup(ctx, ids, nos)
	if err != nil {
		return err
	}
	if afterLookup != nil {
		afterLookup()
	}
	var out rows
	for _, it := range items {
		rec := it.Record.(*importRow)
		ex := byID[rec.x.IDIndex]
		if other := byNo[rec.x.StudentNoIndex]; other != nil && other != ex {
			it.Refuse("student_no", i18n.T("该学籍号已登记给另一名学生", "this national student number is registered to another student"))
			continue
		}
		if rec.x.NoKind != "G" {
			if prev, dup := w.nos[rec.x.StudentNoIndex]; dup && prev != it.Row.N {
				it.Refuse("student_no", i18n.T("与第 %d 行的学籍号相同", "the same national student number as row %d", prev))
				continue
			}
			w.nos[rec.x.StudentNoIndex] = it.Row.N
		}
		if ex == nil {
			err = w.create(ctx, it, rec, &out, write)
		} else {
			err = w.update(ctx, it, rec, ex, &out, write)
		}
		if err != nil {
			return err
		}
	}
	if !write {
		return nil
	}
	return w.put(ctx, out)
}

// place puts a student in their class (found or created), counting it
// against the class's limit: a class over its limit is flagged.
func (w *bulk) place(ctx context.Context, it *importer.Item, s *Student, classNo int, write bool) error {
	if classNo == 0 {
		return nil
	}
	sch := w.schools[s.School]
	c, err := w.class(ctx, sch, s.Grade, classNo, write)
	if err != nil {
		return err
	}
	s.ClassID = c.id
	c.join(it)
	return nil
}

// join counts one more student in the class, flagging the row when the
// class goes over its size limit.
func (c *classInfo) join(it *importer.Item) {
	c.count++
	if c.limit > 0 && c.count > c.limit {
		it.Warn("class", i18n.T("%s已有 %d 名学生，超过班额上限 %d 名", "%s now has %d students, over its limit of %d", c.name, c.count, c.limit))
	}
}

func (w *bulk) create(ctx context.Context, it *importer.Item, rec *importRow, out *rows, write bool) error {
	s := &rec.s
	if rec.deferred != nil {
		it.RefuseError(rec.deferred, importFields)
		return nil
	}
	if err := w.place(ctx, it, s, rec.classNo, write); err != nil {
		return err
	}
	if rec.classNo != 0 { // Check left the hash to be made with the class
		rec.x.Hash = contentHash(s, w.reg.Keys.Index)
	}
	now := w.s.Now
	if s.EnrolledOn == "" {
		s.EnrolledOn = today(now)
	}
	s.Version, s.CreatedAt, s.UpdatedAt = 1, now, now
	out.students = append(out.students, studentRow(s, rec.x))
	out.enrolments = append(out.enrolments, []any{db.NewID(), s.ID, s.School, s.County, int(s.Grade), "enrol", s.EnrolledOn, nil})
	ev := Event{ID: db.NewID(), StudentID: s.ID, Kind: EvEnrol, On: s.EnrolledOn, AcademicYear: academicYearOf(s.EnrolledOn),
		School: s.School, County: s.County, GradeAfter: gradePtr(s.Grade), ClassAfter: s.ClassID, RecordedAt: now,
		RecordedBy: w.s.Actor.Username, Reason: "import"}
	out.events = append(out.events, eventRow(&ev, w.s.Actor.UserID))
	out.guardians = append(out.guardians, rec.guards...)
	if w.first == 0 || s.ID < w.first {
		w.first = s.ID
	}
	it.Outcome = importer.Created
	return nil
}

// update handles a row whose ID number is registered: at the row's school
// (and on its roll) the record is updated; anywhere else the row is refused.
func (w *bulk) update(ctx context.Context, it *importer.Item, rec *importRow, ex *found, out *rows, write bool) error {
	s := &rec.s
	if ex.school != s.School || !Status(ex.status).AtSchool() {
		it.Refuse("id_number", w.registeredElsewhere(ex, s.School))
		return nil
	}
	// Columns the file lacks keep what is stored.
	if !(rec.has.studentNo && rec.has.idType && rec.has.ethnicity && rec.has.nationality && rec.has.hukou && rec.has.address &&
		rec.has.township && rec.has.coords && rec.has.migrant && rec.has.leftBehind && rec.has.specialNeeds &&
		rec.has.financialAid && rec.has.guardians) {
		w.dbMu.Lock()
		old, _, err := w.reg.load(ctx, w.s.Tx, scope.Everything, ex.id)
		w.dbMu.Unlock()
		if err != nil {
			return err
		}
		keep(rec, old)
		if err := s.Validate(w.s.Now); err != nil {
			it.RefuseError(err, importFields)
			return nil
		}
	}
	s.ID = ex.id
	// An empty class keeps the student's class; another class is a placement.
	s.ClassID = ex.classID
	var moved *classInfo
	if rec.classNo != 0 {
		c, err := w.class(ctx, w.schools[s.School], s.Grade, rec.classNo, write)
		if err != nil {
			return err
		}
		if c.id != ex.classID {
			s.ClassID, moved = c.id, c
		}
	}
	x, err := w.reg.sealStudent(s)
	if err != nil {
		return err
	}
	if x.Hash == ex.hash {
		it.Outcome = importer.Unchanged
		return nil
	}
	if moved != nil {
		moved.join(it)
		if c, ok := w.byID[ex.classID]; ok {
			c.count--
		}
	}
	now := w.s.Now
	level := w.reg.Rules.System.LevelOf(w.schools[s.School].Type, s.Grade)
	out.updates = append(out.updates, []any{s.ID, x.StudentNo, x.StudentNoIndex, x.NoKind, s.Name, x.NameKey, string(s.Gender),
		s.BirthDate, string(s.IDType), x.IDNumber, x.IDIndex, x.Last4, x.Last6, s.Ethnicity, s.Nationality, s.Hukou, x.Address,
		s.Township, floatOrNil(s.Lng), floatOrNil(s.Lat), s.Migrant, s.LeftBehind, s.SpecialNeeds, s.FinancialAid, string(level),
		int(s.Grade), nullInt(s.ClassID), x.Hash, now})
	out.updated = append(out.updated, []any{s.ID})
	gs, err := w.reg.guardianRows(s, x.NameKey)
	if err != nil {
		return err
	}
	out.guardians = append(out.guardians, gs...)
	if s.Grade != ex.grade || s.ClassID != ex.classID {
		ev := Event{ID: db.NewID(), StudentID: s.ID, Kind: EvPlacement, On: today(now), AcademicYear: academicYearOf(today(now)),
			School: s.School, County: ex.county, GradeBefore: gradePtr(ex.grade), GradeAfter: gradePtr(s.Grade),
			ClassBefore: ex.classID, ClassAfter: s.ClassID, RecordedAt: now, RecordedBy: w.s.Actor.Username, Reason: "import"}
		out.events = append(out.events, eventRow(&ev, w.s.Actor.UserID))
	}
	it.Outcome = importer.Updated
	return nil
}

// keep fills the parts of a row the file lacks from the stored record.
func keep(rec *importRow, old Student) {
	s, h := &rec.s, rec.has
	if !h.studentNo {
		s.StudentNo = old.StudentNo
	}
	if !h.idType {
		s.IDType = old.IDType
	}
	if !h.ethnicity {
		s.Ethnicity = old.Ethnicity
	}
	if !h.nationality {
		s.Nationality = old.Nationality
	}
	if !h.hukou {
		s.Hukou = old.Hukou
	}
	if !h.address {
		s.Address = old.Address
	}
	if !h.township {
		s.Township = old.Township
	}
	if !h.coords {
		s.Lng, s.Lat = old.Lng, old.Lat
	}
	if !h.migrant {
		s.Migrant = old.Migrant
	}
	if !h.leftBehind {
		s.LeftBehind = old.LeftBehind
	}
	if !h.specialNeeds {
		s.SpecialNeeds = old.SpecialNeeds
	}
	if !h.financialAid {
		s.FinancialAid = old.FinancialAid
	}
	if !h.guardians {
		s.Guardians = old.Guardians
	}
}

// registeredElsewhere says where a registered child is, as far as the
// importer's scope allows.
func (w *bulk) registeredElsewhere(ex *found, rowSchool string) i18n.Text {
	st := StatusName(Status(ex.status))
	if ex.school == rowSchool {
		return i18n2("该学生在本校的学籍状态为“%s”，不能通过导入修改", "the student's status at this school is %q: an import cannot change it",
			[]any{st.ZH}, []any{st.EN})
	}
	if sch, ok := w.schools[ex.school]; ok {
		return i18n2("该证件号已在学校“%s”登记（%s）；转学请走转学流程", "this ID number is registered at %q (%s); use a transfer to move the student",
			[]any{sch.Name, st.ZH}, []any{sch.Name, st.EN})
	}
	return i18n.T("该证件号已在本辖区另一所学校登记；转学请走转学流程", "this ID number is registered at another school of the jurisdiction; use a transfer to move the student")
}

// put hands a batch to the writer (waiting while it still writes the one
// before), and reports an error the writer met.
func (w *bulk) put(ctx context.Context, out rows) error {
	out.classes, w.classes0 = w.classes0, nil
	if len(out.students)+len(out.updates)+len(out.classes) == 0 {
		return w.writerErr()
	}
	w.updated = w.updated || len(out.updates) > 0
	if err := w.writerErr(); err != nil {
		return err
	}
	select {
	case w.queue <- out:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (w *bulk) writerErr() error {
	w.dbMu.Lock()
	defer w.dbMu.Unlock()
	return w.werr
}

// write writes a batch into the registry's tables (on PostgreSQL its
// updates into their staging table).
func (w *bulk) write(ctx context.Context, out rows) error {
	type part struct {
		table string
		cols  []string
		rows  [][]any
	}
	copyAll := func(parts ...part) error {
		for _, p := range parts {
			if err := w.copy(ctx, p.table, p.cols, p.rows); err != nil {
				return err
			}
		}
		return nil
	}
	if err := copyAll(part{"student_class", classColumns, out.classes}, part{updatedIDs, []string{"id"}, out.updated}); err != nil {
		return err
	}
	if w.pg {
		// COPY straight into the registry's tables (the transaction hides
		// them until the commit); updates are staged and applied by Finish,
		// but their guardians are replaced here, before the new ones land.
		if err := copyAll(part{"student", studentInsertColumns, out.students}, part{stageUpdate, updateColumns, out.updates}); err != nil {
			return raced(err)
		}
		if len(out.updated) > 0 {
			ids := make([]int64, len(out.updated))
			for i, u := range out.updated {
				ids[i] = u[0].(int64)
			}
			if _, err := w.s.Tx.ExecContext(ctx, `DELETE FROM student_guardian WHERE student_id = ANY($1)`, ids); err != nil {
				return fmt.Errorf("replace guardians: %w", err)
			}
		}
		return raced(copyAll(part{"student_enrolment", enrolmentColumns, out.enrolments}, part{"student_event", eventColumns, out.events},
			part{"student_guardian", guardianColumns, out.guardians}))
	}
	if err := copyAll(part{"student", studentInsertColumns, out.students}); err != nil {
		return err
	}
	for _, u := range out.updates {
		if _, err := w.s.Tx.ExecContext(ctx, sqliteUpdate, u...); err != nil {
			return fmt.Errorf("update student %v: %w", u[0], err)
		}
		if _, err := w.s.Tx.ExecContext(ctx, `DELETE FROM student_guardian WHERE student_id = $1`, u[0]); err != nil {
			return fmt.Errorf("replace guardians: %w", err)
		}
	}
	return copyAll(part{"student_enrolment", enrolmentColumns, out.enrolments}, part{"student_event", eventColumns, out.events},
		part{"student_guardian", guardianColumns, out.guardians})
}

// raced turns a unique key broken while the import wrote (someone
// registered the same child meanwhile) into a conflict the importer can act on.
func raced(err error) error {
	if err != nil && db.IsUniqueViolation(err) {
		return &fault.Error{Kind: fault.Conflict, Err: err, Msg: i18n.T("导入期间另有人登记了相同的证件号或学籍号，请重新导入",
			"someone registered the same ID number or student number during the import; import again")}
	}
	return err
}

// sqliteUpdate sets an update's columns ($1 is the id).
var sqliteUpdate = func() string {
	var set []string
	for i, c := range updateColumns[1:] {
		set = append(set, fmt.Sprintf("%s = ?%d", c, i+2))
	}
	return `UPDATE student SET ` + strings.Join(set, ", ") + `, version = version + 1 WHERE id = ?1`
}()

// Finish applies the staged updates (PostgreSQL), builds the indexes a
// large load dropped (SQLite), then looks for probable duplicates among the
// students created and updated.
func (w *bulk) Finish(ctx context.Context) error {
	defer w.done()
	w.Close()
	if w.werr != nil {
		return w.werr
	}
	tx := w.s.Tx
	if w.pg && w.updated {
		set := make([]string, 0, len(updateColumns))
		for _, c := range updateColumns[1:] {
			set = append(set, c+" = u."+c)
		}
		q := `UPDATE student s SET ` + strings.Join(set, ", ") + `, version = s.version + 1 FROM ` + stageUpdate + ` u WHERE s.id = u.id`
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return raced(fmt.Errorf("apply the import's updates: %w", err))
		}
	}
	many := w.rebuild != nil // a load large next to the registry
	if err := w.restoreIndexes(ctx); err != nil {
		return err
	}
	if w.first != 0 {
		if _, err := w.reg.detectDuplicatesFrom(ctx, tx, w.first, many, w.s.Now); err != nil {
			return err
		}
	}
	if w.updated {
		if _, err := w.reg.detectWhere(ctx, tx, `n.student_id IN (SELECT id FROM `+updatedIDs+`)`, w.s.Now); err != nil {
			return err
		}
	}
	if !w.pg {
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+updatedIDs); err != nil {
			return fmt.Errorf("import staging: %w", err)
		}
	}
	return nil
}
