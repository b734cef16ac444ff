package enrol

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"edubureau/admission"
	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/catchment"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/scope"
)

// The encrypted columns of applicants (and of the 中考 cohort), registered
// for key rotation.
const (
	aadName     = "admission_applicant.name"
	aadID       = "admission_applicant.id_number"
	aadAddress  = "admission_applicant.address"
	aadPoint    = "admission_applicant.point"
	aadZkName   = "zhongkao_student.name"
	aadZkID     = "zhongkao_student.id_number"
	indexSuffix = "id_suffix6" // blind-index kind of an ID number's last six characters
)

func init() {
	for _, c := range []pii.Column{
		{Table: "admission_applicant", KeyColumn: "id", Column: "name", AAD: aadName},
		{Table: "admission_applicant", KeyColumn: "id", Column: "id_number", AAD: aadID},
		{Table: "admission_applicant", KeyColumn: "id", Column: "address", AAD: aadAddress},
		{Table: "admission_applicant", KeyColumn: "id", Column: "point", AAD: aadPoint},
		{Table: "zhongkao_student", KeyColumn: "id", Column: "name", AAD: aadZkName},
		{Table: "zhongkao_student", KeyColumn: "id", Column: "id_number", AAD: aadZkID},
	} {
		pii.RegisterColumn(c)
	}
}

// ZoneState says where an applicant's point was found at the last assignment.
type ZoneState string

const (
	ZonePending   ZoneState = "pending"   // not assigned since the applicant or the zones changed
	ZoneAssigned  ZoneState = "assigned"  // in exactly one zone
	ZoneUncovered ZoneState = "uncovered" // in no zone
	ZoneOverlap   ZoneState = "overlap"   // in several zones (assigned to the first by code)
)

