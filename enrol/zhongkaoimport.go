package enrol

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"edubureau/admission"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/idno"
	"edubureau/importer"
	"edubureau/pii"
)

// ZhongkaoKind is a year's 中考 cohort as a kind of bulk import (package
// importer): the examination authority's file with each student's exam
// number, junior school, ID number, name, total, subject scores and choices
// batch by batch (b1, b2, …: school identifiers in preference order,
// separated by "|"). The tie-break subjects, in the city's order, and the
// year are given with the import.
//
// Each row is checked as the placement will need it: a resident ID number,
// numeric scores, every listed school in the registry and with plan rows in
// that batch (the year's senior plans, in any state: import them first). A
// junior school not in the registry is a notice: that student competes for
// general places only. The ID number is sealed (package pii) with its blind
// index and the blind index of its last six characters, which the public
// results lookup checks. The file is the whole cohort: a student known by
// exam number is created, updated or left as stored, and a student no longer
// in the file is removed; once a run of the year is published the cohort is
// frozen and every import is refused. Only staff working city-wide import it.
type ZhongkaoKind struct{ Office *Office }

// Subject is a 中考 subject whose score a cohort file may carry: the
// tie-break columns are chosen among them.
type Subject struct {
	Key, ZH, EN string
	Aliases     []string
}

// Subjects are the subjects of the 中考, in the usual order.
var Subjects = []Subject{
	{"chinese", "语文", "Chinese", nil},
	{"math", "数学", "Mathematics", []string{"maths"}},
	{"english", "英语", "English", []string{"外语"}},
	{"physics", "物理", "Physics", nil},
	{"chemistry", "化学", "Chemistry", nil},
	{"politics", "道德与法治", "Morality and law", []string{"道法", "政治", "思想品德"}},
	{"history", "历史", "History", nil},
	{"geography", "地理", "Geography", nil},
	{"biology", "生物", "Biology", nil},
	{"pe", "体育", "Physical education", []string{"体育与健康"}},
}

// subjectOf finds a subject by key, name or alias in either language.
func subjectOf(name string) (Subject, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, s := range Subjects {
		if n == s.Key || n == strings.ToLower(s.EN) || n == s.ZH || slices.Contains(s.Aliases, n) {
			return s, true
		}
	}
	return Subject{}, false
}

