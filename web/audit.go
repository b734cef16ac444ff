package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"edubureau/audit"
	"edubureau/auth"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
)

// The audit log's pages: search (user, record, action, outcome, dates),
// export to Excel, and a check of the hash chain on demand.
func init() {
	addFeature(feature{
		pages: []string{"audit"},
		nav:   []NavItem{{Key: "nav.audit", Href: "/audit", Permission: "audit.view", Order: 910}},
		routes: func(ui *UI) []httpx.Route {
			return []httpx.Route{
				{Method: "GET", Pattern: "/audit", Access: httpx.SignedIn, Permission: "audit.view", Handler: ui.auditList},
				{Method: "GET", Pattern: "/audit/export.xlsx", Access: httpx.SignedIn, Permission: "audit.export", Handler: ui.auditExport},
				{Method: "POST", Pattern: "/audit/verify", Access: httpx.SignedIn, Permission: "audit.view", Handler: ui.auditVerify},
			}
		},
	})
}

// auditQuery is the search as typed, kept to refill the form and build links.
type auditQuery struct {
	User, RecordType, RecordID, Action, Outcome, From, To, Page, PerPage string
}

func readAuditQuery(q url.Values) auditQuery {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return auditQuery{User: g("user"), RecordType: g("record_type"), RecordID: g("record_id"), Action: g("action"),
		Outcome: g("outcome"), From: g("from"), To: g("to"), Page: g("page"), PerPage: g("per_page")}
}

func (aq auditQuery) url(path string) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"user", aq.User}, {"record_type", aq.RecordType}, {"record_id", aq.RecordID},
		{"action", aq.Action}, {"outcome", aq.Outcome}, {"from", aq.From}, {"to", aq.To}, {"page", aq.Page},
		{"per_page", aq.PerPage}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if enc := v.Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}

// filter turns the query into an audit.Filter. Dates are days in China
// Standard Time, both ends included.
func (aq auditQuery) filter() (audit.Filter, error) {
	f := audit.Filter{Username: aq.User, RecordType: aq.RecordType, RecordID: aq.RecordID, Action: aq.Action, Outcome: aq.Outcome}
	var v fault.Validation
	day := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, s, shanghai)
		if err != nil {
			v.Add(field, "日期 %q 无效（应为 YYYY-MM-DD）", "date %q is not valid (use YYYY-MM-DD)", s)
		}
		return t
	}
	f.From = day("from", aq.From)
	if to := day("to", aq.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	f.Page, f.PerPage = parsePage(&v, aq.Page, aq.PerPage, audit.MaxPerPage)
	if v.Err() == nil {
		if err := f.Check(); err != nil {
			return f, err
		}
	}
	return f, v.Err()
}

// auditLabels names the search's fields in problems.
var auditLabels = map[string]string{"user": "audit.user", "username": "audit.user", "record_type": "audit.record_type",
	"record_id": "audit.record_id", "action": "audit.action", "outcome": "audit.outcome", "from": "audit.from",
	"to": "audit.to", "page": "field.page", "per_page": "field.per_page"}

func auditProblem(l i18n.Lang, fe fault.FieldError) string {
	if key, ok := auditLabels[fe.Field]; ok {
		sep := "："
		if l == i18n.EN {
			sep = ": "
		}
		return i18n.Tr(l, key) + sep + fe.Msg.In(l)
	}
	return fieldProblem(l, fe)
}

// auditRow is an entry as shown.
type auditRow struct {
	audit.Logged
	When        string // China Standard Time, to the second
	ActionName  string // the action's name when the catalogue has one
	OutcomeName string
}

func auditRowOf(l i18n.Lang, g audit.Logged) auditRow {
	r := auditRow{Logged: g, When: g.At.In(shanghai).Format(time.DateTime),
		OutcomeName: i18n.Tr(l, "audit.outcome."+g.Outcome)}
	if key := "audit.act." + g.Action; i18n.Has(key) {
		r.ActionName = i18n.Tr(l, key)
	}
	return r
}

