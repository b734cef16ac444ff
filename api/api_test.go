package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
	"edubureau/httpx"
)

// TestAPI runs every endpoint's scenarios on each database, checking each
// response against the OpenAPI document, and then that every response the
// document declares was produced by some scenario.
func TestAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		t.Run("areas", func(t *testing.T) { testAreas(t, f) })
		t.Run("schools/list", func(t *testing.T) { testList(t, f) })
		t.Run("schools/get", func(t *testing.T) { testGet(t, f) })
		t.Run("schools/create", func(t *testing.T) { testCreate(t, f) })
		t.Run("schools/replace", func(t *testing.T) { testReplace(t, f) })
		t.Run("scope", func(t *testing.T) { testScope(t, f) })
		t.Run("session", func(t *testing.T) { testSession(t, f) })
		t.Run("session/rate-limit", func(t *testing.T) { testSignInRate(t, f) })
		t.Run("openapi", func(t *testing.T) { testDocumentServed(t, f) })
		t.Run("calendar", func(t *testing.T) { testCalendar(t, f) })
		t.Run("admission", func(t *testing.T) { testAdmission(t, f) })
		t.Run("imports", func(t *testing.T) { testImports(t, f) })
		t.Run("students", func(t *testing.T) { testStudents(t, f) })
		f.checkCoverage(t)
	})
}

func items(t *testing.T, r *reply) []map[string]any {
	t.Helper()
	raw, ok := r.json["items"].([]any)
	if !ok {
		t.Fatalf("no items: %s", r.body)
	}
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i] = x.(map[string]any)
	}
	return out
}

func wantTotal(n int) func(t *testing.T, r *reply) {
	return func(t *testing.T, r *reply) {
		t.Helper()
		if r.json["total"] != float64(n) {
			t.Errorf("total %v, want %d", r.json["total"], n)
		}
	}
}

func wantCodes(codes ...string) func(t *testing.T, r *reply) {
	return func(t *testing.T, r *reply) {
		t.Helper()
		var got []string
		for _, it := range items(t, r) {
			got = append(got, it["code"].(string))
		}
		if strings.Join(got, ",") != strings.Join(codes, ",") {
			t.Errorf("codes %v, want %v", got, codes)
		}
	}
}

func testAreas(t *testing.T, f *fixture) {
	counties := area.Children("4304")
	townships := 0
	for _, c := range counties {
		townships += len(area.Children(c.Code))
	}
	count := func(n int, level, parent string) func(t *testing.T, r *reply) {
		return func(t *testing.T, r *reply) {
			it := items(t, r)
			if len(it) != n {
				t.Fatalf("%d areas, want %d", len(it), n)
			}
			for _, a := range it {
				if a["level"] != level || (parent != "" && a["parent"] != parent) {
					t.Fatalf("area %v: want level %s under %q", a, level, parent)
				}
			}
		}
	}
	f.run(t, []call{
		{name: "counties by default", path: "/api/v1/areas", as: "anon", status: 200, want: []string{`"code":"430421","name":"衡阳县","level":"county","kind":"county","parent":"4304"`},
			check: count(len(counties), "county", "4304")},
		{name: "counties by level", path: "/api/v1/areas?level=county", as: "anon", status: 200, check: count(len(counties), "county", "4304")},
		{name: "townships of a county", path: "/api/v1/areas?parent=430421", as: "anon", status: 200, want: []string{`"430421100","name":"西渡镇","level":"township","kind":"town"`},
			check: count(len(area.Children("430421")), "township", "430421")},
		{name: "counties of the city in six digits", path: "/api/v1/areas?parent=430400", as: "anon", status: 200, check: count(len(counties), "county", "4304")},
		{name: "every township", path: "/api/v1/areas?level=township", as: "anon", status: 200, check: count(townships, "township", "")},
		{name: "parent and level disagree", path: "/api/v1/areas?parent=430421&level=county", as: "anon", status: 200, check: count(0, "", "")},
		{name: "signed in too", path: "/api/v1/areas", status: 200},
		{name: "parent outside the jurisdiction", path: "/api/v1/areas?parent=430521", as: "anon", status: 404, want: []string{"430521"}},
		{name: "parent above the jurisdiction", path: "/api/v1/areas?parent=43", as: "anon", status: 404},
		{name: "malformed parent", path: "/api/v1/areas?parent=43x", as: "anon", status: 422, fields: []string{"parent"}},
		{name: "bad level", path: "/api/v1/areas?level=city", as: "anon", status: 422, fields: []string{"level"}},
		{name: "both bad", path: "/api/v1/areas?level=x&parent=y", as: "anon", status: 422, fields: []string{"level", "parent"}},
		{name: "unknown parameter", path: "/api/v1/areas?county=430421", as: "anon", status: 400, fields: []string{"county"},
			want: []string{"unknown-parameter"}},
		{name: "repeated parameter", path: "/api/v1/areas?parent=430421&parent=430422", as: "anon", status: 400, fields: []string{"parent"}},
		{name: "a county", path: "/api/v1/areas/430421", as: "anon", status: 200, want: []string{`{"code":"430421","name":"衡阳县","level":"county","kind":"county","parent":"4304"}`}},
		{name: "a township", path: "/api/v1/areas/430421100", as: "anon", status: 200, want: []string{`"level":"township","kind":"town","parent":"430421"`}},
		{name: "the city in six digits", path: "/api/v1/areas/430400", as: "anon", status: 200, want: []string{`"code":"4304","name":"衡阳市","level":"city"`}},
		{name: "an area outside", path: "/api/v1/areas/430521", as: "anon", status: 404},
		{name: "a malformed code", path: "/api/v1/areas/abc", as: "anon", status: 422, fields: []string{"code"}},
	})
}