// Spec describes the columns.
func (k ZhongkaoKind) Spec() importer.Spec {
	cols := []importer.Column{
		{Key: "exam_no", ZH: "准考证号", EN: "Exam number", Aliases: []string{"考号", "准考证"}, Required: true, Text: true, MaxLen: 30,
			Example: "260100001"},
		{Key: "junior", ZH: "初中学校标识码", EN: "Junior school", Aliases: []string{"毕业学校标识码", "毕业学校代码", "初中学校代码"}, Text: true,
			Example: "3143000201", Note: i18n.T("考生毕业初中的 10 位学校标识码；不在学校名录中的，考生只能录取到统招计划",
				"the 10-digit identifier of the student's junior school; one not in the registry competes for general places only")},
		{Key: "id_no", ZH: "身份证号", EN: "ID number", Aliases: []string{"身份证号码", "身份证件号", "证件号码", "id_number"}, Required: true, Text: true,
			Example: "430405201105010013", Note: i18n.T("居民身份证号码，加密保存；公众凭准考证号和其后六位查询录取结果",
				"the resident ID number, stored encrypted; the public looks results up with the exam number and its last six characters")},
		{Key: "name", ZH: "姓名", EN: "Name", Aliases: []string{"考生姓名"}, MaxLen: 50},
		{Key: "total", ZH: "总分", EN: "Total", Aliases: []string{"中考总分", "成绩总分"}, Required: true, Example: "612.5",
			Note: i18n.T("录取总分（含照顾加分）", "the total that admission uses (bonuses included)")},
	}
	for _, s := range Subjects {
		cols = append(cols, importer.Column{Key: s.Key, ZH: s.ZH, EN: s.EN, Aliases: s.Aliases,
			Note: i18n.T("科目成绩；用作同分比较时必填", "the subject's score; required when it breaks ties")})
	}
	for b := 1; b <= MaxBatch; b++ {
		c := importer.Column{Key: admission.BatchColumn(b), ZH: fmt.Sprintf("第%d批次志愿", b), EN: fmt.Sprintf("Batch %d choices", b),
			Aliases: []string{fmt.Sprintf("b0%d", b), fmt.Sprintf("批次%d志愿", b), fmt.Sprintf("第%d批志愿", b)}, Text: true}
		if b == 1 {
			c.Example = "3443000301|3443000302"
			c.Note = i18n.T("该批次所填高中的学校标识码，按志愿顺序用“|”分隔；不填为该批次无志愿",
				"the identifiers of the senior highs chosen in the batch, in preference order, separated by '|'; empty for none")
		}
		cols = append(cols, c)
	}
	return importer.Spec{
		Name: "zhongkao", Title: i18n.T("中考考生成绩与志愿", "中考 cohort: scores and choices"), Permission: auth.AdmissionEdit,
		Sheet: "中考考生", KeyColumn: "exam_no", Columns: cols, Whole: true,
		Params: []importer.Param{yearParam,
			{Key: "tiebreak", ZH: "同分比较科目", EN: "Tie-break subjects", Example: "语文,数学,英语",
				Note: i18n.T("总分相同时依次比较的科目，按本市规定的顺序，用逗号分隔；最后比较准考证号",
					"the subjects compared in turn when totals are equal, in the city's order, separated by commas; the exam number comes last")}},
		Instructions: []i18n.Text{
			i18n.T("一个文件是一年的全部中考考生：以准考证号识别，文件中没有的考生将被移除。导入时须指定入学年份和同分比较科目。",
				"A file is a year's whole cohort: students are known by exam number, and a student not in the file is removed. The year of entry and the tie-break subjects are given with the import."),
			i18n.T("志愿列 b1、b2……（第1批次志愿……）对应招生计划的批次；志愿学校须在该批次有招生计划，请先导入当年的高中招生计划。",
				"The choice columns b1, b2, … (batch 1 choices, …) match the plans' batches; a school listed must have plan rows in that batch: import the year's senior plans first."),
			i18n.T("录取结果公布后，当年的考生名单即冻结，不能再导入。列名也可以用 edubureau admit 文件模式的 exam_no、junior、total、b1……，身份证号列为 id_no。",
				"Once a run of the year is published the cohort is frozen and cannot be imported again. The headers may also be the file mode's exam_no, junior, total, b1, …, with id_no for the ID number."),
		},
	}
}

// cohortRow is a checked row, sealed and ready to write.
type cohortRow struct {
	examNo, junior, county string
	line                   int
	name                   string // in the clear, to compare with what is stored
	nameEnc, idEnc         string
	idIndex, suffix        string
	total                  float64
	tiebreaks, choices     string // as stored: joinScores, formatChoices
}

// storedStudent is a cohort student as stored.
type storedStudent struct {
	id                 int64
	line               int
	county, junior     string
	nameEnc, idEnc     string
	idIndex, suffix    string
	total              float64
	tiebreaks, choices string
	seen               bool // in the file being imported
}

type cohortWriter struct {
	o         *Office
	s         *importer.Session
	ring      *pii.Keyring
	year      int
	now       time.Time
	file      string
	tiebreaks []string                // subject keys, in the city's order
	batches   []int                   // the file's choice columns that have plan rows
	plan      map[int]map[string]bool // batch → schools with plan rows in it
	schools   map[string]schoolInfo
	old       map[string]*storedStudent // by exam number
	hadCohort bool
	oldMeta   [2]string // the stored cohort's tie-breaks and batches
	done      func()    // ends the bulk writes (Close)
	ins       *bulkInsert

	created, updated, unchanged int
}

