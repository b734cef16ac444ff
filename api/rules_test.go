package api

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"edubureau/fault"
	"edubureau/school"
)

func TestParseETags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		tags []entityTag
		star bool
		ok   bool
	}{
		{`"v1"`, []entityTag{{false, "v1"}}, false, true},
		{`W/"v1"`, []entityTag{{true, "v1"}}, false, true},
		{` "v1" , W/"v2",, "x"`, []entityTag{{false, "v1"}, {true, "v2"}, {false, "x"}}, false, true},
		{`*`, nil, true, true},
		{` * `, nil, true, true},
		{`""`, []entityTag{{false, ""}}, false, true},
		{`v1`, nil, false, false},
		{`"v1`, nil, false, false},
		{`"v1" "v2"`, nil, false, false},
		{`"v 1"`, nil, false, false},
		{`w/"v1"`, nil, false, false},
		{``, nil, false, false},
		{`,`, nil, false, false},
		{`"v1", *`, nil, false, false},
	} {
		tags, star, ok := parseETags(tc.in)
		if ok != tc.ok || star != tc.star || (ok && !reflect.DeepEqual(tags, tc.tags)) {
			t.Errorf("parseETags(%q) = %v, %v, %v; want %v, %v, %v", tc.in, tags, star, ok, tc.tags, tc.star, tc.ok)
		}
	}
}

func TestConditionalMatches(t *testing.T) {
	for _, tc := range []struct {
		header         string
		version        int
		strong, weakEq bool // strong (If-Match) and weak (If-None-Match) results
	}{
		{`"v3"`, 3, true, true},
		{`"v3"`, 4, false, false},
		{`W/"v3"`, 3, false, true},
		{`"v1", "v3"`, 3, true, true},
		{`*`, 9, true, true},
		{`"3"`, 3, false, false},
	} {
		tags, star, _ := parseETags(tc.header)
		c := conditional{present: true, valid: true, star: star, tags: tags}
		if got := c.matches(tc.version, true); got != tc.strong {
			t.Errorf("If-Match %s vs v%d: %v", tc.header, tc.version, got)
		}
		if got := c.matches(tc.version, false); got != tc.weakEq {
			t.Errorf("If-None-Match %s vs v%d: %v", tc.header, tc.version, got)
		}
	}
	if schoolETag(12) != `"v12"` {
		t.Error(schoolETag(12))
	}
}

func TestPosition(t *testing.T) {
	body := []byte("{\n  \"名\": x\n}")
	for _, tc := range []struct{ offset, line, col int }{
		{0, 1, 1}, {1, 1, 2}, {2, 2, 1}, {4, 2, 3}, {len("{\n  \"名\": "), 2, 8}, {-5, 1, 1}, {999, 3, 2},
	} {
		if l, c := position(body, tc.offset); l != tc.line || c != tc.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tc.offset, l, c, tc.line, tc.col)
		}
	}
}

func TestPageLinks(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/v1/schools?type=primary&page=2&per_page=10", nil)
	for _, tc := range []struct {
		page, pages int
		want        string
	}{
		{1, 0, `</api/v1/schools?page=1&per_page=10&type=primary>; rel="first", </api/v1/schools?page=1&per_page=10&type=primary>; rel="last"`},
		{1, 3, `</api/v1/schools?page=1&per_page=10&type=primary>; rel="first", </api/v1/schools?page=2&per_page=10&type=primary>; rel="next", </api/v1/schools?page=3&per_page=10&type=primary>; rel="last"`},
		{3, 3, `</api/v1/schools?page=1&per_page=10&type=primary>; rel="first", </api/v1/schools?page=2&per_page=10&type=primary>; rel="prev", </api/v1/schools?page=3&per_page=10&type=primary>; rel="last"`},
		{7, 3, `</api/v1/schools?page=1&per_page=10&type=primary>; rel="first", </api/v1/schools?page=3&per_page=10&type=primary>; rel="prev", </api/v1/schools?page=3&per_page=10&type=primary>; rel="last"`},
	} {
		if got := pageLinks(r, tc.page, tc.pages); got != tc.want {
			t.Errorf("page %d of %d:\n got %s\nwant %s", tc.page, tc.pages, got, tc.want)
		}
	}
}

func TestBearerToken(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": "", "Bearerabc": "",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", in)
		if got := BearerToken(r); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func jsonNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonNames(f.Type)...)
			continue
		}
		if name := strings.Split(f.Tag.Get("json"), ",")[0]; name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// TestInputFollowsSchool checks that a client may send every member of a
// school as GET returns it, and that the document lists the same members,
// so that a field added to school.School cannot be forgotten here.
func TestInputFollowsSchool(t *testing.T) {
	want := jsonNames(reflect.TypeOf(school.School{}))
	if got := jsonNames(reflect.TypeOf(schoolInput{})); !slices.Equal(got, want) {
		t.Errorf("schoolInput members %v\nschool.School members %v", got, want)
	}
	k := loadContract(t)
	for _, name := range []string{"School", "SchoolInput"} {
		var got []string
		for p := range k.at("#/components/schemas/" + name + "/properties").(map[string]any) {
			got = append(got, p)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("openapi.json %s properties %v\nschool.School members %v", name, got, want)
		}
	}
}

