package enrol

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/catchment"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

// ZoneSchool is one school a zone names.
type ZoneSchool struct {
	Code, Name string
}

// Zone is a catchment zone as stored.
type Zone struct {
	ID          int64
	Year, Grade int
	Code, Name  string
	County      string
	Schools     []ZoneSchool
	Polygons    []catchment.Polygon
	Geometry    string // the GeoJSON geometry as stored
	Vertices    int
	AreaKm2     float64
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Multi reports whether the zone names several schools (多校划片).
func (z Zone) Multi() bool { return len(z.Schools) > 1 }

// SchoolCodes lists the zone's schools' codes.
func (z Zone) SchoolCodes() []string {
	out := make([]string, len(z.Schools))
	for i, s := range z.Schools {
		out[i] = s.Code
	}
	return out
}

func (z Zone) core() catchment.Zone {
	return catchment.Zone{Code: z.Code, Name: z.Name, Schools: z.SchoolCodes(), Polygons: z.Polygons}
}

type zoneAudit struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	County   string `json:"county"`
	Schools  string `json:"schools"`
	Vertices int    `json:"vertices"`
	Area     string `json:"area_km2"`
	Geometry string `json:"geometry_sha256"`
}

func (z Zone) audit() zoneAudit {
	return zoneAudit{Code: z.Code, Name: z.Name, County: z.County, Schools: strings.Join(z.SchoolCodes(), "|"),
		Vertices: z.Vertices, Area: strconv.FormatFloat(z.AreaKm2, 'f', 3, 64), Geometry: shortHash(z.Geometry)}
}

// checkZoneSchools checks that every school of a zone is a public school
// teaching the grade, in the actor's scope, and returns the zone's county
// (its first school's) and the schools with their names.
func checkZoneSchools(by Actor, grade int, codes []string, all map[string]schoolInfo) (string, []ZoneSchool, i18n.Text, bool) {
	var out []ZoneSchool
	county := ""
	for _, c := range codes {
		s, ok := all[c]
		switch {
		case !ok:
			return "", nil, i18n.T("学校 %s 不在学校名录中", "school %s is not in the registry", c), false
		case !by.Scope.Reaches(s.County, s.Code):
			return "", nil, i18n.T("学校 %s 不在您的范围内", "school %s is outside your scope", c), false
		case !s.teaches(grade):
			return "", nil, tt("%s（%s）不招收%s新生", []any{s.Name, c, GradeName(grade).ZH}, "%s (%s) does not admit %s", []any{s.Name, c, GradeName(grade).EN}), false
		case s.Ownership != school.Public:
			return "", nil, i18n.T("%s 是民办学校：民办学校不划片，超额时电脑随机录取", "%s is private: private schools have no zone and draw lots when oversubscribed", s.Name), false
		case !s.open():
			return "", nil, i18n.T("%s 已停办或撤销", "%s is suspended or closed", s.Name), false
		}
		if county == "" {
			county = s.County
		}
		out = append(out, ZoneSchool{Code: c, Name: s.Name})
	}
	return county, out, i18n.Text{}, true
}

// ZoneImport says what a GeoJSON import did.
type ZoneImport struct {
	Created, Updated, Unchanged int
}

