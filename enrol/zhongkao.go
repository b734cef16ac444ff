package enrol

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"edubureau/admission"
	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/scope"
)

// Cohort is a year's 中考 cohort as loaded (ZhongkaoKind). SHA256 is the
// digest of the cohort as the placement reads it: the file mode's
// APPLICANTS.csv of its students in file order, with its tie-break and
// batch columns (no names, no ID numbers).
type Cohort struct {
	Year      int
	Tiebreaks []string
	Batches   []int
	Students  int
	Source    string
	SHA256    string
	LoadedAt  time.Time
	LoadedBy  string
}

// suffixIndex is the blind index of an ID number's last six characters:
// what the public lookup checks, without the number ever being stored in
// the clear.
func suffixIndex(ring *pii.Keyring, id string) string {
	id = idno.Normalize(id)
	if len(id) < 6 {
		return ring.Index(indexSuffix, id)
	}
	return ring.Index(indexSuffix, id[len(id)-6:])
}

// SuffixIndex is the blind index the public lookup compares the typed last
// six characters against (trimmed, half-width, upper case).
func SuffixIndex(ring *pii.Keyring, suffix string) string {
	return ring.Index(indexSuffix, idno.Normalize(suffix))
}

func joinScores(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = admission.FormatScore(x)
	}
	return strings.Join(parts, ",")
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

func splitInts(s string) []int {
	if s == "" {
		return nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}

func formatChoices(cs []admission.BatchChoice) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = strconv.Itoa(c.Batch) + "=" + strings.Join(c.Schools, "|")
	}
	return strings.Join(parts, ";")
}

func parseChoices(s string) []admission.BatchChoice {
	if s == "" {
		return nil
	}
	var out []admission.BatchChoice
	for _, part := range strings.Split(s, ";") {
		b, list, _ := strings.Cut(part, "=")
		n, _ := strconv.Atoi(b)
		bc := admission.BatchChoice{Batch: n}
		if list != "" {
			bc.Schools = strings.Split(list, "|")
		}
		out = append(out, bc)
	}
	return out
}

// Cohort returns a year's cohort (ok false when none is loaded).
func (o *Office) Cohort(ctx context.Context, year int) (Cohort, bool, error) {
	var c Cohort
	var tb, bs string
	err := o.DB.QueryRowContext(ctx, `SELECT year, tiebreaks, batches, students, source, sha256, loaded_at, loaded_by FROM zhongkao_cohort
		WHERE year = $1`, year).Scan(&c.Year, &tb, &bs, &c.Students, &c.Source, &c.SHA256, &c.LoadedAt, &c.LoadedBy)
	if db.IsNoRows(err) {
		return Cohort{}, false, nil
	}
	if err != nil {
		return Cohort{}, false, fmt.Errorf("read the cohort: %w", err)
	}
	if tb != "" {
		c.Tiebreaks = strings.Split(tb, ",")
	}
	c.Batches = splitInts(bs)
	c.LoadedAt = c.LoadedAt.UTC()
	return c, true, nil
}

// examinee is what a run keeps of a cohort's student besides the core's input.
type examinee struct {
	county, junior string
	suffix         string // blind index of the ID number's last six
	line           int
}

// inputs is a run's input read from the database.
type inputs struct {
	cohort   Cohort
	plan     []admission.PlanRow
	apps     []admission.Applicant
	students []examinee
	digest   string
}

// readInputs reads the year's cohort (in file order) and the approved and
// published senior plans (by school code, rows in plan order).
func (o *Office) readInputs(ctx context.Context, year int) (*inputs, error) {
	c, ok, err := o.Cohort(ctx, year)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fault.New(fault.Invalid, "%d 年的中考考生名单尚未导入", "the %d cohort has not been loaded", year)
	}
	plans, err := o.countingPlans(ctx, o.DB, year, GradeSenior)
	if err != nil {
		return nil, err
	}
	in := &inputs{cohort: c}
	for _, p := range plans {
		for _, r := range p.Rows {
			row := admission.PlanRow{Batch: r.Batch, School: p.School, Junior: r.Junior, Places: r.Places}
			if r.MinScore != nil {
				row.MinScore, row.HasMin = *r.MinScore, true
			}
			in.plan = append(in.plan, row)
		}
	}
	if len(in.plan) == 0 {
		return nil, fault.New(fault.Invalid, "%d 年没有已审批的高中招生计划", "there is no approved senior-high plan for %d", year)
	}
	if in.apps, in.students, err = cohortApplicants(ctx, o.DB, year, len(c.Tiebreaks), c.Students); err != nil {
		return nil, err
	}
	h := sha256.New()
	admission.WritePlan(h, in.plan)
	h.Write([]byte("\n"))
	admission.WriteApplicants(h, in.apps, c.Tiebreaks, c.Batches)
	in.digest = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// cohortApplicants reads a year's cohort as the placement takes it, in
