package enrol

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"edubureau/admission"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/importer"
)

// SeniorPlanKind is a year's senior-high admission plans (招生计划, grade 10)
// as a kind of bulk import (package importer), in the columns of the file
// mode's PLAN.csv (batch, school, junior, places, min_score), so that the
// file `edubureau admit` reads imports as it is. The rows of each school in
// the file, in file order, become its plan: a school without a plan for the
// year gets a draft, a school whose plan is a draft has its rows replaced
// (left alone when they are already those of the file), and a school whose
// plan is approved or published refuses its rows until the plan is
// reopened. Schools must be senior highs in the importer's scope, quota
// rows name junior schools of the registry. A year's plans are one whole:
// they are imported all or nothing.
type SeniorPlanKind struct{ Office *Office }

// yearParam is the year of entry a file is for.
var yearParam = importer.Param{Key: "year", ZH: "入学年份", EN: "Year of entry", Required: true, Example: "2026",
	Note: i18n.T("秋季入学的年份，如 2026", "the year of the autumn intake, e.g. 2026")}

// Spec describes the columns.
func (k SeniorPlanKind) Spec() importer.Spec {
	return importer.Spec{
		Name: "senior-plans", Title: i18n.T("高中招生计划", "Senior-high admission plans"), Permission: auth.AdmissionEdit,
		Sheet: "高中招生计划", Whole: true, Params: []importer.Param{yearParam},
		Columns: []importer.Column{
			{Key: "batch", ZH: "批次", EN: "Batch", Aliases: []string{"录取批次"}, Required: true, Example: "1",
				Note: i18n.T("1–9 的整数，批次按从小到大的顺序录取", "a whole number from 1 to 9; batches are filled in ascending order")},
			{Key: "school", ZH: "学校标识码", EN: "School identifier", Aliases: []string{"高中学校标识码", "招生学校", "学校代码"}, Required: true,
				Text: true, Example: "3443000301", Note: i18n.T("招生的高中", "the senior high that admits")},
			{Key: "junior", ZH: "指标到校初中", EN: "Quota junior school", Aliases: []string{"指标到校学校", "初中学校标识码"}, Text: true,
				Example: "3143000201", Note: i18n.T("指标到校名额所属的初中学校标识码；统招计划不填", "the junior school a 指标到校 quota row is for; empty for a general row")},
			{Key: "places", ZH: "计划数", EN: "Places", Aliases: []string{"招生计划数", "名额"}, Required: true, Example: "60",
				Note: i18n.T("0–100000 的整数", "a whole number from 0 to 100,000")},
			{Key: "min_score", ZH: "最低控制线", EN: "Minimum score", Aliases: []string{"最低分数线", "控制线"}, Example: "550",
				Note: i18n.T("不填为不设控制线", "empty for no minimum line")},
		},
		Instructions: []i18n.Text{
			i18n.T("每行是一所高中在一个批次的一项计划：统招计划不填“指标到校初中”，指标到校计划填写所属初中。同一所学校的各行按文件顺序组成该校的招生计划。",
				"Each row is one line of a senior high's plan in one batch: a general row leaves the quota junior school empty, a 指标到校 quota row names it. A school's rows, in file order, make its plan."),
			i18n.T("导入时须指定入学年份。没有计划的学校新建草稿计划；草稿计划的各行被替换；已审批或已公布的计划须先退回修改。",
				"The year of entry is given with the import. A school without a plan gets a draft; a draft's rows are replaced; an approved or published plan must be reopened first."),
			i18n.T("一年的招生计划是一个整体：有任何错误则全部不导入。列名也可以用 batch、school、junior、places、min_score（与 edubureau admit 文件模式相同）。",
				"A year's plans are one whole: any error and nothing is imported. The headers may also be batch, school, junior, places, min_score (as in the file mode of edubureau admit)."),
		},
	}
}

// planLine is a checked row: a school's plan row.
type planLine struct {
	school string
	row    PlanRow
}

// planGroup is a school's rows in the file.
type planGroup struct {
	rows []PlanRow
}

type planWriter struct {
	o       *Office
	s       *importer.Session
	by      Actor
	year    int
	file    string
	schools map[string]schoolInfo
	stored  map[string]*Plan // the year's plans by school, with their rows
	groups  map[string]*planGroup
	order   []string
}

