package api

import (
	"math"
	"net/http"
	"strconv"
	"time"

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

type schoolRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type resultReason struct {
	Batch  int       `json:"batch"`
	School schoolRef `json:"school"`
	Text   i18n.Text `json:"text"`
}

type admissionResult struct {
	ExamNo      string         `json:"exam_no"`
	Year        int            `json:"year"`
	PublishedAt time.Time      `json:"published_at"`
	Snapshot    string         `json:"snapshot"`
	Admitted    bool           `json:"admitted"`
	Batch       *int           `json:"batch"`
	School      *schoolRef     `json:"school"`
	Seat        *string        `json:"seat"`
	Total       float64        `json:"total"`
	Rank        int            `json:"rank"`
	Outcome     i18n.Text      `json:"outcome"`
	Reasons     []resultReason `json:"reasons"`
}

func resultOf(ans enrol.Answer) admissionResult {
	out := admissionResult{ExamNo: ans.ExamNo, Year: ans.Year, PublishedAt: ans.PublishedAt.UTC(), Snapshot: ans.Snapshot,
		Admitted: ans.Admitted, Total: ans.Total, Rank: ans.Rank, Outcome: ans.Outcome, Reasons: []resultReason{}}
	if ans.Admitted {
		b, seat := ans.Batch, ans.Seat
		out.Batch, out.Seat, out.School = &b, &seat, &schoolRef{Code: ans.School, Name: ans.SchoolName}
	}
	for _, r := range ans.Reasons {
		out.Reasons = append(out.Reasons, resultReason{Batch: r.Batch, School: schoolRef{Code: r.School, Name: r.SchoolName}, Text: r.Text})
	}
	return out
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
	ans, _, ok := rd.Lookup(ring, exam, suffix)
	if !ok {
		rd.Strikes.Strike(ip, exam, now)
		a.Fail(w, r, fault.New(fault.NotFound, "准考证号与身份证号码后六位不匹配，或没有该考生", "no result for this exam number with these last six ID characters"))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resultOf(ans))
}
