package catchment

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// SyntheticZones returns n irregular zones that tile box exactly — no gap, no
// overlap, adjacent zones sharing their border vertex for vertex — for the
// demo jurisdiction, tests and benchmarks. The same seed, n and box always
// give the same zones (the generator is a fixed SplitMix64, not math/rand).
//
// The zones lie in rows from south to north, west to east within a row; each
// is a jittered grid cell whose borders are wavy lines, with about 10–20
// vertices. Zone i (from 0) has code "Z0001"-style (i+1, at least 4 digits),
// name "第N片区" and one school, "2143" followed by i+1 in 6 digits (a primary
// school in Hunan); callers such as the demo generator replace Code, Name and
// Schools with their own. It returns nil when n < 1 or box has no area.
func SyntheticZones(seed int64, n int, box BBox) []Zone {
	W, H := box.MaxLng-box.MinLng, box.MaxLat-box.MinLat
	if n < 1 || !(W > 0 && H > 0) {
		return nil
	}
	g := &splitMix{uint64(seed)}
	// Rows and columns so that the cells are roughly square on the ground.
	k := math.Cos((box.MinLat + box.MaxLat) / 2 * math.Pi / 180)
	rows := min(max(int(math.Round(math.Sqrt(float64(n)*H/(W*k)))), 1), n)
	cols := make([]int, rows)
	for r := range cols {
		cols[r] = n / rows
		if r < n%rows {
			cols[r]++
		}
	}
	h := H / float64(rows)

	// div[r] are the longitudes dividing row r into its columns.
	div := make([][]float64, rows)
	for r, c := range cols {
		w := W / float64(c)
		d := make([]float64, c+1)
		d[0], d[c] = box.MinLng, box.MaxLng
		for j := 1; j < c; j++ {
			d[j] = box.MinLng + (float64(j)+g.between(-0.15, 0.15))*w
		}
		div[r] = d
	}

	// Line r (0..rows) runs west to east between rows r-1 and r. Its latitude
	// is a smooth wave around its base, so that its slope stays small however
	// close two of its vertices are; the box's own edges stay straight.
	lines := make([][]LngLat, rows+1)
	for r := 0; r <= rows; r++ {
		base := box.MinLat + float64(r)*h
		if r == rows {
			base = box.MaxLat
		}
		var amp, k1, k2, p1, p2 float64
		if r > 0 && r < rows {
			wmin := W / float64(max(cols[r-1], cols[r]))
			amp = 0.08 * h
			k1 = 2 * math.Pi / (2 * wmin * (1 + 0.5*g.float()))
			k2 = 2 * math.Pi / (wmin * (1 + 0.5*g.float()))
			p1, p2 = 2*math.Pi*g.float(), 2*math.Pi*g.float()
		}
		var xs []float64
		if r > 0 {
			xs = append(xs, div[r-1]...)
		}
		if r < rows {
			xs = append(xs, div[r]...)
		}
		d := div[min(r, rows-1)]
		for j := 0; j+1 < len(d); j++ {
			w := d[j+1] - d[j]
			for range 1 + g.intn(4) {
				xs = append(xs, d[j]+w*g.between(0.1, 0.9))
			}
		}
		slices.Sort(xs)
		xs = slices.Compact(xs)
		line := make([]LngLat, len(xs))
		for i, x := range xs {
			t := x - box.MinLng
			line[i] = LngLat{x, base + amp*(0.6*math.Sin(k1*t+p1)+0.4*math.Sin(k2*t+p2))}
		}
		lines[r] = line
	}
	// span returns the vertices of a line from longitude x0 to x1 inclusive
	// (both are vertices of the line).
	span := func(line []LngLat, x0, x1 float64) []LngLat {
		i, _ := slices.BinarySearchFunc(line, x0, func(q LngLat, x float64) int { return cmpFloat(q.Lng, x) })
		j, _ := slices.BinarySearchFunc(line, x1, func(q LngLat, x float64) int { return cmpFloat(q.Lng, x) })
		return line[i : j+1]
	}

	zones := make([]Zone, 0, n)
	digits := max(4, len(strconv.Itoa(n)))
	for r, c := range cols {
		w := W / float64(c)
		// side[j] holds the inner vertices, south to north, of the line
		// dividing column j-1 from column j of this row.
		side := make([][]LngLat, c+1)
		for j := 0; j <= c; j++ {
			x := div[r][j]
			yb, yt := span(lines[r], x, x)[0].Lat, span(lines[r+1], x, x)[0].Lat
			m := 2 + g.intn(3)
			pts := make([]LngLat, m-1)
			for s := 1; s < m; s++ {
				px := x
				if j > 0 && j < c {
					px += g.between(-0.08, 0.08) * w
				}
				pts[s-1] = LngLat{px, yb + (yt-yb)*float64(s)/float64(m)}
			}
			side[j] = pts
		}
		for j := 0; j < c; j++ {
			x0, x1 := div[r][j], div[r][j+1]
			var ring Ring
			ring = append(ring, span(lines[r], x0, x1)...)
			ring = append(ring, side[j+1]...)
			top := span(lines[r+1], x0, x1)
			for i := len(top) - 1; i >= 0; i-- {
				ring = append(ring, top[i])
			}
			for i := len(side[j]) - 1; i >= 0; i-- {
				ring = append(ring, side[j][i])
			}
			ring = append(ring, ring[0])
			id := len(zones) + 1
			zones = append(zones, Zone{
				Code:     fmt.Sprintf("Z%0*d", digits, id),
				Name:     fmt.Sprintf("第%d片区", id),
				Schools:  []string{fmt.Sprintf("2143%06d", id%1000000)},
				Polygons: []Polygon{{ring}},
			})
		}
	}
	return zones
}

