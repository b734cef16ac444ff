package enrol

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"edubureau/admission"
	"edubureau/area"
	"edubureau/audit"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
	"edubureau/scope"
)

// PlanState is where a plan stands: drafted, approved (it counts for
// placements and lotteries), published (shown on the public portal).
type PlanState string

const (
	PlanDraft     PlanState = "draft"
	PlanApproved  PlanState = "approved"
	PlanPublished PlanState = "published"
)

// PlanStates lists the states in order.
var PlanStates = []PlanState{PlanDraft, PlanApproved, PlanPublished}

// Name is the state's name.
func (s PlanState) Name() i18n.Text {
	switch s {
	case PlanDraft:
		return i18n.T("草稿", "Draft")
	case PlanApproved:
		return i18n.T("已审批", "Approved")
	case PlanPublished:
		return i18n.T("已公布", "Published")
	}
	return i18n.Text{ZH: string(s), EN: string(s)}
}

// Counts reports whether an approved or published plan takes part in
// placements and lotteries.
func (s PlanState) Counts() bool { return s == PlanApproved || s == PlanPublished }

// QualityQuotaShare is the least share of a quality senior high's places
// that must go to junior schools as 指标到校 quotas (DOMAIN §4: at least 50%).
const QualityQuotaShare = 0.5

// MaxScore bounds a minimum score line.
const MaxScore = 1000

// The bounds of a plan: batches 1–MaxBatch, at most MaxPlaces places a row
// and MaxPlanRows rows.
const (
	MaxBatch    = 9
	MaxPlaces   = 100000
	MaxPlanRows = 500
)

// PlanRow is one row of a plan: places in a batch, for every applicant
// (Junior empty) or as a quota for one junior school's graduates.
type PlanRow struct {
	Batch    int
	Junior   string
	Places   int
	MinScore *float64
}

