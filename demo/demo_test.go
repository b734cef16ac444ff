package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/school"
	"edubureau/scope"
)

func TestParseScale(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Scale
		ok   bool
	}{
		{"", Small, true}, {"small", Small, true}, {" City ", City, true}, {"city", City, true},
		{"huge", "", false}, {"smal", "", false},
	} {
		got, err := ParseScale(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseScale(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && fault.KindOf(err) != fault.Invalid {
			t.Errorf("ParseScale(%q): kind %v", tc.in, fault.KindOf(err))
		}
	}
}

func FuzzParseScale(f *testing.F) {
	for _, s := range []string{"", "small", "city", "CITY", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseScale(s)
		if err == nil && sc != Small && sc != City {
			t.Fatalf("ParseScale(%q) = %q without error", s, sc)
		}
	})
}

func TestCnNumber(t *testing.T) {
	for n, want := range map[int]string{1: "一", 9: "九", 10: "十", 11: "十一", 20: "二十", 23: "二十三", 99: "九十九"} {
		if got := cnNumber(n); got != want {
			t.Errorf("cnNumber(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestApportion(t *testing.T) {
	for _, n := range []int{0, 1, 7, 229, 2974} {
		sum := 0
		for _, c := range apportion(n, shares) {
			sum += c
		}
		if sum != n {
			t.Errorf("apportion(%d) sums to %d", n, sum)
		}
	}
}

func generate(t *testing.T, opt Options) []school.School {
	t.Helper()
	ss, err := Schools(opt)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func TestSchoolsDeterministic(t *testing.T) {
	for _, sc := range []Scale{Small, City} {
		a, _ := json.Marshal(generate(t, Options{Scale: sc, Seed: 42}))
		b, _ := json.Marshal(generate(t, Options{Scale: sc, Seed: 42}))
		c, _ := json.Marshal(generate(t, Options{Scale: sc, Seed: 43}))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the same seed gave different schools", sc)
		}
		if bytes.Equal(a, c) {
			t.Errorf("%s: different seeds gave the same schools", sc)
		}
	}
}

var licenceRE = regexp.MustCompile(`^教民1(\d{6})\d{5}号$`)

// checkSchools checks the rules every generated jurisdiction keeps.
func checkSchools(t *testing.T, ss []school.School, jurisdiction string) {
	t.Helper()
	w, err := newWorld(jurisdiction)
	if err != nil {
		t.Fatal(err)
	}
	centre := map[string]point{}
	for _, c := range w.counties {
		centre[c.Code] = c.centre
	}
	codes, names := map[string]bool{}, map[string]bool{}
	today := Today()
	for _, s := range ss {
		if err := s.Validate(today); err != nil {
			t.Errorf("%s %s: %v", s.Code, s.Name, err)
		}
		ti, _ := s.Type.Info()
		if msg := school.ValidateCode(s.Code, s.Type, s.County); msg != nil || s.Code[:2] != ti.Prefixes[0] {
			t.Errorf("%s %s: code %v", s.Code, s.Name, msg)
		}
		if codes[s.Code] {
			t.Errorf("duplicate identifier %s", s.Code)
		}
		if names[s.Name] {
			t.Errorf("duplicate name %s", s.Name)
		}
		codes[s.Code], names[s.Name] = true, true
		c, ok := area.Lookup(s.County)
		if !ok || c.Level != area.County || !area.Contains(jurisdiction, s.County) {
			t.Errorf("%s: county %s is not in %s", s.Name, s.County, jurisdiction)
		}
		tw, ok := area.Lookup(s.Township)
		if !ok || tw.Parent != s.County {
			t.Errorf("%s: township %s is not in county %s", s.Name, s.Township, s.County)
		}
		if !strings.HasPrefix(s.Address, c.Name+tw.Name) {
			t.Errorf("%s: address %s is not in %s%s", s.Name, s.Address, c.Name, tw.Name)
		}
		if s.Lng == nil || s.Lat == nil {
			t.Errorf("%s: no coordinates", s.Name)
			continue
		}
		p := point{*s.Lng, *s.Lat}
		if cc := centre[s.County]; math.Abs(p.lng-cc.lng) > 0.5 || math.Abs(p.lat-cc.lat) > 0.5 {
			t.Errorf("%s at %v is far from its county's centre %v", s.Name, p, cc)
		}
		for code, o := range centre {
			if code != s.County && dist2(p, o) < dist2(p, centre[s.County]) {
				t.Errorf("%s (%s) at %v is nearer the centre of %s", s.Name, s.County, p, code)
			}
		}
		if s.Headmaster == "" || s.Capacity <= 0 {
			t.Errorf("%s: headmaster %q, capacity %d", s.Name, s.Headmaster, s.Capacity)
		}
		if s.OpenedOn != "" && s.OpenedOn >= today.Format(time.DateOnly) {
			t.Errorf("%s opened on %s, not before %s", s.Name, s.OpenedOn, today.Format(time.DateOnly))
		}
		if s.Ownership == school.Private && s.LicenceNo != "" {
			m := licenceRE.FindStringSubmatch(s.LicenceNo)
			if m == nil || m[1] != s.County {
				t.Errorf("%s: licence number %q", s.Name, s.LicenceNo)
			}
		}
		if s.Type == school.Training && s.Ownership != school.Private {
			t.Errorf("%s: a training institution must be private", s.Name)
		}
	}
}

func TestSchoolsHengyang(t *testing.T) {
	for _, tc := range []struct {
		scale  Scale
		lo, hi int
	}{{Small, 200, 300}, {City, 2700, 3300}} {
		t.Run(string(tc.scale), func(t *testing.T) {
			ss := generate(t, Options{Scale: tc.scale, Seed: 1})
			if len(ss) < tc.lo || len(ss) > tc.hi {
				t.Fatalf("%d schools, want %d–%d", len(ss), tc.lo, tc.hi)
			}
			checkSchools(t, ss, "4304")

			n := float64(len(ss))
			by := map[school.Type]int{}
			privateByType := map[school.Type]int{}
			counties := map[string]int{}
			statuses := map[school.Status]int{}
			expiring, english := 0, 0
			soon := Today().AddDate(0, 6, 0).Format(time.DateOnly)
			for _, s := range ss {
				by[s.Type]++
				counties[s.County]++
				statuses[s.Status]++
				if s.Ownership == school.Private {
					privateByType[s.Type]++
				}
				if s.LicenceExpiresOn > Today().Format(time.DateOnly) && s.LicenceExpiresOn <= soon {
					expiring++
				}
				if s.NameEN != "" {
					english++
				}
			}
			share := func(ts ...school.Type) float64 {
				k := 0
				for _, t := range ts {
					k += by[t]
				}
				return float64(k) / n
			}
			for _, r := range []struct {
				what   string
				got    float64
				lo, hi float64
			}{
				{"kindergartens", share(school.Kindergarten), 0.38, 0.46},
				{"primary", share(school.Primary), 0.27, 0.33},
				{"junior", share(school.Junior), 0.08, 0.12},
				{"nine-year", share(school.NineYear), 0.03, 0.05},
				{"senior and complete secondary", share(school.Senior, school.CompleteSecondary, school.TwelveYear), 0.025, 0.045},
				{"vocational", share(school.Vocational), 0.01, 0.025},
				{"training", share(school.Training), 0.03, 0.07},
				{"private kindergartens", float64(privateByType[school.Kindergarten]) / float64(by[school.Kindergarten]), 0.5, 0.7},
			} {
				if r.got < r.lo || r.got > r.hi {
					t.Errorf("%s: %.3f, want %.3f–%.3f", r.what, r.got, r.lo, r.hi)
				}
			}
			if by[school.Special] < 8 || by[school.Adult] == 0 || by[school.SeniorCitizen] < 3 {
				t.Errorf("special %d, adult %d, senior citizens' %d", by[school.Special], by[school.Adult], by[school.SeniorCitizen])
			}
			if privateByType[school.Primary]+privateByType[school.Junior] == 0 {
				t.Error("no private primary or junior school (公民同招 needs some)")
			}
			if len(counties) < 12 {
				t.Errorf("schools in %d counties only: %v", len(counties), counties)
			}
			// Big rural counties hold more schools than any urban district; zones few.
			for _, d := range []string{"430405", "430406", "430407", "430408", "430412"} {
				if counties["430481"] <= counties[d] || counties["430421"] <= counties[d] {
					t.Errorf("耒阳市 %d, 衡阳县 %d, district %s %d", counties["430481"], counties["430421"], d, counties[d])
				}
			}
			if counties["430473"]+counties["430476"] > len(ss)/50 {
				t.Errorf("development zones hold %d schools", counties["430473"]+counties["430476"])
			}
			if statuses[school.Active] < len(ss)*85/100 || statuses[school.Closed] == 0 || statuses[school.Suspended] == 0 || statuses[school.Preparing] == 0 {
				t.Errorf("statuses %v", statuses)
			}
			if expiring == 0 {
				t.Error("no licence expires within six months")
			}
			if english < len(ss)/5 {
				t.Errorf("only %d English names", english)
			}
			for _, want := range []string{"衡阳市特殊教育学校", "衡阳市老年大学"} {
				found := false
				for _, s := range ss {
					found = found || s.Name == want
				}
				if !found {
					t.Errorf("no %s", want)
				}
			}
		})
	}
}

// Other jurisdictions: a county-level one with a known centre, a city without.
func TestSchoolsOtherJurisdictions(t *testing.T) {
	for _, j := range []string{"310105", "4301"} {
		ss := generate(t, Options{Jurisdiction: j, Seed: 7})
		if len(ss) < 200 || len(ss) > 300 {
			t.Errorf("%s: %d schools", j, len(ss))
		}
		checkSchools(t, ss, j)
	}
	if _, err := Schools(Options{Jurisdiction: "43"}); err == nil {
		t.Error("a province is not a jurisdiction")
	}
	if _, err := Schools(Options{Scale: "huge"}); err == nil {
		t.Error("a bad scale was accepted")
	}
}

func TestBuild(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var steps []string
		last := map[string][2]int{}
		sum, err := Build(ctx, d, Options{Seed: 3}, func(step string, done, total int) {
			if len(steps) == 0 || steps[len(steps)-1] != step {
				steps = append(steps, step)
			}
			last[step] = [2]int{done, total}
		})
		if err != nil {
			t.Fatal(err)
		}
		want := generate(t, Options{Seed: 3})
		var n, private int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*), SUM(CASE WHEN ownership = 'private' THEN 1 ELSE 0 END) FROM school`).Scan(&n, &private); err != nil {
			t.Fatal(err)
		}
		if n != len(want) || sum.Schools != n || sum.Private != private {
			t.Fatalf("database holds %d schools (%d private), summary %+v, generated %d", n, private, sum, len(want))
		}
		if strings.Join(steps, ",") != "areas,schools,cases,admissions" || last["schools"] != [2]int{n, n} || last["areas"] != [2]int{1, 1} {
			t.Errorf("progress: steps %v, last %v", steps, last)
		}
		total := 0
		for _, c := range sum.ByType {
			total += c
		}
		if total != n || sum.ByType[school.Kindergarten] == 0 || len(sum.ByCounty) < 12 || sum.Areas == 0 {
			t.Errorf("summary %+v", sum)
		}
		got, err := school.New(d).Get(ctx, scope.Everything, want[0].Code)
		if err != nil || got.Name != want[0].Name || got.CountyName == "" || got.TownshipName == "" {
			t.Errorf("first school %+v, %v", got, err)
		}
		// A second build is refused and changes nothing.
		if _, err := Build(ctx, d, Options{Seed: 4}, nil); fault.KindOf(err) != fault.Conflict {
			t.Errorf("second build: %v", err)
		}
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM school`).Scan(&n); err != nil || n != len(want) {
			t.Errorf("after refused build: %d, %v", n, err)
		}
	})
}

func TestBuildRefusesOtherJurisdiction(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if err := area.Sync(ctx, d, "310105"); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, d, Options{}, nil); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("build of 4304 into a 310105 database: %v", err)
	}
}

// A build records that it began and that it ended; one stopped half-way
// stays "started", which the demo command refuses to serve.
func TestBuildState(t *testing.T) {
	d := dbtest.SQLite(t)
	bg := context.Background()
	if st, err := BuildState(bg, d); err != nil || st != "" {
		t.Fatalf("before any build: %q, %v", st, err)
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	_, err := Build(ctx, d, Options{Seed: 5}, func(step string, done, total int) {
		if step == "cases" {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("a build cancelled in its casework succeeded")
	}
	if st, err := BuildState(bg, d); err != nil || st != BuildStarted {
		t.Errorf("after an interrupted build: %q, %v; want %q", st, err, BuildStarted)
	}
	d2 := dbtest.SQLite(t)
	if _, err := Build(bg, d2, Options{Seed: 5}, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := BuildState(bg, d2); err != nil || st != BuildFinished {
		t.Errorf("after a build: %q, %v; want %q", st, err, BuildFinished)
	}
}