// ImportZones reads a GeoJSON FeatureCollection of zones (catchment.ReadZones)
// for a year's entry into grade 1 or 7: a zone whose code is new is created,
// one whose code exists is replaced (name, schools, geometry) when it
// changed. Every school must be a public school teaching the grade, in the
// actor's scope; an existing zone outside the scope cannot be replaced. Any
// problem stops the whole import with the feature named; nothing is written.
func (o *Office) ImportZones(ctx context.Context, by Actor, year, grade int, r io.Reader, file string) (ZoneImport, error) {
	if err := by.mayRun(); err != nil {
		return ZoneImport{}, err
	}
	var v fault.Validation
	checkYear(&v, "year", year)
	checkGrade(&v, "grade", grade, GradePrimary, GradeJunior)
	if err := v.Err(); err != nil {
		return ZoneImport{}, err
	}
	zones, err := catchment.ReadZones(r, file)
	if err != nil {
		return ZoneImport{}, err
	}
	all, err := o.allSchools(ctx)
	if err != nil {
		return ZoneImport{}, err
	}
	in := make([]Zone, len(zones))
	for i, cz := range zones {
		county, schools, msg, ok := checkZoneSchools(by, grade, cz.Schools, all)
		if !ok {
			return ZoneImport{}, &fault.Error{Kind: fault.Invalid, Msg: i18n.T("%s：要素 features[%d]（片区 %s）：%s",
				"%s: features[%d] (zone %s): %s", file, i, cz.Code, msg.ZH)}
		}
		in[i] = Zone{Year: year, Grade: grade, Code: cz.Code, Name: cz.Name, County: county, Schools: schools, Polygons: cz.Polygons}
	}
	var sum ZoneImport
	err = o.DB.InTx(ctx, func(tx db.Tx) error {
		for i := range in {
			z := &in[i]
			if err := fillGeometry(z); err != nil {
				return err
			}
			old, err := o.zoneByCode(ctx, tx, year, grade, z.Code)
			switch {
			case fault.KindOf(err) == fault.NotFound:
				if err := o.insertZone(ctx, tx, by, z); err != nil {
					return err
				}
				sum.Created++
			case err != nil:
				return err
			case !reachesAny(by.Scope, old):
				return fault.New(fault.Forbidden, "%s：片区 %s 已存在且不在您的范围内", "%s: zone %s exists and is outside your scope", file, z.Code)
			case old.Name == z.Name && old.Geometry == z.Geometry && slices.Equal(old.SchoolCodes(), z.SchoolCodes()):
				sum.Unchanged++
			default:
				z.ID = old.ID
				if err := o.replaceZone(ctx, tx, by, old, z, "import "+file); err != nil {
					return err
				}
				sum.Updated++
			}
		}
		return o.record(ctx, tx, by, "admission.zone.import", "catchment_zone", fmt.Sprintf("%d/%d", year, grade),
			fmt.Sprintf("%s: %d created, %d updated, %d unchanged", file, sum.Created, sum.Updated, sum.Unchanged), nil)
	})
	if err != nil {
		return ZoneImport{}, err
	}
	return sum, nil
}

func reachesAny(sc scope.Scope, z Zone) bool {
	for _, s := range z.Schools {
		if sc.Reaches(z.County, s.Code) {
			return true
		}
	}
	return false
}

// fillGeometry computes the stored form of a zone's polygons.
func fillGeometry(z *Zone) error {
	g, err := catchment.MarshalGeometry(z.Polygons)
	if err != nil {
		return err
	}
	z.Geometry = string(g)
	z.Vertices = catchment.Vertices(z.Polygons)
	z.AreaKm2 = z.core().Area() / 1e6
	return nil
}

func (o *Office) insertZone(ctx context.Context, tx db.Tx, by Actor, z *Zone) error {
	now := o.now()
	z.ID, z.Version = db.NewID(), 1
	if _, err := tx.ExecContext(ctx, `INSERT INTO catchment_zone (id, year, grade, code, name, county_code, geometry, vertices, area_km2,
		version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)`,
		z.ID, z.Year, z.Grade, z.Code, z.Name, z.County, z.Geometry, z.Vertices, z.AreaKm2, now); err != nil {
		if db.IsUniqueViolation(err) {
			return fault.New(fault.Conflict, "片区代码 %s 已被使用", "zone code %s is already in use", z.Code)
		}
		return fmt.Errorf("insert zone %s: %w", z.Code, err)
	}
	if err := writeZoneSchools(ctx, tx, z); err != nil {
		return err
	}
	return o.record(ctx, tx, by, "admission.zone.create", "catchment_zone", strconv.FormatInt(z.ID, 10), "", audit.Diff(nil, z.audit(), nil))
}

