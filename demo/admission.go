package demo

// The demo's admissions, for the year of entry being prepared on the day
// the demo stands on (the autumn after it):
//
//   - enrolment plans for every open school admitting to grade 1, 7 or 10
//     (most published, some only approved, a few still drafts); the better
//     senior highs are quality schools giving more than half their places to
//     junior schools as quotas (指标到校) in the first batch;
//   - catchment zones for every public primary and junior school: the part
//     of the jurisdiction nearer to the school than to any other of its kind
//     (catchment.CellsAround), with a few multi-school zones (多校划片) and
//     one zone per school sharing a site;
//   - children applying for grade 1 and grade 7, their registered addresses
//     inside the zones (a handful outside every zone, to be reported), about
//     as many as the zones' places, some zones oversubscribed;
//   - two oversubscribed private schools with lotteries — one drawn and
//     published, the other's list frozen and its seed not yet announced —
//     and a multi-school zone's lottery taking applications;
//   - a 中考 cohort of ~9,000 (small) or ~90,000 (city) students with scores,
//     tie-break scores and choices over three batches, simulated and
//     published, so that the public results lookup answers.
//
// Everything goes through the admission office (package enrol), as staff
// would do it, so every record is valid and audited.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"edubureau/admission"
	"edubureau/catchment"
	"edubureau/enrol"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
)

// streamAdmissions is the PCG stream of the admission generator (see schools.go).
const streamAdmissions uint64 = 4

// cohortSizes is the 中考 cohort by scale.
var cohortSizes = map[Scale]int{Small: 9000, City: 90000}

// AdmissionActor is who the demo's admission records are made by.
var AdmissionActor = enrol.System("demo", "synthetic demo data")

// admissionYear is the year of entry the demo prepares.
func (o Options) admissionYear() int { return enrol.EntryYear(o.casesAsOf()) }

func buildAdmissions(ctx context.Context, b *builder, report func(done, total int)) error {
	ring := b.opt.Keyring
	if ring == nil {
		// A key of its own: the demo's records are complete, but their
		// personal data opens only with a key the caller does not have.
		// Callers that serve the demo pass theirs (Options.Keyring).
		var master [pii.KeySize]byte
		rand.Read(master[:])
		var err error
		if ring, err = pii.NewKeyring(master[:]); err != nil {
			return err
		}
	}
	g := &admissionGen{b: b, r: mrand.New(mrand.NewPCG(uint64(b.opt.Seed), streamAdmissions)), year: b.opt.admissionYear(),
		o: enrol.New(b.d, school.New(b.d), ring, b.opt.Jurisdiction)}
	g.o.Now = func() time.Time { return b.opt.casesAsOf().Add(10 * time.Hour) }
	const steps = 7
	for i, step := range []func(context.Context) error{g.plans, g.zones, g.applicants, g.lotteries, g.cohort, g.simulate, g.publish} {
		report(i, steps)
		if err := step(ctx); err != nil {
			return err
		}
	}
	report(steps, steps)
	return nil
}

type admissionGen struct {
	b    *builder
	r    *mrand.Rand
	year int
	o    *enrol.Office

	places   map[[2]string]int // school and grade → places in its plan
	private  map[int][]string  // grade → private schools with a plan
	seniors  []school.School   // ranked best first
	quality  map[string]bool
	juniors  []school.School // schools with junior graduates
	quotas   map[string][]string
	children map[int][]enrol.Applicant
	multi    []int64 // multi-school zones of grade 1

	simulation int64
	ids        map[string]bool
}

func teaches(s school.School, g int) bool {
	ti, ok := s.Type.Info()
	return ok && ti.FirstGrade > 0 && ti.FirstGrade <= g && g <= ti.LastGrade
}

func open(s school.School) bool { return s.Status == school.Active }

