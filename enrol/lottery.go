package enrol

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"edubureau/admission"
	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

// LotteryKind is what a lottery is for.
type LotteryKind string

const (
	LotterySchool LotteryKind = "school" // an oversubscribed private school (公民同招)
	LotteryZone   LotteryKind = "zone"   // a multi-school zone (多校划片)
)

// Name is the kind's name.
func (k LotteryKind) Name() i18n.Text {
	if k == LotteryZone {
		return i18n.T("多校划片", "Multi-school zone")
	}
	return i18n.T("民办学校", "Private school")
}

// LotteryState is where a lottery stands.
type LotteryState string

const (
	LotteryOpen      LotteryState = "open"      // taking applications
	LotteryFrozen    LotteryState = "frozen"    // the list is fixed and its SHA-256 published
	LotterySeeded    LotteryState = "seeded"    // the seed is announced
	LotteryDrawn     LotteryState = "drawn"     // the results are recorded and public, for good
	LotteryCancelled LotteryState = "cancelled" // called off before the draw
)

// Name is the state's name.
func (s LotteryState) Name() i18n.Text {
	switch s {
	case LotteryOpen:
		return i18n.T("报名中", "Taking applications")
	case LotteryFrozen:
		return i18n.T("名单已锁定", "List frozen")
	case LotterySeeded:
		return i18n.T("种子已公布", "Seed announced")
	case LotteryDrawn:
		return i18n.T("已摇号", "Drawn")
	case LotteryCancelled:
		return i18n.T("已取消", "Cancelled")
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}

// Lottery is one computer lottery.
type Lottery struct {
	ID            int64
	Year, Grade   int
	Kind          LotteryKind
	School        string // kind school
	SchoolName    string
	ZoneID        int64 // kind zone
	ZoneCode      string
	County        string
	Title         string
	Places        int
	Schools       []admission.ZoneSchool // kind zone: fixed when frozen
	State         LotteryState
	Entries       int
	ListDigest    string
	FrozenAt      time.Time
	FrozenBy      string
	Seed          string
	SeedAt        time.Time
	SeedBy        string
	DrawnAt       time.Time
	DrawnBy       string
	ResultsDigest string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Oversubscribed reports whether more applied than there are places.
func (l Lottery) Oversubscribed() bool { return l.Entries > l.Places }

// LotteryInput is what a lottery is opened with.
type LotteryInput struct {
	Year, Grade int
	Kind        LotteryKind
	School      string
	ZoneID      int64
	Places      int // kind school; a zone's places come from its schools' plans when frozen
	Title       string
}

// CreateLottery opens a lottery: for a private school teaching the grade,
// or for a zone, in the actor's scope.
func (o *Office) CreateLottery(ctx context.Context, by Actor, in LotteryInput) (Lottery, error) {
	if err := by.mayRun(); err != nil {
		return Lottery{}, err
	}
	var v fault.Validation
	checkYear(&v, "year", in.Year)
	checkGrade(&v, "grade", in.Grade, GradePrimary, GradeJunior)
	in.Title = strings.TrimSpace(in.Title)
	if len([]rune(in.Title)) > 100 {
		v.Add("title", "标题最多 100 字", "the title has at most 100 characters")
	}
	l := Lottery{Year: in.Year, Grade: in.Grade, Kind: in.Kind, Title: in.Title, State: LotteryOpen}
	switch in.Kind {
	case LotterySchool:
		if in.Places < 0 || in.Places > 100000 {
			v.Add("places", "名额数 %d 应为 0–100000", "places %d must be from 0 to 100000", in.Places)
		}
		s, err := o.school(ctx, o.DB, by.Scope, strings.TrimSpace(in.School))
		switch {
		case fault.KindOf(err) == fault.NotFound:
			v.Add("school", "学校 %s 不存在或不在您的范围内", "school %s does not exist or is outside your scope", in.School)
		case err != nil:
			return Lottery{}, err
		case s.Ownership != school.Private:
			v.Add("school", "%s 是公办学校：电脑随机录取用于民办学校和多校划片", "%s is public: lotteries are for private schools and multi-school zones", s.Name)
		case v.Err() == nil && !s.teaches(in.Grade):
			v.AddText("school", tt("%s 不招收%s新生", []any{s.Name, GradeName(in.Grade).ZH}, "%s does not admit %s", []any{s.Name, GradeName(in.Grade).EN}))
		default:
			l.School, l.SchoolName, l.County, l.Places = s.Code, s.Name, s.County, in.Places
			if l.Title == "" {
				l.Title = fmt.Sprintf("%s %d年%s电脑随机录取", s.Name, in.Year, GradeName(in.Grade).ZH)
			}
		}
	case LotteryZone:
		z, err := o.Zone(ctx, by.Scope, in.ZoneID)
		switch {
		case fault.KindOf(err) == fault.NotFound:
			v.Add("zone", "片区不存在或不在您的范围内", "the zone does not exist or is outside your scope")
		case err != nil:
			return Lottery{}, err
		case z.Year != in.Year || z.Grade != in.Grade:
			v.AddText("zone", tt("片区 %s 属于 %d 年%s", []any{z.Code, z.Year, GradeName(z.Grade).ZH}, "zone %s belongs to %d, %s", []any{z.Code, z.Year, GradeName(z.Grade).EN}))
		default:
			l.ZoneID, l.ZoneCode, l.County = z.ID, z.Code, z.County
			if l.Title == "" {
				l.Title = fmt.Sprintf("%s %s %d年%s多校划片电脑随机派位", z.Code, z.Name, in.Year, GradeName(in.Grade).ZH)
			}
		}
	default:
		v.Add("kind", "摇号类型 %q 无效，应为 school 或 zone", "lottery kind %q is not school or zone", in.Kind)
	}
	if err := v.Err(); err != nil {
		return Lottery{}, err
	}
	l.ID = db.NewID()
	err := o.DB.InTx(ctx, func(tx db.Tx) error {
		now := o.now()
		var schoolCode, zoneID any
		if l.School != "" {
			schoolCode = l.School
		}
		if l.ZoneID != 0 {
			zoneID = l.ZoneID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO admission_lottery (id, year, grade, kind, school_code, zone_id, county_code, title,
			places, state, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', 1, $10, $10)`,
			l.ID, l.Year, l.Grade, l.Kind, schoolCode, zoneID, l.County, l.Title, l.Places, now); err != nil {
			return fmt.Errorf("insert lottery: %w", err)
		}
		return o.record(ctx, tx, by, "admission.lottery.create", "admission_lottery", strconv.FormatInt(l.ID, 10), l.Title,
			[]audit.Change{{Field: "kind", After: string(l.Kind)}, {Field: "places", After: strconv.Itoa(l.Places)}})
	})
	if err != nil {
		return Lottery{}, err
	}
	return o.Lottery(ctx, scope.Everything, l.ID)
}

const lotteryColumns = `l.id, l.year, l.grade, l.kind, COALESCE(l.school_code, ''), COALESCE(s.name, ''), COALESCE(l.zone_id, 0),
	COALESCE(z.code, ''), l.county_code, l.title, l.places, l.schools, l.state, l.entries, l.list_digest, l.frozen_at, l.frozen_by,
	l.seed, l.seed_at, l.seed_by, l.drawn_at, l.drawn_by, l.results_digest, l.version, l.created_at, l.updated_at`

const lotteryFrom = ` FROM admission_lottery l LEFT JOIN school s ON s.code = l.school_code LEFT JOIN catchment_zone z ON z.id = l.zone_id`

func scanLottery(r interface{ Scan(...any) error }) (Lottery, error) {
	var l Lottery
	var schools string
	var frozen, seeded, drawn sql.NullTime
	err := r.Scan(&l.ID, &l.Year, &l.Grade, &l.Kind, &l.School, &l.SchoolName, &l.ZoneID, &l.ZoneCode, &l.County, &l.Title,
		&l.Places, &schools, &l.State, &l.Entries, &l.ListDigest, &frozen, &l.FrozenBy, &l.Seed, &seeded, &l.SeedBy,
		&drawn, &l.DrawnBy, &l.ResultsDigest, &l.Version, &l.CreatedAt, &l.UpdatedAt)
	if err != nil {
		return l, err
	}
	l.FrozenAt, l.SeedAt, l.DrawnAt = utc(frozen), utc(seeded), utc(drawn)
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	l.Schools = parseZoneSchools(schools)
	return l, nil
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func formatZoneSchools(zs []admission.ZoneSchool) string {
	parts := make([]string, len(zs))
	for i, s := range zs {
		parts[i] = s.School + ":" + strconv.Itoa(s.Places)
	}
	return strings.Join(parts, "|")
}

func parseZoneSchools(s string) []admission.ZoneSchool {
	if s == "" {
		return nil
	}
	var out []admission.ZoneSchool
	for _, part := range strings.Split(s, "|") {
		code, n, _ := strings.Cut(part, ":")
		places, _ := strconv.Atoi(n)
		out = append(out, admission.ZoneSchool{School: code, Places: places})
	}
	return out
}

// Lottery returns one lottery within sc.
func (o *Office) Lottery(ctx context.Context, sc scope.Scope, id int64) (Lottery, error) {
	return o.lottery(ctx, o.DB, sc, id)
}

func (o *Office) lottery(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Lottery, error) {
	cond, args := viaZones(sc, "l.county_code", "l.school_code", "l.zone_id", []any{id})
	l, err := scanLottery(q.QueryRowContext(ctx, `SELECT `+lotteryColumns+lotteryFrom+` WHERE l.id = $1 AND `+cond, args...))
	if db.IsNoRows(err) {
		return Lottery{}, notFound(i18n.T("摇号", "lottery"), id)
	}
	if err != nil {
		return Lottery{}, fmt.Errorf("read lottery %d: %w", id, err)
	}
	return l, nil
}

// LotteryFilter selects lotteries.
type LotteryFilter struct {
	Year, Grade int
	State       LotteryState
	Public      bool // only what the public sees: frozen, seeded, drawn, cancelled
	Page        int
	PerPage     int
}

// LotteryPage is a page of lotteries.
type LotteryPage struct {
	Items         []Lottery
	Total         int
	Page, PerPage int
}

// Lotteries lists lotteries in sc, newest first.
func (o *Office) Lotteries(ctx context.Context, sc scope.Scope, f LotteryFilter) (LotteryPage, error) {
	var v fault.Validation
	if f.Year != 0 {
		checkYear(&v, "year", f.Year)
	}
	if f.Grade != 0 {
		checkGrade(&v, "grade", f.Grade, GradePrimary, GradeJunior)
	}
	switch f.State {
	case "", LotteryOpen, LotteryFrozen, LotterySeeded, LotteryDrawn, LotteryCancelled:
	default:
		v.Add("state", "状态 %q 无效", "unknown state %q", f.State)
	}
	if err := v.Err(); err != nil {
		return LotteryPage{}, err
	}
	var conds []string
	var args []any
	add := condAdder(&conds, &args)
	if f.Year != 0 {
		add("l.year = ?", f.Year)
	}
	if f.Grade != 0 {
		add("l.grade = ?", f.Grade)
	}
	if f.State != "" {
		add("l.state = ?", f.State)
	}
	if f.Public {
		conds = append(conds, "l.state <> 'open'")
	}
	cond, args := viaZones(sc, "l.county_code", "l.school_code", "l.zone_id", args)
	conds = append(conds, cond)
	w := strings.Join(conds, " AND ")
	pg := LotteryPage{}
	pg.Page, pg.PerPage = pageOf(f.Page, f.PerPage)
	if err := o.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM admission_lottery l WHERE `+w, args...).Scan(&pg.Total); err != nil {
		return LotteryPage{}, fmt.Errorf("count lotteries: %w", err)
	}
	rows, err := o.DB.QueryContext(ctx, `SELECT `+lotteryColumns+lotteryFrom+` WHERE `+w+` ORDER BY l.year DESC, l.created_at DESC, l.id DESC`+
		limit(pg.Page, pg.PerPage), args...)
	if err != nil {
		return LotteryPage{}, fmt.Errorf("list lotteries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		l, err := scanLottery(rows)
		if err != nil {
			return LotteryPage{}, err
		}
		pg.Items = append(pg.Items, l)
	}
	return pg, rows.Err()
}

// EntryInput is one application to a lottery: the application number and,
// in a multi-school zone, the zone's schools by preference.
type EntryInput struct {
	Ticket string
	Prefs  []string
}

// Entry is one application on a lottery's list.
type Entry struct {
	Ticket      string
	ApplicantID int64
	Prefs       []string
	AddedAt     time.Time
}

// openForEntries reads a lottery the actor may change and checks it still
// takes applications.
func (o *Office) openForEntries(ctx context.Context, tx db.Tx, by Actor, id int64) (Lottery, error) {
	l, err := o.lottery(ctx, tx, by.Scope, id)
	if err != nil {
		return Lottery{}, err
	}
	if l.State != LotteryOpen {
		return Lottery{}, faultf(fault.Conflict, "摇号名单已锁定（%s），不能再增减", []any{l.State.Name().ZH}, "the list is frozen (%s): nothing can be added or removed", []any{strings.ToLower(l.State.Name().EN)})
	}
	return l, nil
}

// zoneSchools is the zone's schools' codes, in the zone's order.
func (o *Office) zoneSchoolCodes(ctx context.Context, q db.Querier, zoneID int64) ([]string, error) {
	z, err := o.zone(ctx, q, scope.Everything, zoneID)
	if err != nil {
		return nil, err
	}
	return z.SchoolCodes(), nil
}

// AddEntries adds applications to an open lottery: each ticket must be the
// application number of a child registered for the lottery's year and
// grade, once. In a zone, the preferences must be schools of the zone; when
// none are given the child's registered preferences among them are used,
// else the zone's schools in order. Field names say which entry is at fault
// (entries[3].ticket). All or none are added.
func (o *Office) AddEntries(ctx context.Context, by Actor, id int64, in []EntryInput) (int, error) {
	if err := by.mayRun(); err != nil {
		return 0, err
	}
	added := 0
	err := o.DB.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		l, err := o.openForEntries(ctx, tx, by, id)
		if err != nil {
			return err
		}
		var zone []string
		if l.Kind == LotteryZone {
			if zone, err = o.zoneSchoolCodes(ctx, tx, l.ZoneID); err != nil {
				return err
			}
		}
		// The applicants of the year and grade by number, and the tickets on
		// the list already: read once, not per entry.
		type reg struct {
			id    int64
			prefs []string
		}
		known := map[string]reg{}
		if len(in) > 20 {
			rows, err := tx.QueryContext(ctx, `SELECT number, id, prefs FROM admission_applicant WHERE year = $1 AND grade = $2`, l.Year, l.Grade)
			if err != nil {
				return fmt.Errorf("read applicants: %w", err)
			}
			for rows.Next() {
				var n, prefs string
				var r reg
				if err := rows.Scan(&n, &r.id, &prefs); err != nil {
					rows.Close()
					return err
				}
				if prefs != "" {
					r.prefs = strings.Split(prefs, "|")
				}
				known[n] = r
			}
			rows.Close()
		}
		onList := map[string]bool{}
		es, _, err := o.entries(ctx, tx, id, 0, -1)
		if err != nil {
			return err
		}
		for _, e := range es {
			onList[e.Ticket] = true
		}
		var v fault.Validation
		seen := map[string]bool{}
		now := o.now()
		b := newBulk(copy, "admission_lottery_entry", "lottery_id", "ticket", "applicant_id", "prefs", "added_at")
		for i, e := range in {
			f := fmt.Sprintf("entries[%d].", i+1)
			e.Ticket = strings.TrimSpace(e.Ticket)
			if err := admission.CheckID(e.Ticket); err != nil {
				v.AddText(f+"ticket", err.(*admission.LotteryError).Msg)
				continue
			}
			if seen[e.Ticket] {
				v.Add(f+"ticket", "申请编号 %s 重复", "application number %s is repeated", e.Ticket)
				continue
			}
			seen[e.Ticket] = true
			var aid int64
			var registered []string
			if r, ok := known[e.Ticket]; ok {
				aid, registered, err = r.id, r.prefs, nil
			} else {
				aid, _, registered, err = o.applicantByNumber(ctx, tx, l.Year, l.Grade, e.Ticket)
			}
			if db.IsNoRows(err) {
				v.AddText(f+"ticket", tt("没有 %d 年%s的申请编号 %s", []any{l.Year, GradeName(l.Grade).ZH, e.Ticket}, "there is no application %s for %d, %s", []any{e.Ticket, l.Year, GradeName(l.Grade).EN}))
				continue
			}
			if err != nil {
				return fmt.Errorf("find applicant %s: %w", e.Ticket, err)
			}
			if onList[e.Ticket] {
				v.Add(f+"ticket", "申请编号 %s 已在名单中", "application %s is already on the list", e.Ticket)
				continue
			}
			prefs := e.Prefs
			if l.Kind == LotteryZone {
				if len(prefs) == 0 {
					for _, p := range registered {
						if slices.Contains(zone, p) {
							prefs = append(prefs, p)
						}
					}
				}
				if len(prefs) == 0 {
					prefs = zone
				}
				bad := false
				for x, p := range prefs {
					if !slices.Contains(zone, p) {
						v.Add(f+"prefs", "学校 %s 不在片区 %s 内", "school %s is not in zone %s", p, l.ZoneCode)
						bad = true
					} else if slices.Contains(prefs[:x], p) {
						v.Add(f+"prefs", "学校 %s 填了两次", "school %s is listed twice", p)
						bad = true
					}
				}
				if bad {
					continue
				}
			} else if len(prefs) > 0 {
				v.Add(f+"prefs", "民办学校摇号不填志愿学校", "a private school's lottery takes no preferences")
				continue
			}
			if len(v.Fields) > 0 {
				continue // keep checking, write nothing
			}
			if err := b.add(ctx, id, e.Ticket, aid, strings.Join(prefs, "|"), now); err != nil {
				return err
			}
			added++
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := b.flush(ctx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE admission_lottery SET entries = entries + $1, version = version + 1, updated_at = $2
			WHERE id = $3`, added, now, id); err != nil {
			return fmt.Errorf("count entries: %w", err)
		}
		return o.record(ctx, tx, by, "admission.lottery.add_entries", "admission_lottery", strconv.FormatInt(id, 10),
			fmt.Sprintf("%d added", added), nil)
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// ImportEntries reads applications from a CSV file with a column id (the
// application number; read by admission.ReadColumns, as the file mode reads
// a lottery's list) and, for a zone, an optional column prefs ('|'-separated
// school codes), and adds them all or none. A problem names the row.
func (o *Office) ImportEntries(ctx context.Context, by Actor, id int64, r io.Reader, file string) (int, error) {
	recs, lines, err := admission.ReadColumns(r, file, []string{"id"}, []string{"prefs"})
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, &admission.CSVError{File: file, Row: 1, Msg: i18n.T("文件没有数据行", "the file has no data rows")}
	}
	in := make([]EntryInput, len(recs))
	for i, rec := range recs {
		in[i] = EntryInput{Ticket: rec[0]}
		if rec[1] != "" {
			in[i].Prefs = strings.Split(rec[1], "|")
		}
	}
	n, err := o.AddEntries(ctx, by, id, in)
	if err != nil {
		fe := fault.As(err)
		for _, f := range fe.Fields {
			var k int
			var col string
			if _, e := fmt.Sscanf(f.Field, "entries[%d].%s", &k, &col); e == nil && k >= 1 && k <= len(lines) {
				if col == "ticket" {
					col = "id"
				}
				return 0, &admission.CSVError{File: file, Row: lines[k-1], Column: col, Msg: f.Msg}
			}
		}
		return 0, err
	}
	return n, nil
}

// FillFromZone adds to a zone's open lottery every child of its year and
// grade whose registered address the last assignment put in the zone (and
// who is not on the list yet), with their preferences among its schools.
func (o *Office) FillFromZone(ctx context.Context, by Actor, id int64) (int, error) {
	l, err := o.Lottery(ctx, by.Scope, id)
	if err != nil {
		return 0, err
	}
	if l.Kind != LotteryZone {
		return 0, fault.New(fault.Invalid, "只有多校划片摇号可以按片区导入", "only a zone's lottery is filled from its zone")
	}
	rows, err := o.DB.QueryContext(ctx, `SELECT a.number FROM admission_applicant a WHERE a.zone_id = $1 AND a.year = $2 AND a.grade = $3
		AND a.zone_state IN ('assigned', 'overlap')
		AND NOT EXISTS (SELECT 1 FROM admission_lottery_entry e WHERE e.lottery_id = $4 AND e.ticket = a.number) ORDER BY a.number`,
		l.ZoneID, l.Year, l.Grade, id)
	if err != nil {
		return 0, fmt.Errorf("read the zone's children: %w", err)
	}
	var in []EntryInput
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, err
		}
		in = append(in, EntryInput{Ticket: n})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return 0, err
	}
	if len(in) == 0 {
		return 0, nil
	}
	return o.AddEntries(ctx, by, id, in)
}

// RemoveEntry takes an application off an open lottery's list.
func (o *Office) RemoveEntry(ctx context.Context, by Actor, id int64, ticket string) error {
	if err := by.mayRun(); err != nil {
		return err
	}
	return o.DB.InTx(ctx, func(tx db.Tx) error {
		if _, err := o.openForEntries(ctx, tx, by, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM admission_lottery_entry WHERE lottery_id = $1 AND ticket = $2`, id, ticket)
		if err != nil {
			return fmt.Errorf("remove entry: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(i18n.T("申请", "application"), ticket)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE admission_lottery SET entries = entries - 1, version = version + 1, updated_at = $1 WHERE id = $2`,
			o.now(), id); err != nil {
			return err
		}
		return o.record(ctx, tx, by, "admission.lottery.remove_entry", "admission_lottery", strconv.FormatInt(id, 10), ticket, nil)
	})
}

// Entries lists a lottery's applications by ticket (a page; perPage -1: all).
func (o *Office) Entries(ctx context.Context, sc scope.Scope, id int64, page, perPage int) ([]Entry, int, error) {
	l, err := o.Lottery(ctx, sc, id)
	if err != nil {
		return nil, 0, err
	}
	return o.entries(ctx, o.DB, l.ID, page, perPage)
}

func (o *Office) entries(ctx context.Context, q db.Querier, id int64, page, perPage int) ([]Entry, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM admission_lottery_entry WHERE lottery_id = $1`, id).Scan(&total); err != nil {
		return nil, 0, err
	}
	sqlq := `SELECT ticket, COALESCE(applicant_id, 0), prefs, added_at FROM admission_lottery_entry WHERE lottery_id = $1 ORDER BY ticket`
	if perPage >= 0 {
		page, perPage = pageOf(page, perPage)
		sqlq += limit(page, perPage)
	}
	rows, err := q.QueryContext(ctx, sqlq, id)
	if err != nil {
		return nil, 0, fmt.Errorf("read entries: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var prefs string
		if err := rows.Scan(&e.Ticket, &e.ApplicantID, &prefs, &e.AddedAt); err != nil {
			return nil, 0, err
		}
		if prefs != "" {
			e.Prefs = strings.Split(prefs, "|")
		}
		e.AddedAt = e.AddedAt.UTC()
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// Freeze fixes a lottery's list: no application may be added or removed
// after it, and the list's SHA-256 (admission.ApplicantListDigest) is
// recorded to be published with it. A zone's schools and their places are
// fixed from the approved plans of its schools for the year and grade.
func (o *Office) Freeze(ctx context.Context, by Actor, id int64, ifVersion int) (Lottery, error) {
	if err := by.mayRun(); err != nil {
		return Lottery{}, err
	}
	err := o.DB.InTx(ctx, func(tx db.Tx) error {
		l, err := o.openForEntries(ctx, tx, by, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != l.Version {
			return stale()
		}
		es, _, err := o.entries(ctx, tx, id, 0, -1)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return fault.New(fault.Invalid, "名单为空，不能锁定", "the list is empty and cannot be frozen")
		}
		tickets := make([]string, len(es))
		for i, e := range es {
			tickets[i] = e.Ticket
		}
		digest := admission.ApplicantListDigest(tickets)
		places, schools := l.Places, ""
		if l.Kind == LotteryZone {
			codes, err := o.zoneSchoolCodes(ctx, tx, l.ZoneID)
			if err != nil {
				return err
			}
			caps, err := o.capacity(ctx, tx, l.Year, l.Grade)
			if err != nil {
				return err
			}
			var zs []admission.ZoneSchool
			places = 0
			for _, c := range codes {
				n, ok := caps[c]
				if !ok {
					return fault.New(fault.Invalid, "学校 %s 没有已审批的 %d 年招生计划：名额无法确定", "school %s has no approved plan for %d: its places are unknown", c, l.Year)
				}
				zs = append(zs, admission.ZoneSchool{School: c, Places: n})
				places += n
			}
			schools = formatZoneSchools(zs)
		}
		now := o.now()
		if _, err := tx.ExecContext(ctx, `UPDATE admission_lottery SET state = 'frozen', list_digest = $1, entries = $2, places = $3, schools = $4,
			frozen_at = $5, frozen_by = $6, version = version + 1, updated_at = $5 WHERE id = $7`,
			hex.EncodeToString(digest[:]), len(es), places, schools, now, by.Username, id); err != nil {
			return fmt.Errorf("freeze lottery: %w", err)
		}
		return o.record(ctx, tx, by, "admission.lottery.freeze", "admission_lottery", strconv.FormatInt(id, 10),
			fmt.Sprintf("%d applications, %d places, list SHA-256 %x", len(es), places, digest), nil)
	})
	if err != nil {
		return Lottery{}, err
	}
	return o.Lottery(ctx, scope.Everything, id)
}

// AnnounceSeed records the seed of a frozen lottery, with the time it was
// announced. It is used exactly as given (admission.CheckSeed) and never changes.
func (o *Office) AnnounceSeed(ctx context.Context, by Actor, id int64, ifVersion int, seed string) (Lottery, error) {
	if err := by.mayRun(); err != nil {
		return Lottery{}, err
	}
	if err := admission.CheckSeed(seed); err != nil {
		var v fault.Validation
		v.AddText("seed", err.(*admission.LotteryError).Msg)
		return Lottery{}, v.Err()
	}
	if len(seed) > 200 {
		var v fault.Validation
		v.Add("seed", "随机种子最多 200 字节", "the seed has at most 200 bytes")
		return Lottery{}, v.Err()
	}
	err := o.DB.InTx(ctx, func(tx db.Tx) error {
		l, err := o.lottery(ctx, tx, by.Scope, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != l.Version {
			return stale()
		}
		if l.State != LotteryFrozen {
			return faultf(fault.Conflict, "只能在名单锁定之后、摇号之前公布种子（当前：%s）", []any{l.State.Name().ZH}, "the seed is announced after the list is frozen and before the draw (this lottery is: %s)", []any{strings.ToLower(l.State.Name().EN)})
		}
		now := o.now()
		if _, err := tx.ExecContext(ctx, `UPDATE admission_lottery SET state = 'seeded', seed = $1, seed_at = $2, seed_by = $3,
			version = version + 1, updated_at = $2 WHERE id = $4`, seed, now, by.Username, id); err != nil {
			return fmt.Errorf("announce seed: %w", err)
		}
		return o.record(ctx, tx, by, "admission.lottery.seed", "admission_lottery", strconv.FormatInt(id, 10), "seed: "+seed, nil)
	})
	if err != nil {
		return Lottery{}, err
	}
	return o.Lottery(ctx, scope.Everything, id)
}

// Ticket is one row of a draw's results.
type Ticket struct {
	Rank     int
	Ticket   string
	KeyHex   string
	Admitted bool
	School   string // kind zone: the school taken, "" on the waiting list
}

// draw computes a lottery's results from its frozen list and seed with the
// published algorithm (admission.Draw, admission.AssignZone).
func draw(l Lottery, es []Entry) ([]Ticket, error) {
	if l.Kind == LotteryZone {
		children := make([]admission.ZoneChild, len(es))
		for i, e := range es {
			children[i] = admission.ZoneChild{ID: e.Ticket, Prefs: e.Prefs}
		}
		seats, err := admission.AssignZone(l.Seed, l.Schools, children)
		if err != nil {
			return nil, err
		}
		out := make([]Ticket, len(seats))
		for i, s := range seats {
			out[i] = Ticket{Rank: s.Rank, Ticket: s.ID, KeyHex: hex.EncodeToString(s.Key[:]), Admitted: s.School != "", School: s.School}
		}
		return out, nil
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.Ticket
	}
	ts, err := admission.Draw(l.Seed, ids, l.Places)
	if err != nil {
		return nil, err
	}
	out := make([]Ticket, len(ts))
	for i, t := range ts {
		out[i] = Ticket{Rank: t.Rank, Ticket: t.ID, KeyHex: t.KeyHex(), Admitted: t.Admitted}
	}
	return out, nil
}

// ResultsCSV writes a draw's results as published: id,rank,admitted (and
// school, for a zone) in rank order — the file `edubureau lottery verify`
// compares against.
func ResultsCSV(w io.Writer, kind LotteryKind, ts []Ticket) error {
	cw := csv.NewWriter(w)
	head := []string{"id", "rank", "admitted"}
	if kind == LotteryZone {
		head = append(head, "school")
	}
	cw.Write(head)
	for _, t := range ts {
		rec := []string{t.Ticket, strconv.Itoa(t.Rank), strconv.FormatBool(t.Admitted)}
		if kind == LotteryZone {
			rec = append(rec, t.School)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func resultsDigest(kind LotteryKind, ts []Ticket) string {
	var b bytes.Buffer
	ResultsCSV(&b, kind, ts)
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// Draw runs a seeded lottery once and for all: the results are computed
// from the frozen list and the announced seed, written in rank order with
// their SHA-256, and can never change afterwards (the database refuses it).
func (o *Office) Draw(ctx context.Context, by Actor, id int64, ifVersion int) (Lottery, error) {
	if err := by.mayRun(); err != nil {
		return Lottery{}, err
	}
	err := o.DB.InTx(ctx, func(tx db.Tx) error {
		l, err := o.lottery(ctx, tx, by.Scope, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != l.Version {
			return stale()
		}
		if l.State != LotterySeeded {
			return faultf(fault.Conflict, "只能在名单锁定并公布种子后摇号（当前：%s）", []any{l.State.Name().ZH}, "a lottery is drawn after its list is frozen and its seed announced (this one is: %s)", []any{strings.ToLower(l.State.Name().EN)})
		}
		es, _, err := o.entries(ctx, tx, id, 0, -1)
		if err != nil {
			return err
		}
		tickets := make([]string, len(es))
		for i, e := range es {
			tickets[i] = e.Ticket
		}
		if d := admission.ApplicantListDigest(tickets); hex.EncodeToString(d[:]) != l.ListDigest {
			return fault.Wrap(fmt.Errorf("lottery %d: the list's digest %x is not the frozen %s", id, d, l.ListDigest), "draw")
		}
		ts, err := draw(l, es)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO admission_lottery_result (lottery_id, rank, ticket, key_hex, admitted, school_code)
				VALUES ($1, $2, $3, $4, $5, $6)`, id, t.Rank, t.Ticket, t.KeyHex, t.Admitted, t.School); err != nil {
				return fmt.Errorf("write result: %w", err)
			}
		}
		digest := resultsDigest(l.Kind, ts)
		now := o.now()
		if _, err := tx.ExecContext(ctx, `UPDATE admission_lottery SET state = 'drawn', drawn_at = $1, drawn_by = $2, results_digest = $3,
			version = version + 1, updated_at = $1 WHERE id = $4`, now, by.Username, digest, id); err != nil {
			return fmt.Errorf("record the draw: %w", err)
		}
		admitted := 0
		for _, t := range ts {
			if t.Admitted {
				admitted++
			}
		}
		return o.record(ctx, tx, by, "admission.lottery.draw", "admission_lottery", strconv.FormatInt(id, 10),
			fmt.Sprintf("%d applications, %d admitted, results SHA-256 %s", len(ts), admitted, digest), nil)
	})
	if err != nil {
		return Lottery{}, err
	}
	return o.Lottery(ctx, scope.Everything, id)
}

