// Package catchment holds the catchment zones of compulsory education
// (划片入学): every public primary and junior school has a zone, and a child
// whose registered address lies in a zone is assigned there; a zone naming
// several schools (多校划片) is settled later by lottery among them.
//
// This package is the database-free core: zones as GeoJSON polygons (ReadZones,
// WriteZones, Validate), the geometry they need (point in polygon, bounding
// boxes, area, overlap between zones), a spatial index built once over the zones
// (NewIndex), the assignment of address points to zones (Assign) and the
// demand of each zone against the places of its schools (DemandReport).
//
// Coordinates are [longitude, latitude] in degrees (WGS 84, as RFC 7946 says).
// Geometry is planar in degrees except for Area, which is spherical. Zones that
// cross the antimeridian are not supported (no Chinese jurisdiction does).
package catchment

import (
	"strings"
	"unicode/utf8"

	"edubureau/fault"
	"edubureau/i18n"
)

// LngLat is one position: longitude then latitude, in degrees.
type LngLat struct {
	Lng, Lat float64
}

// Ring is a closed line: at least 4 positions, the last equal to the first.
// RFC 7946 asks for outer rings counter-clockwise and holes clockwise; this
// package accepts either winding and keeps the order it was given.
type Ring []LngLat

// Polygon is an outer ring followed by zero or more holes.
type Polygon []Ring

// Zone is one catchment zone (片区).
type Zone struct {
	Code     string    // the zone's code, unique in a jurisdiction (GeoJSON property "zone")
	Name     string    // its name, may be empty (property "name")
	Schools  []string  // 10-digit school identifiers (学校标识码), at least one (property "schools")
	Polygons []Polygon // one for a Polygon feature, one or more for a MultiPolygon
}

// MaxCodeLen is the longest zone code accepted, in characters.
const MaxCodeLen = 64

// Validate checks a set of zones as edited by hand or built by a program: the
// same rules ReadZones applies to a file. The error names the zone.
func Validate(zones []Zone) error {
	seen := make(map[string]int, len(zones))
	for i := range zones {
		z := &zones[i]
		if msg, ok := checkZone(z); !ok {
			return zoneError(i, z.Code, msg)
		}
		if j, dup := seen[z.Code]; dup {
			return zoneError(i, z.Code, i18n.T("片区代码与第 %d 个片区重复", "the zone code repeats that of zone %d", j+1))
		}
		seen[z.Code] = i
	}
	return nil
}

func zoneError(i int, code string, msg i18n.Text) error {
	p := i18n.T("第 %d 个片区（%s）：", "zone %d (%s): ", i+1, code)
	return &fault.Error{Kind: fault.Invalid, Msg: join(p, msg)}
}

// join concatenates two messages language by language.
func join(a, b i18n.Text) i18n.Text {
	return i18n.Text{ZH: a.ZH + b.ZH, EN: a.EN + b.EN}
}

// checkCode reports what is wrong with a zone code.
func checkCode(code string) (i18n.Text, bool) {
	switch {
	case strings.TrimSpace(code) == "":
		return i18n.T("缺少片区代码（属性 zone）", "the zone code (property \"zone\") is missing"), false
	case strings.TrimSpace(code) != code:
		return i18n.T("片区代码“%s”首尾有空白", "the zone code %q has leading or trailing spaces", code), false
	case !utf8.ValidString(code) || utf8.RuneCountInString(code) > MaxCodeLen:
		return i18n.T("片区代码超过 %d 个字符或编码无效", "the zone code is longer than %d characters or not valid UTF-8", MaxCodeLen), false
	}
	return i18n.Text{}, true
}

// checkSchools reports what is wrong with a zone's list of schools.
func checkSchools(schools []string) (i18n.Text, bool) {
	if len(schools) == 0 {
		return i18n.T("片区未指定学校（属性 schools 至少需一所学校）", "the zone names no school (property \"schools\" needs at least one)"), false
	}
	seen := make(map[string]bool, len(schools))
	for k, s := range schools {
		if !isSchoolID(s) {
			return i18n.T("schools[%d]“%s”不是 10 位学校标识码", "schools[%d] %q is not a 10-digit school identifier", k, s), false
		}
		if seen[s] {
			return i18n.T("学校 %s 重复列出", "school %s is listed twice", s), false
		}
		seen[s] = true
	}
	return i18n.Text{}, true
}

func isSchoolID(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkShape reports what is wrong with a zone's polygons: rings too short or
// not closed, positions out of range, an outer ring enclosing no area.
// Self-intersecting rings and holes outside their polygon are not detected.
func checkShape(polys []Polygon) (i18n.Text, bool) {
	if len(polys) == 0 {
		return i18n.T("片区没有多边形", "the zone has no polygon"), false
	}
	for p, poly := range polys {
		if len(poly) == 0 {
			return i18n.T("第 %d 个多边形没有环", "polygon %d has no ring", p+1), false
		}
		for r, ring := range poly {
			where := i18n.T("第 %d 个多边形的第 %d 个环", "polygon %d, ring %d", p+1, r+1)
			if r == 0 {
				where = i18n.T("第 %d 个多边形的外环", "polygon %d, outer ring", p+1)
			}
			if len(ring) < 4 {
				return join(where, i18n.T("只有 %d 个坐标，至少需要 4 个", " has %d positions; at least 4 are needed", len(ring))), false
			}
			for k, q := range ring {
				if !(q.Lng >= -180 && q.Lng <= 180 && q.Lat >= -90 && q.Lat <= 90) {
					return join(where, i18n.T("第 %d 个坐标 [%g, %g] 超出范围（经度 −180…180，纬度 −90…90）",
						", position %d [%g, %g] is out of range (longitude −180…180, latitude −90…90)", k+1, q.Lng, q.Lat)), false
				}
			}
			if ring[0] != ring[len(ring)-1] {
				return join(where, i18n.T("未闭合（首尾坐标不同）", " is not closed (the first and last positions differ)")), false
			}
			if r == 0 && planarArea(ring) == 0 {
				return join(where, i18n.T("面积为零", " encloses no area")), false
			}
		}
	}
	return i18n.Text{}, true
}

func checkZone(z *Zone) (i18n.Text, bool) {
	if msg, ok := checkCode(z.Code); !ok {
		return msg, false
	}
	if msg, ok := checkSchools(z.Schools); !ok {
		return msg, false
	}
	return checkShape(z.Polygons)
}