// SyntheticPoints returns n points spread uniformly over box, with IDs 1…n,
// the same for the same seed.
func SyntheticPoints(seed int64, n int, box BBox) []Point {
	g := &splitMix{uint64(seed) ^ 0x5eed}
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{ID: int64(i + 1), Lng: box.MinLng + g.float()*(box.MaxLng-box.MinLng), Lat: box.MinLat + g.float()*(box.MaxLat-box.MinLat)}
	}
	return pts
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// splitMix is SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fixed
// forever, unlike the streams of math/rand.
type splitMix struct{ s uint64 }

func (g *splitMix) next() uint64 {
	g.s += 0x9e3779b97f4a7c15
	z := g.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float is uniform in [0, 1).
func (g *splitMix) float() float64 { return float64(g.next()>>11) / (1 << 53) }

func (g *splitMix) between(a, b float64) float64 { return a + (b-a)*g.float() }

func (g *splitMix) intn(n int) int { return int(g.next() % uint64(n)) }

// CellsAround returns, for each site, the part of box nearer to it than to
// any other site (its Voronoi cell) as a convex polygon with one
// counter-clockwise ring: zones "around the schools" for the demo, which
// tile box without gaps or overlaps. Distances are measured with longitude
// shrunk by the cosine of the box's middle latitude, so cells look round on
// the ground. Sites at the same position get the same cell (the caller
// merges them into one zone); a site outside box gets nil.
func CellsAround(sites []LngLat, box BBox) []Polygon {
	k := math.Cos((box.MinLat + box.MaxLat) / 2 * math.Pi / 180)
	type pt struct{ x, y float64 }
	ps := make([]pt, len(sites))
	for i, s := range sites {
		ps[i] = pt{s.Lng * k, s.Lat}
	}
	frame := []pt{{box.MinLng * k, box.MinLat}, {box.MaxLng * k, box.MinLat}, {box.MaxLng * k, box.MaxLat}, {box.MinLng * k, box.MaxLat}}
	// clip keeps the part of the convex polygon poly where a·p ≤ c.
	clip := func(poly []pt, ax, ay, c float64) []pt {
		var out []pt
		for i := range poly {
			p, q := poly[i], poly[(i+1)%len(poly)]
			dp, dq := ax*p.x+ay*p.y-c, ax*q.x+ay*q.y-c
			if dp <= 0 {
				out = append(out, p)
			}
			if (dp < 0 && dq > 0) || (dp > 0 && dq < 0) {
				t := dp / (dp - dq)
				out = append(out, pt{p.x + t*(q.x-p.x), p.y + t*(q.y-p.y)})
			}
		}
		return out
	}
	out := make([]Polygon, len(sites))
	order := make([]int, len(sites))
	dist := make([]float64, len(sites))
	for i, s := range ps {
		if !box.Contains(sites[i].Lng, sites[i].Lat) {
			continue
		}
		for j := range order {
			order[j] = j
			dist[j] = (ps[j].x-s.x)*(ps[j].x-s.x) + (ps[j].y-s.y)*(ps[j].y-s.y)
		}
		slices.SortFunc(order, func(a, b int) int { return cmpFloat(dist[a], dist[b]) })
		poly := slices.Clone(frame)
		for _, j := range order {
			if j == i || dist[j] == 0 {
				continue
			}
			// A site farther than twice the cell's farthest vertex cannot cut it.
			reach := 0.0
			for _, v := range poly {
				reach = max(reach, (v.x-s.x)*(v.x-s.x)+(v.y-s.y)*(v.y-s.y))
			}
			if dist[j] > 4*reach {
				break
			}
			t := ps[j]
			poly = clip(poly, t.x-s.x, t.y-s.y, (t.x*t.x+t.y*t.y-s.x*s.x-s.y*s.y)/2)
			if len(poly) < 3 {
				break
			}
		}
		if len(poly) < 3 {
			continue
		}
		ring := make(Ring, 0, len(poly)+1)
		for _, v := range poly {
			ring = append(ring, LngLat{v.x / k, v.y})
		}
		ring = append(ring, ring[0])
		out[i] = Polygon{ring}
	}
	return out
}
