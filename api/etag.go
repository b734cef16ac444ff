package api

import (
	"net/http"
	"strconv"
	"strings"

	"edubureau/fault"
	"edubureau/i18n"
)

// A school's entity tag is its version: "v3". It changes exactly when the
// school does, so it is a strong validator.
func schoolETag(version int) string { return `"v` + strconv.Itoa(version) + `"` }

// entityTag is one entity-tag of an If-Match or If-None-Match list (RFC 9110 §8.8.3).
type entityTag struct {
	weak   bool
	opaque string // without the quotes
}

// parseETags reads a conditional header's value: "*" or a comma-separated
// list of entity tags. ok is false when the value does not follow the grammar.
func parseETags(value string) (tags []entityTag, star bool, ok bool) {
	s := strings.TrimSpace(value)
	if s == "*" {
		return nil, true, true
	}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return tags, false, len(tags) > 0
		}
		if s[0] == ',' { // empty list elements are allowed
			s = s[1:]
			continue
		}
		var t entityTag
		if strings.HasPrefix(s, "W/") {
			t.weak, s = true, s[2:]
		}
		if len(s) < 2 || s[0] != '"' {
			return nil, false, false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return nil, false, false
		}
		t.opaque = s[1 : 1+end]
		for i := 0; i < len(t.opaque); i++ {
			if c := t.opaque[i]; c < 0x21 || c == 0x7f { // etagc excludes controls and spaces
				return nil, false, false
			}
		}
		tags = append(tags, t)
		s = strings.TrimLeft(s[2+end:], " \t")
		if s != "" && s[0] != ',' {
			return nil, false, false
		}
	}
}

// conditional is a parsed If-Match or If-None-Match header.
type conditional struct {
	present bool
	valid   bool
	star    bool
	tags    []entityTag
}

func readConditional(r *http.Request, header string) conditional {
	values := r.Header.Values(header)
	if len(values) == 0 {
		return conditional{}
	}
	tags, star, ok := parseETags(strings.Join(values, ","))
	return conditional{present: true, valid: ok, star: star, tags: tags}
}

// matches compares the header with a version: strongly for If-Match (weak
// tags never match), weakly for If-None-Match.
func (c conditional) matches(version int, strong bool) bool {
	if c.star {
		return true
	}
	want := "v" + strconv.Itoa(version)
	for _, t := range c.tags {
		if t.opaque == want && !(strong && t.weak) {
			return true
		}
	}
	return false
}

// requireIfMatch reads the If-Match of a replacement: without one the
// answer is 428, with a malformed one 400 naming the header.
func requireIfMatch(r *http.Request) (conditional, error) {
	cond := readConditional(r, "If-Match")
	if !cond.present {
		return cond, preconditionRequired()
	}
	if !cond.valid {
		fe := fault.New(fault.Invalid, "If-Match 请求头格式不正确，应为 \"v<版本>\"", `the If-Match header is malformed; it should be "v<version>"`)
		fe.Fields = []fault.FieldError{{Field: "If-Match", Msg: i18n.T("应为带引号的 ETag，如 \"v3\"", `must be a quoted ETag such as "v3"`)}}
		return cond, badRequest("malformed-request", fe)
	}
	return cond, nil
}