func testList(t *testing.T, f *fixture) {
	all := []string{"1143000004", "2143000001", "2143000002", "2143000005", "3143000003"}
	links := func(want ...string) func(t *testing.T, r *reply) {
		return func(t *testing.T, r *reply) {
			link := r.header.Get("Link")
			for _, w := range want {
				if !strings.Contains(link, w) {
					t.Errorf("Link %q lacks %q", link, w)
				}
			}
			for _, rel := range []string{"prev", "next"} {
				has := strings.Contains(link, `rel="`+rel+`"`)
				wanted := false
				for _, w := range want {
					wanted = wanted || strings.Contains(w, `rel="`+rel+`"`)
				}
				if has != wanted {
					t.Errorf("Link %q: %s present=%v", link, rel, has)
				}
			}
		}
	}
	both := func(fs ...func(*testing.T, *reply)) func(*testing.T, *reply) {
		return func(t *testing.T, r *reply) {
			for _, fn := range fs {
				fn(t, r)
			}
		}
	}
	f.run(t, []call{
		{name: "everything", path: "/api/v1/schools", status: 200, headers: []string{"Link"}, check: both(wantTotal(5), wantCodes(all...)),
			want: []string{`"page":1,"per_page":50,"pages":1`, `"county_name":"衡阳县"`}},
		{name: "first page", path: "/api/v1/schools?per_page=2", status: 200, check: both(wantCodes(all[:2]...),
			links(`</api/v1/schools?page=2&per_page=2>; rel="next"`, `</api/v1/schools?page=3&per_page=2>; rel="last"`, `rel="first"`))},
		{name: "middle page", path: "/api/v1/schools?per_page=2&page=2", status: 200, check: both(wantCodes(all[2:4]...),
			links(`page=1&per_page=2>; rel="prev"`, `page=3&per_page=2>; rel="next"`))},
		{name: "last page", path: "/api/v1/schools?per_page=2&page=3", status: 200, want: []string{`"pages":3`},
			check: both(wantCodes(all[4]), links(`page=2&per_page=2>; rel="prev"`))},
		{name: "past the end", path: "/api/v1/schools?per_page=2&page=9", status: 200, check: both(wantTotal(5), wantCodes(), links(`page=3&per_page=2>; rel="prev"`))},
		{name: "filters kept in links", path: "/api/v1/schools?county=430421&per_page=1", status: 200,
			check: links(`</api/v1/schools?county=430421&page=2&per_page=1>; rel="next"`)},
		{name: "county", path: "/api/v1/schools?county=430421", status: 200, check: wantCodes("2143000001", "2143000002")},
		{name: "the city in six digits", path: "/api/v1/schools?county=430400", status: 200, check: wantTotal(5)},
		{name: "a county outside", path: "/api/v1/schools?county=430521", status: 200, check: wantTotal(0)},
		{name: "township", path: "/api/v1/schools?township=430421100", status: 200, check: wantCodes("2143000001")},
		{name: "type", path: "/api/v1/schools?type=junior", status: 200, check: wantCodes("3143000003")},
		{name: "ownership", path: "/api/v1/schools?ownership=private", status: 200, check: wantCodes("1143000004")},
		{name: "status", path: "/api/v1/schools?status=closed", status: 200, check: wantCodes("2143000005"), want: []string{`"closed_on":"2020-07-01"`}},
		{name: "search", path: "/api/v1/schools?q=" + url.QueryEscape("阳光"), status: 200, check: wantCodes("1143000004")},
		{name: "search English", path: "/api/v1/schools?q=NO.1", status: 200, check: wantCodes("2143000001")},
		{name: "sort", path: "/api/v1/schools?sort=capacity&desc=true", status: 200, check: wantCodes("3143000003", "2143000001", "2143000002", "2143000005", "1143000004")},
		{name: "sort ascending", path: "/api/v1/schools?sort=capacity&desc=false&type=primary", status: 200, check: wantCodes("2143000005", "2143000002", "2143000001")},
		{name: "empty values ignored", path: "/api/v1/schools?county=&type=", status: 200, check: wantTotal(5)},
		{name: "a typo", path: "/api/v1/schools?countty=430421", status: 400, fields: []string{"countty"}, want: []string{"countty", "unknown-parameter"}},
		{name: "two unknown", path: "/api/v1/schools?b=1&a=2", status: 400, fields: []string{"a", "b"}},
		{name: "repeated", path: "/api/v1/schools?type=primary&type=junior", status: 400, fields: []string{"type"}},
		{name: "bad values", path: "/api/v1/schools?page=0&per_page=501&desc=yes&sort=size&type=college&status=open&ownership=state&county=43x&township=123",
			status: 422, fields: []string{"page", "per_page", "desc", "county", "township", "type", "ownership", "status", "sort"},
			want: []string{"https://edubureau.org/problems/invalid"}},
		{name: "page not a number", path: "/api/v1/schools?page=two", status: 422, fields: []string{"page"}},
		{name: "search too long", path: "/api/v1/schools?q=" + strings.Repeat("x", 101), status: 422, fields: []string{"q"}},
		{name: "English problem", path: "/api/v1/schools?sort=size", header: []string{"Accept-Language: en-GB,en;q=0.8"}, status: 422,
			fields: []string{"sort"}, want: []string{`cannot sort by \"size\"; use one of: capacity, code, county, name, opened_on, status, type, updated_at`, `"title":"Invalid data"`},
			headers: []string{"Content-Language: en"}},
		{name: "Chinese by default", path: "/api/v1/schools?sort=size", status: 422, want: []string{"不能按", `"en":"cannot sort by`},
			headers: []string{"Content-Language: zh-CN"}},
		{name: "language cookie", path: "/api/v1/schools?sort=size", header: []string{"Cookie: lang=en"}, status: 422, want: []string{`"detail":"the data has problems`}},
		{name: "not signed in", path: "/api/v1/schools", as: "anon", status: 401, headers: []string{`WWW-Authenticate: Bearer realm="edubureau"`}},
		{name: "unknown token", path: "/api/v1/schools", as: "Bearer not-a-token", status: 401},
		{name: "no permission", path: "/api/v1/schools", as: "clerk", status: 403},
	})
}