// Begin reads the registry's schools and the year's senior plans.
func (k SeniorPlanKind) Begin(ctx context.Context, s *importer.Session) (importer.Writer, error) {
	o := k.Office
	if o == nil {
		return nil, fault.New(fault.Unavailable, "招生入学未启用", "admissions are not enabled")
	}
	year, err := wholeFile(s)
	if err != nil {
		return nil, err
	}
	w := &planWriter{o: o, s: s, by: Actor{Actor: s.Actor, Scope: s.Scope}, year: year, stored: map[string]*Plan{},
		groups: map[string]*planGroup{}}
	if w.schools, err = o.allSchools(ctx); err != nil {
		return nil, err
	}
	if w.file, err = jobFile(ctx, s); err != nil {
		return nil, err
	}
	plans, err := o.yearPlans(ctx, s.Tx, year, GradeSenior, false)
	if err != nil {
		return nil, err
	}
	for i := range plans {
		w.stored[plans[i].School] = &plans[i]
	}
	return w, nil
}

// wholeFile checks the options of a kind imported whole and reads its year.
func wholeFile(s *importer.Session) (int, error) {
	if s.Options.Mode == importer.ValidOnly {
		return 0, fault.New(fault.Invalid, "这类数据是一个整体，只能全部导入或全部不导入，不能只导入正确的行",
			"this file is one whole: it is imported all or nothing, never only its valid rows")
	}
	y := strings.TrimSpace(s.Options.Param("year"))
	if y == "" {
		return 0, fault.New(fault.Invalid, "请指定入学年份（year）", "give the year of entry (year)")
	}
	year, ok := ParseYear(y, 0)
	if !ok {
		return 0, fault.New(fault.Invalid, "入学年份“%s”无效，应为 %d–%d", "the year of entry %q is not valid: it must be from %d to %d", y, MinYear, MaxYear)
	}
	return year, nil
}

// jobFile is the name of the file being imported, from its job record.
func jobFile(ctx context.Context, s *importer.Session) (string, error) {
	var name string
	err := s.Tx.QueryRowContext(ctx, `SELECT file_name FROM import_job WHERE id = $1`, s.JobID).Scan(&name)
	if err != nil && !db.IsNoRows(err) {
		return "", fmt.Errorf("read the import's record: %w", err)
	}
	return name, nil
}

// parseCount reads a whole number as a spreadsheet may write it ("60", "60.0").
func parseCount(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSuffix(s, ".0"))
	return n, err == nil
}

// Check parses a row and checks it against the registry.
func (w *planWriter) Check(it *importer.Item) {
	v := it.Row.Value
	var r PlanRow
	if b, ok := parseCount(v("batch")); !ok || b < 1 || b > MaxBatch {
		it.Refuse("batch", i18n.T("批次“%s”应为 1–%d 的整数", "the batch %q must be a whole number from 1 to %d", v("batch"), MaxBatch))
	} else {
		r.Batch = b
	}
	code := v("school")
	if o := w.s.Options.School; o != "" {
		switch code {
		case "":
			code = o
		case o:
		default:
			it.Refuse("school", i18n.T("本次导入只针对学校 %s，这一行是学校 %s", "this import is for school %s only; the row is for school %s", o, code))
		}
	}
	switch s, ok := w.schools[code]; {
	case it.RefusedColumn("school"):
	case !ok:
		it.Refuse("school", i18n.T("学校 %s 不在学校名录中", "school %s is not in the registry", code))
	case !w.s.Scope.Reaches(s.County, s.Code):
		it.Refuse("school", i18n.T("学校 %s 不在您的范围内", "school %s is outside your scope", code))
	case !s.teaches(GradeSenior):
		it.Refuse("school", i18n.T("%s（%s）不招收高中新生", "%s (%s) does not admit senior students", s.Name, code))
	case !s.open():
		it.Refuse("school", i18n.T("%s（%s）已停办或撤销，不能制定招生计划", "%s (%s) is suspended or closed and cannot have a plan", s.Name, code))
	}
	if r.Junior = v("junior"); r.Junior != "" {
		if j, ok := w.schools[r.Junior]; !ok || !j.teaches(9) {
			it.Refuse("junior", i18n.T("%s 不是学校名录中的初中学校", "%s is not a junior school of the registry", r.Junior))
		}
	}
	if n, ok := parseCount(v("places")); !ok || n < 0 || n > MaxPlaces {
		it.Refuse("places", i18n.T("计划数“%s”应为 0–%d 的整数", "places %q must be a whole number from 0 to %d", v("places"), MaxPlaces))
	} else {
		r.Places = n
	}
	if m := v("min_score"); m != "" {
		if x, ok := admission.ParseScore(m); !ok || x < 0 || x > MaxScore {
			it.Refuse("min_score", i18n.T("最低控制线“%s”应为 0–%d 的数", "the minimum score %q must be a number from 0 to %d", m, MaxScore))
		} else {
			r.MinScore = &x
		}
	}
	it.Record = planLine{school: code, row: r}
}

