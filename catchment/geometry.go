package catchment

import (
	"math"
	"slices"
)

// BBox is a bounding box in degrees. An empty box has Min > Max.
type BBox struct {
	MinLng, MinLat, MaxLng, MaxLat float64
}

func emptyBBox() BBox {
	return BBox{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

// Empty reports whether the box holds no point.
func (b BBox) Empty() bool { return !(b.MinLng <= b.MaxLng && b.MinLat <= b.MaxLat) }

// Contains reports whether the point lies in the box, its edges included.
func (b BBox) Contains(lng, lat float64) bool {
	return lng >= b.MinLng && lng <= b.MaxLng && lat >= b.MinLat && lat <= b.MaxLat
}

// Union is the smallest box holding both.
func (b BBox) Union(o BBox) BBox {
	return BBox{min(b.MinLng, o.MinLng), min(b.MinLat, o.MinLat), max(b.MaxLng, o.MaxLng), max(b.MaxLat, o.MaxLat)}
}

// Intersect is the box common to both (Empty when they are apart).
func (b BBox) Intersect(o BBox) BBox {
	return BBox{max(b.MinLng, o.MinLng), max(b.MinLat, o.MinLat), min(b.MaxLng, o.MaxLng), min(b.MaxLat, o.MaxLat)}
}

// overlapsArea reports whether two boxes share more than a border line.
func (b BBox) overlapsArea(o BBox) bool {
	return b.MinLng < o.MaxLng && o.MinLng < b.MaxLng && b.MinLat < o.MaxLat && o.MinLat < b.MaxLat
}

// touches reports whether two boxes share at least a point.
func (b BBox) touches(o BBox) bool {
	return b.MinLng <= o.MaxLng && o.MinLng <= b.MaxLng && b.MinLat <= o.MaxLat && o.MinLat <= b.MaxLat
}

// BBox of a ring.
func (r Ring) BBox() BBox {
	b := emptyBBox()
	for _, q := range r {
		b.MinLng, b.MaxLng = min(b.MinLng, q.Lng), max(b.MaxLng, q.Lng)
		b.MinLat, b.MaxLat = min(b.MinLat, q.Lat), max(b.MaxLat, q.Lat)
	}
	return b
}

// BBox of a polygon: that of its outer ring.
func (p Polygon) BBox() BBox {
	if len(p) == 0 {
		return emptyBBox()
	}
	return p[0].BBox()
}

// BBox of a zone: that of all its polygons.
func (z Zone) BBox() BBox {
	b := emptyBBox()
	for _, p := range z.Polygons {
		b = b.Union(p.BBox())
	}
	return b
}

// Location is where a point lies with respect to a polygon.
type Location int8

const (
	Outside  Location = iota
	Inside            // in the interior
	OnBorder          // exactly on an edge or a vertex (of the outer ring or of a hole)
)

// The rule for points on a border: a polygon is a closed set, so a point
// exactly on an edge or a vertex — of the outer ring or of a hole — is in the
// zone. An address on the line between two adjacent zones is therefore in
// both, and Assign reports it among the overlapping points for the bureau to
// settle by hand, rather than silently choosing one side. "Exactly" means in
// floating-point arithmetic: points on vertices and on edges parallel to the
// axes are detected exactly; a point on a slanted edge may be found inside or
// outside by rounding (a few nanometres), the same way for every zone sharing
// that edge.

// Locate says whether the point is inside the polygon, outside it, or on its
// border (the crossing-number rule, with holes).
func (p Polygon) Locate(lng, lat float64) Location {
	if len(p) == 0 {
		return Outside
	}
	switch ringLocate(p[0], lng, lat) {
	case Outside:
		return Outside
	case OnBorder:
		return OnBorder
	}
	for _, h := range p[1:] {
		switch ringLocate(h, lng, lat) {
		case Inside:
			return Outside
		case OnBorder:
			return OnBorder
		}
	}
	return Inside
}

// Contains reports whether the point lies in the zone, its border included.
func (z Zone) Contains(lng, lat float64) bool {
	for _, p := range z.Polygons {
		if p.Locate(lng, lat) != Outside {
			return true
		}
	}
	return false
}

// ringLocate is the crossing-number test on one closed ring: count the edges
// that a ray from the point towards +longitude crosses. An edge counts when
// one end is strictly above the point and the other not (half-open, so a ray
// through a vertex is counted once). Each edge is evaluated with its lower end
// first, so that two rings sharing an edge in opposite directions decide the
// same way for every point, and a tiling has no cracks.
func ringLocate(r Ring, x, y float64) Location {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a.Lat > y) == (b.Lat > y) {
			// Not straddling: the point can only be on this edge as its
			// vertex a (b is the next edge's a) or on a horizontal edge.
			if a.Lat == y {
				if a.Lng == x {
					return OnBorder
				}
				if b.Lat == y && x >= min(a.Lng, b.Lng) && x <= max(a.Lng, b.Lng) {
					return OnBorder
				}
			}
			continue
		}
		if a.Lat > b.Lat {
			a, b = b, a
		}
		// a is below the point's latitude and b above (or level): the sign
		// of the cross product says which side of the edge the point is on.
		c := (b.Lng-a.Lng)*(y-a.Lat) - (x-a.Lng)*(b.Lat-a.Lat)
		if c == 0 {
			return OnBorder
		}
		if c > 0 {
			in = !in
		}
	}
	if in {
		return Inside
	}
	return Outside
}

