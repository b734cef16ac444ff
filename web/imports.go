package web

// Bulk imports (package importer): for each kind of import (students,
// schools…), a page with the upload (the file, all-or-nothing or valid rows
// only, a dry run), the template and the history; a page per import whose
// progress bar follows the import as it runs (htmx polls a fragment, which
// stops polling once the import has ended) and which then shows the result
// with every problem by row and column and the report to download.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/importer"
)

func init() {
	addFeature(feature{
		pages: []string{"imports"},
		nav: []NavItem{{Key: "nav.imports", Href: "/imports", Order: 850,
			Any: []string{auth.StudentEdit, auth.SchoolEdit, auth.AdmissionEdit}}},
		routes: importRoutes,
	})
}

// importRoutes lists the pages of every kind the server imports; each
// kind's routes need that kind's permission.
func importRoutes(ui *UI) []httpx.Route {
	rs := []httpx.Route{{Method: "GET", Pattern: "/imports", Access: httpx.SignedIn, Handler: ui.importIndex}}
	if ui.d.Imports == nil {
		return rs
	}
	for _, k := range ui.d.Imports.Kinds() {
		spec := k.Spec()
		base := "/imports/" + spec.Name
		h := importHandlers{ui: ui, kind: k, spec: spec, base: base}
		route := func(method, pattern string, fn http.HandlerFunc) httpx.Route {
			return httpx.Route{Method: method, Pattern: base + pattern, Access: httpx.SignedIn, Permission: spec.Permission, Handler: fn}
		}
		up := route("POST", "", h.upload)
		up.Upload = true
		rs = append(rs,
			route("GET", "", h.page),
			up,
			route("GET", "/template.xlsx", h.template),
			route("GET", "/{id}", h.job),
			route("GET", "/{id}/progress", h.progress),
			route("POST", "/{id}/cancel", h.cancel),
			route("GET", "/{id}/report.xlsx", h.report),
		)
	}
	return rs
}

// importHandlers are one kind's pages.
type importHandlers struct {
	ui   *UI
	kind importer.Kind
	spec importer.Spec
	base string
}

// importsData is what imports.html shows (.Mode: index, kind or job).
type importsData struct {
	Mode    string
	Kinds   []importKindLink
	Kind    importKindLink
	Upload  importUpload
	History []importJobRow
	Pager   pager
	Job     *importJobView
}

type importKindLink struct {
	Name, Title, Href, Template string
	Columns                     []string // the required columns, for the page's hint
	BySchool                    bool     // the kind's rows belong to a school (the upload may name it)
	Whole                       bool     // the file is imported all or nothing, never only its valid rows
	Params                      []importParam
}

// importParam is one of the kind's own choices for the file (a year…).
type importParam struct {
	Key, Label, Example, Note string
	Required                  bool
}

type importUpload struct {
	Message    string // why the last upload was refused
	Mode       string
	DryRun     bool
	School     string
	Params     map[string]string // the kind's parameters, as given
	FixedScope string            // a school administrator imports for their school
	MaxMB      int64
}

type importJobRow struct {
	ID                                              int64
	Href, Kind, File, Mode, Status, StatusClass, By string
	Started                                         string
	Rows, Created, Updated, Unchanged, Refused      int64
	DryRun, Running, Report                         bool
}

// importJobView is an import's page and its progress fragment.
type importJobView struct {
	importJobRow
	Base, Size, Checksum, Format, Via, Finished string
	Percent                                     int
	Phase                                       string
	ProgressRows, ProgressRefused               int64
	Done                                        bool
	Counts                                      importer.Counts
	Message                                     string
	Problems                                    []importProblemRow
	More                                        int64 // problems not shown (the report has them)
	Summary                                     string
	Wrote                                       bool
}

type importProblemRow struct {
	Row                   int
	Column, Cell, Message string
	Warning               bool
}

func (ui *UI) viewer(u auth.User) importer.Viewer {
	return importer.Viewer{UserID: u.ID, Scope: u.Scope()}
}

func kindLink(l i18n.Lang, spec importer.Spec) importKindLink {
	k := importKindLink{Name: spec.Name, Title: spec.Title.In(l), Href: "/imports/" + spec.Name, Template: "/imports/" + spec.Name + "/template.xlsx"}
	for _, c := range spec.Columns {
		if c.Required {
			k.Columns = append(k.Columns, c.Header(l))
		}
		k.BySchool = k.BySchool || c.Key == "school"
	}
	k.Whole = spec.Whole
	for _, p := range spec.Params {
		label := p.ZH
		if l == i18n.EN {
			label = p.EN
		}
		k.Params = append(k.Params, importParam{Key: p.Key, Label: label, Example: p.Example, Note: p.Note.In(l), Required: p.Required})
	}
	return k
}

