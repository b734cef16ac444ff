package api

import (
	"errors"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"edubureau/audit"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/importer"
)

// The bulk import endpoints (package importer): POST the file itself — CSV
// or XLSX — and get the outcome. A file with no problem (or, in valid-only
// mode, whatever could be written) is 200 with the result; a file refused
// as a whole (all or nothing, or unreadable) is 422, a problem whose errors
// name the cells at fault and whose result member carries the whole outcome.
// The import runs while the request waits: for very large files, the web
// page imports in the background and the command line has no time limit.

func init() { addPart(importRoutes) }

// importKinds are the kinds the API imports, with the permission each needs.
var importKinds = []struct{ name, permission string }{{"students", "student.edit"}, {"schools", "school.edit"},
	{"zhongkao", "admission.edit"}, {"senior-plans", "admission.edit"}}

func importRoutes(a *API) []httpx.Route {
	var rs []httpx.Route
	for _, k := range importKinds {
		rs = append(rs, httpx.Route{Method: "POST", Pattern: Prefix + "/" + k.name + "/import", Access: httpx.SignedIn,
			Permission: k.permission, Handler: a.importFile(k.name), Upload: true})
	}
	return rs
}

// importParams are the import endpoints' query parameters.
var importParams = []string{"mode", "dry_run", "school", "filename"}

// importMedia are the media types an import takes, with the file extension each implies.
var importMedia = map[string]string{
	"text/csv": ".csv", "application/csv": ".csv", "text/plain": ".csv", "text/tab-separated-values": ".csv",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx", "application/octet-stream": "",
}

// importResult is the outcome as the API gives it.
type importResult struct {
	JobID        int64                 `json:"job_id"`
	Kind         string                `json:"kind"`
	File         string                `json:"file"`
	Size         int64                 `json:"size"`
	Checksum     string                `json:"checksum"`
	Format       string                `json:"format"`
	Mode         importer.Mode         `json:"mode"`
	DryRun       bool                  `json:"dry_run"`
	Status       importer.Status       `json:"status"`
	Counts       importer.Counts       `json:"counts"`
	Problems     []importProblemDetail `json:"problems"`
	ProblemCount int64                 `json:"problem_count"`
	ReportURL    string                `json:"report_url,omitempty"`
}

type importProblemDetail struct {
	Row         int       `json:"row"`
	Column      string    `json:"column,omitempty"`
	Cell        string    `json:"cell,omitempty"`
	Message     string    `json:"message"`
	MessageI18n i18n.Text `json:"message_i18n"`
	Warning     bool      `json:"warning,omitempty"`
}

// importRefusal is the 422 of an import: a problem with the outcome.
type importRefusal struct {
	Problem
	Result importResult `json:"result"`
}

