package demo

import (
	"fmt"
	"math"
	"strings"

	"edubureau/area"
)

// The places of the demo world: the jurisdiction's real counties and
// townships from the national catalogue (area), each given a point.
//
// We have no boundary polygons, so coordinates are an approximation that is
// honest about what it is:
//   - each county-level division of Hengyang (4304) has a hand-entered
//     approximate centre (knownCentres); other jurisdictions get a pseudo-centre
//     ring around their provincial capital (provinceCapitals), which places
//     them in the right province and nothing more;
//   - townships are laid out deterministically around their county's centre on
//     a sunflower spiral (the seat at the centre), within a radius that depends
//     on the county's kind;
//   - a school lies within a small radius of its township's point.
//
// "Inside the right township" therefore means "near the township's generated
// point". What is guaranteed (and tested) is that every point is nearer its own
// county's centre than any other county's centre of the jurisdiction, so no
// school is drawn inside a neighbouring county's area as the centres divide it.

type point struct{ lng, lat float64 }

// county is a county-level division with what names and maps need.
type county struct {
	area.Area
	short     string // the name used at the head of school names
	en        string // English name, "" when we have none
	kind      string // area.CountyKind: district, county, zone, city
	centre    point
	townships []*township
}

// township is a township-level division (街道, 镇, 乡 or other).
type township struct {
	area.Area
	county *county
	kind   string // area.TownshipKind: subdistrict, town, township, other
	seat   bool   // the county seat: a subdistrict, or the first town of a county without any
	urban  bool   // a subdistrict or a seat town
	base   string // the name without 街道/镇/乡, for road names
	pt     point
}

// world is the jurisdiction the generators share; later generators (students,
// teachers…) place people in these townships.
type world struct {
	jurisdiction area.Area
	city         string // prefix of municipal institutions (衡阳市); the county's name for a county jurisdiction
	cityEN       string
	counties     []*county
	townships    []*township
	centres      []point // every county's centre, for the nearest-centre rule
	roads        []word  // road names for addresses and schools named after roads
}

// knownCentres are approximate centres (longitude, latitude) of county-level
// divisions, entered by hand from public maps.
var knownCentres = map[string]point{
	"430405": {112.65, 26.89}, // 珠晖区
	"430406": {112.60, 26.87}, // 雁峰区
	"430407": {112.60, 26.92}, // 石鼓区
	"430408": {112.56, 26.90}, // 蒸湘区
	"430412": {112.73, 27.25}, // 南岳区
	"430421": {112.37, 26.97}, // 衡阳县
	"430422": {112.68, 26.74}, // 衡南县
	"430423": {112.87, 27.23}, // 衡山县
	"430424": {113.00, 27.08}, // 衡东县
	"430426": {112.09, 26.80}, // 祁东县
	"430473": {112.66, 26.98}, // 湖南衡阳松木经济开发区
	"430476": {112.58, 26.88}, // 湖南衡阳高新技术产业园区
	"430481": {112.86, 26.42}, // 耒阳市
	"430482": {112.40, 26.42}, // 常宁市
	"310105": {121.42, 31.22}, // 上海市长宁区
}

// provinceCapitals are approximate positions of the provincial capitals, for
// the pseudo-centres of jurisdictions with no known centres.
var provinceCapitals = map[string]point{
	"11": {116.40, 39.90}, "12": {117.20, 39.13}, "13": {114.51, 38.04}, "14": {112.55, 37.87},
	"15": {111.75, 40.84}, "21": {123.43, 41.80}, "22": {125.32, 43.82}, "23": {126.53, 45.80},
	"31": {121.47, 31.23}, "32": {118.80, 32.06}, "33": {120.16, 30.27}, "34": {117.23, 31.82},
	"35": {119.30, 26.08}, "36": {115.86, 28.68}, "37": {117.00, 36.67}, "41": {113.63, 34.75},
	"42": {114.31, 30.59}, "43": {112.94, 28.23}, "44": {113.26, 23.13}, "45": {108.37, 22.82},
	"46": {110.35, 20.02}, "50": {106.55, 29.56}, "51": {104.07, 30.57}, "52": {106.63, 26.65},
	"53": {102.83, 24.88}, "54": {91.11, 29.65}, "61": {108.94, 34.34}, "62": {103.83, 36.06},
	"63": {101.78, 36.62}, "64": {106.23, 38.49}, "65": {87.62, 43.83},
}