func statusClass(s importer.Status) string {
	switch s {
	case importer.Done, importer.Checked:
		return "status-active"
	case importer.Running, importer.Partial:
		return "status-preparing"
	}
	return "status-suspended"
}

func (ui *UI) jobRow(l i18n.Lang, j importer.Job) importJobRow {
	mode := i18n.Tr(l, "imports.mode."+string(j.Mode))
	return importJobRow{ID: j.ID, Href: "/imports/" + j.Kind + "/" + strconv.FormatInt(j.ID, 10), Kind: j.Kind, File: j.FileName,
		Mode: mode, Status: j.Status.Label().In(l), StatusClass: statusClass(j.Status), By: j.Username,
		Started: formatDateTime(j.StartedAt), Rows: j.Rows, Created: j.Created, Updated: j.Updated, Unchanged: j.Unchanged,
		Refused: j.Refused, DryRun: j.DryRun, Running: j.Status == importer.Running, Report: ui.d.Imports.ReportFile(j) != ""}
}

// importIndex is GET /imports: the kinds the user may import and their recent imports.
func (ui *UI) importIndex(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	d := &importsData{Mode: "index"}
	if ui.d.Imports != nil {
		for _, k := range ui.d.Imports.Kinds() {
			if spec := k.Spec(); u.Can(spec.Permission) {
				d.Kinds = append(d.Kinds, kindLink(l, spec))
			}
		}
		if len(d.Kinds) > 0 {
			page, err := ui.d.Imports.Jobs(r.Context(), ui.viewer(u), "", 1, 20)
			if err != nil {
				ui.Fail(w, r, err)
				return
			}
			for _, j := range page.Jobs {
				if k, ok := ui.d.Imports.Kind(j.Kind); ok && u.Can(k.Spec().Permission) {
					d.History = append(d.History, ui.jobRow(l, j))
				}
			}
		}
	}
	ui.render(w, r, http.StatusOK, "imports", ui.newPage(r, i18n.Tr(l, "imports.title"), d))
}

// page is GET /imports/{kind}: the upload form, the template and the
// history; the kind's parameters may be filled from the query (a page that
// links here gives its year).
func (h importHandlers) page(w http.ResponseWriter, r *http.Request) {
	up := importUpload{Mode: string(importer.AllOrNothing), Params: map[string]string{}}
	for _, p := range h.spec.Params {
		up.Params[p.Key] = strings.TrimSpace(r.URL.Query().Get(p.Key))
	}
	h.showPage(w, r, http.StatusOK, up)
}

func (h importHandlers) showPage(w http.ResponseWriter, r *http.Request, status int, up importUpload) {
	ui := h.ui
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	var v fault.Validation
	p, _ := parsePage(&v, r.URL.Query().Get("page"), "", 0)
	if err := v.Err(); err != nil {
		ui.Fail(w, r, err)
		return
	}
	if p == 0 {
		p = 1
	}
	jobs, err := ui.d.Imports.Jobs(r.Context(), ui.viewer(u), h.spec.Name, p, 20)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if u.OrgKind == auth.OrgSchool {
		up.FixedScope = u.OrgCode
	}
	up.MaxMB = ui.maxUpload() >> 20
	d := &importsData{Mode: "kind", Kind: kindLink(l, h.spec), Upload: up}
	for _, j := range jobs.Jobs {
		d.History = append(d.History, ui.jobRow(l, j))
	}
	d.Pager = newPager(jobs.Page, jobs.PerPage, jobs.Total, func(n int) string { return fmt.Sprintf("%s?page=%d", h.base, n) })
	ui.render(w, r, status, "imports", ui.newPage(r, i18n.Trf(l, "imports.kind_title", h.spec.Title.In(l)), d))
}

// maxUpload is the largest upload the server takes (its body limit for uploads).
func (ui *UI) maxUpload() int64 {
	if ui.d.MaxUpload > 0 {
		return ui.d.MaxUpload
	}
	return 4 << 30
}

