package demo

// The student registry's demo data (issue 4): pupils for every running
// school at realistic grade sizes — about 1.2 million at city scale, a
// twelfth of that for the small demo — in classes within their size limit
// (a few slightly over), with valid ID numbers whose area and birth date
// agree with the child, one or two guardians, a few probable duplicates,
// then a few hundred pending transfers, suspensions and a dropout
// follow-up list with actions taken. Every record is written through the
// registry, encrypted and audited like any other.

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/idno"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/student"
	"edubureau/year"
)

// streamStudents is the PCG stream of the student generator (see schools.go).
const streamStudents uint64 = 2

// studentTargets are about how many students each scale holds: a city the
// size of Hengyang (DOMAIN §3: K-12 ≈ 1.1–1.3 M); the small demo holds
// 30,000 — a quarter of its share of the city by number of institutions
// (100,000), which would take 10–15 s more to load on a loaded two-core
// machine, and the small demo starts in under 10 s. Its schools are
// thinner (a class or two per grade), the classes as full. --students
// 100000 builds the proportional one.
var studentTargets = map[Scale]int{Small: 30_000, City: 1_200_000}

// The lists after the load: how many of each, by scale.
type studentExtra struct{ transfers, dropouts, absences, suspended, duplicates int }

var studentExtras = map[Scale]studentExtra{
	Small: {transfers: 40, dropouts: 30, absences: 20, suspended: 25, duplicates: 12},
	City:  {transfers: 300, dropouts: 260, absences: 140, suspended: 300, duplicates: 120},
}

// StudentActor records the demo's students, in history and the audit log.
var StudentActor = student.Actor{Username: "demo", OrgKind: auth.OrgCity, Reason: "synthetic demo data"}

// Children's given names, as parents have chosen them since 2010.
var (
	boyChars  = []string{"子", "梓", "浩", "宇", "轩", "睿", "泽", "俊", "博", "文", "铭", "昊", "然", "晨", "阳", "熙", "辰", "航", "嘉", "一", "思", "奕", "皓", "鑫", "杰", "豪", "天", "逸", "宸", "锦", "煜", "瑞", "成", "宏", "毅", "明"}
	girlChars = []string{"子", "梓", "涵", "萱", "欣", "怡", "诗", "雨", "彤", "可", "馨", "悦", "佳", "琪", "语", "嫣", "若", "依", "一", "思", "妍", "晨", "芷", "沐", "婉", "雅", "安", "蕊", "玥", "颖", "楠", "静", "琳", "菲", "心", "瑶"}
	// Areas of other provinces that migrant children (随迁子女) come from.
	migrantAreas = []string{"440106", "440304", "441302", "360102", "360403", "450103", "520102", "420106", "500103", "510104"}
	// Ethnic groups of Hunan besides the Han: 土家族, 苗族, 侗族, 瑶族, 白族, 回族.
	minorities = []string{"15", "06", "12", "13", "14", "03"}
)

// demoPupil is a student to load, with what the lists after the load need.
type demoPupil struct {
	s     student.Student
	index int // 0-based position in the load
}

// plannedSchool is a running school that keeps student records, with the
// classes the demo gives it.
type plannedSchool struct {
	s      school.School
	span   student.Span
	grades []plannedGrade
}

type plannedGrade struct {
	g        student.Grade
	students int
	classes  []student.Class // filled in when the classes are created
}

// studentGen draws the students; it is sequential (one stream) so that the
// same seed gives the same children, and cheap: encryption is the load's work.
type studentGen struct {
	opt      Options
	r        *rand.Rand
	w        *world
	asOf     time.Time
	year     year.Academic
	start    time.Time // the academic year's first day
	schools  []*plannedSchool
	seqs     map[string]int // next ID sequence by area and birth date
	rules    student.Rules
	counties []string
}

func newStudentGen(opt Options, w *world, schools []school.School) *studentGen {
	g := &studentGen{opt: opt, r: rand.New(rand.NewPCG(uint64(opt.Seed), streamStudents)), w: w, asOf: opt.casesAsOf(),
		seqs: map[string]int{}, rules: student.DefaultRules()}
	g.year = year.AcademicOf(g.asOf)
	g.start, _ = time.Parse(time.DateOnly, g.year.StartsOn)
	for _, c := range w.counties {
		g.counties = append(g.counties, c.Code)
	}
	g.plan(schools)
	return g
}