// Begin checks the year and the tie-break subjects, refuses a frozen cohort,
// and reads the registry, the year's senior plans and the stored cohort.
func (k ZhongkaoKind) Begin(ctx context.Context, s *importer.Session) (importer.Writer, error) {
	o := k.Office
	if o == nil {
		return nil, fault.New(fault.Unavailable, "招生入学未启用", "admissions are not enabled")
	}
	ring, err := o.ring()
	if err != nil {
		return nil, err
	}
	if !s.Scope.All {
		return nil, fault.New(fault.Forbidden, "只有全市范围的工作人员可以导入中考考生名单", "only staff working city-wide may import the 中考 cohort")
	}
	year, err := wholeFile(s)
	if err != nil {
		return nil, err
	}
	w := &cohortWriter{o: o, s: s, ring: ring, year: year, now: o.now(), plan: map[int]map[string]bool{}, old: map[string]*storedStudent{}}
	// Held until the import ends, the publication head keeps a publication
	// from reading the cohort half-way (Publish takes it for update); one
	// that got it first is seen below, and the cohort is then frozen.
	if s.DB.Dialect == db.Postgres {
		if _, err := s.Tx.ExecContext(ctx, `SELECT serial FROM zhongkao_publication WHERE id = 1 FOR SHARE`); err != nil {
			return nil, fmt.Errorf("read the publication: %w", err)
		}
	}
	var published int
	if err := s.Tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM zhongkao_run WHERE year = $1 AND kind = 'published'`, year).Scan(&published); err != nil {
		return nil, fmt.Errorf("read the year's runs: %w", err)
	}
	if published > 0 {
		return nil, fault.New(fault.Conflict, "%d 年的录取结果已公布，考生名单已冻结，不能再导入", "the %d placement is published: the cohort is frozen and cannot be imported again", year)
	}
	if w.tiebreaks, err = tiebreakParam(s); err != nil {
		return nil, err
	}
	rows, err := s.Tx.QueryContext(ctx, `SELECT r.batch, p.school_code FROM admission_plan p JOIN admission_plan_row r ON r.plan_id = p.id
		WHERE p.year = $1 AND p.grade = $2`, year, GradeSenior)
	if err != nil {
		return nil, fmt.Errorf("read the year's plans: %w", err)
	}
	for rows.Next() {
		var b int
		var code string
		if err := rows.Scan(&b, &code); err != nil {
			rows.Close()
			return nil, err
		}
		if w.plan[b] == nil {
			w.plan[b] = map[string]bool{}
		}
		w.plan[b][code] = true
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	choiceColumns := false
	for b := 1; b <= MaxBatch; b++ {
		if s.Has(admission.BatchColumn(b)) {
			choiceColumns = true
			if w.plan[b] != nil {
				w.batches = append(w.batches, b)
			}
		}
	}
	if !choiceColumns {
		return nil, fault.New(fault.Invalid, "文件没有志愿列（b1、b2……或“第1批次志愿”……）", "the file has no choice column (b1, b2, … or 第1批次志愿, …)")
	}
	if w.schools, err = o.allSchools(ctx); err != nil {
		return nil, err
	}
	if w.file, err = jobFile(ctx, s); err != nil {
		return nil, err
	}
	if err := w.readStored(ctx); err != nil {
		return nil, err
	}
	copy, done, err := s.DB.CopyOn(ctx, s.Conn, s.Tx)
	if err != nil {
		return nil, err
	}
	w.done = done
	w.ins = newBulk(copy, "zhongkao_student", "id", "year", "exam_no", "line", "county_code", "junior_code", "name", "id_number",
		"id_index", "suffix_index", "total", "tiebreaks", "choices")
	return w, nil
}

// tiebreakParam reads the tie-break subjects: names or keys, separated by
// commas (or spaces, 、), each a column of the file.
func tiebreakParam(s *importer.Session) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s.Options.Param("tiebreak"), func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\u3000' || r == '>' || r == '›'
	}) {
		sub, ok := subjectOf(f)
		if !ok {
			names := make([]string, len(Subjects))
			for i, x := range Subjects {
				names[i] = x.ZH
			}
			return nil, fault.New(fault.Invalid, "同分比较科目“%s”不是中考科目；可选：%s", "tie-break subject %q is not a 中考 subject; choose among: %s", f, strings.Join(names, "、"))
		}
		if slices.Contains(out, sub.Key) {
			return nil, fault.New(fault.Invalid, "同分比较科目“%s”给了两次", "tie-break subject %q is given twice", f)
		}
		if !s.Has(sub.Key) {
			return nil, fault.New(fault.Invalid, "文件没有同分比较科目“%s”的成绩列", "the file has no column for the tie-break subject %s", sub.ZH)
		}
		out = append(out, sub.Key)
	}
	return out, nil
}

// readStored reads the year's cohort as stored.
func (w *cohortWriter) readStored(ctx context.Context) error {
	var tb, bs string
	err := w.s.Tx.QueryRowContext(ctx, `SELECT tiebreaks, batches FROM zhongkao_cohort WHERE year = $1`, w.year).Scan(&tb, &bs)
	switch {
	case db.IsNoRows(err):
	case err != nil:
		return fmt.Errorf("read the cohort: %w", err)
	default:
		w.hadCohort, w.oldMeta = true, [2]string{tb, bs}
	}
	rows, err := w.s.Tx.QueryContext(ctx, `SELECT id, exam_no, line, county_code, junior_code, name, id_number, id_index, suffix_index,
		total, tiebreaks, choices FROM zhongkao_student WHERE year = $1`, w.year)
	if err != nil {
		return fmt.Errorf("read the cohort: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x storedStudent
		var exam string
		if err := rows.Scan(&x.id, &exam, &x.line, &x.county, &x.junior, &x.nameEnc, &x.idEnc, &x.idIndex, &x.suffix, &x.total,
			&x.tiebreaks, &x.choices); err != nil {
			return err
		}
		w.old[exam] = &x
	}
	return rows.Err()
}

// Check parses, validates and seals one row (from several goroutines: it
// reads only what Begin loaded).
func (w *cohortWriter) Check(it *importer.Item) {
	v := it.Row.Value
	r := &cohortRow{examNo: v("exam_no"), junior: v("junior"), name: v("name"), line: it.Row.N, county: w.o.Jurisdiction}
	it.Key = r.examNo
	id := idno.Normalize(v("id_no"))
	if _, err := idno.ParseResidentID(id, w.now); err != nil {
		it.Refuse("id_no", fault.As(err).Msg)
	}
	score := func(key string) float64 {
		x, ok := admission.ParseScore(v(key))
		if !ok {
			it.Refuse(key, i18n.T("“%s”不是有效的分数", "%q is not a valid score", v(key)))
		}
		return x
	}
	r.total = score("total")
	tb := make([]float64, len(w.tiebreaks))
	for i, key := range w.tiebreaks {
		if v(key) == "" {
			it.Refuse(key, i18n.T("用作同分比较，不能为空", "it breaks ties and cannot be empty"))
			continue
		}
		tb[i] = score(key)
	}
	if r.junior != "" {
		if j, ok := w.schools[r.junior]; ok {
			r.county = j.County
		} else {
			it.Warn("junior", i18n.T("初中学校 %s 不在学校名录中：该考生只能录取到统招计划", "junior school %s is not in the registry: the student competes for general places only", r.junior))
		}
	}
	var choices []admission.BatchChoice
	for b := 1; b <= MaxBatch; b++ {
		col := admission.BatchColumn(b)
		f := v(col)
		if f == "" {
			continue
		}
		if w.plan[b] == nil {
			it.Refuse(col, i18n.T("招生计划中没有第 %d 批次", "the plans have no rows for batch %d", b))
			continue
		}
		bc := admission.BatchChoice{Batch: b}
		for x, c := range strings.Split(f, "|") {
			c = strings.TrimSpace(c)
			var msg *i18n.Text
			refuse := func(t i18n.Text) { msg = &t }
			switch _, known := w.schools[c]; {
			case c == "":
				refuse(i18n.T("第 %d 个志愿的学校代码为空", "choice %d has an empty school code", x+1))
			case slices.Contains(bc.Schools, c):
				refuse(i18n.T("志愿学校 %s 填报了两次", "school %s is listed twice", c))
			case !known:
				refuse(i18n.T("志愿学校 %s 不在学校名录中", "school %s is not in the registry", c))
			case !w.plan[b][c]:
				refuse(i18n.T("志愿学校 %s 在第 %d 批次没有招生计划", "school %s has no places in batch %d", c, b))
			}
			if msg != nil {
				it.Refuse(col, *msg) // the first problem of the list is enough
				break
			}
			bc.Schools = append(bc.Schools, c)
		}
		choices = append(choices, bc)
	}
	if it.Refused() {
		return
	}
	var err error
	if r.nameEnc, err = w.ring.Encrypt(r.name, aadZkName); err == nil {
		r.idEnc, err = w.ring.Encrypt(id, aadZkID)
	}
	if err != nil {
		it.RefuseError(err, nil)
		return
	}
	r.idIndex, r.suffix = w.ring.Index(pii.IndexIDNumber, id), suffixIndex(w.ring, id)
	r.tiebreaks, r.choices = joinScores(tb), formatChoices(choices)
	it.Record = r
}

// Write adds the students new to the cohort and replaces those the file
// changes (deleted and written again, keeping the sealed values that did
// not change); a student already as in the file is left alone.
func (w *cohortWriter) Write(ctx context.Context, items []*importer.Item) error {
	type insert struct {
		r              *cohortRow
		nameEnc, idEnc string
	}
	var gone []int64
	ins := make([]insert, 0, len(items))
	for _, it := range items {
		r := it.Record.(*cohortRow)
		old := w.old[r.examNo]
		x := insert{r, r.nameEnc, r.idEnc}
		if old != nil {
			old.seen = true
			name, err := w.ring.Decrypt(old.nameEnc, aadZkName)
			if err != nil {
				return err
			}
			sameName, sameID := name == r.name, old.idIndex == r.idIndex
			if sameName && sameID && old.line == r.line && old.county == r.county && old.junior == r.junior && old.total == r.total &&
				old.tiebreaks == r.tiebreaks && old.choices == r.choices {
				it.Outcome = importer.Unchanged
				w.unchanged++
				continue
			}
			if sameName {
				x.nameEnc = old.nameEnc
			}
			if sameID {
				x.idEnc = old.idEnc
			}
			gone = append(gone, old.id)
			it.Outcome = importer.Updated
			w.updated++
		} else {
			w.old[r.examNo] = &storedStudent{seen: true}
			it.Outcome = importer.Created
			w.created++
		}
		ins = append(ins, x)
	}
	// The rows replaced go before their new versions are written.
	if err := deleteIDs(ctx, w.s.Tx, "zhongkao_student", gone); err != nil {
		return err
	}
	for _, x := range ins {
		r := x.r
		if err := w.ins.add(ctx, db.NewID(), w.year, r.examNo, r.line, r.county, r.junior, x.nameEnc, x.idEnc, r.idIndex, r.suffix,
			r.total, r.tiebreaks, r.choices); err != nil {
			return err
		}
	}
	return nil
}

// deleteIDs deletes rows of table by id, a few hundred at a time.
func deleteIDs(ctx context.Context, tx db.Tx, table string, ids []int64) error {
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(len(ids), from+500)]
		list := make([]string, len(chunk))
		for i, id := range chunk {
			list[i] = strconv.FormatInt(id, 10)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id IN (`+strings.Join(list, ",")+`)`); err != nil {
			return fmt.Errorf("delete from %s: %w", table, err)
		}
	}
	return nil
}