func testGet(t *testing.T, f *fixture) {
	f.run(t, []call{
		{name: "a school", path: "/api/v1/schools/2143000001", status: 200, headers: []string{`ETag: "v1"`, "Cache-Control: private, no-cache"},
			want: []string{`"code":"2143000001","name":"衡阳县第一小学"`, `"lng":112.37`, `"county_name":"衡阳县","township_name":"西渡镇"`}},
		{name: "current copy", path: "/api/v1/schools/2143000001", header: []string{`If-None-Match: "v1"`}, status: 304, headers: []string{`ETag: "v1"`}},
		{name: "weak comparison", path: "/api/v1/schools/2143000001", header: []string{`If-None-Match: W/"v1"`}, status: 304},
		{name: "one of a list", path: "/api/v1/schools/2143000001", header: []string{`If-None-Match: "v0", "v1"`}, status: 304},
		{name: "any copy", path: "/api/v1/schools/2143000001", header: []string{`If-None-Match: *`}, status: 304},
		{name: "old copy", path: "/api/v1/schools/2143000001", header: []string{`If-None-Match: "v0"`}, status: 200},
		{name: "malformed If-None-Match ignored", path: "/api/v1/schools/2143000001", header: []string{`If-None-Match: v1`}, status: 200},
		{name: "absent", path: "/api/v1/schools/2143009999", status: 404, want: []string{"2143009999", "https://edubureau.org/problems/not-found"}},
		{name: "not an identifier", path: "/api/v1/schools/abc", status: 404},
		{name: "not signed in", path: "/api/v1/schools/2143000001", as: "anon", status: 401},
		{name: "no permission", path: "/api/v1/schools/2143000001", as: "clerk", status: 403},
		{name: "history", path: "/api/v1/schools/2143000001/history", status: 200, want: []string{`"version":1,"action":"create"`, `"changed_by":"seed"`}},
		{name: "history of none", path: "/api/v1/schools/2143009999/history", status: 404},
		{name: "history not signed in", path: "/api/v1/schools/2143000001/history", as: "anon", status: 401},
		{name: "history no permission", path: "/api/v1/schools/2143000001/history", as: "clerk", status: 403},
		{name: "names", path: "/api/v1/schools/2143000001/names", status: 200, want: []string{`{"items":[{"name":"衡阳县第一小学","name_en":"Hengyang County No.1 Primary School","valid_from":"2001-09-01"}]}`}},
		{name: "names of none", path: "/api/v1/schools/2143009999/names", status: 404},
		{name: "names not signed in", path: "/api/v1/schools/2143000001/names", as: "anon", status: 401},
		{name: "names no permission", path: "/api/v1/schools/2143000001/names", as: "clerk", status: 403},
	})
}