// Short Chinese names and English names of divisions, where the catalogue's
// name is too long for a school's name or we know the romanisation. Pinyin
// cannot be produced offline, so names not listed here have no English form.
var shortNames = map[string]string{
	"430473": "衡阳松木经开区",
	"430476": "衡阳高新区",
}

var englishNames = map[string]string{
	"4304":   "Hengyang",
	"430405": "Zhuhui District",
	"430406": "Yanfeng District",
	"430407": "Shigu District",
	"430408": "Zhengxiang District",
	"430412": "Nanyue District",
	"430421": "Hengyang County",
	"430422": "Hengnan County",
	"430423": "Hengshan County",
	"430424": "Hengdong County",
	"430426": "Qidong County",
	"430473": "Hengyang Songmu Economic Development Zone",
	"430476": "Hengyang High-tech Zone",
	"430481": "Leiyang City",
	"430482": "Changning City",
	"310105": "Changning District",
}

// Spread of townships around their county's centre and of schools around
// their township's point, in degrees, by county kind.
func radii(kind string) (townships, schools float64) {
	switch kind {
	case "district":
		return 0.03, 0.006
	case "zone":
		return 0.012, 0.004
	}
	return 0.16, 0.02
}

// newWorld lays out the jurisdiction (a city such as 4304 or a county-level
// division such as 310105).
func newWorld(jurisdiction string) (*world, error) {
	j, err := area.Jurisdiction(jurisdiction)
	if err != nil {
		return nil, err
	}
	w := &world{jurisdiction: j, city: j.Name, cityEN: englishNames[j.Code], roads: roads}
	if strings.HasPrefix(j.Code, "4304") {
		w.roads = append(append([]word(nil), roads...), hengyangRoads...)
	}
	var counties []area.Area
	if j.Level == area.County {
		counties = []area.Area{j}
	} else {
		counties = area.Children(j.Code)
	}
	for _, a := range counties {
		c := &county{Area: a, short: shortName(a), en: englishNames[a.Code], kind: area.CountyKind(a.Code)}
		for _, t := range area.Children(a.Code) {
			if strings.Contains(t.Name, "监狱") { // a prison has a township code but no schools
				continue
			}
			c.townships = append(c.townships, &township{Area: t, county: c, kind: area.TownshipKind(t.Code), base: baseName(t.Name)})
		}
		w.counties = append(w.counties, c)
	}
	if len(w.counties) == 0 {
		return nil, fmt.Errorf("jurisdiction %s (%s) has no county-level divisions in the catalogue", j.Code, j.Name)
	}
	w.placeCounties()
	for _, c := range w.counties {
		markSeat(c)
		w.placeTownships(c)
		w.townships = append(w.townships, c.townships...)
	}
	if len(w.townships) == 0 {
		return nil, fmt.Errorf("jurisdiction %s (%s) has no townships in the catalogue", j.Code, j.Name)
	}
	return w, nil
}

// shortName is a division's name as it heads a school's name.
func shortName(a area.Area) string {
	if s, ok := shortNames[a.Code]; ok {
		return s
	}
	// Development zones are often named "湖南衡阳…": drop the province.
	if p, ok := area.Lookup(a.Code[:2]); ok {
		short := strings.TrimRight(p.Name, "省市")
		short = strings.TrimSuffix(short, "壮族自治区")
		short = strings.TrimSuffix(short, "回族自治区")
		short = strings.TrimSuffix(short, "维吾尔自治区")
		short = strings.TrimSuffix(short, "自治区")
		if len(a.Name) > len(short)+6 && strings.HasPrefix(a.Name, short) && area.CountyKind(a.Code) == "zone" {
			return strings.TrimPrefix(a.Name, short)
		}
	}
	return a.Name
}

