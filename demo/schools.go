package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"edubureau/school"
)

// How many institutions of each type, and where they go.
//
// The shares follow the national shape (DOMAIN §3; 2024 bulletin: about 2 in 5
// institutions are kindergartens, fewer than 1 in 3 primary schools, about 1 in
// 10 junior schools…). Special-education schools and senior citizens' schools
// are placed one per county instead (fixedPlacements).
type share struct {
	typ  school.Type
	frac float64
	// weight of a township by its class: urban subdistrict, seat town, other
	// town, 乡, other (industrial parks…). Urban townships hold more schools
	// each; rural counties hold more in total because they have more townships.
	weight [5]float64
	// chance that an institution of this type is private
	private float64
}

var shares = []share{
	{school.Kindergarten, 0.420, [5]float64{2.0, 2.0, 1.0, 0.6, 0.3}, 0.60},
	{school.Primary, 0.300, [5]float64{1.3, 1.6, 1.0, 0.7, 0.2}, 0.04},
	{school.Junior, 0.095, [5]float64{0.8, 1.2, 1.0, 0.6, 0.1}, 0.08},
	{school.NineYear, 0.040, [5]float64{0.4, 0.6, 1.0, 0.9, 0.1}, 0.10},
	{school.Senior, 0.022, [5]float64{2.0, 3.0, 0.15, 0.05, 0}, 0.12},
	{school.CompleteSecondary, 0.012, [5]float64{1.0, 2.0, 0.3, 0.1, 0}, 0.05},
	{school.TwelveYear, 0.002, [5]float64{2.0, 2.0, 0, 0, 0}, 1},
	{school.Vocational, 0.015, [5]float64{2.0, 3.0, 0.1, 0, 0.2}, 0.30},
	{school.Adult, 0.012, [5]float64{0.3, 0.5, 1.0, 0.8, 0.2}, 0.20},
	{school.Training, 0.050, [5]float64{4.0, 3.0, 0.2, 0.05, 0.1}, 1},
}

// zoneWeight thins development zones: they hold few schools.
const zoneWeight = 0.3

// targets are the total number of institutions by scale.
var targets = map[Scale]int{Small: 250, City: 3000}

// Streams of the PCG, one per generator, so that adding a generator (students,
// teachers…) never changes what an earlier one produces for the same seed.
const (
	streamSchools uint64 = 1
	// students 2, teachers 3, admissions 4, cases 5: reserved for later generators.
)

// slot is one institution to generate: its type and township.
type slot struct {
	typ       school.Type
	tw        *township
	municipal bool // named after the city (衡阳市特殊教育学校), not the county
}

// Schools generates the jurisdiction's institutions without writing them. It
// is pure: the same options give the same schools, byte for byte.
func Schools(opt Options) ([]school.School, error) {
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	w, err := newWorld(opt.Jurisdiction)
	if err != nil {
		return nil, err
	}
	return generateSchools(w, opt), nil
}

func generateSchools(w *world, opt Options) []school.School {
	g := &schoolGen{
		w: w, r: rand.New(rand.NewPCG(uint64(opt.Seed), streamSchools)),
		names: map[string]bool{}, counters: map[string]int{}, seq: map[string]int{}, licences: map[string]int{},
	}
	for _, s := range g.plan(opt.Scale) {
		g.out = append(g.out, g.school(s))
	}
	sort.SliceStable(g.out, func(i, j int) bool { return g.out[i].Code < g.out[j].Code })
	return g.out
}

type schoolGen struct {
	w        *world
	r        *rand.Rand
	names    map[string]bool
	counters map[string]int
	seq      map[string]int // identifier sequence by 4-digit prefix
	licences map[string]int // licence sequence by county
	out      []school.School
}

// plan lists the slots: the fixed placements, then each type's share spread
// over the townships by weight.
func (g *schoolGen) plan(sc Scale) []slot {
	var slots []slot
	slots = append(slots, g.fixedPlacements(sc)...)
	rest := targets[sc] - len(slots)
	counts := apportion(rest, shares)
	for i, sh := range shares {
		slots = append(slots, g.spread(sh, counts[i])...)
	}
	return slots
}