// plans writes a plan for every open school admitting to grade 1, 7 or 10.
func (g *admissionGen) plans(ctx context.Context) error {
	g.places, g.private, g.quality, g.quotas = map[[2]string]int{}, map[int][]string{}, map[string]bool{}, map[string][]string{}
	var ins []enrol.PlanInput
	var states []enrol.PlanState
	state := func() enrol.PlanState {
		switch x := g.r.IntN(100); {
		case x < 4:
			return enrol.PlanDraft
		case x < 15:
			return enrol.PlanApproved
		}
		return enrol.PlanPublished
	}
	for _, s := range g.b.schools {
		if !open(s) || s.Type == school.Special || s.Type == school.Vocational {
			continue
		}
		if teaches(s, 9) {
			g.juniors = append(g.juniors, s)
		}
		if teaches(s, 10) {
			g.seniors = append(g.seniors, s)
		}
		for _, grade := range []int{enrol.GradePrimary, enrol.GradeJunior} {
			if !teaches(s, grade) {
				continue
			}
			ti, _ := s.Type.Info()
			per := 45
			if grade == enrol.GradeJunior {
				per = 50
			}
			classes := max(1, s.Capacity/(ti.LastGrade-ti.FirstGrade+1)/per)
			places := classes * per
			if s.Capacity < per*6 { // a small rural school or teaching point
				places, classes = max(10, s.Capacity/6), 1
			}
			st := state()
			if s.Ownership == school.Private {
				st = enrol.PlanPublished // oversubscribed private schools publish their plans
				g.private[grade] = append(g.private[grade], s.Code)
			}
			ins = append(ins, enrol.PlanInput{Year: g.year, Grade: grade, School: s.Code, Classes: classes, Rows: []enrol.PlanRow{{Batch: 1, Places: places}}})
			states = append(states, st)
			if st != enrol.PlanDraft {
				g.places[[2]string{s.Code, strconv.Itoa(grade)}] = places
			}
		}
	}
	// Senior highs: ranked by size (the big old schools are the sought-after
	// ones); the top third public ones are quality schools.
	sort.SliceStable(g.seniors, func(i, j int) bool { return g.seniors[i].Capacity > g.seniors[j].Capacity })
	n := cohortSizes[g.b.opt.Scale]
	total := 0
	for _, s := range g.seniors {
		total += s.Capacity
	}
	nq := 0
	for _, s := range g.seniors {
		if s.Ownership == school.Public && nq < max(1, len(g.seniors)/3) {
			g.quality[s.Code] = true
			nq++
		}
	}
	for i, s := range g.seniors {
		places := max(50, int(math.Round(0.85*float64(n)*float64(s.Capacity)/float64(max(1, total)))))
		var rows []enrol.PlanRow
		line := func(x float64) *float64 { return &x }
		rank := float64(i) / float64(max(1, len(g.seniors)-1)) // 0 best … 1 last
		if g.quality[s.Code] {
			quota := places*11/20 + 1 // 55%: more than half
			k := min(len(g.juniors), 8)
			picks := g.r.Perm(len(g.juniors))[:k]
			for x, p := range picks {
				q := quota / k
				if x == 0 {
					q += quota % k
				}
				code := g.juniors[p].Code
				g.quotas[code] = append(g.quotas[code], s.Code)
				rows = append(rows, enrol.PlanRow{Batch: 1, Junior: code, Places: q, MinScore: line(math.Round(560 - 60*rank))})
			}
			places -= quota
		}
		general := enrol.PlanRow{Batch: 2, Places: places}
		if rank < 0.5 {
			general.MinScore = line(math.Round(520 - 80*rank))
		}
		rows = append(rows, general)
		if rank >= 0.6 {
			rows = append(rows, enrol.PlanRow{Batch: 3, Places: max(5, places/20)})
		}
		ins = append(ins, enrol.PlanInput{Year: g.year, Grade: enrol.GradeSenior, School: s.Code, Quality: g.quality[s.Code], Rows: rows})
		states = append(states, enrol.PlanPublished)
	}
	return g.o.CreatePlans(ctx, AdmissionActor, ins, states)
}

