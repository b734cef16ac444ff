package school_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edubureau/audit"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/i18n"
	"edubureau/importer"
	"edubureau/school"
	"edubureau/scope"
)

const schoolsCSV = `学校标识码,学校名称,办学类型,举办者类型,县区代码,乡镇（街道）代码,办学状态,开办日期,规模（学位数）,办学许可证号,发证日期,有效期至,县区
2143040001,珠晖区第一小学,小学,公办,430405,,办学中,2001-09-01,900,,,,珠晖区
3143040002,衡阳县实验中学,初级中学,公办,衡阳县,,办学中,2005/9/1,1500,,,,衡阳县
1143040003,蒸湘区阳光幼儿园,幼儿园,民办,430408,,办学中,2015-03-01,180,教民143040870001,2015-01-10,2027-01-09,蒸湘区
`

func importSchools(t *testing.T, r *school.Registry, sc scope.Scope, name, csv string, opt importer.Options) importer.Result {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := importer.FileSource(p)
	if err != nil {
		t.Fatal(err)
	}
	svc := importer.New(r.DB, r.Audit, "")
	res, err := svc.Run(context.Background(), importer.Request{Kind: school.ImportKind{Registry: r}, Source: src, Options: opt,
		Actor: audit.Actor{Username: "importer"}, Scope: sc})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func problems(res importer.Result) string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.In(i18n.ZH))
	}
	return strings.Join(out, "\n")
}

func TestImportSchools(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := setup(t, d)
		res := importSchools(t, r, scope.Everything, "schools.csv", schoolsCSV, importer.Options{})
		if res.Status != importer.Done || res.Created != 3 {
			t.Fatalf("%s %+v\n%s", res.Status, res.Counts, problems(res))
		}
		s, err := r.Get(ctx, scope.Everything, "3143040002")
		if err != nil || s.County != "430421" || s.OpenedOn != "2005-09-01" || s.Type != school.Junior {
			t.Fatalf("%+v %v", s, err)
		}
		// Again: nothing changes.
		res = importSchools(t, r, scope.Everything, "schools.csv", schoolsCSV, importer.Options{})
		if res.Status != importer.Done || res.Unchanged != 3 || res.Created+res.Updated != 0 {
			t.Fatalf("again: %+v\n%s", res.Counts, problems(res))
		}
		// A corrected file: a rename, kept among the former names.
		renamed := strings.Replace(schoolsCSV, "珠晖区第一小学", "珠晖区实验小学", 1)
		res = importSchools(t, r, scope.Everything, "schools.csv", renamed, importer.Options{})
		if res.Updated != 1 || res.Unchanged != 2 {
			t.Fatalf("rename: %+v\n%s", res.Counts, problems(res))
		}
		names, err := r.Names(ctx, scope.Everything, "2143040001")
		if err != nil || len(names) != 2 {
			t.Fatalf("former names %+v %v", names, err)
		}
	})
}

func TestImportSchoolsRefusesRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := setup(t, d)
		county := scope.Area("430405") // a county bureau's staff
		bad := `学校标识码,学校名称,办学类型,举办者类型,县区代码,办学状态,开办日期
2143040001,珠晖区第一小学,小学,公办,430405,办学中,2001-09-01
2143040002,衡阳县第二小学,小学,公办,430421,办学中,2001-09-01
3143040003,初中却标成小学,小学,公办,430405,办学中,2001-09-01
2143040004,民办无证小学,小学,民办,430405,办学中,2001-09-01
2143040005,外省小学,小学,公办,北京,办学中,2001-09-01
`
		res := importSchools(t, r, county, "bad.csv", bad, importer.Options{})
		if res.Status != importer.Refused || res.Refused != 4 {
			t.Fatalf("%s %+v\n%s", res.Status, res.Counts, problems(res))
		}
		if n, _ := countSchools(d); n != 0 {
			t.Fatalf("%d schools written", n)
		}
		text := problems(res)
		for _, want := range []string{"第 3 行 县区代码（E3）：您无权在县区 430421 新建学校", "第 4 行 学校标识码（A4）", "第 5 行 办学许可证号",
			"第 6 行 县区代码（E6）"} {
			if !strings.Contains(text, want) {
				t.Errorf("no %q in\n%s", want, text)
			}
		}
		res = importSchools(t, r, county, "bad.csv", bad, importer.Options{Mode: importer.ValidOnly})
		if res.Status != importer.Partial || res.Created != 1 {
			t.Fatalf("%s %+v\n%s", res.Status, res.Counts, problems(res))
		}
		// A school of another county, seen by a county's staff: outside their scope.
		if _, err := r.Create(context.Background(), scope.Everything, primary("2143040009", "衡阳县第九小学", "430421"), school.Actor{Username: "x"}); err != nil {
			t.Fatal(err)
		}
		res = importSchools(t, r, county, "other.csv", "学校标识码,学校名称,办学类型,举办者类型,县区代码,办学状态,开办日期\n2143040009,改名,小学,公办,430405,办学中,2001-09-01\n", importer.Options{})
		if !strings.Contains(problems(res), "权限范围以外") {
			t.Fatalf("%s", problems(res))
		}
	})
}

func countSchools(d *db.DB) (int, error) {
	var n int
	err := d.QueryRow(`SELECT COUNT(*) FROM school`).Scan(&n)
	return n, err
}

func TestSchoolImportSpec(t *testing.T) {
	if err := importer.CheckSpec(school.ImportKind{}.Spec()); err != nil {
		t.Fatal(err)
	}
}