func writeZoneSchools(ctx context.Context, tx db.Tx, z *Zone) error {
	for i, s := range z.Schools {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catchment_zone_school (zone_id, seq, school_code) VALUES ($1, $2, $3)`,
			z.ID, i+1, s.Code); err != nil {
			return fmt.Errorf("zone %s school %s: %w", z.Code, s.Code, err)
		}
	}
	return nil
}

func (o *Office) replaceZone(ctx context.Context, tx db.Tx, by Actor, old Zone, z *Zone, detail string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE catchment_zone SET name = $1, county_code = $2, geometry = $3, vertices = $4, area_km2 = $5,
		version = version + 1, updated_at = $6 WHERE id = $7`, z.Name, z.County, z.Geometry, z.Vertices, z.AreaKm2, o.now(), old.ID); err != nil {
		return fmt.Errorf("update zone %s: %w", z.Code, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM catchment_zone_school WHERE zone_id = $1`, old.ID); err != nil {
		return fmt.Errorf("replace zone schools: %w", err)
	}
	z.ID = old.ID
	if err := writeZoneSchools(ctx, tx, z); err != nil {
		return err
	}
	// The children's assignment may no longer hold.
	if _, err := tx.ExecContext(ctx, `UPDATE admission_applicant SET zone_state = 'pending' WHERE year = $1 AND grade = $2`, z.Year, z.Grade); err != nil {
		return fmt.Errorf("mark assignments stale: %w", err)
	}
	return o.record(ctx, tx, by, "admission.zone.update", "catchment_zone", strconv.FormatInt(old.ID, 10), detail, audit.Diff(old.audit(), z.audit(), nil))
}

// ZoneEdit is a change to one zone made on its page: its name and schools,
// and its shape either from a GeoJSON feature (Feature) or from the
// vertices of one outer ring typed by hand (Ring). Neither keeps the shape.
type ZoneEdit struct {
	Name    string
	Schools []string
	Feature io.Reader // a GeoJSON Feature (or a FeatureCollection of one)
	File    string    // its name, for messages
	Ring    string    // "lng, lat" per line
}

// UpdateZone changes a zone in the actor's scope. ifVersion, when not 0,
// must be the version the caller read.
func (o *Office) UpdateZone(ctx context.Context, by Actor, id int64, ifVersion int, e ZoneEdit) (Zone, error) {
	if err := by.mayRun(); err != nil {
		return Zone{}, err
	}
	old, err := o.Zone(ctx, by.Scope, id)
	if err != nil {
		return Zone{}, err
	}
	if ifVersion != 0 && ifVersion != old.Version {
		return Zone{}, stale()
	}
	nz := old
	nz.Name = strings.TrimSpace(e.Name)
	var v fault.Validation
	if len([]rune(nz.Name)) > 100 {
		v.Add("name", "名称最多 100 字", "the name has at most 100 characters")
	}
	switch {
	case e.Feature != nil:
		f, err := catchment.ReadFeature(e.Feature, e.File)
		if err != nil {
			v.AddText("feature", fault.As(err).Msg)
			break
		}
		if f.Code != old.Code {
			v.Add("feature", "要素的片区代码 %s 与本片区 %s 不同", "the feature's zone code %s is not this zone's %s", f.Code, old.Code)
			break
		}
		nz.Polygons = f.Polygons
		if nz.Name == "" {
			nz.Name = f.Name
		}
		if len(e.Schools) == 0 {
			e.Schools = f.Schools
		}
	case strings.TrimSpace(e.Ring) != "":
		ring, err := catchment.ParseRing(e.Ring)
		if err != nil {
			v.AddText("ring", fault.As(err).Msg)
			break
		}
		nz.Polygons = []catchment.Polygon{{ring}}
	}
	codes := make([]string, 0, len(e.Schools))
	for _, c := range e.Schools {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		v.Add("schools", "片区至少需要一所学校", "a zone needs at least one school")
	}
	if v.Err() == nil {
		all, err := o.allSchools(ctx)
		if err != nil {
			return Zone{}, err
		}
		county, schools, msg, ok := checkZoneSchools(by, old.Grade, codes, all)
		if !ok {
			v.AddText("schools", msg)
		} else {
			nz.County, nz.Schools = county, schools
		}
	}
	if err := v.Err(); err != nil {
		return Zone{}, err
	}
	if err := fillGeometry(&nz); err != nil {
		return Zone{}, err
	}
	err = o.DB.InTx(ctx, func(tx db.Tx) error {
		var cur int
		if err := tx.QueryRowContext(ctx, `SELECT version FROM catchment_zone WHERE id = $1`, id).Scan(&cur); err != nil {
			return fmt.Errorf("read zone: %w", err)
		}
		if cur != old.Version {
			return stale()
		}
		return o.replaceZone(ctx, tx, by, old, &nz, "")
	})
	if err != nil {
		return Zone{}, err
	}
	return o.Zone(ctx, scope.Everything, id)
}

// DeleteZone removes a zone no lottery refers to.
func (o *Office) DeleteZone(ctx context.Context, by Actor, id int64) error {
	if err := by.mayRun(); err != nil {
		return err
	}
	z, err := o.Zone(ctx, by.Scope, id)
	if err != nil {
		return err
	}
	return o.DB.InTx(ctx, func(tx db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM admission_lottery WHERE zone_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fault.New(fault.Conflict, "片区 %s 已用于摇号，不能删除", "zone %s has a lottery and cannot be deleted", z.Code)
		}
		for _, q := range []string{
			`UPDATE admission_applicant SET zone_id = NULL, zone_code = '', zone_state = 'pending' WHERE zone_id = $1`,
			`DELETE FROM catchment_zone_school WHERE zone_id = $1`,
			`DELETE FROM catchment_zone WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("delete zone: %w", err)
			}
		}
		return o.record(ctx, tx, by, "admission.zone.delete", "catchment_zone", strconv.FormatInt(id, 10), "", audit.Diff(z.audit(), nil, nil))
	})
}

