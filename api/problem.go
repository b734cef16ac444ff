package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

// ProblemBase is the prefix of the problem type URIs; docs/api.md lists them.
const ProblemBase = "https://edubureau.org/problems/"

// Problem is an RFC 9457 problem detail, with edubureau's extension members:
// request_id (for support), detail_i18n (the detail in both languages) and
// errors (one entry per field at fault).
type Problem struct {
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Status     int            `json:"status"`
	Detail     string         `json:"detail"`
	Instance   string         `json:"instance"`
	RequestID  string         `json:"request_id,omitempty"`
	DetailI18n i18n.Text      `json:"detail_i18n"`
	Errors     []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one field (a JSON member, a query parameter, a header) at fault.
type FieldProblem struct {
	Field       string    `json:"field"`
	Message     string    `json:"message"`
	MessageI18n i18n.Text `json:"message_i18n"`
}

// protocolError is a mistake in the HTTP exchange itself rather than in the
// bureau's data (malformed JSON or query, an unsupported media type, a missing
// If-Match). Its status comes from its fault kind like every other error; it
// only names a more precise problem type.
type protocolError struct {
	slug string // the problem type, after ProblemBase
	err  *fault.Error
}

func (e *protocolError) Error() string { return e.err.Error() }
func (e *protocolError) Unwrap() error { return e.err }

// badRequest is a 400: the request cannot be read as meant.
func badRequest(slug string, fe *fault.Error) error {
	fe.Kind = fault.Malformed
	return &protocolError{slug: slug, err: fe}
}

func malformed(zh, en string, args ...any) error {
	return badRequest("malformed-request", fault.New(fault.Malformed, zh, en, args...))
}

func unsupportedMedia(zh, en string, args ...any) error {
	return &protocolError{slug: "unsupported-media-type", err: fault.New(fault.Unsupported, zh, en, args...)}
}

func preconditionRequired() error {
	fe := fault.New(fault.Required, "修改须带 If-Match 请求头（先 GET 取得 ETag）", "an update needs an If-Match header (GET the record first for its ETag)")
	fe.Fields = []fault.FieldError{{Field: "If-Match", Msg: i18n.T("缺少 If-Match 请求头", "the If-Match header is missing")}}
	return &protocolError{slug: "precondition-required", err: fe}
}

// kindInfo is the problem type and title of each fault kind.
var kindInfo = map[fault.Kind]struct {
	slug  string
	title i18n.Text
}{
	fault.Invalid:      {"invalid", i18n.T("提交的数据有误", "Invalid data")},
	fault.Malformed:    {"malformed-request", i18n.T("请求格式不正确", "Malformed request")},
	fault.Unsupported:  {"unsupported-media-type", i18n.T("不支持的内容类型", "Unsupported media type")},
	fault.Required:     {"precondition-required", i18n.T("缺少前提条件", "Precondition required")},
	fault.NotFound:     {"not-found", i18n.T("未找到", "Not found")},
	fault.Conflict:     {"conflict", i18n.T("与现有数据冲突", "Conflict")},
	fault.Precondition: {"precondition-failed", i18n.T("数据已被修改", "Precondition failed")},
	fault.Unauthorized: {"unauthorized", i18n.T("未登录", "Unauthorized")},
	fault.Forbidden:    {"forbidden", i18n.T("无权访问", "Forbidden")},
	fault.TooLarge:     {"too-large", i18n.T("请求内容过大", "Request body too large")},
	fault.TooMany:      {"too-many-requests", i18n.T("请求过于频繁", "Too many requests")},
	fault.Unavailable:  {"unavailable", i18n.T("服务暂不可用", "Service unavailable")},
	fault.Internal:     {"internal", i18n.T("系统内部错误", "Internal error")},
}

var protocolTitles = map[string]i18n.Text{
	"malformed-request":      i18n.T("请求格式不正确", "Malformed request"),
	"unknown-parameter":      i18n.T("未知的参数", "Unknown parameter"),
	"unsupported-media-type": i18n.T("不支持的内容类型", "Unsupported media type"),
	"precondition-required":  i18n.T("缺少前提条件", "Precondition required"),
}

// problemFor builds the problem describing err for a request in lang.
func problemFor(r *http.Request, err error, lang i18n.Lang) Problem {
	fe := fault.As(err)
	kind := fe.Kind
	status := httpx.Status(kind)
	info, ok := kindInfo[kind]
	if !ok {
		info = kindInfo[fault.Internal]
	}
	slug, title := info.slug, info.title
	var pe *protocolError
	if errors.As(err, &pe) {
		slug, title = pe.slug, protocolTitles[pe.slug]
	}
	msg := fe.Msg
	if status == http.StatusInternalServerError {
		// The cause is for the log only.
		msg = i18n.T("系统内部错误，请稍后再试；如仍有问题请提供请求编号", "internal error; please try again later, and quote the request id if it persists")
	}
	p := Problem{
		Type: ProblemBase + slug, Title: title.In(lang), Status: status,
		Detail: msg.In(lang), DetailI18n: msg, Instance: r.URL.Path, RequestID: httpx.RequestID(r.Context()),
	}
	if status != http.StatusInternalServerError {
		for _, f := range fe.Fields {
			p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Message: f.Msg.In(lang), MessageI18n: f.Msg})
		}
	}
	return p
}

// Fail writes err as an application/problem+json response. Its status comes
// from httpx.Status(fault.KindOf(err)); internal errors are logged and never described.
func (a *API) Fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.LogError(r, err)
	lang := i18n.Negotiate(r)
	p := problemFor(r, err, lang)
	body, _ := encode(p)
	h := w.Header()
	// Headers set for a success (ETag, Location) do not describe a problem.
	h.Del("ETag")
	h.Del("Location")
	h.Del("Link")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Language", string(lang))
	h.Set("Cache-Control", "no-store")
	if wait, ok := auth.RetryAfter(err); ok {
		h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="edubureau"`)
	}
	w.WriteHeader(p.Status)
	w.Write(body)
}