const newSchool = `{"code":"2143000010","name":"衡南县新城小学","type":"primary","ownership":"public","county":"430422",` +
	`"status":"active","opened_on":"2020-09-01","capacity":1200,"lng":112.6,"lat":26.7}`

func testCreate(t *testing.T, f *fixture) {
	with := func(code string) string { return strings.Replace(newSchool, "2143000010", code, 1) }
	f.run(t, []call{
		{name: "create", method: "POST", path: "/api/v1/schools", body: newSchool, status: 201,
			headers: []string{"Location: /api/v1/schools/2143000010", `ETag: "v1"`}, want: []string{`"version":1`, `"county_name":"衡南县"`}},
		{name: "then get it", path: "/api/v1/schools/2143000010", status: 200, want: []string{`"capacity":1200`}},
		{name: "duplicate", method: "POST", path: "/api/v1/schools", body: newSchool, status: 409, fields: []string{"code"},
			want: []string{"https://edubureau.org/problems/conflict"}},
		{name: "rules broken", method: "POST", path: "/api/v1/schools", status: 422,
			body:   `{"code":"214300001","name":"","type":"primary","ownership":"state","county":"430422","status":"active"}`,
			fields: []string{"code", "name", "ownership", "opened_on"}, want: []string{`"detail":"提交的数据有误`, `"message":"学校标识码应为 10 位数字，实为 9 位"`}},
		{name: "rules broken in English", method: "POST", path: "/api/v1/schools", header: []string{"Accept-Language: en"}, status: 422,
			body:   `{"code":"214300001","name":"x","type":"primary","ownership":"public","county":"430422","status":"preparing"}`,
			fields: []string{"code"},
			want: []string{`"detail":"the data has problems`, `"message":"the school identifier must be 10 digits, not 9"`,
				`"message_i18n":{"zh":"学校标识码应为 10 位数字，实为 9 位","en":"the school identifier must be 10 digits, not 9"}`,
				`"detail_i18n":{"zh":"提交的数据有误，请按提示修改"`}},
		{name: "county outside the jurisdiction", method: "POST", path: "/api/v1/schools", body: strings.Replace(with("2143000011"), "430422", "430521", 1),
			status: 422, fields: []string{"county"}},
		{name: "unknown member", method: "POST", path: "/api/v1/schools", body: strings.Replace(newSchool, `"capacity"`, `"colour":"red","capacity"`, 1),
			status: 400, fields: []string{"colour"}, want: []string{`unknown member \"colour\"`}},
		{name: "wrong type", method: "POST", path: "/api/v1/schools", body: strings.Replace(newSchool, "1200", `"many"`, 1),
			status: 422, fields: []string{"capacity"}, want: []string{"must be integer, not a JSON string"}},
		{name: "wrong type of a coordinate", method: "POST", path: "/api/v1/schools", body: strings.Replace(newSchool, "112.6", `"east"`, 1),
			status: 422, fields: []string{"lng"}},
		{name: "a fraction for a count", method: "POST", path: "/api/v1/schools", body: strings.Replace(newSchool, "1200", `12.5`, 1),
			status: 422, fields: []string{"capacity"}},
		{name: "malformed JSON", method: "POST", path: "/api/v1/schools", body: "{\"code\": \"2143000012\",\n \"name\": }", status: 400,
			header: []string{"Accept-Language: en"}, want: []string{"malformed JSON at line 2, column 10", "https://edubureau.org/problems/malformed-request"}},
		{name: "truncated", method: "POST", path: "/api/v1/schools", body: `{"code":"2143`, status: 400},
		{name: "trailing data", method: "POST", path: "/api/v1/schools", body: with("2143000012") + `{}`, status: 400, want: []string{"after the JSON object"}},
		{name: "not an object", method: "POST", path: "/api/v1/schools", body: `[1,2]`, status: 400},
		{name: "null", method: "POST", path: "/api/v1/schools", body: `null`, status: 400},
		{name: "empty", method: "POST", path: "/api/v1/schools", header: []string{"Content-Type: application/json"}, status: 400},
		{name: "not UTF-8", method: "POST", path: "/api/v1/schools", body: "{\"name\":\"\xff\"}", status: 400, want: []string{"UTF-8", "第 9 字节"}},
		{name: "too large", method: "POST", path: "/api/v1/schools", body: `{"name":"` + strings.Repeat("x", bodyLimit) + `"}`, status: 413,
			want: []string{"https://edubureau.org/problems/too-large"}},
		{name: "plain text", method: "POST", path: "/api/v1/schools", body: newSchool, header: []string{"Content-Type: text/plain"}, status: 415,
			want: []string{"https://edubureau.org/problems/unsupported-media-type"}},
		{name: "a form", method: "POST", path: "/api/v1/schools", body: "code=1", header: []string{"Content-Type: application/x-www-form-urlencoded"}, status: 415},
		{name: "Latin-1", method: "POST", path: "/api/v1/schools", body: newSchool, header: []string{"Content-Type: application/json; charset=iso-8859-1"}, status: 415},
		{name: "no content type", method: "POST", path: "/api/v1/schools", body: newSchool, header: []string{"Content-Type:"}, status: 415},
		{name: "compressed", method: "POST", path: "/api/v1/schools", body: newSchool, header: []string{"Content-Encoding: gzip"}, status: 415},
		{name: "charset named", method: "POST", path: "/api/v1/schools", body: with("2143000013"), header: []string{"Content-Type: application/json; charset=UTF-8"},
			status: 201},
		{name: "not signed in", method: "POST", path: "/api/v1/schools", body: with("2143000014"), as: "anon", status: 401},
		{name: "no permission", method: "POST", path: "/api/v1/schools", body: with("2143000014"), as: "clerk", status: 403},
	})
}