// baseName strips the kind from a township's name: 红湘街道 → 红湘.
func baseName(name string) string {
	for _, suf := range []string{"街道办事处", "街道", "民族乡", "瑶族乡", "苗族乡", "镇", "乡"} {
		if strings.HasSuffix(name, suf) && len(name) > len(suf) {
			return strings.TrimSuffix(name, suf)
		}
	}
	return name
}

// markSeat picks the county seat: every subdistrict is urban and the first is
// the seat; a county without subdistricts has its seat in its first town.
func markSeat(c *county) {
	seat := -1
	for i, t := range c.townships {
		if t.kind == "subdistrict" {
			t.urban = true
			if seat < 0 {
				seat = i
			}
		}
	}
	if seat < 0 {
		for i, t := range c.townships {
			if t.kind == "town" {
				seat = i
				break
			}
		}
	}
	if seat < 0 && len(c.townships) > 0 {
		seat = 0
	}
	if seat >= 0 {
		c.townships[seat].seat = true
		c.townships[seat].urban = true
	}
}

const goldenAngle = 2.399963229728653 // radians: π(3 − √5)

// placeCounties gives every county its centre: the known one, or a
// pseudo-centre on a ring around the provincial capital.
func (w *world) placeCounties() {
	capital, ok := provinceCapitals[w.jurisdiction.Code[:2]]
	if !ok {
		capital = point{112.94, 28.23}
	}
	for i, c := range w.counties {
		if p, ok := knownCentres[c.Code]; ok {
			c.centre = p
		} else {
			r := 0.25 * math.Sqrt((float64(i)+0.5)/float64(len(w.counties)))
			a := float64(i) * goldenAngle
			c.centre = point{round6(capital.lng + r*math.Cos(a)), round6(capital.lat + r*math.Sin(a))}
		}
		w.centres = append(w.centres, c.centre)
	}
}

// placeTownships lays a county's townships on a sunflower spiral, the seat
// at the centre.
func (w *world) placeTownships(c *county) {
	R, _ := radii(c.kind)
	order := make([]*township, 0, len(c.townships))
	for _, t := range c.townships {
		if t.seat {
			order = append(order, t)
		}
	}
	for _, t := range c.townships {
		if !t.seat {
			order = append(order, t)
		}
	}
	n := float64(len(order))
	for i, t := range order {
		r := 0.0
		if i > 0 {
			r = R * math.Sqrt(float64(i)/n)
		}
		a := float64(i) * goldenAngle
		t.pt = w.keepInCounty(c, point{c.centre.lng + r*math.Cos(a), c.centre.lat + r*math.Sin(a)})
	}
}

// keepInCounty pulls p towards its county's centre until no other county's
// centre is nearer (distances in kilometres-like units: longitude degrees
// shrink with the cosine of the latitude).
func (w *world) keepInCounty(c *county, p point) point {
	for range 40 {
		if w.nearestIs(c, p) {
			return point{round6(p.lng), round6(p.lat)}
		}
		p = point{c.centre.lng + 0.8*(p.lng-c.centre.lng), c.centre.lat + 0.8*(p.lat-c.centre.lat)}
	}
	return c.centre
}

func (w *world) nearestIs(c *county, p point) bool {
	own := dist2(p, c.centre)
	for _, o := range w.centres {
		if o != c.centre && dist2(p, o) < own {
			return false
		}
	}
	return true
}

func dist2(a, b point) float64 {
	k := math.Cos(a.lat * math.Pi / 180)
	dx, dy := (a.lng-b.lng)*k, a.lat-b.lat
	return dx*dx + dy*dy
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
