package catchment

import (
	"math"
	"slices"
)

// Index finds the zones containing a point. It is a uniform grid laid over
// the zones' common bounding box; each cell lists, in zone order, the zones
// whose bounding box meets it. A query tests only the zones of one cell: first
// their boxes, then their polygons. Built once, it is safe for concurrent use.
type Index struct {
	zones     []Zone
	boxes     []BBox  // per zone
	partStart []int   // zone i's polygons are parts[partStart[i]:partStart[i+1]]
	parts     []part  // every polygon, with its box
	box       BBox    // all zones
	nx, ny    int     // grid size in cells
	sx, sy    float64 // cells per degree of longitude and of latitude
	start     []int32 // cell c lists cells[start[c]:start[c+1]]
	cells     []int32 // zone indices
}

type part struct {
	box  BBox
	poly Polygon
}

// NewIndex builds the index over zones, which it keeps (and does not copy):
// zone i of the index is zones[i]. The zones should have passed Validate.
func NewIndex(zones []Zone) *Index {
	ix := &Index{zones: zones, boxes: make([]BBox, len(zones)), partStart: make([]int, len(zones)+1), box: emptyBBox()}
	for i := range zones {
		ix.partStart[i] = len(ix.parts)
		b := emptyBBox()
		for _, p := range zones[i].Polygons {
			pb := p.BBox()
			ix.parts = append(ix.parts, part{pb, p})
			b = b.Union(pb)
		}
		ix.boxes[i] = b
		if !b.Empty() {
			ix.box = ix.box.Union(b)
		}
	}
	ix.partStart[len(zones)] = len(ix.parts)
	if len(zones) == 0 || ix.box.Empty() {
		return ix
	}
	// About four cells per zone; fewer if big, overlapping boxes would make
	// the cell lists long (a zone covering everything is listed in every cell).
	w, h := ix.box.MaxLng-ix.box.MinLng, ix.box.MaxLat-ix.box.MinLat
	for target := 4 * len(zones); ; target /= 2 {
		ix.grid(w, h, max(target, 1))
		if total := ix.listed(); total <= 64*len(zones) || target <= 1 {
			ix.fill(total)
			return ix
		}
	}
}

// grid chooses nx×ny ≈ target cells of roughly square shape in degrees.
func (ix *Index) grid(w, h float64, target int) {
	ix.nx, ix.ny = 1, 1
	switch {
	case w > 0 && h > 0:
		ix.nx = max(1, int(math.Round(math.Sqrt(float64(target)*w/h))))
		ix.ny = max(1, target/ix.nx)
	case w > 0:
		ix.nx = target
	case h > 0:
		ix.ny = target
	}
	ix.nx, ix.ny = min(ix.nx, 1<<14), min(ix.ny, 1<<14)
	ix.sx, ix.sy = 0, 0
	if w > 0 {
		ix.sx = float64(ix.nx) / w
	}
	if h > 0 {
		ix.sy = float64(ix.ny) / h
	}
}

func (ix *Index) cellX(lng float64) int {
	i := int((lng - ix.box.MinLng) * ix.sx)
	return min(max(i, 0), ix.nx-1)
}

func (ix *Index) cellY(lat float64) int {
	j := int((lat - ix.box.MinLat) * ix.sy)
	return min(max(j, 0), ix.ny-1)
}

// cellRange gives the cells a box meets.
func (ix *Index) cellRange(b BBox) (i0, i1, j0, j1 int) {
	return ix.cellX(b.MinLng), ix.cellX(b.MaxLng), ix.cellY(b.MinLat), ix.cellY(b.MaxLat)
}

// listed counts the entries the cell lists would hold.
func (ix *Index) listed() int {
	total := 0
	for _, b := range ix.boxes {
		if b.Empty() {
			continue
		}
		i0, i1, j0, j1 := ix.cellRange(b)
		total += (i1 - i0 + 1) * (j1 - j0 + 1)
	}
	return total
}