// verifyView is the result of a chain check, as shown.
type verifyView struct {
	Intact  bool
	Message string
	Reason  string
	Anchor  int64
}

type auditData struct {
	Query    auditQuery
	Outcomes []option
	PerPage  []option
	Errors   []string
	Result   audit.Page
	Rows     []auditRow
	pager
	ExportXLSX string
	CanExport  bool
	Check      *verifyView // after "verify now"
}

func (ui *UI) auditLog() (*audit.Log, error) {
	if ui.d.Audit == nil {
		return nil, fault.New(fault.Unavailable, "审计日志不可用", "the audit log is not available")
	}
	return ui.d.Audit, nil
}

// auditList is GET /audit: the log, newest first, with the search form.
func (ui *UI) auditList(w http.ResponseWriter, r *http.Request) {
	ui.auditPage(w, r, readAuditQuery(r.URL.Query()), nil)
}

func (ui *UI) auditPage(w http.ResponseWriter, r *http.Request, aq auditQuery, check *verifyView) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	log, err := ui.auditLog()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	d := &auditData{Query: aq, CanExport: u.Can("audit.export"), Check: check}
	for _, o := range []string{audit.OK, audit.Failed, audit.Denied} {
		d.Outcomes = append(d.Outcomes, option{o, i18n.Tr(l, "audit.outcome."+o), o == aq.Outcome})
	}
	for _, n := range perPageChoices {
		s := strconv.Itoa(n)
		d.PerPage = append(d.PerPage, option{s, s, s == aq.PerPage || aq.PerPage == "" && n == 50})
	}
	status := http.StatusOK
	f, ferr := aq.filter()
	if ferr == nil {
		d.Result, ferr = log.Search(r.Context(), f)
	}
	if ferr != nil {
		fe := fault.As(ferr)
		if fe.Kind != fault.Invalid {
			ui.Fail(w, r, ferr)
			return
		}
		status = http.StatusBadRequest
		for _, x := range fe.Fields {
			d.Errors = append(d.Errors, auditProblem(l, x))
		}
		if len(fe.Fields) == 0 {
			d.Errors = append(d.Errors, fe.Msg.In(l))
		}
	} else {
		d.paginate(aq)
		for _, g := range d.Result.Items {
			d.Rows = append(d.Rows, auditRowOf(l, g))
		}
	}
	p := ui.newPage(r, i18n.Tr(l, "audit.title"), d)
	if isHTMX(r) {
		ui.renderTemplate(w, r, status, "audit", "audit-results", p)
		return
	}
	ui.render(w, r, status, "audit", p)
}

func (d *auditData) paginate(aq auditQuery) {
	pg := d.Result
	d.pager = newPager(pg.Page, pg.PerPage, pg.Total, func(n int) string {
		q := aq
		q.Page = ""
		if n > 1 {
			q.Page = strconv.Itoa(n)
		}
		return q.url("/audit")
	})
	d.HXTarget = "#audit-results"
	ex := aq
	ex.Page, ex.PerPage = "", ""
	d.ExportXLSX = ex.url("/audit/export.xlsx")
}

// auditEntry is an entry about the signed-in user's own request.
func auditEntry(r *http.Request, action string) audit.Entry {
	e := audit.Entry{Action: action, IP: httpx.ClientIP(r), RequestID: httpx.RequestID(r.Context())}
	if u, ok := auth.FromContext(r.Context()); ok {
		e = e.By(u)
	}
	return e
}

// auditVerify is POST /audit/verify: check the whole chain now and show the
// result above the log. The check is itself recorded.
func (ui *UI) auditVerify(w http.ResponseWriter, r *http.Request) {
	log, err := ui.auditLog()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	rep, err := log.Verify(r.Context())
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	l := i18n.FromRequest(r)
	v := &verifyView{Intact: rep.Intact(), Message: rep.Message().In(l), Anchor: rep.Anchor}
	e := auditEntry(r, "audit.verify")
	e.Detail = rep.Message().EN
	if rep.Problem != nil {
		v.Reason = rep.Problem.Reason.In(l)
		e.Outcome = audit.Failed
		e.RecordType, e.RecordID = "audit_log", strconv.FormatInt(rep.Problem.Seq, 10)
	}
	if err := log.Append(r.Context(), e); err != nil {
		ui.Fail(w, r, err)
		return
	}
	ui.auditPage(w, r, auditQuery{}, v)
}

