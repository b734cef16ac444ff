package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"edubureau/area"
	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/school"
)

// listQuery is the school list's query string as typed, kept to refill the
// filter form and to build the sort, page and export links.
type listQuery struct {
	County, Township, Type, Ownership, Status, Q, Sort, Desc, Page, PerPage string
}

func readListQuery(q url.Values) listQuery {
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return listQuery{County: g("county"), Township: g("township"), Type: g("type"), Ownership: g("ownership"),
		Status: g("status"), Q: g("q"), Sort: g("sort"), Desc: g("desc"), Page: g("page"), PerPage: g("per_page")}
}

// values encodes the query, leaving out empty parameters.
func (lq listQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"county", lq.County}, {"township", lq.Township}, {"type", lq.Type},
		{"ownership", lq.Ownership}, {"status", lq.Status}, {"q", lq.Q}, {"sort", lq.Sort}, {"desc", lq.Desc},
		{"page", lq.Page}, {"per_page", lq.PerPage}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

func (lq listQuery) url(path string) string {
	if enc := lq.values().Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}

// filter turns the query into a school.Filter; every bad value is named,
// whether it failed to parse here or breaks a rule of school.Filter.Check.
func (lq listQuery) filter() (school.Filter, error) {
	f := school.Filter{County: lq.County, Township: lq.Township, Type: school.Type(lq.Type),
		Ownership: school.Ownership(lq.Ownership), Status: school.Status(lq.Status), Query: lq.Q, Sort: lq.Sort}
	var v fault.Validation
	switch strings.ToLower(lq.Desc) {
	case "", "0", "false":
	case "1", "true", "on":
		f.Desc = true
	default:
		v.Add("desc", "排序方向 %q 无效（应为 1 或 0）", "sort direction %q is not valid (use 1 or 0)", lq.Desc)
	}
	f.Page, f.PerPage = parsePage(&v, lq.Page, lq.PerPage, school.MaxPerPage)
	if err := f.Check(); err != nil {
		for _, fe := range fault.As(err).Fields {
			if !v.Has(fe.Field) {
				v.Fields = append(v.Fields, fe)
			}
		}
	}
	return f, v.Err()
}

type option struct {
	Value, Label string
	Selected     bool
}

func typeOptions(l i18n.Lang, sel string) []option {
	out := make([]option, 0, len(school.Types))
	for _, ti := range school.Types {
		out = append(out, option{string(ti.Type), ti.Name.In(l), string(ti.Type) == sel})
	}
	return out
}

func ownershipOptions(l i18n.Lang, sel string) []option {
	var out []option
	for _, o := range school.Ownerships {
		out = append(out, option{string(o.Ownership), o.Name.In(l), string(o.Ownership) == sel})
	}
	return out
}

func statusOptions(l i18n.Lang, sel string) []option {
	var out []option
	for _, s := range school.Statuses {
		out = append(out, option{string(s.Status), s.Name.In(l), string(s.Status) == sel})
	}
	return out
}

func areaOptions(areas []area.Area, sel string) []option {
	out := make([]option, 0, len(areas))
	for _, a := range areas {
		out = append(out, option{a.Code, a.Name, a.Code == sel})
	}
	return out
}

var perPageChoices = []int{20, 50, 100, 200}

type sortColumn struct {
	Key, Label, URL string
	Active, Desc    bool
}

type listData struct {
	Query      listQuery
	Counties   []option
	Townships  []option // when a county is chosen
	Types      []option
	Ownerships []option
	Statuses   []option
	PerPage    []option
	Errors     []string // what is wrong with the query, in the user's language
	Result     school.Page
	Columns    []sortColumn
	pager
	ExportCSV  string
	ExportXLSX string
	CanEdit    bool
}