// Write gathers the rows by school in file order, refusing the rows of a
// school whose plan can no longer change; the plans are written by Finish,
// once every school's rows are known.
func (w *planWriter) Write(_ context.Context, items []*importer.Item) error {
	for _, it := range items {
		l := it.Record.(planLine)
		sp := w.stored[l.school]
		if sp != nil && sp.State != PlanDraft {
			name := w.schools[l.school].Name
			it.Refuse("school", tt("%s 的 %d 年高中招生计划%s，不能再导入；请先退回修改", []any{name, w.year, sp.State.Name().ZH},
				"the %d senior plan of %s is %s and cannot be replaced; reopen it first", []any{w.year, name, strings.ToLower(sp.State.Name().EN)}))
			continue
		}
		g := w.groups[l.school]
		if g == nil {
			g = &planGroup{}
			w.groups[l.school] = g
			w.order = append(w.order, l.school)
		}
		if len(g.rows) == MaxPlanRows {
			it.Refuse("school", i18n.T("学校 %s 的计划超过 %d 行", "the plan of school %s has more than %d rows", l.school, MaxPlanRows))
			continue
		}
		i := len(g.rows)
		g.rows = append(g.rows, l.row)
		switch {
		case sp == nil:
			it.Outcome = importer.Created
		case i < len(sp.Rows) && rowsText(sp.Rows[i:i+1]) == rowsText([]PlanRow{l.row}):
			it.Outcome = importer.Unchanged
		default:
			it.Outcome = importer.Updated
		}
	}
	return nil
}

// Verify is Write: nothing is written before Finish.
func (w *planWriter) Verify(ctx context.Context, items []*importer.Item) error {
	return w.Write(ctx, items)
}

// Finish writes each school's plan: created, replaced, or left as it is.
func (w *planWriter) Finish(ctx context.Context) error {
	tx := w.s.Tx
	created, replaced, unchanged := 0, 0, 0
	for _, code := range w.order {
		g := w.groups[code]
		sp := w.stored[code]
		var err error
		switch {
		case sp == nil:
			_, err = w.o.createPlan(ctx, tx, w.by, PlanInput{Year: w.year, Grade: GradeSenior, School: code, Rows: g.rows}, w.schools)
			created++
		case rowsText(sp.Rows) == rowsText(g.rows):
			unchanged++
			continue
		default:
			old := *sp
			err = w.o.saveDraft(ctx, tx, w.by, old, PlanInput{Quality: old.Quality, Classes: old.Classes, Note: old.Note, Rows: g.rows},
				w.schools[code], w.schools, "import "+w.file)
			replaced++
		}
		if err != nil {
			if fe := fault.As(err); fe.Kind != fault.Internal {
				return &fault.Error{Kind: fe.Kind, Msg: tt("学校 %s 的招生计划：%s", []any{code, fe.Msg.ZH}, "the plan of school %s: %s", []any{code, fe.Msg.EN}), Fields: fe.Fields}
			}
			return err
		}
	}
	if created+replaced == 0 {
		return nil
	}
	return w.o.record(ctx, tx, w.by, "admission.plan.import", "admission_plan", strconv.Itoa(w.year), fmt.Sprintf(
		"%s: %d schools, %d created, %d replaced, %d unchanged", w.file, len(w.order), created, replaced, unchanged), nil)
}