func testReplace(t *testing.T, f *fixture) {
	const path = "/api/v1/schools/2143000002"
	body := `{"name":"衡阳县实验小学","name_en":"Hengyang County Experimental Primary School","type":"primary","ownership":"public",` +
		`"county":"430421","status":"active","opened_on":"1998-09-01","capacity":600,"renamed_on":"2026-09-01"}`
	f.run(t, []call{
		{name: "no If-Match", method: "PUT", path: path, body: body, status: 428, fields: []string{"If-Match"},
			want: []string{"https://edubureau.org/problems/precondition-required"}},
		{name: "malformed If-Match", method: "PUT", path: path, body: body, header: []string{"If-Match: v1"}, status: 400, fields: []string{"If-Match"}},
		{name: "stale", method: "PUT", path: path, body: body, header: []string{`If-Match: "v7"`}, status: 412,
			want: []string{"https://edubureau.org/problems/precondition-failed", "当前版本 1"}},
		{name: "weak tags never match", method: "PUT", path: path, body: body, header: []string{`If-Match: W/"v1"`}, status: 412},
		{name: "absent school", method: "PUT", path: "/api/v1/schools/2143009999", body: body, header: []string{`If-Match: "v1"`}, status: 404},
		{name: "unknown member", method: "PUT", path: path, body: strings.Replace(body, `"renamed_on"`, `"renamed":"x","renamed_on"`, 1),
			header: []string{`If-Match: "v1"`}, status: 400, fields: []string{"renamed"}},
		{name: "wrong content type", method: "PUT", path: path, body: body, header: []string{`If-Match: "v1"`, "Content-Type: text/json"}, status: 415},
		{name: "too large", method: "PUT", path: path, body: `{"name":"` + strings.Repeat("名", bodyLimit/3) + `"}`, header: []string{`If-Match: "v1"`}, status: 413},
		{name: "identifier changed", method: "PUT", path: path, body: strings.Replace(body, `{"name"`, `{"code":"2143000001","name"`, 1),
			header: []string{`If-Match: "v1"`}, status: 422, fields: []string{"code"}},
		{name: "rename in the future", method: "PUT", path: path, body: strings.Replace(body, "2026-09-01", "2030-01-01", 1),
			header: []string{`If-Match: "v1"`}, status: 422, fields: []string{"renamed_on"}},
		{name: "rules broken", method: "PUT", path: path, body: strings.Replace(body, `"衡阳县实验小学"`, `""`, 1),
			header: []string{`If-Match: "v1"`}, status: 422, fields: []string{"name"}},
		{name: "rename", method: "PUT", path: path, body: body, header: []string{`If-Match: "v1"`}, status: 200,
			headers: []string{`ETag: "v2"`}, want: []string{`"name":"衡阳县实验小学"`, `"version":2`}},
		{name: "the old tag is stale now", method: "PUT", path: path, body: body, header: []string{`If-Match: "v1"`}, status: 412},
		{name: "names", path: path + "/names", status: 200,
			want: []string{`{"name":"衡阳县实验小学","name_en":"Hengyang County Experimental Primary School","valid_from":"2026-09-01"}`,
				`{"name":"衡阳县第二小学","name_en":"","valid_from":"1998-09-01","valid_to":"2026-09-01"}`}},
		{name: "history", path: path + "/history", status: 200,
			want: []string{`{"version":2,"action":"rename"`, `{"field":"name","old":"衡阳县第二小学","new":"衡阳县实验小学"}`}},
		{name: "the former name still finds it", path: "/api/v1/schools?q=" + url.QueryEscape("第二小学"), status: 200, check: wantCodes("2143000002")},
		{name: "not signed in", method: "PUT", path: path, body: body, header: []string{`If-Match: "v2"`}, as: "anon", status: 401},
		{name: "no permission", method: "PUT", path: path, body: body, header: []string{`If-Match: "v2"`}, as: "clerk", status: 403},
	})
	// A client may send back what it read, read-only members and all.
	got := f.do(t, call{name: "read", path: path, status: 200})
	got.json["capacity"] = 650
	back, _ := json.Marshal(got.json)
	if err := f.doc.checkRequest(t, "PUT "+Prefix+"/schools/{code}", string(back)); err != nil {
		t.Errorf("a school read does not validate as a replacement: %v", err)
	}
	f.do(t, call{name: "send back", method: "PUT", path: path, body: string(back), header: []string{"If-Match: " + got.header.Get("ETag")},
		status: 200, headers: []string{`ETag: "v3"`}, want: []string{`"capacity":650`}})
	f.do(t, call{name: "any version", method: "PUT", path: path, body: string(back), header: []string{"If-Match: *"},
		status: 200, headers: []string{`ETag: "v3"`}})
}