// file order, with ntb tie-break scores each (n: the expected size).
func cohortApplicants(ctx context.Context, q db.Querier, year, ntb, n int) ([]admission.Applicant, []examinee, error) {
	rows, err := q.QueryContext(ctx, `SELECT exam_no, line, county_code, junior_code, suffix_index, total, tiebreaks, choices
		FROM zhongkao_student WHERE year = $1 ORDER BY line`, year)
	if err != nil {
		return nil, nil, fmt.Errorf("read the cohort: %w", err)
	}
	defer rows.Close()
	apps := make([]admission.Applicant, 0, n)
	students := make([]examinee, 0, n)
	for rows.Next() {
		var a admission.Applicant
		var s examinee
		var tb, choices string
		if err := rows.Scan(&a.ExamNo, &s.line, &s.county, &s.junior, &s.suffix, &a.Total, &tb, &choices); err != nil {
			return nil, nil, err
		}
		a.Junior = s.junior
		a.TieBreak = make([]float64, ntb)
		if ntb > 0 {
			for x, p := range strings.Split(tb, ",") {
				if x < ntb {
					a.TieBreak[x], _ = strconv.ParseFloat(p, 64)
				}
			}
		}
		a.Choices = parseChoices(choices)
		apps = append(apps, a)
		students = append(students, s)
	}
	return apps, students, rows.Err()
}

// place runs the core on the inputs; a problem with a student names their
// exam number and row in the loaded file.
func (in *inputs) place() (admission.Result, error) {
	res, err := admission.Place(in.plan, in.apps)
	if err == nil {
		return res, nil
	}
	var ie *admission.InputError
	if errors.As(err, &ie) && ie.Applicant >= 0 && ie.Applicant < len(in.apps) {
		return res, fault.New(fault.Invalid, "考生 %s（%s 第 %d 行）“%s”列：%s", "student %s (%s row %d, column %s): %s",
			in.apps[ie.Applicant].ExamNo, in.cohort.Source, in.students[ie.Applicant].line, ie.Field, ie.Msg.ZH)
	}
	if errors.As(err, &ie) && ie.PlanRow >= 0 && ie.PlanRow < len(in.plan) {
		return res, fault.New(fault.Invalid, "%s 的招生计划：%s", "the plan of %s: %s", in.plan[ie.PlanRow].School, ie.Msg.ZH)
	}
	return res, err
}

func resultDigest(res *admission.Result) string {
	h := sha256.New()
	admission.WriteResults(h, res)
	h.Write([]byte("\n"))
	admission.WriteCutoffs(h, res)
	return hex.EncodeToString(h.Sum(nil))
}

// RunKind says whether a run is a simulation or a publication.
type RunKind string

const (
	RunSimulation RunKind = "simulation"
	RunPublished  RunKind = "published"
)

// Name is the kind's name.
func (k RunKind) Name() i18n.Text {
	if k == RunPublished {
		return i18n.T("正式公布", "Published")
	}
	return i18n.T("模拟", "Simulation")
}

// Run is one placement of a year's cohort.
type Run struct {
	ID             int64
	Year           int
	Kind           RunKind
	CreatedAt      time.Time
	CreatedBy      string
	Students       int
	Placed         int
	PlanRows       int
	Places         int
	Tiebreaks      []string
	InputDigest    string
	ResultDigest   string
	ResultsKept    bool
	SimulationID   int64
	SnapshotSHA256 string
}

const runColumns = `id, year, kind, created_at, created_by, students, placed, plan_rows, places, tiebreaks, input_digest, result_digest,
	results_kept, COALESCE(simulation_id, 0), snapshot_sha256`

