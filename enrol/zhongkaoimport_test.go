package enrol

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/i18n"
	"edubureau/importer"
	"edubureau/pii"
)

// runKind imports content with the engine's own options (dry run, mode).
func runKind(t *testing.T, o *Office, by Actor, k importer.Kind, content string, opt importer.Options) importer.Result {
	t.Helper()
	src := importer.ReaderSource("cohort.csv", int64(len(content)), func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(content)), nil
	})
	svc := importer.New(o.DB, o.Audit, "")
	res, err := svc.Run(context.Background(), importer.Request{Kind: k, Source: src, Options: opt, Actor: by.Actor, Scope: by.Scope})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func cohortCount(t *testing.T, o *Office) int {
	t.Helper()
	var n int
	if err := o.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM zhongkao_student WHERE year = 2026`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// findProblem is the problem of row at column (as written in the file), or nil.
func findProblem(res importer.Result, row int, column string) *importer.Problem {
	for i, p := range res.Problems {
		if p.Row == row && p.Column == column && !p.Warning {
			return &res.Problems[i]
		}
	}
	return nil
}

func problemList(res importer.Result) string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.In(i18n.ZH))
	}
	return strings.Join(out, "\n")
}

func TestZhongkaoImportRefusesBadRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		o, city := planned(t, d)
		kind := ZhongkaoKind{Office: o}
		opt := importer.Options{Params: map[string]string{"year": "2026", "tiebreak": "chinese,math"}}
		// One file with a problem on each of several rows: all are reported,
		// each by row and column, and nothing is written.
		f := cohortFile()
		f = strings.Replace(f, s1+"|"+s2+","+zkID(2), s1+"|9999999999,"+zkID(2), 1) // row 3: a school not in the registry
		f = strings.Replace(f, ",590,100,", ",five hundred,100,", 1)                // row 4: the total
		f = strings.Replace(f, "E05,", "E01,", 1)                                   // row 6: a repeated exam number
		f = strings.Replace(f, "E06,,500,90,90,,"+s2, "E06,,500,90,90,,"+p1, 1)     // row 7: a school without places in batch 2
		f = strings.Replace(f, "E07,"+j2+",470,90,", "E07,"+j2+",470,ninety,", 1)   // row 8: a tie-break score
		f = strings.Replace(f, zkID(8), "430405201105081234", 1)                    // row 9: the ID number's check digit
		res := runKind(t, o, city, kind, f, opt)
		if res.Status != importer.Refused || res.Refused != 6 || res.Created+res.Updated != 0 {
			t.Fatalf("%s %+v\n%s", res.Status, res.Counts, problemList(res))
		}
		for _, want := range []struct {
			row          int
			column, says string
		}{
			{3, "b2", "9999999999 不在学校名录中"},
			{4, "total", "不是有效的分数"},
			{6, "exam_no", "与第 2 行重复"},
			{7, "b2", p1 + " 在第 2 批次没有招生计划"},
			{8, "chinese", "不是有效的分数"},
			{9, "id_no", "校验"},
		} {
			p := findProblem(res, want.row, want.column)
			if p == nil || !strings.Contains(p.Message.ZH, want.says) || p.Cell == "" {
				t.Errorf("row %d, column %s: %+v\n%s", want.row, want.column, p, problemList(res))
			}
		}
		if n := cohortCount(t, o); n != 0 {
			t.Fatalf("%d students written", n)
		}
		// A choice column for a batch the plans do not have.
		f = strings.Replace(cohortFile(), "b1,b2,id_no", "b1,b2,b3,id_no", 1)
		f = strings.Replace(f, s1+"|"+s2+","+zkID(1), s1+"|"+s2+","+s2+","+zkID(1), 1)
		for _, id := range []int{2, 3, 4, 5, 6, 7, 8} {
			f = strings.Replace(f, ","+zkID(id), ",,"+zkID(id), 1)
		}
		res = runKind(t, o, city, kind, f, opt)
		if p := findProblem(res, 2, "b3"); res.Status != importer.Refused || res.Refused != 1 || p == nil || !strings.Contains(p.Message.ZH, "没有第 3 批次") {
			t.Fatalf("b3: %s %+v\n%s", res.Status, res.Counts, problemList(res))
		}
		// A required column missing: the file is refused, naming it.
		f = strings.Replace(strings.Replace(cohortFile(), "exam_no,junior,total,", "exam_no,junior,", 1), ",620,", ",", 1)
		res = runKind(t, o, city, kind, f, opt)
		if res.Status != importer.Failed || !strings.Contains(problemList(res), "缺少必填的列：“总分”") {
			t.Fatalf("no total: %s\n%s", res.Status, problemList(res))
		}
		// Bad parameters: no year, an unknown subject, a subject the file lacks.
		for params, says := range map[string]map[string]string{
			"入学年份":   {"tiebreak": "chinese"},
			"不是中考科目": {"year": "2026", "tiebreak": "chinese,music"},
			"“英语”":   {"year": "2026", "tiebreak": "语文,英语"},
			"给了两次":   {"year": "2026", "tiebreak": "语文,chinese"},
		} {
			res = runKind(t, o, city, kind, cohortFile(), importer.Options{Params: says})
			if res.Status != importer.Failed || !strings.Contains(problemList(res), params) {
				t.Errorf("%v: %s\n%s", says, res.Status, problemList(res))
			}
		}
		// A cohort is one whole: never only its valid rows.
		res = runKind(t, o, city, kind, cohortFile(), importer.Options{Mode: importer.ValidOnly, Params: opt.Params})
		if res.Status != importer.Failed || !strings.Contains(problemList(res), "整体") {
			t.Fatalf("valid only: %s\n%s", res.Status, problemList(res))
		}
		// A dry run checks everything and writes nothing.
		res = runKind(t, o, city, kind, cohortFile(), importer.Options{DryRun: true, Params: opt.Params})
		if res.Status != importer.Checked || res.Valid != 8 || cohortCount(t, o) != 0 {
			t.Fatalf("dry run: %s %+v", res.Status, res.Counts)
		}
		if _, ok, _ := o.Cohort(context.Background(), 2026); ok {
			t.Fatal("a refused or checked file left a cohort")
		}
	})
}

// The examination authority's file as Chinese Excel saves it: GBK, Chinese
// headers, the tie-break subjects named in Chinese.
func TestZhongkaoImportGBK(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o, city := planned(t, d)
		zh := strings.Replace(cohortFile(), "exam_no,junior,total,chinese,math,b1,b2,id_no,name",
			"准考证号,初中学校标识码,总分,语文,数学,第1批次志愿,第2批次志愿,身份证号,姓名", 1)
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(zh)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal([]byte(gbk), []byte(zh)) {
			t.Fatal("the GBK file is the UTF-8 one")
		}
		res, err := o.Import(ctx, city, ZhongkaoKind{Office: o}, "中考成绩.csv", []byte(gbk), map[string]string{"year": "2026", "tiebreak": "语文、数学"})
		if err != nil || res.Created != 8 || !strings.Contains(res.Format, "GB18030") {
			t.Fatalf("%+v %s %v", res.Counts, res.Format, err)
		}
		c, _, _ := o.Cohort(ctx, 2026)
		if strings.Join(c.Tiebreaks, ",") != "chinese,math" || c.Source != "中考成绩.csv" {
			t.Fatalf("cohort %+v", c)
		}
		var name string
		if err := d.QueryRowContext(ctx, `SELECT name FROM zhongkao_student WHERE exam_no = 'E01'`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if plain, err := o.Keyring.Decrypt(name, aadZkName); err != nil || plain != "赵一" {
			t.Fatalf("name %q %v", plain, err)
		}
		// The same students in UTF-8 with the file mode's headers: nothing changes.
		sum := c.SHA256
		res, err = loadCohort(o, city, 2026, []string{"chinese", "math"}, cohortFile(), "cohort.csv")
		if err != nil || res.Unchanged != 8 {
			t.Fatalf("again in UTF-8: %+v %v", res.Counts, err)
		}
		if c, _, _ = o.Cohort(ctx, 2026); c.SHA256 != sum || c.Source != "中考成绩.csv" {
			t.Fatalf("an unchanged import recorded the cohort again: %+v", c)
		}
	})
}

func TestZhongkaoImportUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := setup(t, d)
		city := cityStaff()
		tb := []string{"chinese", "math"}
		if _, err := importPlans(o, city, 2026, seniorPlan, "PLAN.csv"); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCohort(o, city, 2026, tb, cohortFile(), "cohort.csv"); err != nil {
			t.Fatal(err)
		}
		type stored struct{ idNumber, idIndex, suffix, tiebreaks string }
		read := func(exam string) (stored, bool) {
			var s stored
			err := d.QueryRowContext(ctx, `SELECT id_number, id_index, suffix_index, tiebreaks FROM zhongkao_student WHERE year = 2026 AND exam_no = $1`,
				exam).Scan(&s.idNumber, &s.idIndex, &s.suffix, &s.tiebreaks)
			if db.IsNoRows(err) {
				return s, false
			}
			if err != nil {
				t.Fatal(err)
			}
			return s, true
		}
		// The ID number is sealed with its blind index and the index of its
		// last six characters, which the public lookup checks.
		e3, _ := read("E03")
		if id, err := o.Keyring.Decrypt(e3.idNumber, aadZkID); err != nil || id != zkID(3) {
			t.Fatalf("sealed ID %q %v", id, err)
		}
		if e3.idIndex != o.Keyring.Index(pii.IndexIDNumber, zkID(3)) || e3.suffix != SuffixIndex(o.Keyring, zkID(3)[12:]) || e3.tiebreaks != "100,110" {
			t.Fatalf("indexes %+v", e3)
		}
		// Again: nothing changes, nothing is recorded.
		loads := auditCount(t, o, "admission.zhongkao.load")
		res, err := loadCohort(o, city, 2026, tb, cohortFile(), "cohort.csv")
		if err != nil || res.Unchanged != 8 || res.Created+res.Updated != 0 || auditCount(t, o, "admission.zhongkao.load") != loads {
			t.Fatalf("again: %+v %v", res.Counts, err)
		}
		// A corrected file: E03's total, E08 gone, E09 new.
		f := strings.Replace(cohortFile(), "E03,"+j2+",590,", "E03,"+j2+",595,", 1)
		f = strings.Replace(f, "E08,3143009999,610,100,100,,"+s1+","+zkID(8)+",王八", "E09,"+j1+",611,100,100,,"+s1+","+zkID(9)+",冯九", 1)
		res, err = loadCohort(o, city, 2026, tb, f, "cohort-v2.csv")
		if err != nil || res.Created != 1 || res.Updated != 1 || res.Unchanged != 6 {
			t.Fatalf("corrected: %+v %v", res.Counts, err)
		}
		if _, ok := read("E08"); ok {
			t.Fatal("E08 is still in the cohort")
		}
		if e3v2, ok := read("E03"); !ok || e3v2.idNumber != e3.idNumber {
			t.Fatalf("E03's sealed ID number was not kept: %v", ok)
		}
		c, _, _ := o.Cohort(ctx, 2026)
		if c.Students != 8 || cohortCount(t, o) != 8 || c.Source != "cohort-v2.csv" || auditCount(t, o, "admission.zhongkao.load") != loads+1 {
			t.Fatalf("cohort %+v", c)
		}
		apps, _, err := cohortApplicants(ctx, d, 2026, 2, 8)
		if err != nil || apps[2].ExamNo != "E03" || apps[2].Total != 595 || apps[7].ExamNo != "E09" || apps[7].TieBreak[1] != 100 {
			t.Fatalf("cohort as the placement reads it: %+v %v", apps, err)
		}
		// Another tie-break order changes the students whose two scores
		// differ (five of them), and the cohort's order.
		res, err = loadCohort(o, city, 2026, []string{"math", "chinese"}, f, "cohort-v2.csv")
		if err != nil || res.Updated != 5 || res.Unchanged != 3 {
			t.Fatalf("tie-breaks: %+v %v", res.Counts, err)
		}
		if c, _, _ := o.Cohort(ctx, 2026); strings.Join(c.Tiebreaks, ",") != "math,chinese" {
			t.Fatalf("tie-breaks %v", c.Tiebreaks)
		}
	})
}
