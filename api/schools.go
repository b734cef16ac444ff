package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"edubureau/audit"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/school"
)

// schoolsPage is one page of the school list.
type schoolsPage struct {
	Items   []school.School `json:"items"`
	Total   int             `json:"total"`
	Page    int             `json:"page"`
	PerPage int             `json:"per_page"`
	Pages   int             `json:"pages"`
}

// listParams are the query parameters of GET /api/v1/schools, the web list's filters.
var listParams = []string{"county", "township", "type", "ownership", "status", "q", "sort", "desc", "page", "per_page"}

// schoolFilter reads the list's query parameters into a filter.
func schoolFilter(r *http.Request) (school.Filter, error) {
	q, err := parseQuery(r, listParams...)
	if err != nil {
		return school.Filter{}, err
	}
	f := school.Filter{
		County: q.get("county"), Township: q.get("township"), Type: school.Type(q.get("type")),
		Ownership: school.Ownership(q.get("ownership")), Status: school.Status(q.get("status")),
		Query: q.get("q"), Sort: q.get("sort"), Page: 1, PerPage: 50,
	}
	if s := q.get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			q.bad.Add("page", "页码 %q 应为正整数", "page %q must be a positive whole number", s)
		} else {
			f.Page = n
		}
	}
	if s := q.get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > school.MaxPerPage {
			q.bad.Add("per_page", "每页条数 %q 应为 1–%d 的整数", "per_page %q must be a whole number from 1 to %d", s, school.MaxPerPage)
		} else {
			f.PerPage = n
		}
	}
	switch s := q.get("desc"); s {
	case "", "false":
	case "true":
		f.Desc = true
	default:
		q.bad.Add("desc", "desc 应为 true 或 false，而不是 %q", "desc must be true or false, not %q", s)
	}
	if err := f.Check(); err != nil {
		var fe *fault.Error
		if !errors.As(err, &fe) {
			return f, err
		}
		for _, field := range fe.Fields {
			if !q.bad.Has(field.Field) {
				q.bad.AddText(field.Field, field.Msg)
			}
		}
	}
	for i, field := range q.bad.Fields {
		if field.Field == "sort" {
			// Say which keys there are, so that the problem is enough to fix the call.
			q.bad.Fields[i].Msg = i18n.T("不能按 %q 排序；可用：%s", "cannot sort by %q; use one of: %s", f.Sort, strings.Join(sortKeys(), ", "))
		}
	}
	return f, q.err()
}

// pageLinks is the Link header (RFC 8288) of a page of a list: first, prev, next, last.
func pageLinks(r *http.Request, page, pages int) string {
	last := max(pages, 1)
	link := func(n int, rel string) string {
		v := r.URL.Query()
		v.Set("page", strconv.Itoa(n))
		return "<" + r.URL.Path + "?" + v.Encode() + `>; rel="` + rel + `"`
	}
	links := []string{link(1, "first")}
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < pages {
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(last, "last"))
	return strings.Join(links, ", ")
}