// testScope runs requests as a county bureau's user, whose scope is one
// county. Such a user holds no permission yet (the access issue adds roles),
// so the handlers are called past the permission check.
func testScope(t *testing.T, f *fixture) {
	u := auth.User{ID: 7, Username: "county", Role: auth.Staff, Section: "schools", OrgKind: auth.OrgCounty, OrgCode: "430421"}
	mux := http.NewServeMux()
	for _, rt := range f.api.Routes() {
		mux.HandleFunc(rt.Method+" "+rt.Pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Test-Route", rt.Method+" "+rt.Pattern)
			rt.Handler(w, r.WithContext(auth.WithUser(r.Context(), u)))
		})
	}
	srv := httptest.NewServer(httpx.Observe(slog.New(slog.DiscardHandler), mux))
	defer srv.Close()
	main := f.srv
	f.srv = srv
	defer func() { f.srv = main }()
	f.run(t, []call{
		{name: "list", path: "/api/v1/schools", status: 200, check: wantCodes("2143000001", "2143000002")},
		{name: "another county's school", path: "/api/v1/schools/3143000003", status: 404},
		{name: "another county's history", path: "/api/v1/schools/3143000003/history", status: 404},
		{name: "create in another county", method: "POST", path: "/api/v1/schools", body: strings.Replace(newSchool, "2143000010", "2143000020", 1),
			status: 403, want: []string{"https://edubureau.org/problems/forbidden"}},
		{name: "replace another county's", method: "PUT", path: "/api/v1/schools/3143000003", body: `{"name":"x"}`, header: []string{`If-Match: "v1"`}, status: 404},
	})
}