// target is how many students the load holds, about.
func (g *studentGen) target() int {
	if g.opt.Students > 0 {
		return g.opt.Students
	}
	return studentTargets[g.opt.Scale]
}

// plan sizes every running school's grades: its capacity spread over its
// grades, scaled so that the jurisdiction holds about the scale's target,
// each school filled a little more or less than the average.
func (g *studentGen) plan(schools []school.School) {
	places := 0
	for _, s := range schools {
		span, ok := student.SixThree.Grades(s.Type)
		if !ok || s.Status != school.Active || s.Capacity <= 0 {
			continue
		}
		places += s.Capacity
		g.schools = append(g.schools, &plannedSchool{s: s, span: span})
	}
	if places == 0 {
		return
	}
	fill := float64(g.target()) / float64(places)
	for _, p := range g.schools {
		grades := int(p.span.Last-p.span.First) + 1
		own := fill * (0.85 + 0.3*g.r.Float64())
		for gr := p.span.First; gr <= p.span.Last; gr++ {
			n := int(math.Round(float64(p.s.Capacity) / float64(grades) * own * (0.9 + 0.2*g.r.Float64())))
			if p.s.Capacity < 200 { // 教学点 and small schools: at least a few pupils a grade
				n = max(n, 3+g.r.IntN(8))
			}
			p.grades = append(p.grades, plannedGrade{g: gr, students: max(n, 1)})
		}
	}
}