// fixedPlacements: one special-education school and one senior citizens'
// school for the city, and one per county (at small scale, special schools
// in counties and county-level cities only, senior citizens' schools in
// county-level cities only).
func (g *schoolGen) fixedPlacements(sc Scale) []slot {
	var out []slot
	isCity := g.w.jurisdiction.Code != g.w.counties[0].Code
	var municipalSeat *township
	if isCity {
		var seats []*township
		for _, c := range g.w.counties {
			if c.kind == "district" && seatOf(c) != nil {
				seats = append(seats, seatOf(c))
			}
		}
		if len(seats) == 0 {
			for _, c := range g.w.counties {
				if seatOf(c) != nil {
					seats = append(seats, seatOf(c))
				}
			}
		}
		municipalSeat = seats[g.r.IntN(len(seats))]
	}
	for _, t := range []school.Type{school.Special, school.SeniorCitizen} {
		if municipalSeat != nil {
			out = append(out, slot{typ: t, tw: municipalSeat, municipal: true})
		}
		for _, c := range g.w.counties {
			seat := seatOf(c)
			if seat == nil || c.kind == "zone" {
				continue
			}
			want := sc == City || !isCity
			switch {
			case t == school.Special:
				want = want || c.kind == "county" || c.kind == "city"
			case t == school.SeniorCitizen:
				want = want || c.kind == "city"
			}
			if want {
				out = append(out, slot{typ: t, tw: seat})
			}
		}
	}
	return out
}

func seatOf(c *county) *township {
	for _, t := range c.townships {
		if t.seat {
			return t
		}
	}
	return nil
}