// Name is the state's name.
func (s ZoneState) Name() i18n.Text {
	switch s {
	case ZonePending:
		return i18n.T("待划片", "not yet assigned")
	case ZoneAssigned:
		return i18n.T("已划片", "assigned")
	case ZoneUncovered:
		return i18n.T("不在任何片区", "in no zone")
	case ZoneOverlap:
		return i18n.T("位于多个片区", "in several zones")
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}

// Applicant is a child applying for a place in grade 1 or 7. Name, IDNumber
// and Address are decrypted; pages show them masked unless revealed.
type Applicant struct {
	ID          int64
	Year, Grade int
	County      string
	Number      string
	Name        string
	IDNumber    string
	Address     string
	Lng, Lat    float64
	Prefs       []string
	ZoneID      int64
	ZoneCode    string
	ZoneState   ZoneState
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ApplicantInput is what an applicant is registered with.
type ApplicantInput struct {
	Year, Grade int
	County      string
	Name        string
	IDNumber    string
	Address     string
	Lng, Lat    float64
	Prefs       []string
}

// China's extent, roughly: a registered address outside it is a typing mistake.
const (
	minLng, maxLng = 73.0, 136.0
	minLat, maxLat = 3.0, 54.0
)

func (o *Office) ring() (*pii.Keyring, error) {
	if o.Keyring == nil {
		return nil, fault.New(fault.Unavailable, "未配置个人信息加密密钥，不能处理申请人信息", "no key for personal data is configured: applicants cannot be handled")
	}
	return o.Keyring, nil
}

// checkApplicant validates and normalises one applicant; field names are
// prefixed with prefix ("" for a form, "row 12: " style for files).
func (o *Office) checkApplicant(ctx context.Context, q db.Querier, by Actor, in *ApplicantInput, v *fault.Validation, prefix string, counties map[string]area.Area) {
	f := func(name string) string { return prefix + name }
	checkYear(v, f("year"), in.Year)
	checkGrade(v, f("grade"), in.Grade, GradePrimary, GradeJunior)
	in.Name = strings.TrimSpace(in.Name)
	if n := len([]rune(in.Name)); n == 0 || n > 50 {
		v.Add(f("name"), "请填写姓名（最多 50 字）", "the name is required (at most 50 characters)")
	}
	in.IDNumber = idno.Normalize(in.IDNumber)
	if in.IDNumber == "" {
		v.Add(f("id_number"), "请填写居民身份证号码", "the resident ID number is required")
	} else if _, err := idno.ParseResidentID(in.IDNumber, o.now()); err != nil {
		v.AddText(f("id_number"), fault.As(err).Msg)
	}
	in.Address = strings.TrimSpace(in.Address)
	if len([]rune(in.Address)) > 200 {
		v.Add(f("address"), "地址最多 200 字", "the address has at most 200 characters")
	}
	if math.IsNaN(in.Lng) || in.Lng < minLng || in.Lng > maxLng {
		v.Add(f("lng"), "经度 %g 不在中国境内（%g–%g）", "longitude %g is not in China (%g–%g)", in.Lng, minLng, maxLng)
	}
	if math.IsNaN(in.Lat) || in.Lat < minLat || in.Lat > maxLat {
		v.Add(f("lat"), "纬度 %g 不在中国境内（%g–%g）", "latitude %g is not in China (%g–%g)", in.Lat, minLat, maxLat)
	}
	in.County = strings.TrimSpace(in.County)
	a, known := counties[in.County]
	var err error
	if !known {
		if a, err = area.Get(ctx, q, in.County); err == nil {
			counties[in.County] = a
		}
	}
	switch {
	case err != nil && fault.KindOf(err) != fault.NotFound:
		v.AddText(f("county"), fault.As(err).Msg)
	case err != nil || a.Level != area.County:
		v.Add(f("county"), "县区 %q 不在本辖区内", "county %q is not in this jurisdiction", in.County)
	case !by.Scope.Reaches(in.County, ""):
		v.Add(f("county"), "县区 %s 不在您的范围内", "county %s is outside your scope", in.County)
	}
	var prefs []string
	for _, p := range in.Prefs {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if slices.Contains(prefs, p) {
			v.Add(f("prefs"), "志愿学校 %s 填了两次", "school %s is listed twice", p)
			continue
		}
		prefs = append(prefs, p)
	}
	if len(prefs) > 20 {
		v.Add(f("prefs"), "志愿学校最多 20 所", "at most 20 schools may be listed")
	}
	in.Prefs = prefs
}

// sealed is an applicant's personal data encrypted, with its indexes.
type sealed struct {
	name, nameIdx, id, idIdx, address, point string
}

// seal encrypts an applicant's personal data; idIndex, when not "", is the
// ID number's blind index already known (from the student registry).
func (o *Office) seal(in ApplicantInput, idIndex string) (sealed, error) {
	ring, err := o.ring()
	if err != nil {
		return sealed{}, err
	}
	var s sealed
	enc := func(dst *string, v, aad string) {
		if err == nil {
			*dst, err = ring.Encrypt(v, aad)
		}
	}
	enc(&s.name, in.Name, aadName)
	enc(&s.id, in.IDNumber, aadID)
	enc(&s.address, in.Address, aadAddress)
	enc(&s.point, formatPoint(in.Lng, in.Lat), aadPoint)
	s.nameIdx = ring.Index(pii.IndexName, in.Name)
	s.idIdx = idIndex
	if s.idIdx == "" {
		s.idIdx = ring.Index(pii.IndexIDNumber, in.IDNumber)
	}
	return s, err
}

func formatPoint(lng, lat float64) string {
	return strconv.FormatFloat(lng, 'f', 7, 64) + "," + strconv.FormatFloat(lat, 'f', 7, 64)
}

func parsePoint(s string) (float64, float64, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, false
	}
	lng, err1 := strconv.ParseFloat(a, 64)
	lat, err2 := strconv.ParseFloat(b, 64)
	return lng, lat, err1 == nil && err2 == nil
}

// layerIndex is the spatial index of a year's zones for a grade, with the
// zones' ids and codes in index order.
type layerIndex struct {
	ix    *catchment.Index
	ids   []int64
	codes []string
}

func (o *Office) layerIndex(ctx context.Context, year, grade int) (*layerIndex, error) {
	pg, err := o.Zones(ctx, scope.Everything, ZoneFilter{Year: year, Grade: grade, PerPage: -1})
	if err != nil {
		return nil, err
	}
	l := &layerIndex{}
	zones := make([]catchment.Zone, len(pg.Items))
	for i, z := range pg.Items {
		zones[i] = z.core()
		l.ids = append(l.ids, z.ID)
		l.codes = append(l.codes, z.Code)
	}
	l.ix = catchment.NewIndex(zones)
	return l, nil
}

// locate finds a point's zone: its id and code (0, "" when none) and state.
func (l *layerIndex) locate(lng, lat float64) (int64, string, ZoneState) {
	hits := l.ix.Locate(lng, lat)
	switch len(hits) {
	case 0:
		return 0, "", ZoneUncovered
	case 1:
		return l.ids[hits[0]], l.codes[hits[0]], ZoneAssigned
	}
	return l.ids[hits[0]], l.codes[hits[0]], ZoneOverlap
}

// nextNumbers reserves n application numbers for a county's year and grade:
// 2026-1-430405-00001 and on.
func nextNumbers(ctx context.Context, q db.Querier, year, grade int, county string, n int) ([]string, error) {
	prefix := fmt.Sprintf("%d-%d-%s-", year, grade, county)
	var last string
	err := q.QueryRowContext(ctx, `SELECT number FROM admission_applicant WHERE county_code = $1 AND year = $2 AND grade = $3
		ORDER BY number DESC LIMIT 1`, county, year, grade).Scan(&last)
	if err != nil && !db.IsNoRows(err) {
		return nil, fmt.Errorf("next application number: %w", err)
	}
	seq := 0
	if strings.HasPrefix(last, prefix) {
		seq, _ = strconv.Atoi(strings.TrimPrefix(last, prefix))
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%05d", prefix, seq+i+1)
	}
	return out, nil
}

// AddApplicants registers children in one transaction: all or none. Each is
// checked (a problem names the applicant's position, from 1, and the
// field), given an application number, and assigned to the zone its point
// lies in. The audit log gets one entry per applicant, or one for the whole
// load when there are more than 20.
func (o *Office) AddApplicants(ctx context.Context, by Actor, ins []ApplicantInput) ([]Applicant, error) {
	if err := by.mayRun(); err != nil {
		return nil, err
	}
	if _, err := o.ring(); err != nil {
		return nil, err
	}
	var v fault.Validation
	counties := map[string]area.Area{}
	for i := range ins {
		prefix := ""
		if len(ins) > 1 {
			prefix = fmt.Sprintf("applicants[%d].", i+1)
		}
		o.checkApplicant(ctx, o.DB, by, &ins[i], &v, prefix, counties)
		if len(v.Fields) > 50 {
			break
		}
	}
	// The same child twice in the list is named here; against the database,
	// the unique key decides.
	first := map[string]int{}
	for i, in := range ins {
		k := fmt.Sprintf("%s/%d/%d/%s", in.County, in.Year, in.Grade, idno.Normalize(in.IDNumber))
		if j, dup := first[k]; dup && len(v.Fields) <= 50 {
			v.Add(fmt.Sprintf("applicants[%d].id_number", i+1), "与第 %d 份申请的身份证号码相同", "the same ID number as application %d", j+1)
		}
		first[k] = i
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return o.insertApplicants(ctx, by, ins, nil, func(tx db.Tx, out []Applicant) error {
		if len(out) > 20 {
			return o.record(ctx, tx, by, "admission.applicant.create_many", "admission_applicant", "", fmt.Sprintf("%d applicants", len(out)), nil)
		}
		for _, a := range out {
			if err := o.record(ctx, tx, by, "admission.applicant.create", "admission_applicant", strconv.FormatInt(a.ID, 10), a.Number,
				[]audit.Change{{Field: "name", After: pii.MaskName(a.Name)}, {Field: "id_number", After: pii.MaskID(a.IDNumber)},
					{Field: "zone", After: a.ZoneCode}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertApplicants writes checked applicants in one transaction: each
// sealed (idIndexes, when not nil, are their ID numbers' blind indexes,
// already known), given an application number and assigned to the zone its
// point lies in; record writes the audit entries in the same transaction.
func (o *Office) insertApplicants(ctx context.Context, by Actor, ins []ApplicantInput, idIndexes []string,
	record func(tx db.Tx, out []Applicant) error) ([]Applicant, error) {
	// Zones per layer, built once.
	layers := map[[2]int]*layerIndex{}
	for _, in := range ins {
		k := [2]int{in.Year, in.Grade}
		if layers[k] == nil {
			l, err := o.layerIndex(ctx, in.Year, in.Grade)
			if err != nil {
				return nil, err
			}
			layers[k] = l
		}
	}
	// Encryption and blind indexes are the bulk of the work: done on every
	// core before the transaction.
	seals := make([]sealed, len(ins))
	var sealErr error
	var once sync.Once
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), max(1, len(ins)/512))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ins); i += workers {
				idIndex := ""
				if idIndexes != nil {
					idIndex = idIndexes[i]
				}
				s, err := o.seal(ins[i], idIndex)
				if err != nil {
					once.Do(func() { sealErr = err })
					return
				}
				seals[i] = s
			}
		})
	}
	wg.Wait()
	if sealErr != nil {
		return nil, sealErr
	}
	out := make([]Applicant, len(ins))
	err := o.DB.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		// Numbers per county, year and grade, reserved in one go.
		type key struct {
			year, grade int
			county      string
		}
		need := map[key]int{}
		for _, in := range ins {
			need[key{in.Year, in.Grade, in.County}]++
		}
		numbers := map[key][]string{}
		for k, n := range need {
			ns, err := nextNumbers(ctx, tx, k.year, k.grade, k.county, n)
			if err != nil {
				return err
			}
			numbers[k] = ns
		}
		now := o.now()
		b := newBulk(copy, "admission_applicant", "id", "year", "grade", "county_code", "number", "name", "name_index", "id_number", "id_index",
			"address", "point", "prefs", "zone_id", "zone_code", "zone_state", "version", "created_at", "updated_at")
		for i, in := range ins {
			s := seals[i]
			k := key{in.Year, in.Grade, in.County}
			number := numbers[k][0]
			numbers[k] = numbers[k][1:]
			zid, zcode, state := layers[[2]int{in.Year, in.Grade}].locate(in.Lng, in.Lat)
			var zoneID any
			if zid != 0 {
				zoneID = zid
			}
			id := db.NewID()
			if err := b.add(ctx, id, in.Year, in.Grade, in.County, number, s.name, s.nameIdx, s.id, s.idIdx, s.address, s.point,
				strings.Join(in.Prefs, "|"), zoneID, zcode, state, 1, now, now); err != nil {
				return uniqueApplicant(err, len(ins) == 1, in)
			}
			out[i] = Applicant{ID: id, Year: in.Year, Grade: in.Grade, County: in.County, Number: number, Name: in.Name,
				IDNumber: in.IDNumber, Address: in.Address, Lng: in.Lng, Lat: in.Lat, Prefs: in.Prefs, ZoneID: zid, ZoneCode: zcode,
				ZoneState: state, Version: 1, CreatedAt: now, UpdatedAt: now}
		}
		if err := b.flush(ctx); err != nil {
			return uniqueApplicant(err, len(ins) == 1, ins[0])
		}
		return record(tx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ImportApplicants reads children from a CSV file with the columns name,
// id_number, county, address, lng, lat and optionally prefs (school codes
// separated by '|') for a year and grade, and registers them all or none.
// A problem names the file's row and column.
func (o *Office) ImportApplicants(ctx context.Context, by Actor, year, grade int, r io.Reader, file string) (int, error) {
	recs, lines, err := admission.ReadColumns(r, file, []string{"name", "id_number", "county", "address", "lng", "lat"}, []string{"prefs"})
	if err != nil {
		return 0, err
	}
	ins := make([]ApplicantInput, len(recs))
	for i, rec := range recs {
		in := ApplicantInput{Year: year, Grade: grade, Name: rec[0], IDNumber: rec[1], County: rec[2], Address: rec[3]}
		var ok1, ok2 bool
		in.Lng, ok1 = parseFloat(rec[4])
		in.Lat, ok2 = parseFloat(rec[5])
		switch {
		case !ok1:
			return 0, &admission.CSVError{File: file, Row: lines[i], Column: "lng", Msg: i18n.T("“%s”不是数字", "%q is not a number", rec[4])}
		case !ok2:
			return 0, &admission.CSVError{File: file, Row: lines[i], Column: "lat", Msg: i18n.T("“%s”不是数字", "%q is not a number", rec[5])}
		}
		if rec[6] != "" {
			in.Prefs = strings.Split(rec[6], "|")
		}
		ins[i] = in
	}
	if len(ins) == 0 {
		return 0, &admission.CSVError{File: file, Row: 1, Msg: i18n.T("文件没有数据行", "the file has no data rows")}
	}
	if _, err := o.AddApplicants(ctx, by, ins); err != nil {
		// Name the file's row rather than the position in the list.
		fe := fault.As(err)
		for _, f := range fe.Fields {
			var n int
			var col string
			if _, e := fmt.Sscanf(f.Field, "applicants[%d].%s", &n, &col); e == nil && n >= 1 && n <= len(lines) {
				return 0, &admission.CSVError{File: file, Row: lines[n-1], Column: col, Msg: f.Msg}
			}
		}
		return 0, err
	}
	return len(ins), nil
}

func parseFloat(s string) (float64, bool) {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return x, err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
}

// AssignReport says what an assignment found.
type AssignReport struct {
	Applicants, Assigned, Uncovered, InSeveral, Changed int
}

// AssignApplicants places every child of a year and grade in the actor's
// scope in the zone their registered address lies in (catchment.Assign over
// the layer's spatial index); a point in several zones goes to the first by
// zone code and is reported, a point in none is reported. Only the rows that
// change are written.
func (o *Office) AssignApplicants(ctx context.Context, by Actor, year, grade int) (AssignReport, error) {
	if err := by.mayRun(); err != nil {
		return AssignReport{}, err
	}
	ring, err := o.ring()
	if err != nil {
		return AssignReport{}, err
	}
	var v fault.Validation
	checkYear(&v, "year", year)
	checkGrade(&v, "grade", grade, GradePrimary, GradeJunior)
	if err := v.Err(); err != nil {
		return AssignReport{}, err
	}
	l, err := o.layerIndex(ctx, year, grade)
	if err != nil {
		return AssignReport{}, err
	}
	cond, args := viaZones(by.Scope, "county_code", "", "zone_id", []any{year, grade})
	rows, err := o.DB.QueryContext(ctx, `SELECT id, point, zone_id, zone_state FROM admission_applicant WHERE year = $1 AND grade = $2 AND `+cond+
		` ORDER BY id`, args...)
	if err != nil {
		return AssignReport{}, fmt.Errorf("read applicants: %w", err)
	}
	type cur struct {
		zone  int64
		state ZoneState
	}
	var pts []catchment.Point
	var was []cur
	for rows.Next() {
		var id int64
		var enc string
		var zone *int64
		var state ZoneState
		if err := rows.Scan(&id, &enc, &zone, &state); err != nil {
			rows.Close()
			return AssignReport{}, err
		}
		plain, err := ring.Decrypt(enc, aadPoint)
		if err != nil {
			rows.Close()
			return AssignReport{}, err
		}
		lng, lat, ok := parsePoint(plain)
		if !ok {
			rows.Close()
			return AssignReport{}, fault.Wrap(fmt.Errorf("applicant %d: stored point %q", id, plain), "assign applicants")
		}
		c := cur{state: state}
		if zone != nil {
			c.zone = *zone
		}
		pts = append(pts, catchment.Point{ID: id, Lng: lng, Lat: lat})
		was = append(was, c)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return AssignReport{}, err
	}
	a := catchment.Assign(l.ix, pts)
	multi := map[int]bool{}
	for _, m := range a.Overlapping {
		multi[m.Index] = true
	}
	rep := AssignReport{Applicants: len(pts), Uncovered: len(a.Uncovered), InSeveral: len(a.Overlapping)}
	rep.Assigned = rep.Applicants - rep.Uncovered
	// Group the changes by their new (zone, state): one UPDATE per group and chunk.
	type target struct {
		zone  int
		state ZoneState
	}
	groups := map[target][]int64{}
	for i, p := range pts {
		t := target{zone: a.Zone[i], state: ZoneAssigned}
		switch {
		case a.Zone[i] == catchment.Uncovered:
			t.state = ZoneUncovered
		case multi[i]:
			t.state = ZoneOverlap
		}
		var zid int64
		if t.zone >= 0 {
			zid = l.ids[t.zone]
		}
		if was[i].zone == zid && was[i].state == t.state {
			continue
		}
		groups[t] = append(groups[t], p.ID)
		rep.Changed++
	}
	err = o.DB.InTx(ctx, func(tx db.Tx) error {
		now := o.now()
		for t, ids := range groups {
			var zone any
			code := ""
			if t.zone >= 0 {
				zone, code = l.ids[t.zone], l.codes[t.zone]
			}
			for from := 0; from < len(ids); from += 500 {
				chunk := ids[from:min(len(ids), from+500)]
				list := make([]string, len(chunk))
				for i, id := range chunk {
					list[i] = strconv.FormatInt(id, 10)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE admission_applicant SET zone_id = $1, zone_code = $2, zone_state = $3, updated_at = $4
					WHERE id IN (`+strings.Join(list, ",")+`)`, zone, code, t.state, now); err != nil {
					return fmt.Errorf("assign applicants: %w", err)
				}
			}
		}
		return o.record(ctx, tx, by, "admission.zone.assign", "catchment_zone", fmt.Sprintf("%d/%d", year, grade), fmt.Sprintf(
			"%d applicants: %d in a zone, %d in none, %d in several; %d changed", rep.Applicants, rep.Assigned, rep.Uncovered, rep.InSeveral, rep.Changed), nil)
	})
	if err != nil {
		return AssignReport{}, err
	}
	return rep, nil
}

const applicantColumns = `a.id, a.year, a.grade, a.county_code, a.number, a.name, a.id_number, a.address, a.point, a.prefs,
	a.zone_id, a.zone_code, a.zone_state, a.version, a.created_at, a.updated_at`

func (o *Office) scanApplicant(r interface{ Scan(...any) error }, full bool) (Applicant, error) {
	var a Applicant
	var name, id, address, point, prefs string
	var zone *int64
	if err := r.Scan(&a.ID, &a.Year, &a.Grade, &a.County, &a.Number, &name, &id, &address, &point, &prefs, &zone,
		&a.ZoneCode, &a.ZoneState, &a.Version, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if zone != nil {
		a.ZoneID = *zone
	}
	if prefs != "" {
		a.Prefs = strings.Split(prefs, "|")
	}
	ring, err := o.ring()
	if err != nil {
		return a, err
	}
	if a.Name, err = ring.Decrypt(name, aadName); err != nil {
		return a, err
	}
	if a.IDNumber, err = ring.Decrypt(id, aadID); err != nil {
		return a, err
	}
	if full {
		if a.Address, err = ring.Decrypt(address, aadAddress); err != nil {
			return a, err
		}
		p, err := ring.Decrypt(point, aadPoint)
		if err != nil {
			return a, err
		}
		a.Lng, a.Lat, _ = parsePoint(p)
	}
	return a, nil
}

// ApplicantFilter selects applicants.
type ApplicantFilter struct {
	Year, Grade int
	County      string
	Zone        int64
	State       ZoneState
	Number      string // an application number, exactly
	IDNumber    string // an ID number, exactly (by its blind index)
	Name        string // a name, exactly (by its blind index)
	Page        int
	PerPage     int
}

// ApplicantPage is a page of applicants.
type ApplicantPage struct {
	Items         []Applicant
	Total         int
	Page, PerPage int
}

func (o *Office) applicantWhere(sc scope.Scope, f ApplicantFilter) (string, []any, error) {
	var v fault.Validation
	checkYear(&v, "year", f.Year)
	checkGrade(&v, "grade", f.Grade, GradePrimary, GradeJunior)
	switch f.State {
	case "", ZonePending, ZoneAssigned, ZoneUncovered, ZoneOverlap:
	default:
		v.Add("state", "状态 %q 无效", "unknown state %q", f.State)
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	args := []any{f.Year, f.Grade}
	conds := []string{"a.year = $1", "a.grade = $2"}
	add := condAdder(&conds, &args)
	if f.County != "" {
		lo, hi := area.Range(f.County)
		add("a.county_code >= ?", lo)
		add("a.county_code < ?", hi)
	}
	if f.Zone != 0 {
		add("a.zone_id = ?", f.Zone)
	}
	if f.State != "" {
		add("a.zone_state = ?", f.State)
	}
	if s := strings.TrimSpace(f.Number); s != "" {
		add("a.number = ?", s)
	}
	if f.IDNumber != "" || f.Name != "" {
		ring, err := o.ring()
		if err != nil {
			return "", nil, err
		}
		if f.IDNumber != "" {
			add("a.id_index = ?", ring.Index(pii.IndexIDNumber, f.IDNumber))
		}
		if f.Name != "" {
			add("a.name_index = ?", ring.Index(pii.IndexName, f.Name))
		}
	}
	cond, args := viaZones(sc, "a.county_code", "", "a.zone_id", args)
	conds = append(conds, cond)
	return strings.Join(conds, " AND "), args, nil
}

// Applicants lists applicants in sc by application number.
func (o *Office) Applicants(ctx context.Context, sc scope.Scope, f ApplicantFilter) (ApplicantPage, error) {
	w, args, err := o.applicantWhere(sc, f)
	if err != nil {
		return ApplicantPage{}, err
	}
	pg := ApplicantPage{}
	pg.Page, pg.PerPage = pageOf(f.Page, f.PerPage)
	if err := o.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM admission_applicant a WHERE `+w, args...).Scan(&pg.Total); err != nil {
		return ApplicantPage{}, fmt.Errorf("count applicants: %w", err)
	}
	err = o.eachApplicant(ctx, `SELECT `+applicantColumns+` FROM admission_applicant a WHERE `+w+` ORDER BY a.number`+limit(pg.Page, pg.PerPage),
		args, false, func(a Applicant) error { pg.Items = append(pg.Items, a); return nil })
	return pg, err
}

// EachApplicant calls fn for every applicant in sc matching f (exports).
func (o *Office) EachApplicant(ctx context.Context, sc scope.Scope, f ApplicantFilter, fn func(Applicant) error) error {
	w, args, err := o.applicantWhere(sc, f)
	if err != nil {
		return err
	}
	return o.eachApplicant(ctx, `SELECT `+applicantColumns+` FROM admission_applicant a WHERE `+w+` ORDER BY a.number`, args, false, fn)
}

func (o *Office) eachApplicant(ctx context.Context, q string, args []any, full bool, fn func(Applicant) error) error {
	rows, err := o.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list applicants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := o.scanApplicant(rows, full)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Applicant returns one applicant in sc (address and point included).
func (o *Office) Applicant(ctx context.Context, sc scope.Scope, id int64) (Applicant, error) {
	cond, args := viaZones(sc, "a.county_code", "", "a.zone_id", []any{id})
	var out *Applicant
	err := o.eachApplicant(ctx, `SELECT `+applicantColumns+` FROM admission_applicant a WHERE a.id = $1 AND `+cond, args, true,
		func(a Applicant) error { out = &a; return nil })
	if err != nil {
		return Applicant{}, err
	}
	if out == nil {
		return Applicant{}, notFound(i18n.T("申请人", "applicant"), id)
	}
	return *out, nil
}

// RevealApplicant returns an applicant for a person allowed to see the
// unmasked personal data, who gives a reason; the view is audited.
func (o *Office) RevealApplicant(ctx context.Context, by Actor, id int64, reason string) (Applicant, error) {
	if !by.can(auth.AdmissionPII) {
		return Applicant{}, fault.New(fault.Forbidden, "您没有查看完整个人信息的权限", "you may not see full personal data")
	}
	a, err := o.Applicant(ctx, by.Scope, id)
	if err != nil {
		return Applicant{}, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 2 || n > 200 {
		var v fault.Validation
		v.Add("reason", "请说明查看理由（2–200 字）", "give the reason for looking (2–200 characters)")
		return Applicant{}, v.Err()
	}
	err = o.Audit.Append(ctx, audit.Entry{Action: "admission.applicant.view_pii", Outcome: audit.OK, RecordType: "admission_applicant",
		RecordID: strconv.FormatInt(id, 10), Detail: reason}.ByActor(by.Actor))
	if err != nil {
		return Applicant{}, err
	}
	return a, nil
}

// ApplicantByNumber finds an applicant of a year and grade by application
// number, in any county (lotteries of private schools take children from
// the whole city); only its id and county are returned.
func (o *Office) applicantByNumber(ctx context.Context, q db.Querier, year, grade int, number string) (int64, string, []string, error) {
	var id int64
	var county, prefs string
	// The number carries its county (2026-1-430405-00123): the lookup is one
	// read of the unique key (county, year, number).
	parts := strings.Split(number, "-")
	if len(parts) != 4 {
		return 0, "", nil, sql.ErrNoRows
	}
	err := q.QueryRowContext(ctx, `SELECT id, county_code, prefs FROM admission_applicant WHERE county_code = $1 AND year = $2 AND number = $3 AND grade = $4`,
		parts[2], year, number, grade).Scan(&id, &county, &prefs)
	if err != nil {
		return 0, "", nil, err
	}
	var ps []string
	if prefs != "" {
		ps = strings.Split(prefs, "|")
	}
	return id, county, ps, nil
}

// uniqueApplicant turns a unique-key violation into the conflict it is: an
// ID number already registered for the year and grade (named when the
// insert held one applicant).
func uniqueApplicant(err error, one bool, in ApplicantInput) error {
	if !db.IsUniqueViolation(err) {
		return err
	}
	var v fault.Validation
	if one {
		v.AddText("id_number", tt("该身份证号码已在 %d 年%s登记", []any{in.Year, GradeName(in.Grade).ZH}, "this ID number is already registered for %d, %s", []any{in.Year, GradeName(in.Grade).EN}))
	} else {
		v.Add("applicants", "其中有身份证号码已在该年级登记过", "an ID number in the list is already registered for the year and grade")
	}
	e := v.Err().(*fault.Error)
	e.Kind = fault.Conflict
	return e
}