// template is GET /imports/{kind}/template.xlsx.
func (h importHandlers) template(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := importer.WriteTemplate(&buf, h.spec); err != nil {
		h.ui.Fail(w, r, err)
		return
	}
	setDownloadHeaders(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", h.spec.Title.ZH+"导入模板.xlsx", h.spec.Name+"-template.xlsx")
	w.Write(buf.Bytes())
}

// upload is POST /imports/{kind}: the file is streamed to the import
// directory (never held in memory), the import starts in the background,
// and the browser goes to its page.
func (h importHandlers) upload(w http.ResponseWriter, r *http.Request) {
	ui := h.ui
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	up := importUpload{Mode: string(importer.AllOrNothing), Params: map[string]string{}}
	isParam := map[string]bool{}
	for _, p := range h.spec.Params {
		isParam[p.Key] = true
	}
	refuse := func(err error) {
		fe := fault.As(err)
		if fe.Kind == fault.Internal {
			ui.Fail(w, r, err)
			return
		}
		up.Message = fe.Msg.In(l)
		h.showPage(w, r, httpx.Status(fe.Kind), up)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		refuse(fault.New(fault.Invalid, "请选择要导入的文件", "choose a file to import"))
		return
	}
	var path, name, sum string
	var size int64
	defer func() {
		if path != "" {
			os.Remove(path) // still here only when the import did not start
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			refuse(httpx.BodyError(err))
			return
		}
		switch part.FormName() {
		case "file":
			if path != "" || part.FileName() == "" {
				continue
			}
			name = filepath.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
			if path, size, sum, err = importer.Spool(ui.d.Imports.Dir, part, ui.maxUpload()); err != nil {
				path = ""
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					err = httpx.BodyError(err)
				}
				refuse(err)
				return
			}
		case "mode", "school", "dry_run":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			v := strings.TrimSpace(string(b))
			switch part.FormName() {
			case "mode":
				up.Mode = v
			case "school":
				up.School = v
			case "dry_run":
				up.DryRun = v != ""
			}
		default:
			if isParam[part.FormName()] {
				b, _ := io.ReadAll(io.LimitReader(part, 200))
				up.Params[part.FormName()] = strings.TrimSpace(string(b))
			}
		}
	}
	mode, ok := importer.ParseMode(up.Mode)
	var missingZH, missingEN []string
	for _, p := range h.spec.Params {
		if p.Required && up.Params[p.Key] == "" {
			missingZH, missingEN = append(missingZH, p.ZH), append(missingEN, p.EN)
		}
	}
	switch {
	case !ok:
		refuse(fault.New(fault.Invalid, "导入方式“%s”无效", "import mode %q is not valid", up.Mode))
		return
	case h.spec.Whole && mode != importer.AllOrNothing:
		refuse(fault.New(fault.Invalid, "这类数据是一个整体，只能全部导入或全部不导入", "this file is one whole: it is imported all or nothing"))
		return
	case len(missingZH) > 0:
		refuse(&fault.Error{Kind: fault.Invalid, Msg: i18n.Text{ZH: "请填写：" + strings.Join(missingZH, "、"), EN: "fill in: " + strings.Join(missingEN, ", ")}})
		return
	case path == "":
		refuse(fault.New(fault.Invalid, "请选择要导入的文件", "choose a file to import"))
		return
	case size == 0:
		refuse(fault.New(fault.Invalid, "文件“%s”是空的", "the file %q is empty", name))
		return
	}
	if u.OrgKind == auth.OrgSchool {
		up.School = u.OrgCode // a school imports for itself
	}
	req := importer.Request{Kind: h.kind, Source: importer.Source{Name: name, Size: size, Path: path}, Checksum: sum, Via: "web",
		Options: importer.Options{Mode: mode, DryRun: up.DryRun, School: up.School, Params: up.Params},
		Actor:   audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context())), Scope: u.Scope(), Lang: l}
	id, err := ui.d.Imports.Start(req, true)
	if err != nil {
		refuse(err)
		return
	}
	path = "" // the import owns the file now
	http.Redirect(w, r, fmt.Sprintf("%s/%d", h.base, id), http.StatusSeeOther)
}

// load finds an import of this kind that the user may see.
func (h importHandlers) load(r *http.Request) (importer.Job, auth.User, error) {
	u, err := currentUser(r)
	if err != nil {
		return importer.Job{}, u, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return importer.Job{}, u, fault.New(fault.NotFound, "找不到导入记录 %s", "no import %s", r.PathValue("id"))
	}
	j, err := h.ui.d.Imports.Job(r.Context(), h.ui.viewer(u), id)
	if err == nil && j.Kind != h.spec.Name {
		err = fault.New(fault.NotFound, "找不到导入记录 %d", "no import %d", id)
	}
	return j, u, err
}

