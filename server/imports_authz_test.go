package server

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"edubureau/db"
)

// importEntries are the bulk import pages (web/imports.go) for each kind:
// an import of school A (in 珠晖区, which the school's administrator and the
// county's staff reach) and one of school B (衡阳县, out of their scope),
// each with its report, recorded as a finished import.
func importEntries(t *testing.T, d *db.DB, dir string) map[string]entry {
	t.Helper()
	job := func(kind, county, school string) string {
		id := db.NewID()
		report := "report-" + strconv.FormatInt(id, 10) + ".xlsx"
		if err := os.WriteFile(filepath.Join(dir, report), []byte("PK"), 0o600); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if _, err := d.Exec(`INSERT INTO import_job (id, kind, file_name, file_size, mode, via, status, refused, report, username,
			area_code, school_code, started_at, finished_at) VALUES ($1, $2, 'x.csv', 10, 'all_or_nothing', 'web', 'refused', 1, $3, 'seed', $4, $5, $6, $6)`,
			id, kind, report, county, school, now); err != nil {
			t.Fatal(err)
		}
		return "/imports/" + kind + "/" + strconv.FormatInt(id, 10)
	}
	out := map[string]entry{
		"GET /imports": {need: "signed_in", path: "/imports"},
		// The API's imports: a JSON body is refused (415) once the caller may import.
		"POST /api/v1/students/import": {need: "student.edit", path: "/api/v1/students/import", json: "{}"},
		"POST /api/v1/schools/import":  {need: "school.edit", path: "/api/v1/schools/import", json: "{}"},
		// The admission office's kinds.
		"POST /api/v1/zhongkao/import":     {need: "admission.edit", path: "/api/v1/zhongkao/import", json: "{}"},
		"POST /api/v1/senior-plans/import": {need: "admission.edit", path: "/api/v1/senior-plans/import", json: "{}"},
	}
	for _, k := range []struct{ kind, perm string }{{"students", "student.edit"}, {"schools", "school.edit"},
		{"zhongkao", "admission.edit"}, {"senior-plans", "admission.edit"}} {
		in, other := job(k.kind, "430405", schoolA), job(k.kind, "430421", schoolB)
		base := "/imports/" + k.kind
		out["GET "+base] = entry{need: k.perm, path: base}
		out["POST "+base] = entry{need: k.perm, path: base, form: map[string][]string{"mode": {"all_or_nothing"}}}
		out["GET "+base+"/template.xlsx"] = entry{need: k.perm, path: base + "/template.xlsx"}
		out["GET "+base+"/{id}"] = entry{need: k.perm, path: in, out: other}
		out["GET "+base+"/{id}/progress"] = entry{need: k.perm, path: in + "/progress", out: other + "/progress"}
		out["POST "+base+"/{id}/cancel"] = entry{need: k.perm, path: in + "/cancel", out: other + "/cancel", form: map[string][]string{}}
		out["GET "+base+"/{id}/report.xlsx"] = entry{need: k.perm, path: in + "/report.xlsx", out: other + "/report.xlsx"}
	}
	return out
}
