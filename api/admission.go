package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

// The public lookup of the 中考 results (results day): GET
// /api/v1/public/admission/results?exam_no=…&id_suffix=… answers from the
// published snapshot held in memory (enrol.ResultsDay), never from the
// database, and names the snapshot it answered from in X-Snapshot. Over the
// instance's capacity it answers 429 with Retry-After at once; after too many
// wrong attempts from one address or on one exam number, 429 too.

func init() {
	addPart(func(a *API) []httpx.Route {
		return []httpx.Route{
			{Method: "GET", Pattern: Prefix + "/public/admission/results", Access: httpx.Public, Handler: a.admissionResult},
		}
	})
}

// retryAfter sets Retry-After to wait, rounded up to whole seconds (at least one).
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}

// admissionResult is GET /api/v1/public/admission/results.
func (a *API) admissionResult(w http.ResponseWriter, r *http.Request) {
	rd := a.d.Results
	var gate *enrol.Gate
	if rd != nil {
		gate = rd.Gate
	}
	now := time.Now()
	if wait, ok := gate.Enter(now); !ok {
		httpx.Quiet(r.Context()) // counted by the gate and logged by the results day, not line by line
		retryAfter(w, wait)
		a.Fail(w, r, fault.New(fault.TooMany, "查询人数过多，请稍后再试", "too many lookups at the moment; try again shortly"))
		return
	}
	defer gate.Leave()
	q, err := parseQuery(r, "exam_no", "id_suffix")
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	exam, suffix := q.get("exam_no"), q.get("id_suffix")
	if err := enrol.CheckLookup(exam, suffix); err != nil {
		a.Fail(w, r, err)
		return
	}
	var snap *enrol.Snapshot
	if rd != nil {
		snap = rd.Current()
	}
	if snap == nil {
		if rd != nil && rd.Pending() {
			retryAfter(w, 5*time.Second)
			a.Fail(w, r, fault.New(fault.Unavailable, "录取结果正在加载，请稍后再试", "the results are being loaded; try again shortly"))
			return
		}
		a.Fail(w, r, fault.New(fault.NotFound, "录取结果尚未公布", "the results have not been published"))
		return
	}
	w.Header().Set("X-Snapshot", snap.SHA256)
	ip := httpx.ClientIP(r)
	if wait, blocked := rd.Strikes.Blocked(ip, exam, now); blocked {
		retryAfter(w, wait)
		a.Fail(w, r, fault.New(fault.TooMany, "错误次数过多，请稍后再试", "too many wrong attempts; try again later"))
		return
	}
	var ring = a.d.Keyring
	if a.d.Admissions != nil && ring == nil {
		ring = a.d.Admissions.Keyring
	}
	i, snap, ok := rd.Find(ring, exam, suffix)
	if !ok {
		rd.Strikes.Strike(ip, exam, now)
		httpx.Logger(r.Context()).Info("results lookup failed", "ip", ip)
		a.Fail(w, r, fault.New(fault.NotFound, "准考证号与身份证号码后六位不匹配，或没有该考生", "no result for this exam number with these last six ID characters"))
		return
	}
	// Rendered once per student and kept (within a bounded budget): the
	// answers of one snapshot never change.
	body := snap.Memo(i, func() []byte { return appendResult(make([]byte, 0, 2048), snap.Answer(i)) })
	httpx.Quiet(r.Context())
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// appendResult writes the answer as the JSON object of the OpenAPI schema
// AdmissionResult (resultOf's shape), by hand: no reflection on the hot path.
func appendResult(b []byte, ans enrol.Answer) []byte {
	b = append(b, `{"exam_no":`...)
	b = appendJSONString(b, ans.ExamNo)
	b = append(b, `,"year":`...)
	b = strconv.AppendInt(b, int64(ans.Year), 10)
	b = append(b, `,"published_at":"`...)
	b = ans.PublishedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","snapshot":`...)
	b = appendJSONString(b, ans.Snapshot)
	b = append(b, `,"admitted":`...)
	b = strconv.AppendBool(b, ans.Admitted)
	if ans.Admitted {
		b = append(b, `,"batch":`...)
		b = strconv.AppendInt(b, int64(ans.Batch), 10)
		b = append(b, `,"school":`...)
		b = appendSchoolRef(b, ans.School, ans.SchoolName)
		b = append(b, `,"seat":`...)
		b = appendJSONString(b, ans.Seat)
	} else {
		b = append(b, `,"batch":null,"school":null,"seat":null`...)
	}
	b = append(b, `,"total":`...)
	b = strconv.AppendFloat(b, ans.Total, 'f', -1, 64)
	b = append(b, `,"rank":`...)
	b = strconv.AppendInt(b, int64(ans.Rank), 10)
	b = append(b, `,"outcome":`...)
	b = appendText(b, ans.Outcome)
	b = append(b, `,"reasons":[`...)
	for x, r := range ans.Reasons {
		if x > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"batch":`...)
		b = strconv.AppendInt(b, int64(r.Batch), 10)
		b = append(b, `,"school":`...)
		b = appendSchoolRef(b, r.School, r.SchoolName)
		b = append(b, `,"text":`...)
		b = appendText(b, r.Text)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

func appendSchoolRef(b []byte, code, name string) []byte {
	b = append(b, `{"code":`...)
	b = appendJSONString(b, code)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, name)
	return append(b, '}')
}

func appendText(b []byte, t i18n.Text) []byte {
	b = append(b, `{"zh":`...)
	b = appendJSONString(b, t.ZH)
	b = append(b, `,"en":`...)
	b = appendJSONString(b, t.EN)
	return append(b, '}')
}

// appendJSONString writes s as a JSON string, byte for byte as
// encoding/json (without HTML escaping) writes it: quotes, backslashes and
// control characters escaped, U+2028 and U+2029 too, UTF-8 copied in runs
// (invalid bytes replaced).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc []byte
		n := 1
		switch {
		case c == '"' || c == '\\':
			esc = []byte{'\\', c}
		case c == '\n':
			esc = []byte{'\\', 'n'}
		case c == '\r':
			esc = []byte{'\\', 'r'}
		case c == '\t':
			esc = []byte{'\\', 't'}
		case c < 0x20:
			esc = []byte{'\\', 'u', '0', '0', hex[c>>4], hex[c&15]}
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9): // U+2028, U+2029
			esc, n = []byte{'\\', 'u', '2', '0', '2', hex[s[i+2]&15]}, 3
		default:
			i++
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		i += n
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