// CancelLottery calls off a lottery before its draw, with a reason.
func (o *Office) CancelLottery(ctx context.Context, by Actor, id int64, reason string) (Lottery, error) {
	if err := by.mayRun(); err != nil {
		return Lottery{}, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 2 || n > 500 {
		var v fault.Validation
		v.Add("reason", "请说明取消理由（2–500 字）", "give the reason for cancelling (2–500 characters)")
		return Lottery{}, v.Err()
	}
	err := o.DB.InTx(ctx, func(tx db.Tx) error {
		l, err := o.lottery(ctx, tx, by.Scope, id)
		if err != nil {
			return err
		}
		if l.State == LotteryDrawn || l.State == LotteryCancelled {
			return faultf(fault.Conflict, "摇号已%s，不能取消", []any{l.State.Name().ZH}, "the lottery is %s and cannot be cancelled", []any{strings.ToLower(l.State.Name().EN)})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE admission_lottery SET state = 'cancelled', version = version + 1, updated_at = $1 WHERE id = $2`,
			o.now(), id); err != nil {
			return fmt.Errorf("cancel lottery: %w", err)
		}
		return o.record(ctx, tx, by, "admission.lottery.cancel", "admission_lottery", strconv.FormatInt(id, 10), reason,
			[]audit.Change{{Field: "state", Before: string(l.State), After: string(LotteryCancelled)}})
	})
	if err != nil {
		return Lottery{}, err
	}
	return o.Lottery(ctx, scope.Everything, id)
}

// Results lists a drawn lottery's results in rank order (perPage -1: all).
func (o *Office) Results(ctx context.Context, sc scope.Scope, id int64, page, perPage int) ([]Ticket, int, error) {
	l, err := o.Lottery(ctx, sc, id)
	if err != nil {
		return nil, 0, err
	}
	return o.results(ctx, l.ID, page, perPage)
}

func (o *Office) results(ctx context.Context, id int64, page, perPage int) ([]Ticket, int, error) {
	var total int
	if err := o.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM admission_lottery_result WHERE lottery_id = $1`, id).Scan(&total); err != nil {
		return nil, 0, err
	}
	q := `SELECT rank, ticket, key_hex, admitted, school_code FROM admission_lottery_result WHERE lottery_id = $1 ORDER BY rank`
	if perPage >= 0 {
		page, perPage = pageOf(page, perPage)
		q += limit(page, perPage)
	}
	rows, err := o.DB.QueryContext(ctx, q, id)
	if err != nil {
		return nil, 0, fmt.Errorf("read results: %w", err)
	}
	defer rows.Close()
	var out []Ticket
	for rows.Next() {
		var t Ticket
		if err := rows.Scan(&t.Rank, &t.Ticket, &t.KeyHex, &t.Admitted, &t.School); err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, total, rows.Err()
}

// PublicLottery returns a lottery the public may see (its list frozen),
// whatever its county.
func (o *Office) PublicLottery(ctx context.Context, id int64) (Lottery, error) {
	l, err := o.Lottery(ctx, scope.Everything, id)
	if err != nil {
		return Lottery{}, err
	}
	if l.State == LotteryOpen {
		return Lottery{}, notFound(i18n.T("摇号", "lottery"), id)
	}
	return l, nil
}

// PublicResults is the results of a lottery the public may see.
func (o *Office) PublicResults(ctx context.Context, id int64, page, perPage int) ([]Ticket, int, error) {
	if _, err := o.PublicLottery(ctx, id); err != nil {
		return nil, 0, err
	}
	return o.results(ctx, id, page, perPage)
}

// PublicEntries is the frozen list of a lottery the public may see.
func (o *Office) PublicEntries(ctx context.Context, id int64, page, perPage int) ([]Entry, int, error) {
	if _, err := o.PublicLottery(ctx, id); err != nil {
		return nil, 0, err
	}
	return o.entries(ctx, o.DB, id, page, perPage)
}

// Verification is what recomputing a drawn lottery found.
type Verification struct {
	Lottery      Lottery
	ListDigest   string // of the stored list, recomputed
	ListOK       bool   // it is the digest recorded when the list was frozen
	ResultsOK    bool   // the stored results are exactly the recomputed draw
	ResultsSHA   string // of the stored results file, recomputed
	DigestOK     bool   // it is the digest recorded with the draw
	Rows         int
	Mismatch     *i18n.Text // the first difference, when ResultsOK is false
	MismatchRank int
}

// Match reports whether everything checked out.
func (v Verification) Match() bool { return v.ListOK && v.ResultsOK && v.DigestOK }

// VerifyLottery recomputes a drawn lottery from its stored frozen list and
// seed with the published algorithm and compares it with the stored
// results, row by row (admission.VerifyDraw for a school; the zone's draw
// the same way). Anyone may ask: it needs no scope.
func (o *Office) VerifyLottery(ctx context.Context, id int64) (Verification, error) {
	l, err := o.Lottery(ctx, scope.Everything, id)
	if err != nil {
		return Verification{}, err
	}
	if l.State != LotteryDrawn {
		return Verification{}, faultf(fault.Conflict, "摇号尚未进行（%s），无可核验的结果", []any{l.State.Name().ZH}, "the lottery is not drawn (%s): there are no results to verify", []any{strings.ToLower(l.State.Name().EN)})
	}
	es, _, err := o.entries(ctx, o.DB, id, 0, -1)
	if err != nil {
		return Verification{}, err
	}
	stored, _, err := o.results(ctx, id, 0, -1)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Lottery: l, Rows: len(stored)}
	tickets := make([]string, len(es))
	for i, e := range es {
		tickets[i] = e.Ticket
	}
	d := admission.ApplicantListDigest(tickets)
	v.ListDigest = hex.EncodeToString(d[:])
	v.ListOK = v.ListDigest == l.ListDigest
	v.ResultsSHA = resultsDigest(l.Kind, stored)
	v.DigestOK = v.ResultsSHA == l.ResultsDigest
	if l.Kind == LotterySchool {
		published := make([]admission.Ticket, len(stored))
		for i, t := range stored {
			published[i] = admission.Ticket{ID: t.Ticket, Rank: t.Rank, Admitted: t.Admitted}
		}
		m, err := admission.VerifyDraw(l.Seed, tickets, l.Places, published)
		if err != nil {
			return Verification{}, err
		}
		v.ResultsOK = m == nil
		if m != nil {
			v.Mismatch, v.MismatchRank = &m.Msg, m.Index+1
		}
		return v, nil
	}
	want, err := draw(l, es)
	if err != nil {
		return Verification{}, err
	}
	v.ResultsOK = true
	for i := 0; i < max(len(want), len(stored)); i++ {
		var msg i18n.Text
		switch {
		case i >= len(stored):
			msg = i18n.T("公布的结果缺少第 %d 名 %s", "the published results lack rank %d, %s", i+1, want[i].Ticket)
		case i >= len(want):
			msg = i18n.T("公布的结果多出第 %d 名 %s", "the published results have an extra rank %d, %s", i+1, stored[i].Ticket)
		case stored[i].Ticket != want[i].Ticket || stored[i].Rank != want[i].Rank || stored[i].School != want[i].School || stored[i].Admitted != want[i].Admitted:
			msg = i18n.T("第 %d 名公布为 %s→%s，重新计算为 %s→%s", "rank %d published %s→%s, recomputed %s→%s", i+1,
				stored[i].Ticket, dashIfEmpty(stored[i].School), want[i].Ticket, dashIfEmpty(want[i].School))
		default:
			continue
		}
		v.ResultsOK, v.Mismatch, v.MismatchRank = false, &msg, i+1
		break
	}
	return v, nil
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