// planarArea is the signed shoelace area of a ring in square degrees.
func planarArea(r Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i].Lng*r[i+1].Lat - r[i+1].Lng*r[i].Lat
	}
	return s / 2
}

// EarthRadius is the radius, in metres, used for areas (the WGS 84 equatorial radius).
const EarthRadius = 6378137.0

// ringArea is the area of a ring on the sphere in square metres, by the
// formula of Chamberlain and Duquette (2007), as used by d3 and Turf.
func ringArea(r Ring) float64 {
	const rad = math.Pi / 180
	var s float64
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		s += (b.Lng - a.Lng) * rad * (math.Sin(a.Lat*rad) + math.Sin(b.Lat*rad))
	}
	return math.Abs(s) * EarthRadius * EarthRadius / 2
}

// Area of the polygon in square metres: its outer ring less its holes.
func (p Polygon) Area() float64 {
	var a float64
	for i, r := range p {
		if i == 0 {
			a += ringArea(r)
		} else {
			a -= ringArea(r)
		}
	}
	return a
}

// Area of the zone in square metres (spherical approximation, for reports).
func (z Zone) Area() float64 {
	var a float64
	for _, p := range z.Polygons {
		a += p.Area()
	}
	return a
}

// OverlapTolerance (in degrees, about 0.1 mm) is the thickness below which an
// overlap between two zones is taken for rounding noise and not reported.
const OverlapTolerance = 1e-9

// polygonsOverlap reports whether two polygons share an area and gives a
// point of it. It is an approximation that never reports polygons that only
// touch (share a border, a vertex, or part of an edge) and finds every overlap
// in which one of these holds: two edges cross properly; a vertex or an edge
// midpoint of one lies inside the other; an interior point of one lies inside
// the other. It can miss a degenerate overlap whose every such witness lies
// within OverlapTolerance of the other's border, and it ignores overlaps
// thinner than OverlapTolerance.
func polygonsOverlap(p, q Polygon) (LngLat, bool) {
	box := p.BBox().Intersect(q.BBox())
	if !(box.MinLng < box.MaxLng && box.MinLat < box.MaxLat) {
		return LngLat{}, false
	}
	pe := edgesNear(p, box, nil)
	qe := edgesNear(q, box, nil)
	for _, e := range pe {
		for _, f := range qe {
			if c, ok := properCrossing(e, f); ok {
				return c, true
			}
		}
	}
	if c, ok := witnessInside(qe, p); ok {
		return c, true
	}
	if c, ok := witnessInside(pe, q); ok {
		return c, true
	}
	for _, pair := range [2][2]Polygon{{p, q}, {q, p}} {
		if c, ok := interiorPoint(pair[0]); ok && strictlyInside(pair[1], c) {
			return c, true
		}
	}
	return LngLat{}, false
}

type edge struct{ a, b LngLat }

// edgesNear appends the edges of p whose box meets box.
func edgesNear(p Polygon, box BBox, dst []edge) []edge {
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			eb := BBox{min(a.Lng, b.Lng), min(a.Lat, b.Lat), max(a.Lng, b.Lng), max(a.Lat, b.Lat)}
			if eb.touches(box) {
				dst = append(dst, edge{a, b})
			}
		}
	}
	return dst
}