func testSession(t *testing.T, f *fixture) {
	const path = "/api/v1/session"
	signIn := `{"username":"admin","password":"` + testPassword + `"}`
	var token string
	f.do(t, call{name: "sign in", method: "POST", path: path, as: "anon", body: signIn, status: 201,
		want: []string{`"username":"admin"`, `"idle_timeout_seconds":1800`, `"must_change_password":false`},
		check: func(t *testing.T, r *reply) {
			token = r.str("token")
			c := r.header.Get("Set-Cookie")
			for _, w := range []string{auth.CookieName + "=" + token, "HttpOnly", "SameSite=Lax", "Path=/", "Expires="} {
				if !strings.Contains(c, w) {
					t.Errorf("Set-Cookie %q lacks %s", c, w)
				}
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("a token response must not be stored")
			}
		}})
	if token == "" {
		t.Fatal("no token")
	}
	bearer := "Bearer " + token
	f.do(t, call{name: "use the token", path: "/api/v1/schools?per_page=1", as: bearer, status: 200})
	f.do(t, call{name: "sign out", method: "DELETE", path: path, as: bearer, status: 204,
		check: func(t *testing.T, r *reply) {
			if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=0") {
				t.Errorf("the cookie is not cleared: %q", c)
			}
		}})
	f.do(t, call{name: "the token is revoked", path: "/api/v1/schools", as: bearer, status: 401})
	f.do(t, call{name: "sign out again", method: "DELETE", path: path, as: bearer, status: 401})
	f.do(t, call{name: "sign out anonymous", method: "DELETE", path: path, as: "anon", status: 401})

	// The cookie alone signs in and out too.
	r := f.do(t, call{name: "sign in for the cookie", method: "POST", path: path, as: "anon", body: signIn, status: 201})
	cookie := "Cookie: " + auth.CookieName + "=" + r.str("token")
	f.do(t, call{name: "use the cookie", path: "/api/v1/schools?per_page=1", as: "anon", header: []string{cookie}, status: 200})
	f.do(t, call{name: "sign out with the cookie", method: "DELETE", path: path, as: "anon", header: []string{cookie}, status: 204})
	f.do(t, call{name: "the cookie is revoked", path: "/api/v1/schools", as: "anon", header: []string{cookie}, status: 401})

	// A request carrying both a token and a cookie signs both out.
	a := f.do(t, call{name: "sign in A", method: "POST", path: path, as: "anon", body: signIn, status: 201}).str("token")
	b := f.do(t, call{name: "sign in B", method: "POST", path: path, as: "anon", body: signIn, status: 201}).str("token")
	f.do(t, call{name: "sign out both", method: "DELETE", path: path, as: "Bearer " + a, header: []string{"Cookie: " + auth.CookieName + "=" + b}, status: 204})
	f.do(t, call{name: "A is revoked", path: "/api/v1/schools", as: "Bearer " + a, status: 401})
	f.do(t, call{name: "B is revoked", path: "/api/v1/schools", as: "Bearer " + b, status: 401})

	if _, err := f.d.ExecContext(context.Background(), `UPDATE app_user SET disabled = $1 WHERE username = 'gone'`, true); err != nil {
		t.Fatal(err)
	}
	f.run(t, []call{
		{name: "wrong password", method: "POST", path: path, as: "anon", body: `{"username":"admin","password":"Wrong-2026-pw"}`, status: 401,
			want: []string{"用户名或密码不正确"}},
		{name: "unknown user", method: "POST", path: path, as: "anon", body: `{"username":"nobody","password":"Wrong-2026-pw"}`, status: 401},
		{name: "disabled account", method: "POST", path: path, as: "anon", body: `{"username":"gone","password":"` + testPassword + `"}`, status: 403},
		{name: "disabled account's session", path: "/api/v1/schools", as: "gone", status: 401},
		{name: "missing password", method: "POST", path: path, as: "anon", body: `{"username":"admin"}`, status: 422, fields: []string{"password"}},
		{name: "nothing", method: "POST", path: path, as: "anon", body: `{}`, status: 422, fields: []string{"username", "password"}},
		{name: "unknown member", method: "POST", path: path, as: "anon", body: `{"username":"admin","password":"x","remember":true}`, status: 400, fields: []string{"remember"}},
		{name: "wrong type", method: "POST", path: path, as: "anon", body: `{"username":"admin","password":123}`, status: 422, fields: []string{"password"}},
		{name: "malformed", method: "POST", path: path, as: "anon", body: `{"username":`, status: 400},
		{name: "a form", method: "POST", path: path, as: "anon", body: "username=admin", header: []string{"Content-Type: application/x-www-form-urlencoded"}, status: 415},
		{name: "too large", method: "POST", path: path, as: "anon", body: `{"username":"` + strings.Repeat("a", bodyLimit) + `"}`, status: 413},
	})
}