func scanRun(r interface{ Scan(...any) error }) (Run, error) {
	var x Run
	var tb string
	err := r.Scan(&x.ID, &x.Year, &x.Kind, &x.CreatedAt, &x.CreatedBy, &x.Students, &x.Placed, &x.PlanRows, &x.Places, &tb,
		&x.InputDigest, &x.ResultDigest, &x.ResultsKept, &x.SimulationID, &x.SnapshotSHA256)
	x.CreatedAt = x.CreatedAt.UTC()
	if tb != "" {
		x.Tiebreaks = strings.Split(tb, ",")
	}
	return x, err
}

// writeRun stores a run with its per-student results and cut-offs.
func (o *Office) writeRun(ctx context.Context, tx db.Tx, copy db.CopyFunc, run *Run, in *inputs, res *admission.Result) error {
	var simID any
	if run.SimulationID != 0 {
		simID = run.SimulationID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO zhongkao_run (id, year, kind, created_at, created_by, students, placed, plan_rows, places,
		tiebreaks, input_digest, result_digest, results_kept, simulation_id, snapshot_sha256)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE, $13, $14)`,
		run.ID, run.Year, run.Kind, run.CreatedAt, run.CreatedBy, run.Students, run.Placed, run.PlanRows, run.Places,
		strings.Join(run.Tiebreaks, ","), run.InputDigest, run.ResultDigest, simID, run.SnapshotSHA256); err != nil {
		return fmt.Errorf("record the run: %w", err)
	}
	b := newBulk(copy, "zhongkao_result", "run_id", "exam_no", "county_code", "junior_code", "rank", "total", "batch", "school_code", "seat")
	for i, out := range res.Outcomes {
		seat := ""
		if out.Placed() {
			seat = "general"
			if out.Quota {
				seat = "quota"
			}
		}
		s := in.students[i]
		if err := b.add(ctx, run.ID, in.apps[i].ExamNo, s.county, s.junior, out.Rank, in.apps[i].Total, out.Batch, out.School, seat); err != nil {
			return err
		}
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	cb := newBulk(copy, "zhongkao_cutoff", "run_id", "seq", "batch", "school_code", "junior_code", "places", "min_score", "admitted", "lowest_total")
	for j, p := range res.Plan {
		var m, low any
		if p.HasMin {
			m = p.MinScore
		}
		if res.Rows[j].Admitted > 0 {
			low = res.Rows[j].LowestTotal
		}
		if err := cb.add(ctx, run.ID, j+1, p.Batch, p.School, p.Junior, p.Places, m, res.Rows[j].Admitted, low); err != nil {
			return err
		}
	}
	return cb.flush(ctx)
}

func newRun(kind RunKind, year int, by Actor, now time.Time, in *inputs, res *admission.Result) *Run {
	run := &Run{ID: db.NewID(), Year: year, Kind: kind, CreatedAt: now, CreatedBy: by.Username, Students: len(in.apps),
		PlanRows: len(in.plan), Tiebreaks: in.cohort.Tiebreaks, InputDigest: in.digest, ResultDigest: resultDigest(res), ResultsKept: true}
	for _, p := range in.plan {
		run.Places += p.Places
	}
	for _, out := range res.Outcomes {
		if out.Placed() {
			run.Placed++
		}
	}
	return run
}

// Simulate runs the placement of a year's cohort against the approved
// senior plans, for the bureau's eyes only: any number of times. Its
// results and cut-offs are kept until the next simulation of the year
// (the run itself stays listed).
func (o *Office) Simulate(ctx context.Context, by Actor, year int) (Run, error) {
	if err := by.mayRun(); err != nil {
		return Run{}, err
	}
	if err := by.cityWide(); err != nil {
		return Run{}, err
	}
	in, err := o.readInputs(ctx, year)
	if err != nil {
		return Run{}, err
	}
	res, err := in.place()
	if err != nil {
		return Run{}, err
	}
	run := newRun(RunSimulation, year, by, o.now(), in, &res)
	err = o.DB.InTxCopy(ctx, func(tx db.Tx, copy db.CopyFunc) error {
		// Older simulations of the year give their per-student rows up.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM zhongkao_run WHERE year = $1 AND kind = 'simulation' AND results_kept`, year)
		if err != nil {
			return err
		}
		var old []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			old = append(old, id)
		}
		rows.Close()
		for _, id := range old {
			for _, q := range []string{`DELETE FROM zhongkao_result WHERE run_id = $1`, `DELETE FROM zhongkao_cutoff WHERE run_id = $1`,
				`UPDATE zhongkao_run SET results_kept = FALSE WHERE id = $1`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("drop an older simulation's results: %w", err)
				}
			}
		}
		if err := o.writeRun(ctx, tx, copy, run, in, &res); err != nil {
			return err
		}
		return o.record(ctx, tx, by, "admission.zhongkao.simulate", "zhongkao_run", strconv.FormatInt(run.ID, 10),
			fmt.Sprintf("%d: %d students, %d placed, %d plan rows; inputs %s, results %s", year, run.Students, run.Placed, run.PlanRows,
				run.InputDigest[:16], run.ResultDigest[:16]), nil)
	})
	if err != nil {
		return Run{}, err
	}
	o.sims.put(run.ID, &simulated{res: res, in: in})
	return *run, nil
}