// auditColumns are the export's columns; headers in Chinese, as the
// bureau's files are.
func auditColumns() []Column[audit.Logged] {
	zh := func(key string) string { return i18n.Tr(i18n.ZH, key) }
	str := func(f func(audit.Logged) string) func(audit.Logged) any {
		return func(g audit.Logged) any { return f(g) }
	}
	return []Column[audit.Logged]{
		{zh("audit.col.seq"), 8, func(g audit.Logged) any { return g.Seq }},
		{zh("audit.col.at"), 20, func(g audit.Logged) any { return g.At }},
		{zh("audit.col.user_id"), 20, func(g audit.Logged) any { return strconv.FormatInt(g.UserID, 10) }},
		{zh("audit.user"), 14, str(func(g audit.Logged) string { return g.Username })},
		{zh("audit.col.org_kind"), 8, str(func(g audit.Logged) string { return g.OrgKind })},
		{zh("audit.col.org_code"), 12, str(func(g audit.Logged) string { return g.OrgCode })},
		{zh("audit.col.ip"), 16, str(func(g audit.Logged) string { return g.IP })},
		{zh("audit.col.request"), 18, str(func(g audit.Logged) string { return g.RequestID })},
		{zh("audit.action"), 22, str(func(g audit.Logged) string { return g.Action })},
		{zh("audit.outcome"), 8, str(func(g audit.Logged) string { return i18n.Tr(i18n.ZH, "audit.outcome."+g.Outcome) })},
		{zh("audit.record_type"), 12, str(func(g audit.Logged) string { return g.RecordType })},
		{zh("audit.record_id"), 20, str(func(g audit.Logged) string { return g.RecordID })},
		{zh("audit.col.detail"), 40, str(func(g audit.Logged) string { return g.Detail })},
		{zh("audit.col.changes"), 60, str(func(g audit.Logged) string { return changesText(g.Changes) })},
		{zh("audit.col.prev_hash"), 20, str(func(g audit.Logged) string { return g.PrevHash })},
		{zh("audit.col.hash"), 20, str(func(g audit.Logged) string { return g.Hash })},
	}
}

// changesText writes changes on one line each: "field: before → after".
func changesText(cs []audit.Change) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(c.Field + ": " + c.Before + " → " + c.After)
	}
	return b.String()
}

// auditExport is GET /audit/export.xlsx: every entry matching the search
// (pages ignored), newest first. The export is itself recorded.
func (ui *UI) auditExport(w http.ResponseWriter, r *http.Request) {
	log, err := ui.auditLog()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	aq := readAuditQuery(r.URL.Query())
	aq.Page, aq.PerPage = "", ""
	f, err := aq.filter()
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	e := auditEntry(r, "audit.export")
	e.RecordType, e.Detail = "audit_log", aq.url("/audit/export.xlsx")
	if err := log.Append(r.Context(), e); err != nil {
		ui.Fail(w, r, err)
		return
	}
	day := ui.now().In(shanghai).Format("2006-01-02")
	ex := Export[audit.Logged]{
		Name:      i18n.Tr(i18n.ZH, "audit.export_file") + "-" + day,
		ASCIIName: "audit-log-" + day,
		Sheet:     i18n.Tr(i18n.ZH, "audit.export_sheet"),
		Columns:   auditColumns(),
		Rows: func(yield func(audit.Logged) error) error {
			return log.Each(r.Context(), f, yield)
		},
	}
	if err := ex.XLSX(w); err != nil {
		ui.exportFailed(w, r, err)
	}
}