// apportion splits n among the shares by largest remainder.
func apportion(n int, sh []share) []int {
	total := 0.0
	for _, s := range sh {
		total += s.frac
	}
	counts := make([]int, len(sh))
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	given := 0
	for i, s := range sh {
		exact := float64(n) * s.frac / total
		counts[i] = int(exact)
		given += counts[i]
		rems = append(rems, rem{i, exact - float64(counts[i])})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < n; k++ {
		counts[rems[k%len(rems)].i]++
		given++
	}
	return counts
}

// class is a township's weight class (see share.weight).
func class(t *township) int {
	switch {
	case t.kind == "subdistrict":
		return 0
	case t.seat:
		return 1
	case t.kind == "town":
		return 2
	case t.kind == "township":
		return 3
	}
	return 4
}

// spread places n institutions over the townships by systematic sampling on
// the cumulative weights in code order: every township receives the floor or
// the ceiling of its expected number, so counties get their fair share even
// at small scale.
func (g *schoolGen) spread(sh share, n int) []slot {
	if n <= 0 {
		return nil
	}
	weights := make([]float64, len(g.w.townships))
	total := 0.0
	for i, t := range g.w.townships {
		wt := sh.weight[class(t)]
		if t.county.kind == "zone" {
			wt *= zoneWeight
		}
		weights[i] = wt
		total += wt
	}
	if total == 0 {
		return nil
	}
	step := total / float64(n)
	at := g.r.Float64() * step
	out := make([]slot, 0, n)
	cum := 0.0
	for i, t := range g.w.townships {
		cum += weights[i]
		for len(out) < n && at < cum {
			out = append(out, slot{typ: sh.typ, tw: t})
			at += step
		}
	}
	for len(out) < n { // rounding at the very end
		out = append(out, slot{typ: sh.typ, tw: g.w.townships[len(g.w.townships)-1]})
	}
	return out
}

// school generates one institution for a slot.
func (g *schoolGen) school(sl slot) school.School {
	tw, c := sl.tw, sl.tw.county
	ti, _ := sl.typ.Info()
	s := school.School{Type: sl.typ, County: c.Code, Township: tw.Code, Status: school.Active}
	s.Ownership = g.ownership(sl)
	village := g.village()
	s.Name, s.NameEN = g.uniqueName(sl, s.Ownership, village)
	s.Code = g.code(ti.Prefixes[0])
	s.Capacity = g.capacity(sl.typ, tw, s.Name)
	s.Headmaster = g.person()
	s.Address = g.address(tw, village, s.Name)
	lng, lat := g.position(tw)
	s.Lng, s.Lat = &lng, &lat
	g.life(&s)
	return s
}

func (g *schoolGen) ownership(sl slot) school.Ownership {
	if sl.municipal || sl.typ == school.Special || sl.typ == school.SeniorCitizen {
		return school.Public
	}
	p := 0.0
	for _, sh := range shares {
		if sh.typ == sl.typ {
			p = sh.private
		}
	}
	// Private primary and junior schools are an urban thing.
	if (sl.typ == school.Primary || sl.typ == school.Junior) && !sl.tw.urban {
		p /= 3
	}
	if g.r.Float64() < p {
		return school.Private
	}
	return school.Public
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (g *schoolGen) village() string {
	head, tail := pick(g.r, villageHeads), pick(g.r, villageTails)
	if strings.HasPrefix(tail, head) { // not 田田
		tail = "家" + tail
	}
	return head + tail
}

// next counts names of a kind in a place: 1 for the first.
func (g *schoolGen) next(key string) int {
	g.counters[key]++
	return g.counters[key]
}

// uniqueName draws names until one is free in the jurisdiction; after many
// tries it numbers a branch (分校), which is always free.
func (g *schoolGen) uniqueName(sl slot, own school.Ownership, village string) (string, string) {
	var zh, en string
	for try := 0; try < 40; try++ {
		zh, en = g.name(sl, own, village, try)
		if !g.names[zh] {
			g.names[zh] = true
			return zh, en
		}
		village = g.village()
	}
	for n := 2; ; n++ {
		z := zh + "第" + cnNumber(n) + "分校"
		if !g.names[z] {
			g.names[z] = true
			if en != "" {
				en = fmt.Sprintf("%s, Branch %d", en, n)
			}
			return z, en
		}
	}
}

// roadOf names a road after an urban subdistrict (红湘街道 → 红湘路), as
// Chinese cities often do.
func roadOf(t *township) string {
	b := t.base
	if strings.HasSuffix(b, "路") || strings.HasSuffix(b, "街") || strings.HasSuffix(b, "道") {
		return b
	}
	return b + "路"
}

// name proposes a name (and an English one when every part has a known
// English form). try > 0 means an earlier proposal was taken: fixed names
// ("…中心小学") then give way to drawn ones.
func (g *schoolGen) name(sl slot, own school.Ownership, village string, try int) (string, string) {
	tw, c := sl.tw, sl.tw.county
	cz, ce := c.short, c.en
	tz := cz + tw.Name // 衡阳县西渡镇
	r := g.r
	en := func(format string, args ...any) string {
		if ce == "" {
			return ""
		}
		return fmt.Sprintf(format, append([]any{ce}, args...)...)
	}
	cityEN := func(format string, args ...any) string {
		if g.w.cityEN == "" {
			return ""
		}
		return fmt.Sprintf(format, append([]any{g.w.cityEN}, args...)...)
	}
	first := func(key string) bool { return try == 0 && g.next(tw.Code+"|"+key) == 1 }
	u := r.Float64()
	sw, kw := pick(r, schoolWords), pick(r, kinderWords)
	road := pick(r, g.w.roads)

	switch sl.typ {
	case school.Kindergarten:
		if own == school.Private {
			switch {
			case tw.urban && u < 0.45:
				return cz + kw.zh + "幼儿园", en("%s %s Kindergarten", kw.en)
			case tw.urban && u < 0.6:
				return cz + kw.zh + "双语幼儿园", en("%s %s Bilingual Kindergarten", kw.en)
			case tw.urban && u < 0.7:
				return cz + kw.zh + "艺术幼儿园", en("%s %s Arts Kindergarten", kw.en)
			case tw.urban:
				return cz + tw.base + kw.zh + "幼儿园", ""
			}
			return tz + kw.zh + "幼儿园", ""
		}
		if !tw.urban && first("K中心") {
			return tz + "中心幼儿园", ""
		}
		if tw.urban {
			if try == 0 && g.counters[c.Code+"|K机关"] == 0 {
				g.counters[c.Code+"|K机关"] = 1
				return cz + "机关幼儿园", en("%s Government Kindergarten")
			}
			if u < 0.5 {
				n := g.next(c.Code + "|K第")
				return cz + "第" + cnNumber(n) + "幼儿园", en("%s No. %d Kindergarten", n)
			}
			return cz + roadOf(tw) + "幼儿园", ""
		}
		return tz + village + "幼儿园", ""

	case school.Primary:
		if own == school.Private {
			if u < 0.5 {
				return cz + sw.zh + "小学", en("%s %s Primary School", sw.en)
			}
			return cz + sw.zh + "实验小学", en("%s %s Experimental Primary School", sw.en)
		}
		if tw.urban {
			if try == 0 && g.next(c.Code+"|P实验") == 1 {
				return cz + "实验小学", en("%s Experimental Primary School")
			}
			switch {
			case u < 0.35:
				return cz + roadOf(tw) + "小学", ""
			case u < 0.7:
				return cz + road.zh + "小学", en("%s %s Primary School", road.en)
			case u < 0.85:
				return cz + tw.base + "小学", ""
			}
			return cz + sw.zh + "小学", en("%s %s Primary School", sw.en)
		}
		if first("P中心") {
			return tz + "中心小学", ""
		}
		if u < 0.15 { // a teaching point (教学点): a small village school, counted as primary
			return tz + village + "教学点", ""
		}
		return tz + village + "小学", ""

	case school.Junior:
		if own == school.Private {
			if u < 0.5 {
				return cz + sw.zh + "中学", en("%s %s Middle School", sw.en)
			}
			return cz + sw.zh + "实验中学", en("%s %s Experimental Middle School", sw.en)
		}
		if tw.urban {
			if u < 0.7 {
				n := g.next(c.Code + "|第中学")
				return cz + "第" + cnNumber(n) + "中学", en("%s No. %d Middle School", n)
			}
			return cz + tw.base + "中学", ""
		}
		if first("J中学") {
			return tz + "中学", ""
		}
		if first("J第二中学") {
			return tz + "第二中学", ""
		}
		return tz + village + "中学", ""

	case school.NineYear:
		if own == school.Private || tw.urban {
			if u < 0.5 {
				return cz + sw.zh + "学校", en("%s %s School", sw.en)
			}
			return cz + sw.zh + "实验学校", en("%s %s Experimental School", sw.en)
		}
		if first("N中心") {
			return tz + "中心学校", ""
		}
		return tz + village + "学校", ""

	case school.Senior, school.CompleteSecondary:
		if own == school.Private {
			if sl.typ == school.Senior && u < 0.6 {
				return cz + sw.zh + "高级中学", en("%s %s Senior High School", sw.en)
			}
			return cz + sw.zh + "中学", en("%s %s Middle School", sw.en)
		}
		// Senior high schools in the city's districts are the city's (衡阳市第八中学).
		if c.kind == "district" && g.w.jurisdiction.Code != c.Code && u < 0.8 {
			n := g.next(g.w.jurisdiction.Code + "|第中学")
			return g.w.city + "第" + cnNumber(n) + "中学", cityEN("%s No. %d Middle School", n)
		}
		if try == 0 && g.next(c.Code+"|S实验") == 1 && sl.typ == school.Senior {
			return cz + "实验中学", en("%s Experimental Middle School")
		}
		n := g.next(c.Code + "|第中学")
		return cz + "第" + cnNumber(n) + "中学", en("%s No. %d Middle School", n)

	case school.TwelveYear:
		if u < 0.5 {
			return cz + sw.zh + "外国语学校", en("%s %s Foreign Language School", sw.en)
		}
		return cz + sw.zh + "实验学校", en("%s %s Experimental School", sw.en)

	case school.Vocational:
		vw := pick(r, vocationWords)
		if own == school.Public {
			if try == 0 && g.next(c.Code+"|V职专") == 1 {
				return cz + "职业中等专业学校", en("%s Secondary Vocational School")
			}
			if c.kind == "district" && g.w.jurisdiction.Code != c.Code {
				return g.w.city + vw.zh + "职业技术学校", cityEN("%s %s Vocational and Technical School", vw.en)
			}
			return cz + vw.zh + "职业技术学校", en("%s %s Vocational and Technical School", vw.en)
		}
		if u < 0.5 {
			return cz + sw.zh + "职业技术学校", en("%s %s Vocational and Technical School", sw.en)
		}
		return cz + sw.zh + vw.zh + "中等职业学校", en("%s %s %s Secondary Vocational School", sw.en, vw.en)

	case school.Special:
		if sl.municipal {
			return g.w.city + "特殊教育学校", cityEN("%s Special Education School")
		}
		return cz + "特殊教育学校", en("%s Special Education School")

	case school.Adult:
		if own == school.Private {
			return cz + sw.zh + "成人教育培训学校", en("%s %s Adult Education School", sw.en)
		}
		if tw.urban {
			if try == 0 && g.next(c.Code+"|A成专") == 1 {
				return cz + "成人中等专业学校", en("%s Adult Secondary Specialised School")
			}
			return cz + tw.base + "社区学校", ""
		}
		return tz + "成人文化技术学校", ""

	case school.SeniorCitizen:
		if sl.municipal {
			return g.w.city + "老年大学", cityEN("%s University for the Elderly")
		}
		return cz + "老年大学", en("%s University for the Elderly")

	case school.Training:
		subj := pick(r, trainingSubjects)
		f := kw
		if u < 0.5 {
			f = sw
		}
		if r.Float64() < 0.6 {
			return cz + f.zh + subj.zh + "培训学校", en("%s %s %s Training School", f.en, subj.en)
		}
		return cz + f.zh + subj.zh + "培训中心", en("%s %s %s Training Centre", f.en, subj.en)
	}
	return tz + village + string(sl.typ), ""
}

// code gives the next identifier: type digits + province + a sequence with
// small gaps, as identifiers of closed or moved schools leave them.
func (g *schoolGen) code(typeDigits string) string {
	prefix := typeDigits + g.w.jurisdiction.Code[:2]
	n, ok := g.seq[prefix]
	if !ok {
		n = 1000 + g.r.IntN(4000)
	}
	n += 1 + g.r.IntN(7)
	g.seq[prefix] = n
	return fmt.Sprintf("%s%06d", prefix, n)
}

// capacity in places, by type and place, in whole classes.
func (g *schoolGen) capacity(t school.Type, tw *township, name string) int {
	r := g.r
	classes := func(lo, hi, size int) int { return (lo + r.IntN(hi-lo+1)) * size }
	steps := func(lo, hi, step int) int { return lo + r.IntN((hi-lo)/step+1)*step }
	switch t {
	case school.Kindergarten:
		if tw.urban {
			return classes(6, 18, 30)
		}
		return classes(3, 9, 30)
	case school.Primary:
		switch {
		case strings.HasSuffix(name, "教学点"):
			return steps(20, 120, 10)
		case tw.urban:
			return classes(24, 60, 45)
		case strings.HasSuffix(name, "中心小学"):
			return classes(12, 30, 45)
		}
		return classes(6, 12, 45)
	case school.Junior:
		if tw.urban {
			return classes(18, 40, 50)
		}
		return classes(12, 24, 50)
	case school.NineYear:
		return classes(18, 50, 50)
	case school.Senior:
		return classes(30, 70, 50)
	case school.CompleteSecondary:
		return classes(36, 72, 50)
	case school.TwelveYear:
		return classes(30, 60, 50)
	case school.Vocational:
		return steps(800, 4000, 100)
	case school.Special:
		return steps(100, 300, 10)
	case school.Adult:
		return steps(100, 800, 50)
	case school.SeniorCitizen:
		return steps(200, 1500, 50)
	case school.Training:
		return steps(50, 600, 10)
	}
	return 0
}

// person draws a realistic Chinese name: a surname and one or two characters.
func (g *schoolGen) person() string {
	name := pick(g.r, surnames) + pick(g.r, givenChars)
	if g.r.Float64() < 0.6 {
		name += pick(g.r, givenChars)
	}
	return name
}

// address: "{county}{township}{road}{number}号", or a village for a village school.
func (g *schoolGen) address(tw *township, village, name string) string {
	head := tw.county.Name + tw.Name
	if !tw.urban && strings.Contains(name, village) {
		return head + village + "村"
	}
	road := pick(g.r, g.w.roads).zh
	if tw.urban && g.r.Float64() < 0.5 {
		road = roadOf(tw)
	}
	return fmt.Sprintf("%s%s%d号", head, road, 1+g.r.IntN(399))
}

// position puts a school within a small radius of its township's point.
func (g *schoolGen) position(tw *township) (float64, float64) {
	_, rs := radii(tw.county.kind)
	r := rs * math.Sqrt(g.r.Float64())
	a := g.r.Float64() * 2 * math.Pi
	p := g.w.keepInCounty(tw.county, point{tw.pt.lng + r*math.Cos(a), tw.pt.lat + r*math.Sin(a)})
	return p.lng, p.lat
}

// Opening years by type: [public from, public to, private from, private to].
var openingYears = map[school.Type][4]int{
	school.Kindergarten:      {1980, 2020, 1998, 2025},
	school.Primary:           {1950, 2015, 2000, 2022},
	school.Junior:            {1956, 2005, 2000, 2022},
	school.NineYear:          {1995, 2020, 2003, 2022},
	school.Senior:            {1950, 2000, 2000, 2020},
	school.CompleteSecondary: {1950, 2000, 2000, 2020},
	school.TwelveYear:        {2005, 2020, 2005, 2022},
	school.Vocational:        {1980, 2010, 2000, 2018},
	school.Special:           {1985, 2015, 2000, 2015},
	school.Adult:             {1985, 2010, 2005, 2022},
	school.SeniorCitizen:     {1990, 2015, 2000, 2015},
	school.Training:          {2012, 2025, 2012, 2025},
}

// latestOpening keeps every opening at least a year before Today.
var latestOpening = time.Date(2025, time.September, 1, 0, 0, 0, 0, time.UTC)

// life sets status, dates and, for a private school, its licence (办学许可证).
func (g *schoolGen) life(s *school.School) {
	r := g.r
	today := Today()
	// Fixed and flagship institutions stay open; others may be preparing,
	// suspended or closed (village schools and private ones more often).
	flagship := s.Type == school.Special || s.Type == school.SeniorCitizen ||
		(s.Ownership == school.Public && (s.Type == school.Senior || s.Type == school.CompleteSecondary || s.Type == school.Vocational)) ||
		strings.Contains(s.Name, "中心") || strings.Contains(s.Name, "实验") || strings.Contains(s.Name, "第一")
	risk := 1.0
	if s.Ownership == school.Private || strings.HasSuffix(s.Name, "教学点") {
		risk = 2
	}
	u := r.Float64()
	switch {
	case flagship:
	case u < 0.015*risk:
		s.Status = school.Preparing
	case u < 0.035*risk:
		s.Status = school.Suspended
	case u < 0.06*risk:
		s.Status = school.Closed
	}
	if s.Status == school.Preparing {
		return // no opening date, no licence yet (筹设 comes before the licence)
	}
	yrs := openingYears[s.Type]
	lo, hi := yrs[0], yrs[1]
	if s.Ownership == school.Private {
		lo, hi = yrs[2], yrs[3]
	}
	year := lo + r.IntN(hi-lo+1)
	opened := time.Date(year, time.September, 1, 0, 0, 0, 0, time.UTC)
	if r.Float64() < 0.3 { // most open at the start of a school year; some at other times
		opened = time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
	}
	if opened.After(latestOpening) {
		opened = latestOpening
	}
	s.OpenedOn = opened.Format(time.DateOnly)
	var closed time.Time
	if s.Status == school.Closed {
		span := int(today.Sub(opened).Hours()/24) - 60
		closed = opened.AddDate(0, 0, 30+r.IntN(max(span, 1)))
		s.ClosedOn = closed.Format(time.DateOnly)
	}
	if s.Ownership != school.Private {
		return
	}
	// Licences run five years. Some expire within six months of Today and a
	// few have lapsed, so that renewals have work to do.
	var expires time.Time
	switch v := r.Float64(); {
	case s.Status == school.Closed:
		expires = closed.AddDate(0, 0, -365+r.IntN(4*365))
	case v < 0.03:
		expires = today.AddDate(0, 0, -1-r.IntN(120))
	case v < 0.15:
		expires = today.AddDate(0, 0, 1+r.IntN(182))
	default:
		expires = today.AddDate(0, 0, 184+r.IntN(5*365-184))
	}
	issued := expires.AddDate(-5, 0, 1)
	if issued.Before(opened) {
		issued = opened
	}
	if !expires.After(issued) {
		expires = issued.AddDate(5, 0, -1)
	}
	s.LicenceIssuedOn, s.LicenceExpiresOn = issued.Format(time.DateOnly), expires.Format(time.DateOnly)
	n := g.licences[s.County] + 1 + r.IntN(3)
	g.licences[s.County] = n
	// 教民 + 1 (an education department's licence) + county + 5-digit sequence.
	s.LicenceNo = fmt.Sprintf("教民1%s%05d号", s.County, n)
}