// Publish makes a simulation the year's published placement: the inputs are
// read again and must be exactly those the simulation ran on (else the
// bureau must simulate and check again), the placement is run again and
// must give the simulation's results, and its inputs and outputs are sealed
// in a snapshot (its SHA-256 recorded) that can never change. The run
// becomes the published one — its results and cut-offs are those the bureau
// checked, and from now on the database refuses any change to them — and
// the publication head moves to its snapshot, which every instance serving
// the public lookup loads.
func (o *Office) Publish(ctx context.Context, by Actor, year int, simulationID int64) (Run, error) {
	if err := by.mayRun(); err != nil {
		return Run{}, err
	}
	if err := by.cityWide(); err != nil {
		return Run{}, err
	}
	sim, err := o.Run(ctx, simulationID)
	if err != nil {
		return Run{}, err
	}
	if sim.Year != year || sim.Kind != RunSimulation || !sim.ResultsKept {
		return Run{}, fault.New(fault.Conflict, "只能公布 %d 年最近一次模拟的结果", "only the latest simulation of %d can be published", year)
	}
	in, err := o.readInputs(ctx, year)
	if err != nil {
		return Run{}, err
	}
	if in.digest != sim.InputDigest {
		return Run{}, fault.New(fault.Conflict, "模拟之后考生名单或招生计划已有变化：请重新模拟并核对后再公布",
			"the cohort or the plans changed since the simulation: simulate again and check before publishing")
	}
	res, err := in.place()
	if err != nil {
		return Run{}, err
	}
	if d := resultDigest(&res); d != sim.ResultDigest {
		return Run{}, fault.Wrap(fmt.Errorf("the same inputs gave results %s, the simulation %s", d, sim.ResultDigest), "publish")
	}
	now := o.now()
	names, err := o.SchoolNames(ctx)
	if err != nil {
		return Run{}, err
	}
	content, err := encodeSnapshot(snapshotMeta{Format: snapshotFormat, Year: year, RunID: sim.ID, PublishedAt: now,
		Tiebreaks: in.cohort.Tiebreaks, Batches: in.cohort.Batches, InputDigest: in.digest, ResultDigest: sim.ResultDigest,
		Schools: schoolNamesOf(in.plan, names)}, in, &res)
	if err != nil {
		return Run{}, err
	}
	sum := sha256.Sum256(content)
	snapSHA := hex.EncodeToString(sum[:])
	err = o.DB.InTx(ctx, func(tx db.Tx) error {
		// The publication head first: a cohort import holds it shared from its
		// start (PostgreSQL; SQLite runs one writer at a time), so once it is
		// ours no import is half-way, and the cohort read is the one placed.
		if o.DB.Dialect == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT serial FROM zhongkao_publication WHERE id = 1 FOR UPDATE`); err != nil {
				return fmt.Errorf("lock the publication: %w", err)
			}
		}
		var cohort string
		if err := tx.QueryRowContext(ctx, `SELECT sha256 FROM zhongkao_cohort WHERE year = $1`, year).Scan(&cohort); err != nil && !db.IsNoRows(err) {
			return fmt.Errorf("read the cohort: %w", err)
		}
		if cohort != in.cohort.SHA256 {
			return fault.New(fault.Conflict, "模拟之后考生名单或招生计划已有变化：请重新模拟并核对后再公布",
				"the cohort or the plans changed since the simulation: simulate again and check before publishing")
		}
		// Still the latest simulation, with its rows (another may have run meanwhile).
		var kept bool
		var kind RunKind
		if err := tx.QueryRowContext(ctx, `SELECT kind, results_kept FROM zhongkao_run WHERE id = $1`, sim.ID).Scan(&kind, &kept); err != nil {
			return fmt.Errorf("read the simulation: %w", err)
		}
		if kind != RunSimulation || !kept {
			return fault.New(fault.Conflict, "只能公布 %d 年最近一次模拟的结果", "only the latest simulation of %d can be published", year)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE zhongkao_run SET kind = 'published', snapshot_sha256 = $1 WHERE id = $2`, snapSHA, sim.ID); err != nil {
			return fmt.Errorf("publish the run: %w", err)
		}
		snapID := db.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO zhongkao_snapshot (id, run_id, year, sha256, size, content, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, snapID, sim.ID, year, snapSHA, len(content), content, now); err != nil {
			return fmt.Errorf("store the snapshot: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE zhongkao_publication SET serial = serial + 1, snapshot_id = $1, sha256 = $2, year = $3,
			published_at = $4 WHERE id = 1`, snapID, snapSHA, year, now); err != nil {
			return fmt.Errorf("move the publication head: %w", err)
		}
		return o.record(ctx, tx, by, "admission.zhongkao.publish", "zhongkao_run", strconv.FormatInt(sim.ID, 10),
			fmt.Sprintf("%d: simulation %d published; %d students, %d placed; snapshot SHA-256 %s (%d bytes)", year, sim.ID,
				sim.Students, sim.Placed, snapSHA, len(content)), nil)
	})
	if err != nil {
		return Run{}, err
	}
	o.sims.drop(sim.ID)
	return o.Run(ctx, sim.ID)
}

func schoolNamesOf(plan []admission.PlanRow, names map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range plan {
		out[p.School] = names[p.School]
		if p.Junior != "" {
			out[p.Junior] = names[p.Junior]
		}
	}
	return out
}

// Runs lists a year's runs, newest first.
func (o *Office) Runs(ctx context.Context, year int) ([]Run, error) {
	rows, err := o.DB.QueryContext(ctx, `SELECT `+runColumns+` FROM zhongkao_run WHERE year = $1 ORDER BY created_at DESC, id DESC`, year)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Run returns one run. Runs are the city's: they carry no personal data and
// are shown to anyone who may view admissions.
func (o *Office) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(o.DB.QueryRowContext(ctx, `SELECT `+runColumns+` FROM zhongkao_run WHERE id = $1`, id))
	if db.IsNoRows(err) {
		return Run{}, notFound(i18n.T("录取批次运行", "run"), id)
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %d: %w", id, err)
	}
	return r, nil
}

// Cutoff is one plan row's outcome in a run.
type Cutoff struct {
	Seq         int
	Batch       int
	School      string
	SchoolName  string
	Junior      string
	JuniorName  string
	Places      int
	MinScore    *float64
	Admitted    int
	LowestTotal *float64
}

// Cutoffs lists a run's plan rows with their admitted counts and cut-off scores.
func (o *Office) Cutoffs(ctx context.Context, runID int64) ([]Cutoff, error) {
	rows, err := o.DB.QueryContext(ctx, `SELECT c.seq, c.batch, c.school_code, COALESCE(s.name, ''), c.junior_code, COALESCE(j.name, ''),
		c.places, c.min_score, c.admitted, c.lowest_total FROM zhongkao_cutoff c LEFT JOIN school s ON s.code = c.school_code
		LEFT JOIN school j ON j.code = c.junior_code WHERE c.run_id = $1 ORDER BY c.batch, c.school_code, c.seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("read cut-offs: %w", err)
	}
	defer rows.Close()
	var out []Cutoff
	for rows.Next() {
		var c Cutoff
		var m, low sql.NullFloat64
		if err := rows.Scan(&c.Seq, &c.Batch, &c.School, &c.SchoolName, &c.Junior, &c.JuniorName, &c.Places, &m, &c.Admitted, &low); err != nil {
			return nil, err
		}
		if m.Valid {
			c.MinScore = &m.Float64
		}
		if low.Valid {
			c.LowestTotal = &low.Float64
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SchoolCutoff is a school's line in a batch: its rows summed, with the
// lowest total admitted to its general places and to any of its quotas.
type SchoolCutoff struct {
	Batch          int
	School, Name   string
	Places         int
	Admitted       int
	General        *float64 // the lowest total admitted to a general row
	QuotaPlaces    int
	QuotaAdmitted  int
	QuotaLowest    *float64
	MinScore       *float64 // the general row's line, when it has one
	QuotaShare     float64
	GeneralRowSeen bool
}

// BySchool sums cut-offs per batch and school, in batch then school order.
func BySchool(cs []Cutoff) []SchoolCutoff {
	var out []SchoolCutoff
	at := map[[2]string]int{}
	lower := func(dst **float64, v *float64) {
		if v != nil && (*dst == nil || *v < **dst) {
			x := *v
			*dst = &x
		}
	}
	for _, c := range cs {
		k := [2]string{strconv.Itoa(c.Batch), c.School}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, SchoolCutoff{Batch: c.Batch, School: c.School, Name: c.SchoolName})
		}
		s := &out[i]
		s.Places += c.Places
		s.Admitted += c.Admitted
		if c.Junior != "" {
			s.QuotaPlaces += c.Places
			s.QuotaAdmitted += c.Admitted
			lower(&s.QuotaLowest, c.LowestTotal)
		} else {
			lower(&s.General, c.LowestTotal)
			if !s.GeneralRowSeen {
				s.MinScore, s.GeneralRowSeen = c.MinScore, true
			}
		}
	}
	for i := range out {
		if out[i].Places > 0 {
			out[i].QuotaShare = float64(out[i].QuotaPlaces) / float64(out[i].Places)
		}
	}
	slices.SortStableFunc(out, func(a, b SchoolCutoff) int {
		if a.Batch != b.Batch {
			return a.Batch - b.Batch
		}
		return strings.Compare(a.School, b.School)
	})
	return out
}

// StudentResult is one student's line in a run.
type StudentResult struct {
	ExamNo     string
	County     string
	Junior     string
	JuniorName string
	Rank       int
	Total      float64
	Batch      int
	School     string
	SchoolName string
	Seat       string
}

// Placed reports whether the student got a seat.
func (r StudentResult) Placed() bool { return r.School != "" }

// ResultFilter selects students' results in a run.
type ResultFilter struct {
	School  string // a senior school's code
	Junior  string // a junior school's code
	County  string
	Placed  string // "yes", "no" or ""
	ExamNo  string
	Page    int
	PerPage int
}

func (f ResultFilter) where(sc scope.Scope, runID int64) (string, []any, error) {
	var v fault.Validation
	switch f.Placed {
	case "", "yes", "no":
	default:
		v.Add("placed", "应为 yes 或 no", "must be yes or no")
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	args := []any{runID}
	conds := []string{"r.run_id = $1"}
	add := condAdder(&conds, &args)
	if f.School != "" {
		add("r.school_code = ?", f.School)
	}
	if f.Junior != "" {
		add("r.junior_code = ?", f.Junior)
	}
	if f.County != "" {
		lo, hi := area.Range(f.County)
		add("r.county_code >= ?", lo)
		add("r.county_code < ?", hi)
	}
	switch f.Placed {
	case "yes":
		conds = append(conds, "r.school_code <> ''")
	case "no":
		conds = append(conds, "r.school_code = ''")
	}
	if s := strings.TrimSpace(f.ExamNo); s != "" {
		add("r.exam_no = ?", s)
	}
	cond, args := scopeSQL(sc, "r.county_code", "r.junior_code", args)
	conds = append(conds, cond)
	return strings.Join(conds, " AND "), args, nil
}

const resultColumns = `r.exam_no, r.county_code, r.junior_code, COALESCE(j.name, ''), r.rank, r.total, r.batch, r.school_code, COALESCE(s.name, ''), r.seat`
const resultFrom = ` FROM zhongkao_result r LEFT JOIN school s ON s.code = r.school_code AND r.school_code <> '' LEFT JOIN school j ON j.code = r.junior_code AND r.junior_code <> ''`

// ResultPage is a page of a run's results.
type ResultPage struct {
	Items         []StudentResult
	Total         int
	Page, PerPage int
}

// RunResults lists a run's students in sc (by their junior school's county
// and school) in rank order.
func (o *Office) RunResults(ctx context.Context, sc scope.Scope, runID int64, f ResultFilter) (ResultPage, error) {
	w, args, err := f.where(sc, runID)
	if err != nil {
		return ResultPage{}, err
	}
	pg := ResultPage{}
	pg.Page, pg.PerPage = pageOf(f.Page, f.PerPage)
	if err := o.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM zhongkao_result r WHERE `+w, args...).Scan(&pg.Total); err != nil {
		return ResultPage{}, fmt.Errorf("count results: %w", err)
	}
	err = o.eachResult(ctx, `SELECT `+resultColumns+resultFrom+` WHERE `+w+` ORDER BY r.rank`+limit(pg.Page, pg.PerPage), args,
		func(r StudentResult) error { pg.Items = append(pg.Items, r); return nil })
	return pg, err
}

// EachRunResult calls fn for every student of a run in sc matching f (exports).
func (o *Office) EachRunResult(ctx context.Context, sc scope.Scope, runID int64, f ResultFilter, fn func(StudentResult) error) error {
	w, args, err := f.where(sc, runID)
	if err != nil {
		return err
	}
	return o.eachResult(ctx, `SELECT `+resultColumns+resultFrom+` WHERE `+w+` ORDER BY r.rank`, args, fn)
}

func (o *Office) eachResult(ctx context.Context, q string, args []any, fn func(StudentResult) error) error {
	rows, err := o.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list results: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r StudentResult
		if err := rows.Scan(&r.ExamNo, &r.County, &r.Junior, &r.JuniorName, &r.Rank, &r.Total, &r.Batch, &r.School, &r.SchoolName, &r.Seat); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Explanation is a student's result with the core's explanation.
type Explanation struct {
	StudentResult
	admission.Explanation
	SchoolNames map[string]string
}

// Explain returns one student's result in a run with the explanation the
// core gives (where they were placed, and why not at every school they
// listed above it). The student must be in sc. A published run explains
// from its snapshot; a simulation from the placement kept in memory, or by
// running it again when its inputs have not changed since.
func (o *Office) Explain(ctx context.Context, sc scope.Scope, runID int64, examNo string) (Explanation, error) {
	page, err := o.RunResults(ctx, sc, runID, ResultFilter{ExamNo: examNo, PerPage: 1})
	if err != nil {
		return Explanation{}, err
	}
	if len(page.Items) == 0 {
		return Explanation{}, notFound(i18n.T("考生", "student"), examNo)
	}
	run, err := o.Run(ctx, runID)
	if err != nil {
		return Explanation{}, err
	}
	var res *admission.Result
	var names map[string]string
	if run.Kind == RunPublished {
		snap, err := o.loadSnapshot(ctx, run.ID)
		if err != nil {
			return Explanation{}, err
		}
		res, names = &snap.res, snap.meta.Schools
	} else {
		sim, ok := o.sims.get(run.ID)
		if !ok {
			in, err := o.readInputs(ctx, run.Year)
			if err != nil {
				return Explanation{}, err
			}
			if in.digest != run.InputDigest {
				return Explanation{}, fault.New(fault.Conflict, "这次模拟之后输入已有变化，无法重现其说明；请重新模拟",
					"the inputs changed since this simulation, so its explanations cannot be reproduced; simulate again")
			}
			r, err := in.place()
			if err != nil {
				return Explanation{}, err
			}
			sim = &simulated{res: r, in: in}
			o.sims.put(run.ID, sim)
		}
		res = &sim.res
		if names, err = o.SchoolNames(ctx); err != nil {
			return Explanation{}, err
		}
	}
	i := slices.IndexFunc(res.Applicants, func(a admission.Applicant) bool { return a.ExamNo == examNo })
	if i < 0 {
		return Explanation{}, notFound(i18n.T("考生", "student"), examNo)
	}
	return Explanation{StudentResult: page.Items[0], Explanation: res.Explain(i), SchoolNames: names}, nil
}

// simulated is a simulation's placement kept for its explanations.
type simulated struct {
	res admission.Result
	in  *inputs
}

// simCache keeps the two latest simulations' placements (a cohort of
// 90,000 is some tens of megabytes).
type simCache struct {
	mu   sync.Mutex
	ids  []int64
	sims map[int64]*simulated
}

func (c *simCache) put(id int64, s *simulated) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sims == nil {
		c.sims = map[int64]*simulated{}
	}
	c.sims[id] = s
	c.ids = append(c.ids, id)
	for len(c.ids) > 2 {
		delete(c.sims, c.ids[0])
		c.ids = c.ids[1:]
	}
}

func (c *simCache) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sims, id)
}

func (c *simCache) get(id int64) (*simulated, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sims[id]
	return s, ok
}

// RequireCityWide is the check the pages make before offering the 中考's
// actions: nil when by may run them.
func RequireCityWide(by Actor) error {
	if err := by.mayRun(); err != nil {
		return err
	}
	return by.cityWide()
}

var _ = auth.AdmissionEdit