func (a *API) importFile(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := user(r)
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		var kind importer.Kind
		if a.d.Imports != nil {
			kind, _ = a.d.Imports.Kind(name)
		}
		if kind == nil {
			a.Fail(w, r, fault.New(fault.Unavailable, "此服务器未启用该导入", "this server does not import %s", name))
			return
		}
		spec := kind.Spec()
		names := slices.Clone(importParams)
		for _, p := range spec.Params {
			names = append(names, p.Key)
		}
		q, err := parseQuery(r, names...)
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		mode, ok := importer.ParseMode(q.get("mode"))
		switch {
		case !ok:
			q.bad.Add("mode", "导入方式“%s”无效（all_or_nothing 或 valid_only）", "mode %q is not valid (all_or_nothing or valid_only)", q.get("mode"))
		case spec.Whole && mode != importer.AllOrNothing:
			q.bad.Add("mode", "这类数据是一个整体，只能全部导入或全部不导入（all_or_nothing）", "this file is one whole: it is imported all or nothing (all_or_nothing)")
		}
		params := map[string]string{}
		for _, p := range spec.Params {
			params[p.Key] = q.get(p.Key)
			if p.Required && params[p.Key] == "" {
				q.bad.AddText(p.Key, i18n.Text{ZH: "请给出" + p.ZH, EN: p.EN + " is required"})
			}
		}
		dry := false
		switch s := q.get("dry_run"); s {
		case "", "false":
		case "true":
			dry = true
		default:
			q.bad.Add("dry_run", "dry_run 应为 true 或 false，而不是 %q", "dry_run must be true or false, not %q", s)
		}
		if err := q.err(); err != nil {
			a.Fail(w, r, err)
			return
		}
		ext, err := importMediaType(r)
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		fileName := q.get("filename")
		if fileName == "" {
			fileName = "upload" + ext
			if ext == "" {
				fileName = "upload"
			}
		}
		path, size, sum, err := importer.Spool(a.d.Imports.Dir, r.Body, 0)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				err = httpx.BodyError(mbe)
			}
			a.Fail(w, r, err)
			return
		}
		defer os.Remove(path)
		lang := i18n.Negotiate(r)
		res, err := a.d.Imports.Run(r.Context(), importer.Request{Kind: kind, Source: importer.Source{Name: fileName, Size: size, Path: path},
			Checksum: sum, Via: "api", Lang: lang, Options: importer.Options{Mode: mode, DryRun: dry, School: q.get("school"), Params: params},
			Actor: audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context())), Scope: u.Scope()})
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		out := importResultOf(res, lang)
		switch res.Status {
		case importer.Done, importer.Partial:
			writeJSON(w, http.StatusOK, out)
			return
		case importer.Checked:
			if res.Refused == 0 {
				writeJSON(w, http.StatusOK, out)
				return
			}
		}
		a.refuseImport(w, r, res, out, lang)
	}
}

// importMediaType checks the request's Content-Type and returns the file
// extension it implies ("" when the content decides).
func importMediaType(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	ext, ok := importMedia[mt]
	if ct == "" || err != nil || !ok {
		return "", unsupportedMedia("不支持的内容类型 %q：请直接发送文件，Content-Type 为 text/csv 或 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			"unsupported content type %q: send the file itself as text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ct)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return "", unsupportedMedia("不支持压缩的请求内容（%s）", "compressed request bodies (%s) are not supported", ce)
	}
	return ext, nil
}

func importResultOf(res importer.Result, l i18n.Lang) importResult {
	out := importResult{JobID: res.JobID, Kind: res.Kind, File: res.File, Size: res.Size, Checksum: res.Checksum, Format: res.Format,
		Mode: res.Mode, DryRun: res.DryRun, Status: res.Status, Counts: res.Counts, ProblemCount: res.ProblemCount,
		Problems: make([]importProblemDetail, 0, len(res.Problems))}
	for _, p := range res.Problems {
		out.Problems = append(out.Problems, importProblemDetail{Row: p.Row, Column: p.Column, Cell: p.Cell, Message: p.Message.In(l),
			MessageI18n: p.Message, Warning: p.Warning})
	}
	if res.Report != "" {
		out.ReportURL = "/imports/" + res.Kind + "/" + strconv.FormatInt(res.JobID, 10) + "/report.xlsx"
	}
	return out
}

// refuseImport answers 422: a problem naming the first cells at fault,
// with the whole outcome in result.
func (a *API) refuseImport(w http.ResponseWriter, r *http.Request, res importer.Result, out importResult, l i18n.Lang) {
	msg := i18n.T("文件有问题，没有导入任何数据：%d 行被拒绝", "the file has problems and nothing was imported: %d rows refused", res.Refused)
	if res.Status == importer.Failed && len(res.Problems) > 0 {
		msg = res.Problems[0].Message
	}
	fe := &fault.Error{Kind: fault.Invalid, Msg: msg}
	for i, p := range res.Problems {
		if i == 100 {
			break
		}
		field := p.Cell
		switch {
		case field == "" && p.Row > 0:
			field = "row " + strconv.Itoa(p.Row)
		case field == "":
			field = "file"
		}
		m := p.Message
		if p.Column != "" {
			m = i18n.Text{ZH: p.Column + "：" + m.ZH, EN: p.Column + ": " + m.EN}
		}
		fe.Fields = append(fe.Fields, fault.FieldError{Field: field, Msg: m})
	}
	body, _ := encode(importRefusal{Problem: problemFor(r, fe, l), Result: out})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Language", string(l))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnprocessableEntity)
	w.Write(body)
}