// classes lists the classes to create: for each grade, as many as its
// students need at a realistic size (most a few under the limit, about
// one in twenty a few over it, as in real schools).
func (g *studentGen) classes() []student.Class {
	var out []student.Class
	for _, p := range g.schools {
		for gi := range p.grades {
			pg := &p.grades[gi]
			limit := g.rules.ClassLimit(p.s.Type, pg.g, 0)
			size := limit - 3 - g.r.IntN(5)
			n := max(1, int(math.Ceil(float64(pg.students)/float64(size))))
			if g.r.IntN(20) == 0 && pg.students > limit {
				n = max(1, pg.students/(limit+2)) // crowded: the classes run a few over the limit
			}
			for k := 1; k <= n; k++ {
				c := student.Class{School: p.s.Code, AcademicYear: g.year.Code, Grade: pg.g, Number: k}
				if g.r.IntN(3) > 0 {
					c.HeadTeacher = pick(g.r, surnames) + "老师"
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// attach hands the created classes (with their ids) back to the grades.
func (g *studentGen) attach(classes []student.Class) {
	byKey := map[string][]student.Class{}
	for _, c := range classes {
		k := fmt.Sprintf("%s|%d", c.School, c.Grade)
		byKey[k] = append(byKey[k], c)
	}
	for _, p := range g.schools {
		for gi := range p.grades {
			pg := &p.grades[gi]
			pg.classes = byKey[fmt.Sprintf("%s|%d", p.s.Code, pg.g)]
		}
	}
}

func (g *studentGen) total() int {
	n := 0
	for _, p := range g.schools {
		for _, pg := range p.grades {
			n += pg.students
		}
	}
	return n + g.extras().duplicates
}

// extras are the lists' sizes, in proportion when fewer students are asked for.
func (g *studentGen) extras() studentExtra {
	ex := studentExtras[g.opt.Scale]
	if full := studentTargets[g.opt.Scale]; g.opt.Students > 0 && g.opt.Students < full {
		scale := func(n int) int { return max(2, n*g.opt.Students/full) }
		ex = studentExtra{scale(ex.transfers), scale(ex.dropouts), scale(ex.absences), scale(ex.suspended), scale(ex.duplicates)}
	}
	return ex
}

// birthWindow is when the children of grade gr were born: grade 1 of the
// year starting in September Y turned 6 by 31 August Y.
func (g *studentGen) birthWindow(gr student.Grade) (time.Time, int) {
	start := time.Date(g.start.Year()-6-int(gr), 9, 1, 0, 0, 0, 0, time.UTC)
	return start, 365
}

// idFor draws an ID number in area for a child born on born: sequences are
// handed out per area and day, odd for boys and even for girls (GB 11643),
// spread over 001–998 as real ones are (they begin with the registering
// police station's code): the n-th of a day is a fixed permutation of n, so
// that the last digits of the ID are as selective as in a real city.
func (g *studentGen) idFor(areaCode string, born time.Time, male bool) (string, time.Time) {
	for {
		if id, ok := g.idOn(areaCode, born, male); ok {
			return id, born
		}
		born = born.AddDate(0, 0, 1) // that day is full in this area: the next one
	}
}

// idOn is idFor on exactly that day; false when the day is full.
func (g *studentGen) idOn(areaCode string, born time.Time, male bool) (string, bool) {
	key := areaCode + born.Format("20060102")
	n := g.seqs[key]
	if n >= 499 {
		return "", false
	}
	g.seqs[key] = n + 1
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	idx := (int(h%499) + n*137) % 499 // 499 is prime: n ↦ idx is one to one
	seq := 2*idx + 2                  // even: a girl
	if male {
		seq = 2*idx + 1
	}
	return idno.MakeResidentID(areaCode, born, seq), true
}

func (g *studentGen) childName(male bool) string {
	chars := girlChars
	if male {
		chars = boyChars
	}
	name := pick(g.r, surnames) + pick(g.r, chars)
	if g.r.IntN(10) < 8 {
		name += pick(g.r, chars)
	}
	return name
}

func (g *studentGen) phone() string {
	prefixes := []string{"130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "173", "177", "180", "181", "183", "186", "187", "188", "189", "199"}
	return pick(g.r, prefixes) + fmt.Sprintf("%08d", g.r.IntN(100_000_000))
}

// pupil draws one child of a school's grade.
func (g *studentGen) pupil(p *plannedSchool, pg *plannedGrade, classID int64) student.Student {
	r := g.r
	male := r.IntN(100) < 52
	start, days := g.birthWindow(pg.g)
	born := start.AddDate(0, 0, r.IntN(days))
	if r.IntN(50) == 0 { // a year older: started late or repeated
		born = born.AddDate(-1, 0, 0)
	}
	s := student.Student{Gender: idno.GenderOf(male), IDType: idno.ResidentIDCard, Ethnicity: "01", Nationality: "CHN",
		School: p.s.Code, Grade: pg.g, ClassID: classID, Township: p.s.Township}
	s.Name = g.childName(male)
	areaCode := p.s.County
	switch x := r.IntN(100); {
	case x < 6: // from another province: a migrant child
		areaCode = pick(r, migrantAreas)
		s.Migrant = true
	case x < 14: // from another county of the jurisdiction
		areaCode = pick(r, g.counties)
	}
	if !strings.HasPrefix(areaCode, "43") && !s.Migrant {
		s.Migrant = true
	}
	s.IDNumber, born = g.idFor(areaCode, born, male)
	s.BirthDate, s.Hukou = born.Format(time.DateOnly), areaCode
	if r.IntN(100) < 3 {
		s.Ethnicity = pick(r, minorities)
	}
	if !s.Migrant && r.IntN(100) < 7 && !strings.HasSuffix(p.s.Township, "000") {
		s.LeftBehind = true
	}
	if r.IntN(200) == 0 {
		s.SpecialNeeds = pick(r, []string{"visual", "hearing", "speech", "physical", "intellectual"})
	}
	if r.IntN(100) < 6 {
		s.FinancialAid = pick(r, []string{"registered_poor", "subsistence", "orphan", "disability", "other"})
	}
	s.Address = p.s.Address
	if s.Address == "" {
		s.Address = areaName(p.s.Township)
	}
	s.Address += fmt.Sprintf("%d栋%d号", 1+r.IntN(30), 101+r.IntN(20)*100+r.IntN(4))
	// Enrolled at the start of the year they entered the school's first grade.
	entered := g.start.Year() - int(pg.g-p.span.First)
	s.EnrolledOn = time.Date(entered, 9, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	if s.EnrolledOn < s.BirthDate {
		s.EnrolledOn = g.year.StartsOn
	}
	surname := []rune(s.Name)[0]
	father := string(surname) + pick(r, givenChars) + pick(r, givenChars)
	mother := pick(r, surnames) + pick(r, givenChars) + pick(r, []string{"英", "芳", "丽", "霞", "燕", "娟", "玲", "红"})
	switch x := r.IntN(10); {
	case s.LeftBehind:
		s.Guardians = []student.Guardian{{Name: pick(r, surnames) + pick(r, givenChars) + "英", Relation: pick(r, []string{"paternal_grandmother", "maternal_grandmother"}), Phone: g.phone()},
			{Name: father, Relation: "father", Phone: g.phone()}}
	case x < 6:
		s.Guardians = []student.Guardian{{Name: mother, Relation: "mother", Phone: g.phone()}, {Name: father, Relation: "father", Phone: g.phone()}}
	case x < 9:
		s.Guardians = []student.Guardian{{Name: mother, Relation: "mother", Phone: g.phone()}}
	default:
		s.Guardians = []student.Guardian{{Name: father, Relation: "father", Phone: g.phone()}}
	}
	return s
}

func areaName(code string) string {
	if a, ok := area.Lookup(code); ok {
		return a.Name
	}
	return ""
}

// students yields every pupil, school by school, grade by grade, class by
// class; every so often a probable duplicate: the same child registered
// again at another school of the county under another ID number (same
// name, birth date and guardian phone).
func (g *studentGen) students(keep func(demoPupil)) iter.Seq[student.Student] {
	return func(yield func(student.Student) bool) {
		i := 0
		emit := func(s student.Student) bool {
			if keep != nil {
				keep(demoPupil{s: s, index: i})
			}
			i++
			return yield(s)
		}
		dups := g.extras().duplicates
		every := max(1, (g.total()-dups)/max(dups, 1))
		var pending []student.Student
		for pi, p := range g.schools {
			for gi := range p.grades {
				pg := &p.grades[gi]
				for k := 0; k < pg.students; k++ {
					var classID int64
					if len(pg.classes) > 0 {
						classID = pg.classes[k*len(pg.classes)/pg.students].ID
					}
					s := g.pupil(p, pg, classID)
					if dups > 0 && i%every == every/2 {
						pending = append(pending, s)
					}
					if !emit(s) {
						return
					}
				}
			}
			// The duplicates of this school's children go to the next school
			// of the same county that teaches their grade.
			var keepBack []student.Student
			for _, d := range pending {
				placed := false
				for _, q := range g.schools[pi+1:] {
					if q.s.County != p.s.County || !q.span.Has(d.Grade) || dups == 0 {
						continue
					}
					dup := d
					dup.School, dup.ClassID, dup.Township = q.s.Code, 0, q.s.Township
					born, _ := time.Parse(time.DateOnly, d.BirthDate)
					other := pick(g.r, g.counties)
					dup.IDNumber, _ = g.idForExact(other, born, d.Gender == idno.Male)
					dup.Hukou = other
					dup.Guardians = d.Guardians[:1]
					dups--
					placed = true
					if !emit(dup) {
						return
					}
					break
				}
				if !placed {
					keepBack = append(keepBack, d)
				}
			}
			pending = keepBack
		}
	}
}

// idForExact is idFor on exactly that day (a duplicate keeps the birth
// date), in another area when the day is full in this one.
func (g *studentGen) idForExact(areaCode string, born time.Time, male bool) (string, bool) {
	if id, ok := g.idOn(areaCode, born, male); ok {
		return id, true
	}
	return g.idForExact(pick(g.r, migrantAreas), born, male)
}

// buildStudents is the demo step: classes, students, then the lists.
func buildStudents(ctx context.Context, b *builder, report func(done, total int)) error {
	if b.opt.Keyring == nil || b.opt.Students < 0 {
		return nil // no key for personal data (or none asked for): no students; the schools and cases still build
	}
	asOf := b.opt.casesAsOf()
	if err := year.Ensure(ctx, b.d, asOf); err != nil {
		return err
	}
	reg := student.New(b.d, b.opt.Keyring)
	// The records are made at 18:00 in Beijing on the day the demo stands
	// on, or now when that is still to come today: never in the future.
	now := asOf.Add(10 * time.Hour)
	if real := time.Now().UTC(); real.Before(now) && real.After(asOf) {
		now = real
	}
	reg.Now = func() time.Time { return now }
	reg.Schools.Now = reg.Now
	reg.Audit.Now = reg.Now
	g := newStudentGen(b.opt, b.world, b.schools)
	total := g.total()
	report(0, total)
	// Sub-steps are timed too: where a demo's start-up goes.
	lap := time.Now()
	timed := func(name string) {
		b.sum.Steps = append(b.sum.Steps, StepTime{"students/" + name, time.Since(lap)})
		lap = time.Now()
	}
	classes := g.classes()
	if err := reg.CreateClasses(ctx, scope.Everything, classes, StudentActor); err != nil {
		return fmt.Errorf("classes: %w", err)
	}
	g.attach(classes)
	timed("classes")
	reg.OnLoadStage = func(stage string, took time.Duration) {
		b.sum.Steps = append(b.sum.Steps, StepTime{"students/load/" + stage, took})
	}
	var kept []demoPupil
	every := max(1, total/4000) // a sample of the children for the lists after the load
	n, err := reg.CreateMany(ctx, scope.Everything, g.students(func(p demoPupil) {
		if p.index%every == 0 {
			kept = append(kept, p)
		}
	}), StudentActor, func(done int) { report(done, total) })
	if err != nil {
		return err
	}
	b.sum.Students, b.sum.Classes = n, len(classes)
	report(n, n) // the estimate may count a child the generator then left out: end the bar at what was loaded
	timed("load")
	// Loaded in one transaction, straight into the file (db.OpenForBuild);
	// what follows is many small transactions, which the log takes faster.
	if err := b.d.UseWAL(ctx); err != nil {
		return err
	}
	err = studentLists(ctx, b, reg, g, kept)
	timed("lists")
	return err
}

// studentLists writes what happens after the start of the year: transfers
// asked for (some approved by the sending school, waiting for the county
// bureaus), suspensions, dropouts and long-term absences with the follow-up
// actions taken since.
func studentLists(ctx context.Context, b *builder, reg *student.Registry, g *studentGen, kept []demoPupil) error {
	r := rand.New(rand.NewPCG(uint64(b.opt.Seed), streamStudents+100))
	ex := g.extras()
	if len(kept) == 0 {
		return nil
	}
	// The registry's ids of the kept children, by their ID number's index.
	idx := map[string]int64{}
	for _, p := range kept {
		idx[reg.IDIndex(p.s.IDNumber)] = 0
	}
	if err := reg.IDsByIndex(ctx, idx); err != nil {
		return err
	}
	schoolsBy := map[string][]*plannedSchool{} // by county
	for _, p := range g.schools {
		schoolsBy[p.s.County] = append(schoolsBy[p.s.County], p)
	}
	r.Shuffle(len(kept), func(i, j int) { kept[i], kept[j] = kept[j], kept[i] })
	used := map[int64]bool{}
	next := func(ok func(demoPupil) bool) (demoPupil, int64, bool) {
		for _, p := range kept {
			id := idx[reg.IDIndex(p.s.IDNumber)]
			if id == 0 || used[id] || !ok(p) {
				continue
			}
			used[id] = true
			return p, id, true
		}
		return demoPupil{}, 0, false
	}
	actor := func(kind, code string) student.Actor {
		a := StudentActor
		a.OrgKind, a.OrgCode = kind, code
		return a
	}
	asOf := g.asOf
	day := func(daysBack int) string { return asOf.AddDate(0, 0, -daysBack).Format(time.DateOnly) }
	compulsory := func(p demoPupil) bool { return p.s.Grade >= 2 && p.s.Grade <= 9 && p.s.EnrolledOn < g.year.StartsOn }
	// Transfers: to another school of the same county, or (one in four) of another county.
	for i := 0; i < ex.transfers; i++ {
		p, id, ok := next(func(p demoPupil) bool { return p.s.ClassID != 0 })
		if !ok {
			break
		}
		county := p.s.County
		if county == "" {
			county = schoolCounty(g, p.s.School)
		}
		if i%4 == 3 {
			county = pick(r, g.counties)
		}
		var to *plannedSchool
		for _, q := range schoolsBy[county] {
			if q.s.Code != p.s.School && q.span.Has(p.s.Grade) && r.IntN(4) == 0 {
				to = q
				break
			}
		}
		if to == nil {
			continue
		}
		t, err := reg.RequestTransfer(ctx, scope.Everything, student.TransferRequest{Number: p.s.IDNumber, Name: p.s.Name,
			ToSchool: to.s.Code, ToGrade: p.s.Grade, Reason: pick(r, transferReasons)}, actor(auth.OrgSchool, to.s.Code))
		if err != nil {
			return fmt.Errorf("transfer of student %d: %w", id, err)
		}
		if t.CrossCounty && r.IntN(2) == 0 {
			if _, err := reg.ApproveTransfer(ctx, scope.Everything, t.ID, "同意转出", actor(auth.OrgSchool, t.FromSchool)); err != nil {
				return fmt.Errorf("approve transfer %d: %w", t.ID, err)
			}
		}
	}
	// Suspensions (休学).
	for i := 0; i < ex.suspended; i++ {
		_, id, ok := next(func(p demoPupil) bool { return p.s.EnrolledOn < g.year.StartsOn })
		if !ok {
			break
		}
		if _, err := reg.Suspend(ctx, scope.Everything, id, day(1+r.IntN(60)), pick(r, suspendReasons), StudentActor); err != nil {
			return fmt.Errorf("suspend student %d: %w", id, err)
		}
	}
	// Dropouts and long-term absences of compulsory-age children, with the actions since.
	for i := 0; i < ex.dropouts+ex.absences; i++ {
		_, id, ok := next(compulsory)
		if !ok {
			break
		}
		back := 5 + r.IntN(80)
		var err error
		if i < ex.dropouts {
			_, err = reg.Dropout(ctx, scope.Everything, id, day(back), pick(r, student.DropoutReasons).Code, pick(r, dropoutNotes), StudentActor)
		} else {
			_, err = reg.MarkAbsent(ctx, scope.Everything, id, day(back), pick(r, absenceReasons), StudentActor)
		}
		if err != nil {
			return fmt.Errorf("student %d leaves: %w", id, err)
		}
	}
	// The actions taken on the follow-up list: none yet for some, several for others.
	page := 1
	for {
		fus, err := reg.FollowUps(ctx, scope.Everything, student.FollowUpFilter{AllAges: true, Page: page, PerPage: student.MaxPerPage})
		if err != nil {
			return err
		}
		for _, f := range fus.Items {
			since, _ := time.Parse(time.DateOnly, f.Since)
			span := int(asOf.Sub(since).Hours() / 24)
			for k := r.IntN(4); k > 0 && span > 0; k-- {
				on := since.AddDate(0, 0, 1+r.IntN(span)).Format(time.DateOnly)
				if on > reg.Now().UTC().Format(time.DateOnly) {
					continue
				}
				kind := pick(r, student.FollowUpActions).Code
				if _, err := reg.AddFollowUpAction(ctx, scope.Everything, f.ID, student.FollowUpAction{Kind: kind, On: on,
					Note: pick(r, followUpNotes)}, actor(auth.OrgCounty, f.County)); err != nil {
					return fmt.Errorf("follow-up %d: %w", f.ID, err)
				}
			}
		}
		if page*student.MaxPerPage >= fus.Total {
			break
		}
		page++
	}
	return nil
}

func schoolCounty(g *studentGen, code string) string {
	for _, p := range g.schools {
		if p.s.Code == code {
			return p.s.County
		}
	}
	return ""
}

var (
	transferReasons = []string{"随父母工作调动迁居", "家庭搬迁，就近入学", "随父母回原籍就读", "父母务工地变更", "投靠亲属就读"}
	suspendReasons  = []string{"因病休学", "身体原因，需长期治疗", "家庭变故，申请休学一年", "意外受伤住院治疗"}
	dropoutNotes    = []string{"连续多日未到校，家长称孩子不愿上学", "随父母外出务工，去向待核实", "家庭经济困难，在家帮忙务农", "监护人未办理任何手续，学生已离校"}
	absenceReasons  = []string{"连续缺课超过 15 天，家长联系不上", "随父母外出，长期未到校", "厌学在家，多次劝返未果"}
	followUpNotes   = []string{"班主任上门家访，家长表示将督促返校", "电话联系家长，了解缺课原因", "向监护人送达《责令改正通知书》",
		"村（居）委会协助约谈家长", "落实生活补助，减轻家庭负担", "学校与家长签订返校承诺书", "联系外出务工的父母，说明义务教育要求"}
)