// Finish writes the last rows, removes the students the file no longer has
// and, when the cohort changed, records it: its tie-breaks, batches, size,
// file and the SHA-256 of the cohort as the placement reads it.
func (w *cohortWriter) Finish(ctx context.Context) error {
	tx := w.s.Tx
	if err := w.ins.flush(ctx); err != nil {
		return err
	}
	var gone []int64
	for _, x := range w.old {
		if !x.seen {
			gone = append(gone, x.id)
		}
	}
	slices.Sort(gone)
	if err := deleteIDs(ctx, tx, "zhongkao_student", gone); err != nil {
		return err
	}
	meta := [2]string{strings.Join(w.tiebreaks, ","), joinInts(w.batches)}
	if w.created+w.updated+len(gone) == 0 && w.hadCohort && meta == w.oldMeta {
		return nil // the cohort is already as in the file
	}
	students := w.created + w.updated + w.unchanged
	apps, _, err := cohortApplicants(ctx, tx, w.year, len(w.tiebreaks), students)
	if err != nil {
		return err
	}
	h := sha256.New()
	if err := admission.WriteApplicants(h, apps, w.tiebreaks, w.batches); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	now := w.now
	if _, err := tx.ExecContext(ctx, `DELETE FROM zhongkao_cohort WHERE year = $1`, w.year); err != nil {
		return fmt.Errorf("record the cohort: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO zhongkao_cohort (year, tiebreaks, batches, students, source, sha256, loaded_at, loaded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, w.year, meta[0], meta[1], len(apps), w.file, sum, now, w.s.Actor.Username); err != nil {
		return fmt.Errorf("record the cohort: %w", err)
	}
	return w.o.record(ctx, tx, Actor{Actor: w.s.Actor, Scope: w.s.Scope}, "admission.zhongkao.load", "zhongkao_cohort", strconv.Itoa(w.year),
		fmt.Sprintf("%s: %d students (%d new, %d changed, %d removed), SHA-256 %s", w.file, len(apps), w.created, w.updated, len(gone), sum), nil)
}

// Close ends the bulk writes' prepared statements.
func (w *cohortWriter) Close() { w.done() }