func orient(a, b, c LngLat) float64 {
	return (b.Lng-a.Lng)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lng-a.Lng)
}

// properCrossing reports whether two edges cross at a point interior to both,
// each end lying clearly (more than OverlapTolerance) off the other's line.
func properCrossing(e, f edge) (LngLat, bool) {
	if max(e.a.Lng, e.b.Lng) < min(f.a.Lng, f.b.Lng) || max(f.a.Lng, f.b.Lng) < min(e.a.Lng, e.b.Lng) ||
		max(e.a.Lat, e.b.Lat) < min(f.a.Lat, f.b.Lat) || max(f.a.Lat, f.b.Lat) < min(e.a.Lat, e.b.Lat) {
		return LngLat{}, false
	}
	le, lf := math.Hypot(e.b.Lng-e.a.Lng, e.b.Lat-e.a.Lat), math.Hypot(f.b.Lng-f.a.Lng, f.b.Lat-f.a.Lat)
	if le == 0 || lf == 0 {
		return LngLat{}, false
	}
	o1, o2 := orient(f.a, f.b, e.a)/lf, orient(f.a, f.b, e.b)/lf
	o3, o4 := orient(e.a, e.b, f.a)/le, orient(e.a, e.b, f.b)/le
	const t = OverlapTolerance
	if !((o1 > t && o2 < -t) || (o1 < -t && o2 > t)) || !((o3 > t && o4 < -t) || (o3 < -t && o4 > t)) {
		return LngLat{}, false
	}
	s := o1 / (o1 - o2)
	return LngLat{e.a.Lng + s*(e.b.Lng-e.a.Lng), e.a.Lat + s*(e.b.Lat-e.a.Lat)}, true
}

// witnessInside looks for a vertex or an edge midpoint among es strictly inside p.
func witnessInside(es []edge, p Polygon) (LngLat, bool) {
	box := p.BBox()
	for _, e := range es {
		for _, c := range [2]LngLat{e.a, {(e.a.Lng + e.b.Lng) / 2, (e.a.Lat + e.b.Lat) / 2}} {
			if box.Contains(c.Lng, c.Lat) && strictlyInside(p, c) {
				return c, true
			}
		}
	}
	return LngLat{}, false
}

// strictlyInside reports whether c is inside p and farther than
// OverlapTolerance from its border.
func strictlyInside(p Polygon, c LngLat) bool {
	if p.Locate(c.Lng, c.Lat) != Inside {
		return false
	}
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			if segDist(r[i], r[i+1], c) <= OverlapTolerance {
				return false
			}
		}
	}
	return true
}

// segDist is the planar distance in degrees from c to the segment ab.
func segDist(a, b, c LngLat) float64 {
	dx, dy := b.Lng-a.Lng, b.Lat-a.Lat
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((c.Lng-a.Lng)*dx+(c.Lat-a.Lat)*dy)/l))
	}
	return math.Hypot(c.Lng-(a.Lng+t*dx), c.Lat-(a.Lat+t*dy))
}

// interiorPoint finds a point inside p: on a horizontal line through p, the
// middle of the widest stretch that lies inside. Several lines are tried in
// case one runs along an edge.
func interiorPoint(p Polygon) (LngLat, bool) {
	b := p.BBox()
	if b.Empty() {
		return LngLat{}, false
	}
	var xs []float64
	for _, f := range [...]float64{0.5, 0.381966, 0.618034, 0.25, 0.75, 0.1, 0.9} {
		y := b.MinLat + f*(b.MaxLat-b.MinLat)
		xs = xs[:0]
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				a, c := r[i], r[i+1]
				if (a.Lat > y) != (c.Lat > y) {
					xs = append(xs, a.Lng+(y-a.Lat)/(c.Lat-a.Lat)*(c.Lng-a.Lng))
				}
			}
		}
		slices.Sort(xs)
		best, at := 0.0, LngLat{}
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > best {
				best, at = w, LngLat{(xs[i] + xs[i+1]) / 2, y}
			}
		}
		if best > 0 && p.Locate(at.Lng, at.Lat) == Inside {
			return at, true
		}
	}
	return LngLat{}, false
}
