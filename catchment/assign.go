package catchment

import (
	"runtime"
	"sync"
)

// Point is a child's registered address, geocoded.
type Point struct {
	ID       int64 // the caller's key (a student or address row id), carried through
	Lng, Lat float64
}

// Uncovered marks a point that lies in no zone.
const Uncovered = -1

// MultiZone is a point lying in more than one zone.
type MultiZone struct {
	Point Point
	Index int   // its position in the points given to Assign
	Zones []int // the zones containing it, ascending
}

// Assignment is the outcome of assigning address points to zones.
type Assignment struct {
	// Zone[i] is the zone of points[i]: the lowest index of the zones
	// containing it, or Uncovered.
	Zone []int
	// Uncovered lists the points in no zone, in input order.
	Uncovered []Point
	// Overlapping lists the points in more than one zone (an overlap of
	// zones, or an address exactly on a shared border), in input order.
	// Each is assigned to its lowest-index zone and counted there only.
	Overlapping []MultiZone
	// Demand[z] counts the points assigned to zone z.
	Demand []int
	// Shared[z] counts the overlapping points lying in zone z, whether
	// assigned to it or to another zone.
	Shared []int
}

// Assign finds each point's zone. The work is split across GOMAXPROCS
// goroutines in contiguous blocks and merged in block order, so the result
// does not depend on scheduling.
func Assign(ix *Index, points []Point) Assignment {
	n := len(ix.zones)
	a := Assignment{Zone: make([]int, len(points)), Demand: make([]int, n), Shared: make([]int, n)}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(points)/16384))
	type result struct {
		uncovered []Point
		multi     []MultiZone
		demand    []int
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(points)/workers, (w+1)*len(points)/workers
		wg.Go(func() {
			r := &results[w]
			r.demand = make([]int, n)
			var buf [8]int
			for i := lo; i < hi; i++ {
				p := points[i]
				hits := ix.LocateAppend(buf[:0], p.Lng, p.Lat)
				switch len(hits) {
				case 0:
					a.Zone[i] = Uncovered
					r.uncovered = append(r.uncovered, p)
					continue
				case 1:
				default:
					r.multi = append(r.multi, MultiZone{Point: p, Index: i, Zones: append([]int(nil), hits...)})
				}
				a.Zone[i] = hits[0]
				r.demand[hits[0]]++
			}
		})
	}
	wg.Wait()
	for _, r := range results {
		a.Uncovered = append(a.Uncovered, r.uncovered...)
		a.Overlapping = append(a.Overlapping, r.multi...)
		for z, d := range r.demand {
			a.Demand[z] += d
		}
	}
	for _, m := range a.Overlapping {
		for _, z := range m.Zones {
			a.Shared[z]++
		}
	}
	return a
}

// Capacity gives the places each school offers in the year's intake, by
// 10-digit school identifier.
type Capacity map[string]int

// ZoneDemand is one line of the demand report: a zone's children against its
// schools' places.
type ZoneDemand struct {
	Zone     string   // the zone code
	Name     string   // the zone name
	Schools  []string // its schools
	Demand   int      // children assigned to the zone
	Shared   int      // of the children lying in the zone, those also lying in another zone
	Capacity int      // the sum of the places of its schools
	Unknown  []string // its schools that have no entry in the capacities (counted as 0 places)
	Balance  int      // Capacity − Demand: negative when over-subscribed, positive when places are left
}

// Over reports whether the zone has more children than places.
func (d ZoneDemand) Over() bool { return d.Balance < 0 }

// DemandReport sets each zone's demand against the places of its schools, in
// zone order. A school named by several zones has its places counted in each
// of them: the report shows that school's full capacity against every zone
// that feeds it.
func DemandReport(ix *Index, a Assignment, c Capacity) []ZoneDemand {
	out := make([]ZoneDemand, len(ix.zones))
	for i, z := range ix.zones {
		d := ZoneDemand{Zone: z.Code, Name: z.Name, Schools: z.Schools}
		if i < len(a.Demand) {
			d.Demand = a.Demand[i]
		}
		if i < len(a.Shared) {
			d.Shared = a.Shared[i]
		}
		for _, s := range z.Schools {
			places, ok := c[s]
			if !ok {
				d.Unknown = append(d.Unknown, s)
			}
			d.Capacity += places
		}
		d.Balance = d.Capacity - d.Demand
		out[i] = d
	}
	return out
}