// Plan is one school's enrolment plan for a year and a grade of entry.
type Plan struct {
	ID          int64
	Year, Grade int
	School      string
	SchoolName  string
	SchoolType  school.Type
	Ownership   school.Ownership
	County      string
	Quality     bool
	Classes     int
	Note        string
	State       PlanState
	Places      int
	QuotaPlaces int
	Rows        []PlanRow
	Version     int
	ApprovedAt  time.Time
	ApprovedBy  string
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// QuotaShare is the share of the places that are quotas to junior schools.
func (p Plan) QuotaShare() float64 {
	if p.Places == 0 {
		return 0
	}
	return float64(p.QuotaPlaces) / float64(p.Places)
}

// Batches lists the plan's batches, ascending.
func (p Plan) Batches() []int {
	var out []int
	for _, r := range p.Rows {
		if !containsInt(out, r.Batch) {
			out = append(out, r.Batch)
		}
	}
	sort.Ints(out)
	return out
}

func containsInt(list []int, x int) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// PlanInput is what a plan is created or edited with. For grades 1 and 7
// the rows are one general row of batch 1 (Places).
type PlanInput struct {
	Year, Grade int
	School      string
	Quality     bool
	Classes     int
	Note        string
	Rows        []PlanRow
}

// summary is the plan's rows as one line for the audit log.
func rowsText(rows []PlanRow) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		s := fmt.Sprintf("%d:%s:%d", r.Batch, r.Junior, r.Places)
		if r.MinScore != nil {
			s += ":" + admission.FormatScore(*r.MinScore)
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

// auditView is what the audit log compares of a plan.
type planAudit struct {
	Year    int    `json:"year"`
	Grade   int    `json:"grade"`
	School  string `json:"school"`
	Quality bool   `json:"quality"`
	Classes int    `json:"classes"`
	Note    string `json:"note"`
	State   string `json:"state"`
	Places  int    `json:"places"`
	Quota   int    `json:"quota_places"`
	Rows    string `json:"rows"`
}

func (p Plan) audit() planAudit {
	return planAudit{p.Year, p.Grade, p.School, p.Quality, p.Classes, p.Note, string(p.State), p.Places, p.QuotaPlaces, rowsText(p.Rows)}
}

// checkPlanInput validates a plan's fields against the school and the
// registry's junior schools (juniors may be nil: then quota rows name any
// code that is a junior-teaching school, looked up one by one).
func (o *Office) checkPlanInput(ctx context.Context, q db.Querier, in *PlanInput, s schoolInfo, juniors map[string]schoolInfo) error {
	var v fault.Validation
	checkYear(&v, "year", in.Year)
	checkGrade(&v, "grade", in.Grade, Grades...)
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 500 {
		v.Add("note", "备注最多 500 字", "the note has at most 500 characters")
	}
	if in.Classes < 0 || in.Classes > 1000 {
		v.Add("classes", "班数 %d 应在 0–1000 之间", "classes %d must be from 0 to 1000", in.Classes)
	}
	if v.Err() == nil {
		if !s.teaches(in.Grade) {
			v.AddText("school", tt("%s（%s）不招收 %s", []any{s.Name, school.TypeName(s.Type).ZH, GradeName(in.Grade).ZH}, "%s (%s) does not teach %s", []any{s.Name, school.TypeName(s.Type).EN, GradeName(in.Grade).EN}))
		} else if !s.open() {
			v.Add("school", "%s 已停办或撤销，不能制定招生计划", "%s is suspended or closed and cannot have a plan", s.Name)
		}
	}
	if in.Quality && in.Grade != GradeSenior {
		v.Add("quality", "只有高中可以标为示范性高中", "only a senior high can be marked as a quality school")
	}
	if len(in.Rows) == 0 {
		v.Add("rows", "计划至少需要一行", "the plan needs at least one row")
	}
	if len(in.Rows) > MaxPlanRows {
		v.Add("rows", "计划最多 %d 行", "a plan has at most %d rows", MaxPlanRows)
	}
	for i := range in.Rows {
		r := &in.Rows[i]
		f := func(col string) string { return fmt.Sprintf("rows[%d].%s", i+1, col) }
		r.Junior = strings.TrimSpace(r.Junior)
		if r.Batch < 1 || r.Batch > MaxBatch {
			v.Add(f("batch"), "批次 %d 应为 1–%d", "batch %d must be from 1 to %d", r.Batch, MaxBatch)
		}
		if r.Places < 0 || r.Places > MaxPlaces {
			v.Add(f("places"), "计划数 %d 应为 0–%d", "places %d must be from 0 to %d", r.Places, MaxPlaces)
		}
		if in.Grade != GradeSenior {
			if r.Batch != 1 {
				v.Add(f("batch"), "义务教育招生计划只有一个批次", "compulsory-school plans have batch 1 only")
			}
			if r.Junior != "" {
				v.Add(f("junior"), "指标到校只适用于高中招生", "quotas to junior schools apply to senior highs only")
			}
			if r.MinScore != nil {
				v.Add(f("min_score"), "最低控制线只适用于高中招生", "minimum scores apply to senior highs only")
			}
			continue
		}
		if r.MinScore != nil && (math.IsNaN(*r.MinScore) || *r.MinScore < 0 || *r.MinScore > MaxScore) {
			v.Add(f("min_score"), "最低控制线应为 0–%d 的数", "the minimum score must be a number from 0 to %d", MaxScore)
		}
		if r.Junior != "" {
			var j schoolInfo
			var ok bool
			if juniors != nil {
				j, ok = juniors[r.Junior]
			} else if got, err := o.school(ctx, q, scope.Everything, r.Junior); err == nil {
				j, ok = got, true
			} else if fault.KindOf(err) != fault.NotFound {
				return err
			}
			switch {
			case !ok:
				v.Add(f("junior"), "初中学校 %s 不在学校名录中", "junior school %s is not in the registry", r.Junior)
			case !j.teaches(9):
				v.Add(f("junior"), "%s（%s）没有初中毕业生", "%s (%s) has no junior graduates", j.Name, r.Junior)
			}
		}
	}
	return v.Err()
}

func sums(rows []PlanRow) (places, quota int) {
	for _, r := range rows {
		places += r.Places
		if r.Junior != "" {
			quota += r.Places
		}
	}
	return places, quota
}

// CreatePlan adds a draft plan for a school in the actor's scope.
func (o *Office) CreatePlan(ctx context.Context, by Actor, in PlanInput) (Plan, error) {
	if err := by.mayRun(); err != nil {
		return Plan{}, err
	}
	var id int64
	err := o.DB.InTx(ctx, func(tx db.Tx) error {
		var err error
		id, err = o.createPlan(ctx, tx, by, in, nil)
		return err
	})
	if err != nil {
		return Plan{}, err
	}
	return o.Plan(ctx, scope.Everything, id)
}

func (o *Office) createPlan(ctx context.Context, tx db.Tx, by Actor, in PlanInput, juniors map[string]schoolInfo) (int64, error) {
	in.School = strings.TrimSpace(in.School)
	s, err := o.school(ctx, tx, by.Scope, in.School)
	if fault.KindOf(err) == fault.NotFound {
		var v fault.Validation
		v.Add("school", "学校 %s 不存在或不在您的范围内", "school %s does not exist or is outside your scope", in.School)
		return 0, v.Err()
	}
	if err != nil {
		return 0, err
	}
	if err := o.checkPlanInput(ctx, tx, &in, s, juniors); err != nil {
		return 0, err
	}
	now := o.now()
	id := db.NewID()
	places, quota := sums(in.Rows)
	if _, err := tx.ExecContext(ctx, `INSERT INTO admission_plan (id, year, grade, school_code, county_code, quality, classes, note,
		state, places, quota_places, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)`,
		id, in.Year, in.Grade, s.Code, s.County, in.Quality, in.Classes, in.Note, PlanDraft, places, quota, now); err != nil {
		if db.IsUniqueViolation(err) {
			var v fault.Validation
			v.AddText("school", tt("%s 已有 %d 年%s的招生计划", []any{s.Name, in.Year, GradeName(in.Grade).ZH}, "%s already has a plan for %d, %s", []any{s.Name, in.Year, GradeName(in.Grade).EN}))
			e := v.Err().(*fault.Error)
			e.Kind = fault.Conflict
			return 0, e
		}
		return 0, fmt.Errorf("insert plan: %w", err)
	}
	if err := writeRows(ctx, tx, id, in.Rows); err != nil {
		return 0, err
	}
	p := Plan{Year: in.Year, Grade: in.Grade, School: s.Code, Quality: in.Quality, Classes: in.Classes, Note: in.Note,
		State: PlanDraft, Places: places, QuotaPlaces: quota, Rows: in.Rows}
	return id, o.record(ctx, tx, by, "admission.plan.create", "admission_plan", strconv.FormatInt(id, 10), "",
		audit.Diff(nil, p.audit(), nil))
}

func writeRows(ctx context.Context, tx db.Tx, planID int64, rows []PlanRow) error {
	for i, r := range rows {
		var m any
		if r.MinScore != nil {
			m = *r.MinScore
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO admission_plan_row (plan_id, seq, batch, junior_code, places, min_score)
			VALUES ($1, $2, $3, $4, $5, $6)`, planID, i+1, r.Batch, r.Junior, r.Places, m); err != nil {
			return fmt.Errorf("insert plan row: %w", err)
		}
	}
	return nil
}

// UpdatePlan replaces a draft plan's fields and rows. ifVersion, when not 0,
// must be the version the caller read.
func (o *Office) UpdatePlan(ctx context.Context, by Actor, id int64, ifVersion int, in PlanInput) (Plan, error) {
	if err := by.mayRun(); err != nil {
		return Plan{}, err
	}
	err := o.DB.InTx(ctx, func(tx db.Tx) error {
		old, err := o.plan(ctx, tx, by.Scope, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != old.Version {
			return stale()
		}
		if old.State != PlanDraft {
			return faultf(fault.Conflict, "只有草稿状态的计划可以修改（当前：%s）", []any{old.State.Name().ZH}, "only a draft plan can be changed (this one is %s)", []any{strings.ToLower(old.State.Name().EN)})
		}
		s, err := o.school(ctx, tx, scope.Everything, old.School)
		if err != nil {
			return err
		}
		return o.saveDraft(ctx, tx, by, old, in, s, nil, "")
	})
	if err != nil {
		return Plan{}, err
	}
	return o.Plan(ctx, scope.Everything, id)
}

// saveDraft replaces a draft plan's fields and rows with in (its school,
// year and grade, the plan's identity, stay), checked as a new plan is
// (juniors as for checkPlanInput), with its audit entry (detail says why).
func (o *Office) saveDraft(ctx context.Context, tx db.Tx, by Actor, old Plan, in PlanInput, s schoolInfo, juniors map[string]schoolInfo, detail string) error {
	in.School, in.Year, in.Grade = old.School, old.Year, old.Grade
	if err := o.checkPlanInput(ctx, tx, &in, s, juniors); err != nil {
		return err
	}
	places, quota := sums(in.Rows)
	if _, err := tx.ExecContext(ctx, `UPDATE admission_plan SET quality = $1, classes = $2, note = $3, places = $4, quota_places = $5,
		version = version + 1, updated_at = $6 WHERE id = $7`, in.Quality, in.Classes, in.Note, places, quota, o.now(), old.ID); err != nil {
		return fmt.Errorf("update plan: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM admission_plan_row WHERE plan_id = $1`, old.ID); err != nil {
		return fmt.Errorf("replace plan rows: %w", err)
	}
	if err := writeRows(ctx, tx, old.ID, in.Rows); err != nil {
		return err
	}
	nw := old
	nw.Quality, nw.Classes, nw.Note, nw.Places, nw.QuotaPlaces, nw.Rows = in.Quality, in.Classes, in.Note, places, quota, in.Rows
	return o.record(ctx, tx, by, "admission.plan.update", "admission_plan", strconv.FormatInt(old.ID, 10), detail, audit.Diff(old.audit(), nw.audit(), nil))
}

// SetPlanState moves a plan: approve (draft → approved; a quality senior
// high must give at least half its places as quotas), reopen (approved →
// draft), publish (approved → published; shown on the public portal).
func (o *Office) SetPlanState(ctx context.Context, by Actor, id int64, ifVersion int, action string) (Plan, error) {
	if err := by.mayRun(); err != nil {
		return Plan{}, err
	}
	err := o.DB.InTx(ctx, func(tx db.Tx) error { return o.setPlanState(ctx, tx, by, id, ifVersion, action) })
	if err != nil {
		return Plan{}, err
	}
	return o.Plan(ctx, scope.Everything, id)
}

func (o *Office) setPlanState(ctx context.Context, tx db.Tx, by Actor, id int64, ifVersion int, action string) error {
	old, err := o.plan(ctx, tx, by.Scope, id)
	if err != nil {
		return err
	}
	if ifVersion != 0 && ifVersion != old.Version {
		return stale()
	}
	from, to := PlanState(""), PlanState("")
	switch action {
	case "approve":
		from, to = PlanDraft, PlanApproved
	case "reopen":
		from, to = PlanApproved, PlanDraft
	case "publish":
		from, to = PlanApproved, PlanPublished
	default:
		return fault.New(fault.Invalid, "未知的操作 %q", "unknown action %q", action)
	}
	if old.State != from {
		return faultf(fault.Conflict, "计划当前为“%s”，不能%s", []any{old.State.Name().ZH, actionName(action).ZH}, "the plan is %s and cannot be %s", []any{strings.ToLower(old.State.Name().EN), actionName(action).EN})
	}
	if action == "approve" && old.Quality && old.QuotaShare() < QualityQuotaShare {
		return fault.New(fault.Invalid, "示范性高中至少 50%% 的计划应分配到初中学校（指标到校），本计划为 %.1f%%",
			"a quality senior high must give at least 50%% of its places to junior schools as quotas; this plan gives %.1f%%", 100*old.QuotaShare())
	}
	now := o.now()
	q := `UPDATE admission_plan SET state = $1, version = version + 1, updated_at = $2`
	args := []any{to, now}
	switch action {
	case "approve":
		q += `, approved_at = $3, approved_by = $4`
		args = append(args, now, by.Username)
	case "reopen":
		q += `, approved_at = NULL, approved_by = ''`
	case "publish":
		q += `, published_at = $3`
		args = append(args, now)
	}
	args = append(args, id)
	if _, err := tx.ExecContext(ctx, q+` WHERE id = $`+strconv.Itoa(len(args)), args...); err != nil {
		return fmt.Errorf("%s plan: %w", action, err)
	}
	return o.record(ctx, tx, by, "admission.plan."+action, "admission_plan", strconv.FormatInt(id, 10), "",
		[]audit.Change{{Field: "state", Before: string(from), After: string(to)}})
}

func actionName(action string) i18n.Text {
	switch action {
	case "approve":
		return i18n.T("审批", "approved")
	case "reopen":
		return i18n.T("退回修改", "reopened")
	case "publish":
		return i18n.T("公布", "published")
	}
	return i18n.Text{ZH: action, EN: action}
}

// ApproveAll approves every draft plan of a year and grade in the actor's
// scope that can be approved, and returns how many it approved and the
// problems of those it could not (each naming the school).
func (o *Office) ApproveAll(ctx context.Context, by Actor, year, grade int) (int, []string, error) {
	if err := by.mayRun(); err != nil {
		return 0, nil, err
	}
	page, err := o.Plans(ctx, by.Scope, PlanFilter{Year: year, Grade: grade, State: PlanDraft, PerPage: MaxPerPage})
	if err != nil {
		return 0, nil, err
	}
	var ids []int64
	for p := 1; ; p++ {
		for _, pl := range page.Items {
			ids = append(ids, pl.ID)
		}
		if p*page.PerPage >= page.Total {
			break
		}
		if page, err = o.Plans(ctx, by.Scope, PlanFilter{Year: year, Grade: grade, State: PlanDraft, Page: p + 1, PerPage: MaxPerPage}); err != nil {
			return 0, nil, err
		}
	}
	n := 0
	var problems []string
	err = o.DB.InTx(ctx, func(tx db.Tx) error {
		for _, id := range ids {
			if err := o.setPlanState(ctx, tx, by, id, 0, "approve"); err != nil {
				if fault.KindOf(err) == fault.Internal {
					return err
				}
				p, _ := o.plan(ctx, tx, scope.Everything, id)
				problems = append(problems, p.SchoolName+"："+fault.As(err).Msg.ZH)
				continue
			}
			n++
		}
		return nil
	})
	return n, problems, err
}

const planColumns = `p.id, p.year, p.grade, p.school_code, s.name, s.type, s.ownership, p.county_code, p.quality, p.classes, p.note,
	p.state, p.places, p.quota_places, p.version, p.approved_at, p.approved_by, p.published_at, p.created_at, p.updated_at`

func scanPlan(r interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	var approved, published sql.NullTime
	err := r.Scan(&p.ID, &p.Year, &p.Grade, &p.School, &p.SchoolName, &p.SchoolType, &p.Ownership, &p.County, &p.Quality,
		&p.Classes, &p.Note, &p.State, &p.Places, &p.QuotaPlaces, &p.Version, &approved, &p.ApprovedBy, &published,
		&p.CreatedAt, &p.UpdatedAt)
	if approved.Valid {
		p.ApprovedAt = approved.Time.UTC()
	}
	if published.Valid {
		p.PublishedAt = published.Time.UTC()
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// Plan returns one plan within sc, with its rows.
func (o *Office) Plan(ctx context.Context, sc scope.Scope, id int64) (Plan, error) {
	return o.plan(ctx, o.DB, sc, id)
}

func (o *Office) plan(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Plan, error) {
	cond, args := scopeSQL(sc, "p.county_code", "p.school_code", []any{id})
	p, err := scanPlan(q.QueryRowContext(ctx, `SELECT `+planColumns+` FROM admission_plan p JOIN school s ON s.code = p.school_code
		WHERE p.id = $1 AND `+cond, args...))
	if db.IsNoRows(err) {
		return Plan{}, notFound(i18n.T("招生计划", "plan"), id)
	}
	if err != nil {
		return Plan{}, fmt.Errorf("read plan %d: %w", id, err)
	}
	rows, err := planRows(ctx, q, []int64{id})
	if err != nil {
		return Plan{}, err
	}
	p.Rows = rows[id]
	return p, nil
}

func planRows(ctx context.Context, q db.Querier, ids []int64) (map[int64][]PlanRow, error) {
	out := map[int64][]PlanRow{}
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	rows, err := q.QueryContext(ctx, `SELECT plan_id, batch, junior_code, places, min_score FROM admission_plan_row
		WHERE plan_id IN (`+strings.Join(ph, ", ")+`) ORDER BY plan_id, seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("read plan rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r PlanRow
		var m sql.NullFloat64
		if err := rows.Scan(&id, &r.Batch, &r.Junior, &r.Places, &m); err != nil {
			return nil, err
		}
		if m.Valid {
			v := m.Float64
			r.MinScore = &v
		}
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}

// PlanFilter selects plans for a list.
type PlanFilter struct {
	Year    int
	Grade   int       // 0: every grade
	County  string    // an area code: everything under it
	State   PlanState // "": any
	Query   string    // part of the school's name or its code
	Quality bool      // quality senior highs only
	Page    int
	PerPage int
}

// Check validates the filter, naming the parameter at fault.
func (f *PlanFilter) Check() error {
	var v fault.Validation
	if f.Year != 0 {
		checkYear(&v, "year", f.Year)
	}
	if f.Grade != 0 {
		checkGrade(&v, "grade", f.Grade, Grades...)
	}
	switch f.State {
	case "", PlanDraft, PlanApproved, PlanPublished:
	default:
		v.Add("state", "状态 %q 无效", "unknown state %q", f.State)
	}
	if f.County != "" && (len(f.County) < 2 || strings.Trim(f.County, "0123456789") != "") {
		v.Add("county", "县区代码 %q 格式不正确", "county code %q is malformed", f.County)
	}
	return v.Err()
}

func (f PlanFilter) where(sc scope.Scope) (string, []any) {
	conds := []string{}
	var args []any
	add := condAdder(&conds, &args)
	if f.Year != 0 {
		add("p.year = ?", f.Year)
	}
	if f.Grade != 0 {
		add("p.grade = ?", f.Grade)
	}
	if f.State != "" {
		add("p.state = ?", f.State)
	}
	if f.Quality {
		conds = append(conds, "p.quality")
	}
	if f.County != "" {
		lo, hi := area.Range(f.County)
		add("p.county_code >= ?", lo)
		add("p.county_code < ?", hi)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(q))+"%", q)
		conds = append(conds, fmt.Sprintf(`(lower(s.name) LIKE $%d ESCAPE '\' OR p.school_code = $%d)`, len(args)-1, len(args)))
	}
	cond, args := scopeSQL(sc, "p.county_code", "p.school_code", args)
	conds = append(conds, cond)
	return strings.Join(conds, " AND "), args
}

// PlanPage is a page of plans with totals over every plan the filter selects.
type PlanPage struct {
	Items         []Plan
	Total         int
	Page, PerPage int
	Places, Quota int // summed over the whole selection
	// QualityPlaces and QualityQuota sum the quality senior highs only: the
	// share DOMAIN §4 asks to be at least 50%.
	QualityPlaces, QualityQuota int
}

// Plans lists plans in sc matching f, by year, grade, county and school.
func (o *Office) Plans(ctx context.Context, sc scope.Scope, f PlanFilter) (PlanPage, error) {
	if err := f.Check(); err != nil {
		return PlanPage{}, err
	}
	f.Page, f.PerPage = pageOf(f.Page, f.PerPage)
	w, args := f.where(sc)
	from := ` FROM admission_plan p JOIN school s ON s.code = p.school_code WHERE ` + w
	pg := PlanPage{Page: f.Page, PerPage: f.PerPage}
	if err := o.DB.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(p.places), 0), COALESCE(SUM(p.quota_places), 0),
		COALESCE(SUM(CASE WHEN p.quality THEN p.places ELSE 0 END), 0), COALESCE(SUM(CASE WHEN p.quality THEN p.quota_places ELSE 0 END), 0)`+from,
		args...).Scan(&pg.Total, &pg.Places, &pg.Quota, &pg.QualityPlaces, &pg.QualityQuota); err != nil {
		return PlanPage{}, fmt.Errorf("count plans: %w", err)
	}
	err := o.eachPlan(ctx, `SELECT `+planColumns+from+` ORDER BY p.year DESC, p.grade, p.county_code, p.school_code`+limit(f.Page, f.PerPage), args,
		func(p Plan) error { pg.Items = append(pg.Items, p); return nil })
	return pg, err
}

// EachPlan calls fn for every plan in sc matching f (exports), with rows.
func (o *Office) EachPlan(ctx context.Context, sc scope.Scope, f PlanFilter, fn func(Plan) error) error {
	if err := f.Check(); err != nil {
		return err
	}
	w, args := f.where(sc)
	return o.eachPlan(ctx, `SELECT `+planColumns+` FROM admission_plan p JOIN school s ON s.code = p.school_code WHERE `+w+
		` ORDER BY p.year DESC, p.grade, p.county_code, p.school_code`, args, fn)
}

// eachPlan reads plans in batches and gives them rows.
func (o *Office) eachPlan(ctx context.Context, q string, args []any, fn func(Plan) error) error {
	rows, err := o.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list plans: %w", err)
	}
	var batch []Plan
	flush := func() error {
		ids := make([]int64, len(batch))
		for i, p := range batch {
			ids[i] = p.ID
		}
		rs, err := planRows(ctx, o.DB, ids)
		if err != nil {
			return err
		}
		for _, p := range batch {
			p.Rows = rs[p.ID]
			if err := fn(p); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	// Read all rows of the page first: SQLite's pool is small, and the rows'
	// query needs a connection of its own.
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			rows.Close()
			return err
		}
		batch = append(batch, p)
		if len(batch) == 200 {
			break
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	more := len(batch) == 200
	rows.Close()
	if err := flush(); err != nil {
		return err
	}
	if !more {
		return nil
	}
	// Larger selections (exports) continue by offset.
	for off := 200; ; off += 200 {
		rows, err := o.DB.QueryContext(ctx, q+fmt.Sprintf(" LIMIT 200 OFFSET %d", off), args...)
		if err != nil {
			return fmt.Errorf("list plans: %w", err)
		}
		for rows.Next() {
			p, err := scanPlan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, p)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
		n := len(batch)
		if err := flush(); err != nil {
			return err
		}
		if n < 200 {
			return nil
		}
	}
}

// PublicPlans lists the published plans of a year (grade 0: all), for the
// public portal: no scope, nothing but what the bureau published.
func (o *Office) PublicPlans(ctx context.Context, year, grade int, county string, page int) (PlanPage, error) {
	return o.Plans(ctx, scope.Everything, PlanFilter{Year: year, Grade: grade, County: county, State: PlanPublished, Page: page, PerPage: 100})
}

// countingPlans returns the approved and published plans of a year and grade
// (every county): what placements and lotteries count.
func (o *Office) countingPlans(ctx context.Context, q db.Querier, year, grade int) ([]Plan, error) {
	return o.yearPlans(ctx, q, year, grade, true)
}

// yearPlans returns the plans of a year and grade (every county) by school
// code, with their rows: those that count only, or all of them.
func (o *Office) yearPlans(ctx context.Context, q db.Querier, year, grade int, counting bool) ([]Plan, error) {
	states := ""
	if counting {
		states = ` AND p.state IN ('approved', 'published')`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+planColumns+` FROM admission_plan p JOIN school s ON s.code = p.school_code
		WHERE p.year = $1 AND p.grade = $2`+states+` ORDER BY p.school_code`, year, grade)
	if err != nil {
		return nil, fmt.Errorf("read plans: %w", err)
	}
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, p := range out {
		ids[i] = p.ID
	}
	for from := 0; from < len(ids); from += 500 {
		rs, err := planRows(ctx, q, ids[from:min(len(ids), from+500)])
		if err != nil {
			return nil, err
		}
		for i := from; i < min(len(ids), from+500); i++ {
			out[i].Rows = rs[out[i].ID]
		}
	}
	return out, nil
}

// capacity is the places of each school in the counting plans of a year and grade.
func (o *Office) capacity(ctx context.Context, q db.Querier, year, grade int) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT school_code, places FROM admission_plan WHERE year = $1 AND grade = $2
		AND state IN ('approved', 'published')`, year, grade)
	if err != nil {
		return nil, fmt.Errorf("read capacities: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		out[c] += n
	}
	return out, rows.Err()
}

// MarkQuality sets or clears a draft senior plan's quality mark.
func (o *Office) MarkQuality(ctx context.Context, by Actor, id int64, quality bool) (Plan, error) {
	p, err := o.Plan(ctx, by.Scope, id)
	if err != nil {
		return Plan{}, err
	}
	return o.UpdatePlan(ctx, by, id, p.Version, PlanInput{Quality: quality, Classes: p.Classes, Note: p.Note, Rows: p.Rows})
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CreatePlans adds many plans in one transaction, all or none (bulk loads
// and the demo), each checked as CreatePlan checks it, and moves each to
// state (draft, approved or published). A problem names the plan's position.
func (o *Office) CreatePlans(ctx context.Context, by Actor, ins []PlanInput, states []PlanState) error {
	if err := by.mayRun(); err != nil {
		return err
	}
	all, err := o.allSchools(ctx)
	if err != nil {
		return err
	}
	return o.DB.InTx(ctx, func(tx db.Tx) error {
		for i, in := range ins {
			id, err := o.createPlan(ctx, tx, by, in, all)
			if err != nil {
				fe := fault.As(err)
				if fe.Kind == fault.Internal {
					return err
				}
				return &fault.Error{Kind: fe.Kind, Msg: i18n.T("第 %d 个计划（%s）：%s", "plan %d (%s): %s", i+1, in.School, fe.Msg.ZH), Fields: fe.Fields}
			}
			if i < len(states) {
				switch states[i] {
				case PlanApproved:
					err = o.setPlanState(ctx, tx, by, id, 0, "approve")
				case PlanPublished:
					if err = o.setPlanState(ctx, tx, by, id, 0, "approve"); err == nil {
						err = o.setPlanState(ctx, tx, by, id, 0, "publish")
					}
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
}
