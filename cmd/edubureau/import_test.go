package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"edubureau/area"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/idno"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/scope"
	"edubureau/year"
)

// importRun runs the real command with a database, a key for personal data
// and a working directory of its own.
func importRun(t *testing.T, dsn string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	key := pii.EncodeKey([]byte("0123456789abcdef0123456789abcdef"))
	getenv := func(k string) string {
		switch k {
		case "EDUBUREAU_DB":
			return dsn
		case pii.EnvKey:
			return key
		case "USER":
			return "ops"
		}
		return ""
	}
	code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv})
	return code, out.String(), errb.String()
}

func importDB(t *testing.T, dsn string) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := area.Sync(ctx, d, "430400"); err != nil {
		t.Fatal(err)
	}
	if err := year.Ensure(ctx, d, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := school.New(d).Create(ctx, scope.Everything, school.School{Code: "2143040001", Name: "珠晖区第一小学", Type: school.Primary,
		Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01"}, school.Actor{Username: "seed"}); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestImportCommand(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			d := importDB(t, dsn)
			dir := t.TempDir()
			t.Chdir(dir)
			id1 := idno.MakeResidentID("430405", time.Date(2018, 3, 15, 0, 0, 0, 0, time.UTC), 11)
			id2 := idno.MakeResidentID("430405", time.Date(2018, 7, 1, 0, 0, 0, 0, time.UTC), 12)
			good := "年级,班级,姓名,性别,出生日期,证件号码,民族,监护人1姓名,监护人1关系,监护人1电话\n" +
				"二年级,1,张小明,男,2018-03-15," + id1 + ",汉族,张母,母亲,13900000001\n" +
				"二年级,1,李小红,女,2018-07-01," + id2 + ",汉族,李母,母亲,13900000002\n"
			file := filepath.Join(dir, "students.csv")
			os.WriteFile(file, []byte(good), 0o600)

			// Without the school column, the school comes from --school; a dry run writes nothing.
			code, out, errs := importRun(t, dsn, "import", "students", file, "--school", "2143040001", "--dry-run")
			if code != 0 || !strings.Contains(out, "仅检查") || !strings.Contains(out, "有效 2 行") {
				t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
			}
			code, out, errs = importRun(t, dsn, "import", "students", file, "--school", "2143040001")
			if code != 0 || !strings.Contains(out, "新增 2") || !strings.Contains(out, "CSV UTF-8") {
				t.Fatalf("import: exit %d\n%s%s", code, out, errs)
			}
			code, out, _ = importRun(t, dsn, "import", "students", file, "--school", "2143040001", "--lang", "en")
			if code != 0 || !strings.Contains(out, "2 unchanged") {
				t.Fatalf("again: exit %d\n%s", code, out)
			}
			var n int
			d.QueryRow(`SELECT COUNT(*) FROM student`).Scan(&n)
			if n != 2 {
				t.Fatalf("%d students", n)
			}

			// A refused row: exit 1, the problem by row and column, the report beside.
			bad := strings.Replace(good, id2, id2[:17]+map[bool]string{true: "1", false: "0"}[id2[17] == '0'], 1)
			os.WriteFile(file, []byte(bad), 0o600)
			code, out, errs = importRun(t, dsn, "import", "students", file, "--school", "2143040001", "--report", "bad.xlsx")
			if code != 1 || !strings.Contains(out, "第 3 行 证件号码（F3）") || !strings.Contains(out, "bad.xlsx") {
				t.Fatalf("bad: exit %d\n%s%s", code, out, errs)
			}
			// The progress bar ends full, in bytes of the file, even when rows are refused.
			if want := fmt.Sprintf("100%% %d/%d", len(bad), len(bad)); !strings.Contains(errs, want) {
				t.Errorf("the progress bar does not end at %q:\n%s", want, errs)
			}
			if _, err := os.Stat(filepath.Join(dir, "bad.xlsx")); err != nil {
				t.Fatal("no report")
			}
			// The wrong school for --school is refused per row.
			code, out, _ = importRun(t, dsn, "import", "students", file, "--school", "2143040009")
			if code != 1 || !strings.Contains(out, "不存在，或不在您的权限范围内") {
				t.Fatalf("unknown school: exit %d\n%s", code, out)
			}
			// Usage mistakes.
			if code, _, errs := importRun(t, dsn, "import", "teachers", file); code != 2 || !strings.Contains(errs, "unknown kind") {
				t.Fatalf("unknown kind: %d %s", code, errs)
			}
			if code, _, errs := importRun(t, dsn, "import", "students"); code != 2 || !strings.Contains(errs, "FILE is required") {
				t.Fatalf("no file: %d %s", code, errs)
			}
			if code, _, errs := importRun(t, dsn, "import", "students", filepath.Join(dir, "none.csv")); code != 1 || !strings.Contains(errs, "不存在") {
				t.Fatalf("missing file: %d %s", code, errs)
			}
		})
	}
}