const zoneColumns = `z.id, z.year, z.grade, z.code, z.name, z.county_code, z.geometry, z.vertices, z.area_km2, z.version, z.created_at, z.updated_at`

func scanZone(r interface{ Scan(...any) error }) (Zone, error) {
	var z Zone
	err := r.Scan(&z.ID, &z.Year, &z.Grade, &z.Code, &z.Name, &z.County, &z.Geometry, &z.Vertices, &z.AreaKm2, &z.Version, &z.CreatedAt, &z.UpdatedAt)
	z.CreatedAt, z.UpdatedAt = z.CreatedAt.UTC(), z.UpdatedAt.UTC()
	return z, err
}

// zoneScope is the condition that a zone lies in sc: its county, or one of
// its schools.
func zoneScope(sc scope.Scope, args []any) (string, []any) {
	if sc.All {
		return "1=1", args
	}
	var parts []string
	if len(sc.Areas) > 0 {
		c, a := scopeSQL(scope.Scope{Areas: sc.Areas}, "z.county_code", "", args)
		parts, args = append(parts, c), a
	}
	if len(sc.Schools) > 0 {
		ph, a := inList(sc.Schools, args)
		parts, args = append(parts, `EXISTS (SELECT 1 FROM catchment_zone_school zs WHERE zs.zone_id = z.id AND zs.school_code IN (`+ph+`))`), a
	}
	if len(parts) == 0 {
		return "1=0", args
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// Zone returns one zone within sc, with its schools and polygons.
func (o *Office) Zone(ctx context.Context, sc scope.Scope, id int64) (Zone, error) {
	return o.zone(ctx, o.DB, sc, id)
}

func (o *Office) zone(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Zone, error) {
	cond, args := zoneScope(sc, []any{id})
	z, err := scanZone(q.QueryRowContext(ctx, `SELECT `+zoneColumns+` FROM catchment_zone z WHERE z.id = $1 AND `+cond, args...))
	if db.IsNoRows(err) {
		return Zone{}, notFound(i18n.T("片区", "zone"), id)
	}
	if err != nil {
		return Zone{}, fmt.Errorf("read zone %d: %w", id, err)
	}
	return z, o.completeZones(ctx, q, []*Zone{&z})
}

func (o *Office) zoneByCode(ctx context.Context, q db.Querier, year, grade int, code string) (Zone, error) {
	z, err := scanZone(q.QueryRowContext(ctx, `SELECT `+zoneColumns+` FROM catchment_zone z WHERE z.year = $1 AND z.grade = $2 AND z.code = $3`,
		year, grade, code))
	if db.IsNoRows(err) {
		return Zone{}, notFound(i18n.T("片区", "zone"), code)
	}
	if err != nil {
		return Zone{}, fmt.Errorf("read zone %s: %w", code, err)
	}
	return z, o.completeZones(ctx, q, []*Zone{&z})
}

// completeZones reads the zones' schools and parses their geometry.
func (o *Office) completeZones(ctx context.Context, q db.Querier, zs []*Zone) error {
	byID := map[int64]*Zone{}
	ids := make([]string, 0, len(zs))
	for _, z := range zs {
		byID[z.ID] = z
		ids = append(ids, strconv.FormatInt(z.ID, 10))
		polys, err := catchment.UnmarshalGeometry([]byte(z.Geometry))
		if err != nil {
			return fault.Wrap(fmt.Errorf("zone %s: stored geometry: %w", z.Code, err), "read zone")
		}
		z.Polygons = polys
	}
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(len(ids), from+500)]
		// ids are integers written by us: safe to inline, and it keeps the
		// statement within any placeholder limit.
		rows, err := q.QueryContext(ctx, `SELECT zs.zone_id, zs.school_code, s.name FROM catchment_zone_school zs
			JOIN school s ON s.code = zs.school_code WHERE zs.zone_id IN (`+strings.Join(chunk, ",")+`) ORDER BY zs.zone_id, zs.seq`)
		if err != nil {
			return fmt.Errorf("read zone schools: %w", err)
		}
		for rows.Next() {
			var id int64
			var s ZoneSchool
			if err := rows.Scan(&id, &s.Code, &s.Name); err != nil {
				rows.Close()
				return err
			}
			byID[id].Schools = append(byID[id].Schools, s)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// ZoneFilter selects zones.
type ZoneFilter struct {
	Year, Grade int
	County      string
	Query       string // part of the code or name, or a school's code
	Multi       bool   // multi-school zones only
	Page        int
	PerPage     int // 0: 50; -1: all (the map and exports)
}

func (f *ZoneFilter) check() error {
	var v fault.Validation
	checkYear(&v, "year", f.Year)
	checkGrade(&v, "grade", f.Grade, GradePrimary, GradeJunior)
	if f.County != "" && (len(f.County) < 2 || strings.Trim(f.County, "0123456789") != "") {
		v.Add("county", "县区代码 %q 格式不正确", "county code %q is malformed", f.County)
	}
	return v.Err()
}

// ZonePage is a page of zones.
type ZonePage struct {
	Items         []Zone
	Total         int
	Page, PerPage int
}

// Zones lists the zones of a year and grade in sc, by code.
func (o *Office) Zones(ctx context.Context, sc scope.Scope, f ZoneFilter) (ZonePage, error) {
	if err := f.check(); err != nil {
		return ZonePage{}, err
	}
	args := []any{f.Year, f.Grade}
	conds := []string{"z.year = $1", "z.grade = $2"}
	if f.County != "" {
		lo, hi := area.Range(f.County)
		args = append(args, lo, hi)
		conds = append(conds, fmt.Sprintf("z.county_code >= $%d AND z.county_code < $%d", len(args)-1, len(args)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(q))+"%", q)
		conds = append(conds, fmt.Sprintf(`(lower(z.code) LIKE $%d ESCAPE '\' OR lower(z.name) LIKE $%[1]d ESCAPE '\'
			OR EXISTS (SELECT 1 FROM catchment_zone_school q WHERE q.zone_id = z.id AND q.school_code = $%d))`, len(args)-1, len(args)))
	}
	if f.Multi {
		conds = append(conds, `(SELECT COUNT(*) FROM catchment_zone_school m WHERE m.zone_id = z.id) > 1`)
	}
	cond, args := zoneScope(sc, args)
	conds = append(conds, cond)
	w := strings.Join(conds, " AND ")
	pg := ZonePage{}
	if err := o.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM catchment_zone z WHERE `+w, args...).Scan(&pg.Total); err != nil {
		return ZonePage{}, fmt.Errorf("count zones: %w", err)
	}
	q := `SELECT ` + zoneColumns + ` FROM catchment_zone z WHERE ` + w + ` ORDER BY z.code`
	if f.PerPage >= 0 {
		pg.Page, pg.PerPage = pageOf(f.Page, f.PerPage)
		q += limit(pg.Page, pg.PerPage)
	} else {
		pg.Page, pg.PerPage = 1, max(pg.Total, 1)
	}
	rows, err := o.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return ZonePage{}, fmt.Errorf("list zones: %w", err)
	}
	for rows.Next() {
		z, err := scanZone(rows)
		if err != nil {
			rows.Close()
			return ZonePage{}, err
		}
		pg.Items = append(pg.Items, z)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return ZonePage{}, err
	}
	ptrs := make([]*Zone, len(pg.Items))
	for i := range pg.Items {
		ptrs[i] = &pg.Items[i]
	}
	return pg, o.completeZones(ctx, o.DB, ptrs)
}

// ExportZones writes the zones of a year and grade in sc as a GeoJSON
// FeatureCollection that ImportZones reads back.
func (o *Office) ExportZones(ctx context.Context, sc scope.Scope, year, grade int, county string, w io.Writer) error {
	pg, err := o.Zones(ctx, sc, ZoneFilter{Year: year, Grade: grade, County: county, PerPage: -1})
	if err != nil {
		return err
	}
	zones := make([]catchment.Zone, len(pg.Items))
	for i, z := range pg.Items {
		zones[i] = z.core()
	}
	return catchment.WriteZones(w, zones)
}

// ZoneDemand is one zone's line of the layer report.
type ZoneDemand struct {
	Zone
	Demand   int // children assigned to it
	Capacity int // the places of its schools in the approved plans
	Balance  int // Capacity − Demand
	Unknown  []string
}

// Overlap is two zones of a layer that overlap.
type Overlap struct {
	A, B     string // zone codes
	Near     catchment.LngLat
	AID, BID int64
}

// Layer is the report of a year's zones for one grade: each zone's demand
// against its capacity, the children outside every zone or in several, and
// the zones that overlap.
type Layer struct {
	Year, Grade          int
	Zones                []ZoneDemand
	Overlaps             []Overlap
	Applicants           int // children of the layer in scope
	Pending              int // not assigned since they or the zones changed
	Uncovered, InSeveral int
	Demand, Capacity     int
}

// Layer reports on the zones of a year and grade in sc (county: under that
// area). Overlaps are computed among every zone of the layer, so that an
// overlap across a county border shows to both counties.
func (o *Office) Layer(ctx context.Context, sc scope.Scope, year, grade int, county string) (Layer, error) {
	pg, err := o.Zones(ctx, sc, ZoneFilter{Year: year, Grade: grade, County: county, PerPage: -1})
	if err != nil {
		return Layer{}, err
	}
	l := Layer{Year: year, Grade: grade}
	caps, err := o.capacity(ctx, o.DB, year, grade)
	if err != nil {
		return Layer{}, err
	}
	demand := map[int64]int{}
	cond, args := viaZones(sc, "a.county_code", "", "a.zone_id", []any{year, grade})
	areaCond := ""
	if county != "" {
		lo, hi := area.Range(county)
		args = append(args, lo, hi)
		areaCond = fmt.Sprintf(" AND a.county_code >= $%d AND a.county_code < $%d", len(args)-1, len(args))
	}
	rows, err := o.DB.QueryContext(ctx, `SELECT a.zone_id, a.zone_state, COUNT(*) FROM admission_applicant a
		WHERE a.year = $1 AND a.grade = $2 AND `+cond+areaCond+` GROUP BY a.zone_id, a.zone_state`, args...)
	if err != nil {
		return Layer{}, fmt.Errorf("count applicants by zone: %w", err)
	}
	for rows.Next() {
		var id *int64
		var state string
		var n int
		if err := rows.Scan(&id, &state, &n); err != nil {
			rows.Close()
			return Layer{}, err
		}
		l.Applicants += n
		switch state {
		case "pending":
			l.Pending += n
		case "uncovered":
			l.Uncovered += n
		case "overlap":
			l.InSeveral += n
		}
		if id != nil && state != "pending" {
			demand[*id] += n
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return Layer{}, err
	}
	for _, z := range pg.Items {
		d := ZoneDemand{Zone: z, Demand: demand[z.ID]}
		for _, s := range z.Schools {
			c, ok := caps[s.Code]
			if !ok {
				d.Unknown = append(d.Unknown, s.Code)
			}
			d.Capacity += c
		}
		d.Balance = d.Capacity - d.Demand
		l.Demand += d.Demand
		l.Capacity += d.Capacity
		l.Zones = append(l.Zones, d)
	}
	// Overlaps among every zone of the layer, reported when one side is shown.
	every, err := o.Zones(ctx, scope.Everything, ZoneFilter{Year: year, Grade: grade, PerPage: -1})
	if err != nil {
		return Layer{}, err
	}
	shown := map[int64]bool{}
	for _, z := range pg.Items {
		shown[z.ID] = true
	}
	cores := make([]catchment.Zone, len(every.Items))
	for i, z := range every.Items {
		cores[i] = z.core()
	}
	for _, ov := range catchment.Overlaps(cores) {
		a, b := every.Items[ov.A], every.Items[ov.B]
		if shown[a.ID] || shown[b.ID] {
			l.Overlaps = append(l.Overlaps, Overlap{A: a.Code, B: b.Code, Near: ov.Near, AID: a.ID, BID: b.ID})
		}
	}
	return l, nil
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