// TestRequestSchemas checks the request schemas against bodies the API
// accepts and refuses, so that the document describes what the code does.
func TestRequestSchemas(t *testing.T) {
	k := loadContract(t)
	for _, tc := range []struct {
		route, body string
		ok          bool
	}{
		{"POST /api/v1/schools", newSchool, true},
		{"POST /api/v1/schools", `{"code":"2143000010","name":"x","type":"primary","ownership":"public","county":"430422","status":"preparing","township":null,"lng":null,"lat":null,"opened_on":""}`, true},
		{"POST /api/v1/schools", strings.Replace(newSchool, `"capacity"`, `"colour":"red","capacity"`, 1), false},
		{"POST /api/v1/schools", strings.Replace(newSchool, `1200`, `"many"`, 1), false},
		{"POST /api/v1/schools", `{"name":"x"}`, false},
		{"POST /api/v1/schools", `{"code":"2143000010","name":"x","type":"primary","ownership":"public","county":"430422","status":"preparing","renamed_on":"2026-01-01"}`, false},
		{"PUT /api/v1/schools/{code}", `{"name":"x","type":"primary","ownership":"public","county":"430422","status":"preparing","renamed_on":"2026-01-01"}`, true},
		{"PUT /api/v1/schools/{code}", `{"name":"x","type":"primary","ownership":"public","county":"430422","status":"preparing","renamed":"2026-01-01"}`, false},
		{"POST /api/v1/session", `{"username":"admin","password":"x"}`, true},
		{"POST /api/v1/session", `{"username":"admin","password":"x","remember":true}`, false},
	} {
		err := k.checkRequest(t, tc.route, tc.body)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s: valid=%v, want %v: %v", tc.route, tc.body, err == nil, tc.ok, err)
		}
		// The API agrees with the schema about members and types.
		var in any = &schoolInput{}
		switch {
		case strings.HasPrefix(tc.route, "PUT"):
			in = &schoolReplacement{}
		case strings.Contains(tc.route, "session"):
			in = &signInRequest{}
		}
		derr := decodeBody([]byte(tc.body), in)
		if tc.ok && derr != nil {
			t.Errorf("%s %s: the schema accepts what decoding refuses: %v", tc.route, tc.body, derr)
		}
	}
}

// statusOf is the status Fail would answer err with.
func statusOf(err error) int {
	return statusFor(fault.KindOf(err))
}

func statusFor(k fault.Kind) int {
	return problemFor(httptest.NewRequest("GET", "/", nil), &fault.Error{Kind: k}, "en").Status
}

func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{newSchool, `{}`, `{"capacity":"x"}`, `{"a":1}`, "{\"name\":\"\xff\"}", `[`, `{"lng":1e400}`, `{"name":"x"}{}`, ` `, `{"code":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in schoolReplacement
		err := decodeBody(body, &in)
		if err == nil {
			if !utf8.Valid(body) {
				t.Fatalf("accepted invalid UTF-8 %q", body)
			}
			return
		}
		if s := statusOf(err); s != http.StatusBadRequest && s != http.StatusUnprocessableEntity {
			t.Fatalf("%q: status %d for %v", body, s, err)
		}
	})
}

func FuzzParseETags(f *testing.F) {
	for _, s := range []string{`"v1"`, `W/"v1", "v2"`, `*`, `v1`, `"`, `,,"a"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, star, ok := parseETags(s)
		if !ok {
			return
		}
		if star && len(tags) > 0 {
			t.Fatalf("%q: both * and tags", s)
		}
		// What parses is printed back to something that parses the same.
		var parts []string
		for _, tag := range tags {
			p := `"` + tag.opaque + `"`
			if tag.weak {
				p = "W/" + p
			}
			parts = append(parts, p)
		}
		if !star {
			again, _, ok2 := parseETags(strings.Join(parts, ", "))
			if !ok2 || !reflect.DeepEqual(again, tags) {
				t.Fatalf("%q: %v reparsed as %v", s, tags, again)
			}
		}
	})
}

func FuzzSchoolFilter(f *testing.F) {
	for _, s := range []string{"county=430421&page=2", "sort=name&desc=true", "a=1", "page=-1", "q=%ff", "per_page=99999999999999999999", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest("GET", "/api/v1/schools", nil)
		r.URL.RawQuery = rawQuery
		flt, err := schoolFilter(r)
		if err != nil {
			if s := statusOf(err); s != http.StatusBadRequest && s != http.StatusUnprocessableEntity {
				t.Fatalf("%q: status %d for %v", rawQuery, s, err)
			}
			return
		}
		if flt.Page < 1 || flt.PerPage < 1 || flt.PerPage > school.MaxPerPage || flt.Check() != nil {
			t.Fatalf("%q: accepted %+v", rawQuery, flt)
		}
	})
}