// zones builds the grade 1 and grade 7 layers: each public school's cell.
func (g *admissionGen) zones(ctx context.Context) error {
	box := catchment.BBox{MinLng: math.Inf(1), MinLat: math.Inf(1), MaxLng: math.Inf(-1), MaxLat: math.Inf(-1)}
	for _, s := range g.b.schools {
		if s.Lng != nil {
			box.MinLng, box.MaxLng = min(box.MinLng, *s.Lng), max(box.MaxLng, *s.Lng)
			box.MinLat, box.MaxLat = min(box.MinLat, *s.Lat), max(box.MaxLat, *s.Lat)
		}
	}
	box = catchment.BBox{MinLng: box.MinLng - 0.03, MinLat: box.MinLat - 0.03, MaxLng: box.MaxLng + 0.03, MaxLat: box.MaxLat + 0.03}
	for _, grade := range []int{enrol.GradePrimary, enrol.GradeJunior} {
		var sites []school.School
		for _, s := range g.b.schools {
			if open(s) && s.Ownership == school.Public && teaches(s, grade) && s.Lng != nil && s.Type != school.Special {
				sites = append(sites, s)
			}
		}
		pts := make([]catchment.LngLat, len(sites))
		for i, s := range sites {
			pts[i] = catchment.LngLat{Lng: *s.Lng, Lat: *s.Lat}
		}
		cells := catchment.CellsAround(pts, box)
		// Schools on one site share one zone; every twelfth school of grade 1
		// shares a zone with its nearest neighbour in the county (多校划片).
		merged := make([]bool, len(sites))
		var zones []catchment.Zone
		seq := map[string]int{}
		prefix := map[int]string{enrol.GradePrimary: "P", enrol.GradeJunior: "J"}[grade]
		for i, s := range sites {
			if merged[i] || cells[i] == nil {
				continue
			}
			members := []int{i}
			for j := i + 1; j < len(sites); j++ {
				if !merged[j] && pts[j] == pts[i] {
					members = append(members, j)
				}
			}
			if len(members) == 1 && grade == enrol.GradePrimary && g.r.IntN(12) == 0 {
				best, bd := -1, math.Inf(1)
				for j := range sites {
					if j == i || merged[j] || cells[j] == nil || sites[j].County != s.County {
						continue
					}
					if d := math.Hypot(pts[j].Lng-pts[i].Lng, pts[j].Lat-pts[i].Lat); d < bd {
						best, bd = j, d
					}
				}
				if best >= 0 && bd < 0.05 {
					members = append(members, best)
				}
			}
			z := catchment.Zone{}
			var names []string
			for _, m := range members {
				merged[m] = true
				z.Schools = append(z.Schools, sites[m].Code)
				names = append(names, sites[m].Name)
				if pts[m] != pts[i] || m == i {
					z.Polygons = append(z.Polygons, cells[m])
				}
			}
			seq[s.County]++
			z.Code = fmt.Sprintf("%s%s-%03d", prefix, s.County, seq[s.County])
			z.Name = strings.Join(names, "、") + "片区"
			zones = append(zones, z)
		}
		var buf bytes.Buffer
		if err := catchment.WriteZones(&buf, zones); err != nil {
			return err
		}
		if _, err := g.o.ImportZones(ctx, AdmissionActor, g.year, grade, &buf, fmt.Sprintf("demo-zones-%d.geojson", grade)); err != nil {
			return err
		}
	}
	return nil
}