// view builds an import's page: from the import running (or just ended) in
// this process when there is one, else from its record.
func (h importHandlers) view(l i18n.Lang, j importer.Job) *importJobView {
	ui := h.ui
	v := &importJobView{importJobRow: ui.jobRow(l, j), Base: h.base, Size: importer.DescribeSize(j.FileSize), Format: j.Format,
		Via: j.Via, Finished: formatDateTime(j.FinishedAt), Counts: j.Counts, Message: j.Message.In(l)}
	if len(j.Checksum) >= 16 {
		v.Checksum = j.Checksum[:16] + "…"
	}
	v.Done = j.Status != importer.Running
	if live, ok := ui.d.Imports.Live(j.ID); ok {
		p, res, _ := live.Snapshot()
		v.Phase = p.Phase.Label().In(l)
		v.Percent = int(p.Fraction() * 100)
		v.ProgressRows, v.ProgressRefused = p.Rows, p.Refused
		if res != nil {
			v.Done, v.Counts, v.Format = true, res.Counts, res.Format
			v.Status, v.StatusClass = res.Status.Label().In(l), statusClass(res.Status)
			for _, p := range res.Problems {
				v.Problems = append(v.Problems, importProblemRow{Row: p.Row, Column: p.Column, Cell: p.Cell, Message: p.Message.In(l), Warning: p.Warning})
			}
			v.More = res.ProblemCount - int64(len(res.Problems))
			v.Summary = res.Summary(l)
			v.Wrote = res.Status.Wrote()
			v.Running = false
			v.Report = res.Report != ""
			v.Message = ""
		} else {
			v.Done, v.Running = false, true
		}
	}
	if v.Done && v.Summary == "" {
		v.Summary = importer.Result{Status: j.Status, Counts: j.Counts}.Summary(l)
		v.Wrote = j.Status.Wrote()
	}
	return v
}

// job is GET /imports/{kind}/{id}: the whole page.
func (h importHandlers) job(w http.ResponseWriter, r *http.Request) { h.showJob(w, r, "layout") }

// progress is GET /imports/{kind}/{id}/progress: the fragment htmx polls.
func (h importHandlers) progress(w http.ResponseWriter, r *http.Request) {
	h.showJob(w, r, "imports-progress")
}

// showJob renders an import's page (tmpl "layout") or its progress fragment.
func (h importHandlers) showJob(w http.ResponseWriter, r *http.Request, tmpl string) {
	j, _, err := h.load(r)
	if err != nil {
		h.ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	d := &importsData{Mode: "job", Kind: kindLink(l, h.spec), Job: h.view(l, j)}
	h.ui.renderTemplate(w, r, http.StatusOK, "imports", tmpl, h.ui.newPage(r, i18n.Trf(l, "imports.job_title", j.FileName), d))
}

// cancel is POST /imports/{kind}/{id}/cancel.
func (h importHandlers) cancel(w http.ResponseWriter, r *http.Request) {
	j, _, err := h.load(r)
	if err != nil {
		h.ui.Fail(w, r, err)
		return
	}
	if !h.ui.d.Imports.Cancel(j.ID) {
		h.ui.Fail(w, r, fault.New(fault.Conflict, "这次导入已经结束，不能取消", "this import has ended and cannot be cancelled"))
		return
	}
	if isHTMX(r) {
		h.progress(w, r)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s/%d", h.base, j.ID), http.StatusSeeOther)
}

// report is GET /imports/{kind}/{id}/report.xlsx: the refused rows with
// their problems. It repeats personal data from the file, so each download
// is recorded in the audit log.
func (h importHandlers) report(w http.ResponseWriter, r *http.Request) {
	j, u, err := h.load(r)
	if err != nil {
		h.ui.Fail(w, r, err)
		return
	}
	path := h.ui.d.Imports.ReportFile(j)
	if path == "" {
		h.ui.Fail(w, r, fault.New(fault.NotFound, "这次导入没有问题报告，或报告已过保存期限", "this import has no report, or it is no longer kept"))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		h.ui.Fail(w, r, fault.Wrap(err, "open report"))
		return
	}
	defer f.Close()
	if h.ui.d.Audit == nil {
		h.ui.d.Audit = audit.New(h.ui.d.DB)
	}
	if err := h.ui.d.Audit.Append(r.Context(), audit.Entry{Action: "import.report_download", Outcome: audit.OK, RecordType: "import_job",
		RecordID: strconv.FormatInt(j.ID, 10), Detail: j.FileName}.ByActor(audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context())))); err != nil {
		h.ui.Fail(w, r, err)
		return
	}
	base := strings.TrimSuffix(j.FileName, filepath.Ext(j.FileName))
	setDownloadHeaders(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", base+"-问题报告.xlsx", "import-"+strconv.FormatInt(j.ID, 10)+"-problems.xlsx")
	io.Copy(w, f)
}