func (ix *Index) fill(total int) {
	n := ix.nx * ix.ny
	count := make([]int32, n+1)
	for _, b := range ix.boxes {
		if b.Empty() {
			continue
		}
		i0, i1, j0, j1 := ix.cellRange(b)
		for j := j0; j <= j1; j++ {
			for i := i0; i <= i1; i++ {
				count[j*ix.nx+i+1]++
			}
		}
	}
	for c := 1; c <= n; c++ {
		count[c] += count[c-1]
	}
	ix.start = count
	ix.cells = make([]int32, total)
	next := slices.Clone(count[:n])
	for z, b := range ix.boxes {
		if b.Empty() {
			continue
		}
		i0, i1, j0, j1 := ix.cellRange(b)
		for j := j0; j <= j1; j++ {
			for i := i0; i <= i1; i++ {
				c := j*ix.nx + i
				ix.cells[next[c]] = int32(z)
				next[c]++
			}
		}
	}
}

// Zones returns the zones the index was built over.
func (ix *Index) Zones() []Zone { return ix.zones }

// candidates are the zones listed in the point's cell (nil outside the grid).
func (ix *Index) candidates(lng, lat float64) []int32 {
	if ix.start == nil || !ix.box.Contains(lng, lat) {
		return nil
	}
	c := ix.cellY(lat)*ix.nx + ix.cellX(lng)
	return ix.cells[ix.start[c]:ix.start[c+1]]
}

// contains reports whether zone z contains the point, its border included.
func (ix *Index) contains(z int, lng, lat float64) bool {
	if !ix.boxes[z].Contains(lng, lat) {
		return false
	}
	for _, p := range ix.parts[ix.partStart[z]:ix.partStart[z+1]] {
		if p.box.Contains(lng, lat) && p.poly.Locate(lng, lat) != Outside {
			return true
		}
	}
	return false
}

// Locate returns the indices of all zones containing the point, in ascending
// order (nil when none does). A point on a border belongs to the zone.
func (ix *Index) Locate(lng, lat float64) []int {
	return ix.LocateAppend(nil, lng, lat)
}

// LocateAppend is Locate appending to dst, for callers that reuse a buffer.
func (ix *Index) LocateAppend(dst []int, lng, lat float64) []int {
	for _, z := range ix.candidates(lng, lat) {
		if ix.contains(int(z), lng, lat) {
			dst = append(dst, int(z))
		}
	}
	return dst
}

// First returns the lowest index of a zone containing the point, or -1.
func (ix *Index) First(lng, lat float64) int {
	for _, z := range ix.candidates(lng, lat) {
		if ix.contains(int(z), lng, lat) {
			return int(z)
		}
	}
	return -1
}

// Overlap is a pair of zones whose areas overlap.
type Overlap struct {
	A, B int    // the zones' indices, A < B
	Near LngLat // a point where they overlap (inside both, or where their borders cross)
}

// Overlaps returns the pairs of zones that overlap with positive area, sorted
// by A then B. Zones that only touch — along a shared border, at a vertex —
// are not reported. See polygonsOverlap for the approximation made. The
// polygons of one MultiPolygon zone are not checked against each other.
func (ix *Index) Overlaps() []Overlap {
	var out []Overlap
	for c := 0; c+1 < len(ix.start); c++ {
		list := ix.cells[ix.start[c]:ix.start[c+1]]
		for a := 0; a < len(list); a++ {
			for b := a + 1; b < len(list); b++ {
				i, j := int(list[a]), int(list[b])
				common := ix.boxes[i].Intersect(ix.boxes[j])
				if !ix.boxes[i].overlapsArea(ix.boxes[j]) ||
					ix.cellY(common.MinLat)*ix.nx+ix.cellX(common.MinLng) != c {
					continue // apart, or this pair is examined in another cell
				}
				if near, ok := ix.zonesOverlap(i, j); ok {
					out = append(out, Overlap{A: i, B: j, Near: near})
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y Overlap) int {
		if x.A != y.A {
			return x.A - y.A
		}
		return x.B - y.B
	})
	return out
}

func (ix *Index) zonesOverlap(i, j int) (LngLat, bool) {
	for _, p := range ix.parts[ix.partStart[i]:ix.partStart[i+1]] {
		for _, q := range ix.parts[ix.partStart[j]:ix.partStart[j+1]] {
			if !p.box.overlapsArea(q.box) {
				continue
			}
			if near, ok := polygonsOverlap(p.poly, q.poly); ok {
				return near, true
			}
		}
	}
	return LngLat{}, false
}

// Overlaps returns the pairs of zones that overlap with positive area (see
// Index.Overlaps), building an index for the purpose.
func Overlaps(zones []Zone) []Overlap {
	return NewIndex(zones).Overlaps()
}