// applicants registers the children applying of grade 1 and 7: per zone about as many
// as its places (some zones oversubscribed), at addresses inside the zone.
func (g *admissionGen) applicants(ctx context.Context) error {
	g.children = map[int][]enrol.Applicant{}
	seq := 0
	for _, grade := range []int{enrol.GradePrimary, enrol.GradeJunior} {
		pg, err := g.o.Zones(ctx, scope.Everything, enrol.ZoneFilter{Year: g.year, Grade: grade, PerPage: -1})
		if err != nil {
			return err
		}
		birth := time.Date(g.year-6-1, time.September, 1, 0, 0, 0, 0, time.UTC)
		if grade == enrol.GradeJunior {
			birth = birth.AddDate(-6, 0, 0)
		}
		var ins []enrol.ApplicantInput
		for _, z := range pg.Items {
			places := 0
			for _, s := range z.Schools {
				places += g.places[[2]string{s.Code, strconv.Itoa(grade)}]
			}
			if z.Multi() && grade == enrol.GradePrimary {
				g.multi = append(g.multi, z.ID)
			}
			want := int(float64(places) * (0.75 + 0.45*g.r.Float64()))
			shape := catchment.Zone{Polygons: z.Polygons}
			bb := shape.BBox()
			for k := 0; k < want; k++ {
				var p catchment.LngLat
				for try := 0; try < 50; try++ {
					p = catchment.LngLat{Lng: bb.MinLng + g.r.Float64()*(bb.MaxLng-bb.MinLng), Lat: bb.MinLat + g.r.Float64()*(bb.MaxLat-bb.MinLat)}
					if shape.Contains(p.Lng, p.Lat) {
						break
					}
				}
				if g.r.IntN(400) == 0 { // registered outside every zone: reported
					p.Lng = bb.MaxLng + 2
				}
				seq++
				in := enrol.ApplicantInput{Year: g.year, Grade: grade, County: z.County, Name: g.person(),
					IDNumber: g.idNumber(z.County, birth.AddDate(0, 0, g.r.IntN(365)), seq),
					Address:  fmt.Sprintf("%s%d号", pick(g.r, roads).zh, 1+g.r.IntN(400)), Lng: round7(p.Lng), Lat: round7(p.Lat)}
				if z.Multi() {
					codes := z.SchoolCodes()
					g.r.Shuffle(len(codes), func(a, b int) { codes[a], codes[b] = codes[b], codes[a] })
					in.Prefs = codes
				}
				ins = append(ins, in)
			}
		}
		for from := 0; from < len(ins); from += 20000 {
			apps, err := g.o.AddApplicants(ctx, AdmissionActor, ins[from:min(len(ins), from+20000)])
			if err != nil {
				return err
			}
			g.children[grade] = append(g.children[grade], apps...)
		}
	}
	return nil
}

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }

// idNumber makes a resident ID number not given before: the sequence
// (three digits after the birth date) moves on past the ones taken.
func (g *admissionGen) idNumber(county string, birth time.Time, seq int) string {
	if g.ids == nil {
		g.ids = map[string]bool{}
	}
	for k := 0; ; k++ {
		id := idno.MakeResidentID(county, birth, (seq+k)%1000)
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
		if k == 1000 {
			birth = birth.AddDate(0, 0, 1)
			k = 0
		}
	}
}

func (g *admissionGen) person() string {
	name := pick(g.r, surnames) + pick(g.r, givenChars)
	if g.r.Float64() < 0.7 {
		name += pick(g.r, givenChars)
	}
	return name
}

// lotteries: two oversubscribed private schools (one drawn, one frozen
// with its seed to come) and a multi-school zone taking applications.
func (g *admissionGen) lotteries(ctx context.Context) error {
	type target struct {
		grade  int
		school string
	}
	var ts []target
	for _, grade := range []int{enrol.GradePrimary, enrol.GradeJunior} {
		for _, c := range g.private[grade] {
			if len(ts) < 2 && g.places[[2]string{c, strconv.Itoa(grade)}] > 0 && len(g.children[grade]) > 0 {
				ts = append(ts, target{grade, c})
			}
		}
	}
	for i, t := range ts {
		places := g.places[[2]string{t.school, strconv.Itoa(t.grade)}]
		l, err := g.o.CreateLottery(ctx, AdmissionActor, enrol.LotteryInput{Year: g.year, Grade: t.grade, Kind: enrol.LotterySchool, School: t.school, Places: places})
		if err != nil {
			return err
		}
		kids := g.children[t.grade]
		want := min(len(kids), places*2+g.r.IntN(places+1))
		var es []enrol.EntryInput
		for _, k := range g.r.Perm(len(kids))[:want] {
			es = append(es, enrol.EntryInput{Ticket: kids[k].Number})
		}
		if _, err := g.o.AddEntries(ctx, AdmissionActor, l.ID, es); err != nil {
			return err
		}
		if _, err := g.o.Freeze(ctx, AdmissionActor, l.ID, 0); err != nil {
			return err
		}
		if i == 0 {
			seed := fmt.Sprintf("%d年民办学校招生公开摇号 衡阳市公证处现场抽取 %06d", g.year, g.r.IntN(1000000))
			if _, err := g.o.AnnounceSeed(ctx, AdmissionActor, l.ID, 0, seed); err != nil {
				return err
			}
			if _, err := g.o.Draw(ctx, AdmissionActor, l.ID, 0); err != nil {
				return err
			}
		}
	}
	if len(g.multi) > 0 {
		l, err := g.o.CreateLottery(ctx, AdmissionActor, enrol.LotteryInput{Year: g.year, Grade: enrol.GradePrimary, Kind: enrol.LotteryZone, ZoneID: g.multi[0]})
		if err != nil {
			return err
		}
		if _, err := g.o.FillFromZone(ctx, AdmissionActor, l.ID); err != nil {
			return err
		}
	}
	return nil
}

