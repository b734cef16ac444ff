// Package demo builds a deterministic synthetic jurisdiction — by default a
// Hengyang-like city (4304) — for the demo, for tests and for benchmarks.
//
// The places are real: the jurisdiction's counties and townships come from
// the national division catalogue (package area). Everything else is
// invented, plausibly: school names, identifiers, addresses, coordinates
// (see places.go for what "inside the right township" can and cannot mean
// without boundary data), capacities, headmasters, dates and licences.
//
// The same Options always produce the same data: every generator draws from
// its own PCG stream seeded with Options.Seed, and dates are reckoned from the
// fixed Today, never from the clock.
//
// Build runs a list of steps (areas, schools, …); later generators — students,
// teachers, admissions, cases — append their steps to that list and their
// streams to the stream constants.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// Scale is the size of the demo jurisdiction.
type Scale string

const (
	Small Scale = "small" // ~250 institutions: a quick demo
	City  Scale = "city"  // ~3,000 institutions: a city the size of Hengyang
)

// ParseScale reads a scale from a command line; "" is Small.
func ParseScale(s string) (Scale, error) {
	switch Scale(strings.ToLower(strings.TrimSpace(s))) {
	case "", Small:
		return Small, nil
	case City:
		return City, nil
	}
	return "", fault.New(fault.Invalid, "规模 %q 无效，应为 small 或 city", "unknown scale %q: use small or city", s)
}

// DefaultJurisdiction is Hengyang, the city the demo imitates.
const DefaultJurisdiction = "4304"

// Options choose what Build and the generators make.
type Options struct {
	Scale        Scale  // "" is Small
	Seed         int64  // the same seed gives the same data
	Jurisdiction string // a city or county-level division code; "" is 4304
	// CasesAsOf is the day the generated casework stands on (a year of cases
	// up to it); zero is Today(). The demo command gives the real date, so
	// that the served cases have the intended mix of due, overdue, extended
	// and suspended; tests keep the fixed day.
	CasesAsOf time.Time
	// Keyring encrypts the personal data of the demo's admission records
	// (children, the 中考 cohort): the key the server will run with. Without
	// one the data is sealed with a throwaway key (tests, benchmarks). The
	// students step needs it: without one the demo has no students.
	Keyring *pii.Keyring
	// Students is about how many students to register: 0 is the scale's
	// (30,000 small, 1,200,000 city), a negative number none. Tests and a
	// quick look ask for fewer; the grade sizes stay realistic (fewer
	// classes per school).
	Students int
}

func (o Options) casesAsOf() time.Time {
	if o.CasesAsOf.IsZero() {
		return Today()
	}
	return o.CasesAsOf
}

func (o Options) normalize() (Options, error) {
	sc, err := ParseScale(string(o.Scale))
	if err != nil {
		return o, err
	}
	o.Scale = sc
	if strings.TrimSpace(o.Jurisdiction) == "" {
		o.Jurisdiction = DefaultJurisdiction
	}
	j, err := area.Jurisdiction(o.Jurisdiction)
	if err != nil {
		return o, fault.New(fault.Invalid, "辖区代码 %q 无效：%v", "invalid jurisdiction %q: %v", o.Jurisdiction, err)
	}
	o.Jurisdiction = j.Code
	return o, nil
}

// Today is the date the demo world is generated as of: the first day of the
// 2026–27 school year. Opening dates lie at least a year before it, closing
// dates before it, and some licences expire within six months after it.
func Today() time.Time { return time.Date(2026, time.September, 1, 0, 0, 0, 0, time.UTC) }

// Summary says what Build made.
type Summary struct {
	Jurisdiction string              `json:"jurisdiction"`
	Scale        Scale               `json:"scale"`
	Seed         int64               `json:"seed"`
	Areas        int                 `json:"areas"`   // divisions written (the subtree and its ancestors)
	Schools      int                 `json:"schools"` // institutions written
	ByType       map[school.Type]int `json:"by_type"`
	ByCounty     map[string]int      `json:"by_county"`
	Private      int                 `json:"private"`
	Students     int                 `json:"students"` // registered by the students step
	Classes      int                 `json:"classes"`
	Steps        []StepTime          `json:"steps"`
}

// StepTime is how long one step of Build took.
type StepTime struct {
	Step string        `json:"step"`
	Took time.Duration `json:"took"`
}

// Actor is who the demo's records are created by, in history.
var Actor = school.Actor{Username: "demo", Reason: "synthetic demo data"}

// builder carries what the steps share: each step may use what earlier ones made.
type builder struct {
	d       *db.DB
	opt     Options
	world   *world
	schools []school.School
	sum     *Summary
}