// schoolList is GET /schools: the registry with filters, search, sorting and
// pages. htmx asks for the results fragment only (HX-Request).
func (ui *UI) schoolList(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	l := i18n.FromRequest(r)
	lq := readListQuery(r.URL.Query())
	d := &listData{Query: lq, Types: typeOptions(l, lq.Type), Ownerships: ownershipOptions(l, lq.Ownership),
		Statuses: statusOptions(l, lq.Status), CanEdit: u.Can("school.edit")}
	counties, err := ui.counties(ctx)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	d.Counties = areaOptions(counties, lq.County)
	if len(lq.County) == 6 {
		if towns, err := area.List(ctx, ui.d.DB, lq.County, 0); err == nil {
			d.Townships = areaOptions(towns, lq.Township)
		}
	}
	for _, n := range perPageChoices {
		s := strconv.Itoa(n)
		d.PerPage = append(d.PerPage, option{s, s, s == lq.PerPage || lq.PerPage == "" && n == 50})
	}
	status := http.StatusOK
	f, ferr := lq.filter()
	if ferr == nil {
		d.Result, ferr = ui.d.Schools.List(ctx, u.Scope(), f)
	}
	if ferr != nil {
		fe := fault.As(ferr)
		if fe.Kind != fault.Invalid {
			ui.Fail(w, r, ferr)
			return
		}
		// A bad query is the user's (or a link's) mistake: say what is wrong, on the page.
		status = http.StatusBadRequest
		for _, x := range fe.Fields {
			d.Errors = append(d.Errors, fieldProblem(l, x))
		}
		if len(fe.Fields) == 0 {
			d.Errors = append(d.Errors, fe.Msg.In(l))
		}
	} else {
		d.paginate(l, lq)
	}
	p := ui.newPage(r, i18n.Tr(l, "schools.title"), d)
	if isHTMX(r) {
		ui.renderTemplate(w, r, status, "schools", "school-results", p)
		return
	}
	ui.render(w, r, status, "schools", p)
}

// paginate builds the sort headers, the page links and the export links.
func (d *listData) paginate(l i18n.Lang, lq listQuery) {
	for _, c := range []struct{ key, label string }{{"code", "field.code"}, {"name", "field.name"},
		{"type", "field.type"}, {"county", "field.county"}, {"status", "field.status"},
		{"capacity", "field.capacity"}, {"opened_on", "field.opened_on"}} {
		q := lq
		q.Page = ""
		active := lq.Sort == c.key || lq.Sort == "" && c.key == "code"
		desc := active && (lq.Desc == "1" || strings.EqualFold(lq.Desc, "true") || lq.Desc == "on")
		q.Sort, q.Desc = c.key, ""
		if active && !desc {
			q.Desc = "1"
		}
		d.Columns = append(d.Columns, sortColumn{Key: c.key, Label: i18n.Tr(l, c.label), URL: q.url("/schools"), Active: active, Desc: desc})
	}
	pg := d.Result
	d.pager = newPager(pg.Page, pg.PerPage, pg.Total, func(n int) string {
		q := lq
		q.Page = ""
		if n > 1 {
			q.Page = strconv.Itoa(n)
		}
		return q.url("/schools")
	})
	d.HXTarget = "#school-results"
	ex := lq
	ex.Page, ex.PerPage = "", ""
	d.ExportCSV, d.ExportXLSX = ex.url("/schools/export.csv"), ex.url("/schools/export.xlsx")
}

type detailData struct {
	School  school.School
	Names   []school.Name
	History []school.Change
	CanEdit bool
}

// schoolDetail is GET /schools/{code}: every field, the names the school has
// carried and its history.
func (ui *UI) schoolDetail(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	ctx, code, sc := r.Context(), r.PathValue("code"), u.Scope()
	d := &detailData{CanEdit: u.Can("school.edit")}
	if d.School, err = ui.d.Schools.Get(ctx, sc, code); err != nil {
		ui.Fail(w, r, err)
		return
	}
	if d.Names, err = ui.d.Schools.Names(ctx, sc, code); err != nil {
		ui.Fail(w, r, err)
		return
	}
	if d.History, err = ui.d.Schools.History(ctx, sc, code); err != nil {
		ui.Fail(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "school", ui.newPage(r, d.School.Name, d))
}

type townshipData struct {
	Options []option
}

// townships is the township select for a county (the school form reloads it
// with htmx when the county changes).
func (ui *UI) townships(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	code := r.PathValue("code")
	a, err := area.Get(ctx, ui.d.DB, code)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	if a.Level != area.County {
		ui.Fail(w, r, fault.New(fault.NotFound, "%s 不是县级行政区划", "%s is not a county", code))
		return
	}
	towns, err := area.List(ctx, ui.d.DB, a.Code, 0)
	if err != nil {
		ui.Fail(w, r, err)
		return
	}
	p := ui.newPage(r, "", &townshipData{Options: areaOptions(towns, r.URL.Query().Get("selected"))})
	ui.renderTemplate(w, r, http.StatusOK, "townships", "townships", p)
}
