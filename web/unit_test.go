package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/schools?type=primary&page=2", "/schools?type=primary&page=2"},
		{"/schools/2143000001", "/schools/2143000001"},
		{"//evil.example/", "/"},
		{`/\evil.example`, "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"schools", "/"},
		{"/a\r\nSet-Cookie: x=1", "/"},
		{"/a\tb", "/"},
	} {
		if got := safeNext(c.in); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzSafeNext: whatever comes in, the result is a path on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//x", `/\x`, "http://x", "/a?b=c", "/%2f%2fx", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if got == "/" {
			return
		}
		if got != s || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("safeNext(%q) = %q", s, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("safeNext(%q) = %q leaves the site", s, got)
		}
		// What a browser does with it: resolve against the site.
		base, _ := url.Parse("https://bureau.example/schools")
		if r := base.ResolveReference(u); r.Host != "bureau.example" {
			t.Fatalf("safeNext(%q) = %q resolves to %s", s, got, r)
		}
	})
}

func TestNeutralise(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=SUM(A1)", "'=SUM(A1)"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@cmd", "'@cmd"}, {"\tx", "'\tx"},
		{"衡阳", "衡阳"}, {"", ""}, {"a=b", "a=b"},
	} {
		if got := neutralise(c.in); got != c.want {
			t.Errorf("neutralise(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := csvCell(-5); got != "-5" {
		t.Errorf("numbers are not neutralised: %q", got)
	}
	if got := csvCell((*float64)(nil)); got != "" {
		t.Errorf("nil coordinate: %q", got)
	}
}

func TestContentDisposition(t *testing.T) {
	got := contentDisposition("学校名录-2026-11-23.xlsx", "schools-2026-11-23.xlsx")
	want := `attachment; filename="schools-2026-11-23.xlsx"; filename*=UTF-8''%E5%AD%A6%E6%A0%A1%E5%90%8D%E5%BD%95-2026-11-23.xlsx`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := contentDisposition(`a b"c;.csv`, `a"b\c.csv`); got != `attachment; filename="a_b_c.csv"; filename*=UTF-8''a%20b%22c%3B.csv` {
		t.Errorf("escaping: %s", got)
	}
}

func TestFormatNumber(t *testing.T) {
	for in, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 6000: "6,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestHashedName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"app.css", "app.3f2a1b9c.css"},
		{"vendor/htmx.min.js", "vendor/htmx.min.3f2a1b9c.js"},
		{"vendor/LICENSE", "vendor/LICENSE.3f2a1b9c"},
	} {
		if got := hashedName(c.in, "3f2a1b9c"); got != c.want {
			t.Errorf("hashedName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{"": false, "gzip": true, "br, gzip;q=0.5": true, "gzip;q=0": false, "deflate": false} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", in)
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v", in, got)
		}
	}
}

func TestListQueryRoundTrip(t *testing.T) {
	q, _ := url.ParseQuery("county=430405&type=primary&q=%E9%98%B3+%E5%85%89&sort=name&desc=1&page=2&per_page=20&junk=x")
	lq := readListQuery(q)
	f, err := lq.filter()
	if err != nil {
		t.Fatal(err)
	}
	if f.County != "430405" || f.Type != "primary" || f.Query != "阳 光" || f.Sort != "name" || !f.Desc || f.Page != 2 || f.PerPage != 20 {
		t.Errorf("filter %+v", f)
	}
	if got := lq.url("/schools"); got != "/schools?county=430405&desc=1&page=2&per_page=20&q=%E9%98%B3+%E5%85%89&sort=name&type=primary" {
		t.Errorf("url %s", got)
	}
}