// step is one stage of Build; report(done, total) shows its progress.
type step struct {
	name string
	run  func(ctx context.Context, b *builder, report func(done, total int)) error
}

// steps run in order. Later issues append students, teachers, admissions, cases.
var steps = []step{
	{"areas", buildAreas},
	{"schools", buildSchools},
	{"students", buildStudents},
	{"cases", buildCases},
	{"admissions", buildAdmissions},
}

// Build fills an empty database with the demo jurisdiction. progress, when
// not nil, is called as each step goes (step name, done, total). It refuses
// a database that already holds schools or belongs to another jurisdiction.
func Build(ctx context.Context, d *db.DB, opt Options, progress func(step string, done, total int)) (Summary, error) {
	opt, err := opt.normalize()
	if err != nil {
		return Summary{}, err
	}
	if err := checkEmpty(ctx, d, opt.Jurisdiction); err != nil {
		return Summary{}, err
	}
	w, err := newWorld(opt.Jurisdiction)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Jurisdiction: opt.Jurisdiction, Scale: opt.Scale, Seed: opt.Seed,
		ByType: map[school.Type]int{}, ByCounty: map[string]int{}}
	b := &builder{d: d, opt: opt, world: w, sum: &sum}
	if err := db.SetSetting(ctx, d, buildSetting, BuildStarted); err != nil {
		return sum, err
	}
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		report := func(done, total int) {
			if progress != nil {
				progress(st.name, done, total)
			}
		}
		start := time.Now()
		if err := st.run(ctx, b, report); err != nil {
			return sum, fmt.Errorf("demo step %s: %w", st.name, err)
		}
		sum.Steps = append(sum.Steps, StepTime{st.name, time.Since(start)})
	}
	return sum, db.SetSetting(ctx, d, buildSetting, BuildFinished)
}

// How far a demo build got, in the setting demo_build: BuildStarted from
// before its first step, BuildFinished after its last. Each step commits
// what it made, so an interrupted build leaves a database with some of the
// jurisdiction: the demo command refuses to serve it rather than show half
// a city as if it were the demo.
const (
	BuildStarted  = "started"
	BuildFinished = "finished"
	buildSetting  = "demo_build"
)

// BuildState says how far the demo build into q got: "" when no demo was
// built there (or it was built before the setting existed), else
// BuildStarted or BuildFinished.
func BuildState(ctx context.Context, q db.Querier) (string, error) {
	return db.Setting(ctx, q, buildSetting)
}

// checkEmpty refuses to mix demo data into a database that holds schools or
// was set up for another jurisdiction.
func checkEmpty(ctx context.Context, d *db.DB, jurisdiction string) error {
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM school`).Scan(&n); err != nil {
		return fmt.Errorf("inspect %s: %w", d.Where, err)
	}
	if n > 0 {
		return fault.New(fault.Conflict, "数据库 %s 中已有 %d 所学校：演示数据只能写入空数据库",
			"the database %s already holds %d schools: the demo builds only into an empty database", d.Where, n)
	}
	stored, err := area.StoredJurisdiction(ctx, d)
	if err != nil {
		return err
	}
	if stored != "" && stored != jurisdiction {
		return fault.New(fault.Conflict, "数据库 %s 属于辖区 %s，不能写入辖区 %s 的演示数据",
			"the database %s belongs to jurisdiction %s, not %s", d.Where, stored, jurisdiction)
	}
	return nil
}

func buildAreas(ctx context.Context, b *builder, report func(done, total int)) error {
	report(0, 1)
	if err := area.Sync(ctx, b.d, b.opt.Jurisdiction); err != nil {
		return err
	}
	b.sum.Areas = len(area.Ancestors(b.opt.Jurisdiction)) + len(area.Subtree(b.opt.Jurisdiction))
	report(1, 1)
	return nil
}

func buildSchools(ctx context.Context, b *builder, report func(done, total int)) error {
	b.schools = generateSchools(b.world, b.opt)
	total := len(b.schools)
	report(0, total)
	reg := school.New(b.d)
	// CreateMany normalises and stamps the slice it is given; keep b.schools as generated.
	rows := append([]school.School(nil), b.schools...)
	if err := reg.CreateMany(ctx, scope.Everything, rows, Actor, func(done int) { report(done, total) }); err != nil {
		return err
	}
	for _, s := range b.schools {
		b.sum.Schools++
		b.sum.ByType[s.Type]++
		b.sum.ByCounty[s.County]++
		if s.Ownership == school.Private {
			b.sum.Private++
		}
	}
	return nil
}