// listSchools is GET /api/v1/schools.
func (a *API) listSchools(w http.ResponseWriter, r *http.Request) {
	u, err := user(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	f, err := schoolFilter(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	p, err := a.d.Schools.List(r.Context(), u.Scope(), f)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	w.Header().Set("Link", pageLinks(r, p.Page, p.Pages()))
	writeJSON(w, http.StatusOK, schoolsPage{Items: p.Items, Total: p.Total, Page: p.Page, PerPage: p.PerPage, Pages: p.Pages()})
}

// schoolInput is a school as a client sends it: the members of school.School.
// The read-only members (version, created_at, …) are accepted so that a client
// may send back what it read, and ignored: the ETag, not the body, says which
// version an update replaces.
type schoolInput struct {
	Code             string           `json:"code"`
	Name             string           `json:"name"`
	NameEN           string           `json:"name_en"`
	Type             school.Type      `json:"type"`
	Ownership        school.Ownership `json:"ownership"`
	County           string           `json:"county"`
	Township         string           `json:"township"`
	Address          string           `json:"address"`
	Lng              *float64         `json:"lng"`
	Lat              *float64         `json:"lat"`
	Status           school.Status    `json:"status"`
	OpenedOn         string           `json:"opened_on"`
	ClosedOn         string           `json:"closed_on"`
	Headmaster       string           `json:"headmaster"`
	Capacity         int              `json:"capacity"`
	LicenceNo        string           `json:"licence_no"`
	LicenceIssuedOn  string           `json:"licence_issued_on"`
	LicenceExpiresOn string           `json:"licence_expires_on"`

	Version      json.RawMessage `json:"version"`
	CreatedAt    json.RawMessage `json:"created_at"`
	UpdatedAt    json.RawMessage `json:"updated_at"`
	CountyName   json.RawMessage `json:"county_name"`
	TownshipName json.RawMessage `json:"township_name"`
}

func (in schoolInput) school() school.School {
	return school.School{Code: in.Code, Name: in.Name, NameEN: in.NameEN, Type: in.Type, Ownership: in.Ownership,
		County: in.County, Township: in.Township, Address: in.Address, Lng: in.Lng, Lat: in.Lat, Status: in.Status,
		OpenedOn: in.OpenedOn, ClosedOn: in.ClosedOn, Headmaster: in.Headmaster, Capacity: in.Capacity,
		LicenceNo: in.LicenceNo, LicenceIssuedOn: in.LicenceIssuedOn, LicenceExpiresOn: in.LicenceExpiresOn}
}

// schoolReplacement is the body of PUT: the whole school, and the date a
// change of name takes effect (today when absent).
type schoolReplacement struct {
	schoolInput
	RenamedOn string `json:"renamed_on"`
}

func schoolLocation(code string) string { return Prefix + "/schools/" + code }

// writeSchool writes one school with its validator.
func writeSchool(w http.ResponseWriter, status int, s school.School) {
	w.Header().Set("ETag", schoolETag(s.Version))
	w.Header().Set("Cache-Control", "private, no-cache")
	writeJSON(w, status, s)
}

// getSchool is GET /api/v1/schools/{code}; If-None-Match gives 304 when the
// client's copy is current.
func (a *API) getSchool(w http.ResponseWriter, r *http.Request) {
	u, err := user(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	s, err := a.d.Schools.Get(r.Context(), u.Scope(), r.PathValue("code"))
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	if c := readConditional(r, "If-None-Match"); c.present && c.valid && c.matches(s.Version, false) {
		w.Header().Set("ETag", schoolETag(s.Version))
		w.Header().Set("Cache-Control", "private, no-cache")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeSchool(w, http.StatusOK, s)
}

// createSchool is POST /api/v1/schools.
func (a *API) createSchool(w http.ResponseWriter, r *http.Request) {
	u, err := user(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	var in schoolInput
	if err := decodeJSON(r, &in); err != nil {
		a.Fail(w, r, err)
		return
	}
	s, err := a.d.Schools.Create(r.Context(), u.Scope(), in.school(), audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context())))
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", schoolLocation(s.Code))
	writeSchool(w, http.StatusCreated, s)
}

// replaceSchool is PUT /api/v1/schools/{code}: a full replacement, only of
// the version named by If-Match.
func (a *API) replaceSchool(w http.ResponseWriter, r *http.Request) {
	u, err := user(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	code := r.PathValue("code")
	cond, err := requireIfMatch(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	var in schoolReplacement
	if err := decodeJSON(r, &in); err != nil {
		a.Fail(w, r, err)
		return
	}
	sc := u.Scope()
	cur, err := a.d.Schools.Get(r.Context(), sc, code)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	if !cond.matches(cur.Version, true) {
		a.Fail(w, r, fault.New(fault.Precondition, "该学校已被他人修改（当前版本 %d），请重新读取后再改", "the school was changed meanwhile (now version %d); read it again and retry", cur.Version))
		return
	}
	// The registry checks the version again inside its transaction.
	s, err := a.d.Schools.Update(r.Context(), sc, code, in.school(), cur.Version, in.RenamedOn, audit.ActorOf(u, httpx.ClientIP(r), httpx.RequestID(r.Context())))
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	writeSchool(w, http.StatusOK, s)
}

// schoolHistory is GET /api/v1/schools/{code}/history: every version, newest first.
func (a *API) schoolHistory(w http.ResponseWriter, r *http.Request) {
	u, err := user(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	changes, err := a.d.Schools.History(r.Context(), u.Scope(), r.PathValue("code"))
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	for i := range changes {
		if changes[i].Fields == nil {
			changes[i].Fields = []school.FieldChange{}
		}
	}
	writeJSON(w, http.StatusOK, listOf(changes))
}

// schoolNames is GET /api/v1/schools/{code}/names: every name the school has carried, the current first.
func (a *API) schoolNames(w http.ResponseWriter, r *http.Request) {
	u, err := user(r)
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	names, err := a.d.Schools.Names(r.Context(), u.Scope(), r.PathValue("code"))
	if err != nil {
		a.Fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listOf(names))
}

func sortKeys() []string {
	keys := make([]string, 0, len(school.SortKeys))
	for k := range school.SortKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