// cohort imports the 中考 students from a generated file through the import
// engine (enrol.ZhongkaoKind), as the bureau imports the examination
// authority's file.
func (g *admissionGen) cohort(ctx context.Context) error {
	n := cohortSizes[g.b.opt.Scale]
	var quality, general, supplementary []string
	for i, s := range g.seniors {
		if g.quality[s.Code] {
			quality = append(quality, s.Code)
		}
		general = append(general, s.Code)
		if float64(i)/float64(max(1, len(g.seniors)-1)) >= 0.6 {
			supplementary = append(supplementary, s.Code)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"exam_no", "junior", "total", "chinese", "math", "english", "b1", "b2", "b3", "id_no", "name"})
	clamp := func(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
	birth := time.Date(g.year-16, time.September, 1, 0, 0, 0, 0, time.UTC)
	rec := make([]string, 11)
	for i := 0; i < n; i++ {
		j := g.juniors[g.r.IntN(len(g.juniors))]
		total := math.Round(clamp(480+90*g.r.NormFloat64(), 150, 720)*2) / 2
		tb := func() string { return admission.FormatScore(math.Round(clamp(total/5+8*g.r.NormFloat64(), 0, 150))) }
		// Batch 1: quality schools, their own junior school's quotas first.
		var b1 []string
		if total >= 480 {
			b1 = append(b1, g.quotas[j.Code]...)
			for _, q := range quality {
				if len(b1) < 4 && !slices.Contains(b1, q) && g.r.IntN(3) == 0 {
					b1 = append(b1, q)
				}
			}
		}
		// Batch 2: up to 12 schools around the student's level, best first.
		centre := int((1 - (total-150)/570) * float64(len(general)))
		var picked []int // places in general, which is best first
		for k := 0; k < 12 && len(picked) < len(general); k++ {
			at := min(len(general)-1, max(0, centre-6+g.r.IntN(14)))
			for slices.Contains(picked, at) {
				at = (at + 1) % len(general)
			}
			picked = append(picked, at)
		}
		slices.Sort(picked)
		b2 := make([]string, len(picked))
		for k, at := range picked {
			b2[k] = general[at]
		}
		var b3 []string
		if total < 520 {
			for _, k := range g.r.Perm(len(supplementary))[:min(6, len(supplementary))] {
				b3 = append(b3, supplementary[k])
			}
		}
		rec[0] = fmt.Sprintf("%02d%07d", g.year%100, i+1)
		rec[1], rec[2], rec[3], rec[4], rec[5] = j.Code, admission.FormatScore(total), tb(), tb(), tb()
		rec[6], rec[7], rec[8] = strings.Join(b1, "|"), strings.Join(b2, "|"), strings.Join(b3, "|")
		rec[9] = g.idNumber(j.County, birth.AddDate(0, 0, g.r.IntN(365)), i)
		rec[10] = g.person()
		w.Write(rec)
	}
	w.Flush()
	_, err := g.o.Import(ctx, AdmissionActor, enrol.ZhongkaoKind{Office: g.o}, fmt.Sprintf("zhongkao-%d.csv", g.year), buf.Bytes(),
		map[string]string{"year": strconv.Itoa(g.year), "tiebreak": "chinese,math,english"})
	return err
}

func (g *admissionGen) simulate(ctx context.Context) error {
	run, err := g.o.Simulate(ctx, AdmissionActor, g.year)
	g.simulation = run.ID
	return err
}

// publish publishes the simulation: the results lookup answers from it.
func (g *admissionGen) publish(ctx context.Context) error {
	_, err := g.o.Publish(ctx, AdmissionActor, g.year, g.simulation)
	return err
}