func testDocumentServed(t *testing.T, f *fixture) {
	r := f.do(t, call{name: "document", path: "/api/v1/openapi.json", as: "anon", status: 200, want: []string{`"openapi":"3.1.0"`, `"version":"1.2.3-test"`}})
	f.do(t, call{name: "not modified", path: "/api/v1/openapi.json", as: "anon", header: []string{"If-None-Match: " + r.header.Get("ETag")}, status: 304})
}

// TestInternalError checks that an internal failure is logged with its cause
// and answered with a problem that does not show it.
func TestInternalError(t *testing.T) {
	a := New(Deps{Version: "test"})
	var logs bytes.Buffer
	h := httpx.Observe(slog.New(slog.NewTextHandler(&logs, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Fail(w, r, errors.New("database on fire"))
	}))
	req := httptest.NewRequest("GET", "/api/v1/schools?x=1", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 500 || strings.Contains(w.Body.String(), "fire") || !strings.Contains(logs.String(), "database on fire") {
		t.Fatalf("%d %s\nlogs: %s", w.Code, w.Body, logs.String())
	}
	r := &reply{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	json.Unmarshal(r.body, &r.json)
	loadContract(t).checkResponse(t, "GET /api/v1/schools", r)
	checkProblem(t, req, r, nil)
	// A wrapped internal error shows neither its cause nor its context.
	w = httptest.NewRecorder()
	h = httpx.Observe(slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Fail(w, r, fault.Wrap(errors.New("secret cause"), "read the school table"))
	}))
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/schools", nil))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "school table") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// httpRecorder calls a handler directly.
func httpRecorder(h http.HandlerFunc, method, target string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h(w, req)
	return w
}

// testSignInRate guesses from one address across many (unknown) accounts
// until the per-IP limit answers 429 with Retry-After. It runs last among
// the sign-in tests: the limiter remembers the address for a minute.
func testSignInRate(t *testing.T, f *fixture) {
	for i := 0; i < 40; i++ {
		body := fmt.Sprintf(`{"username":"guess%d","password":"Wrong-2026-pw"}`, i)
		r := f.do(t, call{name: "guess", method: "POST", path: "/api/v1/session", as: "anon", body: body, status: -1})
		if r.status == http.StatusTooManyRequests {
			if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Fatalf("429 without a usable Retry-After: %q", ra)
			}
			return
		}
		if r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d", i, r.status)
		}
	}
	t.Fatal("40 guesses from one address were never limited")
}