func TestImportTemplateCommand(t *testing.T) {
	for _, kind := range []string{"students", "schools", "zhongkao", "senior-plans"} {
		code, out, errs := importRun(t, "sqlite:"+filepath.Join(t.TempDir(), "x.db"), "import", "template", kind)
		if code != 0 {
			t.Fatalf("%s: exit %d %s", kind, code, errs)
		}
		x, err := excelize.OpenReader(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		sheets := x.GetSheetList()
		x.Close()
		if len(sheets) != 3 || sheets[2] != "填写说明" {
			t.Fatalf("%s: sheets %v", kind, sheets)
		}
	}
}

// The admission office's kinds: a year's senior plans, then its 中考 cohort.
func TestImportAdmissionCommand(t *testing.T) {
	for name, dsn := range dbtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			d := importDB(t, dsn)
			ctx := context.Background()
			for _, s := range []school.School{
				{Code: "3143040002", Name: "珠晖区第二中学", Type: school.Junior, Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01"},
				{Code: "3443040003", Name: "衡阳市第三中学", Type: school.Senior, Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01"},
			} {
				if _, err := school.New(d).Create(ctx, scope.Everything, s, school.Actor{Username: "seed"}); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			t.Chdir(dir)
			os.WriteFile("plan.csv", []byte("批次,学校标识码,指标到校初中,计划数,最低控制线\n1,3443040003,3143040002,1,550\n2,3443040003,,2,\n"), 0o600)
			id := func(seq int) string {
				return idno.MakeResidentID("430405", time.Date(2011, 5, seq, 0, 0, 0, 0, time.UTC), seq)
			}
			cohort := "准考证号,初中学校标识码,总分,语文,b1,b2,身份证号,姓名\n" +
				"26001,3143040002,600,100,3443040003,3443040003," + id(1) + ",赵一\n" +
				"26002,3143049999,590,95,,3443040003," + id(2) + ",钱二\n"
			os.WriteFile("cohort.csv", []byte(cohort), 0o600)

			// The cohort before the plans: every choice is refused.
			code, out, errs := importRun(t, dsn, "import", "zhongkao", "cohort.csv", "--year", "2026", "--tiebreak", "语文")
			if code != 1 || !strings.Contains(out, "第 2 行 b1（E2）：招生计划中没有第 1 批次") {
				t.Fatalf("cohort first: exit %d\n%s%s", code, out, errs)
			}
			code, out, errs = importRun(t, dsn, "import", "senior-plans", "plan.csv", "--year", "2026")
			if code != 0 || !strings.Contains(out, "新增 2") {
				t.Fatalf("plans: exit %d\n%s%s", code, out, errs)
			}
			code, out, errs = importRun(t, dsn, "import", "zhongkao", "cohort.csv", "--year", "2026", "--tiebreak", "语文")
			if code != 0 || !strings.Contains(out, "新增 2") || !strings.Contains(out, "3143049999 不在学校名录中") {
				t.Fatalf("cohort: exit %d\n%s%s", code, out, errs)
			}
			code, out, _ = importRun(t, dsn, "import", "zhongkao", "cohort.csv", "--year", "2026", "--tiebreak", "chinese", "--lang", "en")
			if code != 0 || !strings.Contains(out, "2 unchanged") {
				t.Fatalf("again: exit %d\n%s", code, out)
			}
			var county string
			if err := d.QueryRow(`SELECT county_code FROM zhongkao_student WHERE exam_no = '26002'`).Scan(&county); err != nil || county != "4304" {
				t.Fatalf("a student of an unknown junior school: county %q %v", county, err)
			}
			// Usage mistakes: no year, only the valid rows of a whole file.
			if code, _, errs := importRun(t, dsn, "import", "zhongkao", "cohort.csv"); code != 2 || !strings.Contains(errs, "--year is required") {
				t.Fatalf("no year: %d %s", code, errs)
			}
			if code, _, errs := importRun(t, dsn, "import", "senior-plans", "plan.csv", "--year", "2026", "--valid-only"); code != 2 || !strings.Contains(errs, "all or nothing") {
				t.Fatalf("valid only: %d %s", code, errs)
			}
			if code, _, errs := importRun(t, dsn, "import", "students", "plan.csv", "--year", "2026"); code != 2 || !strings.Contains(errs, "-year") {
				t.Fatalf("--year for students: %d %s", code, errs)
			}
		})
	}
}
