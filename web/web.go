// Package web is the server-rendered user interface of edubureau: the pages
// the bureau's staff use in a browser. It knows nothing of SQL: it calls the
// duty packages (school, area, auth) with the signed-in user's scope and
// renders their answers with html/template, htmx and ECharts.
//
// The server (package server) mounts Routes, resolves the session, checks
// each route's Access and Permission, and calls Fail when that fails; the
// handlers here may assume a signed-in user on every non-public route.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"edubureau/area"
	"edubureau/audit"
	"edubureau/auth"
	"edubureau/casework"
	"edubureau/db"
	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/i18n"
	"edubureau/importer"
	"edubureau/school"
	"edubureau/student"
	"edubureau/training"
)

// Deps is what the user interface needs from the rest of the program.
type Deps struct {
	Cases        *casework.Engine  // casework: legal deadlines (issue 6)
	Training     *training.Service // off-campus training institutions' accounts and charge checks (issue 6)
	Students     *student.Registry // the student status registry (issue 4); nil: no student pages
	DB           *db.DB
	Schools      *school.Registry
	Auth         *auth.Service
	Audit        *audit.Log
	Jurisdiction area.Area // the bureau's own area, e.g. {Code:"4304", Name:"衡阳市"}
	Secure       bool      // set cookies Secure (served over TLS)
	Version      string

	Admissions *enrol.Office     // admissions (issue 5)
	Results    *enrol.ResultsDay // the published 中考 results, served from memory
	Imports    *importer.Service // bulk imports from CSV and Excel (issue 4)
	MaxUpload  int64             // the largest upload an import takes (the server's limit)
}

// UI is the set of pages, with their templates parsed once.
type UI struct {
	d      Deps
	assets *assets
	// pages[lang][name] is a page's template set (layout + partials + page),
	// parsed once per language so that {{t "key"}} needs no per-request work.
	pages map[i18n.Lang]map[string]*template.Template
	// Now is the clock (for export file names and form validation); tests may replace it.
	Now func() time.Time
}

//go:embed templates
var templateFS embed.FS

// pageNames lists every page template; New fails when one is missing or broken.
// Each defines "content" (rendered inside "layout") unless it is a fragment.
var pageNames = []string{"login", "home", "schools", "school", "school_form", "error", "townships"}

// fragments are templates rendered on their own, without the layout.
var fragments = map[string]bool{"townships": true}

// New parses every template and reads the static files.
func New(d Deps) (*UI, error) {
	if d.DB == nil || d.Schools == nil || d.Auth == nil {
		return nil, errors.New("web: DB, Schools and Auth are required")
	}
	if d.Jurisdiction.Code == "" {
		return nil, errors.New("web: the jurisdiction is required")
	}
	if a, ok := area.Lookup(d.Jurisdiction.Code); ok {
		// Fill what the caller left out (level, parent, name).
		if d.Jurisdiction.Name == "" {
			d.Jurisdiction.Name = a.Name
		}
		d.Jurisdiction.Code, d.Jurisdiction.Level, d.Jurisdiction.Parent = a.Code, a.Level, a.Parent
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	ui := &UI{d: d, Now: time.Now, pages: map[i18n.Lang]map[string]*template.Template{}}
	if ui.assets, err = loadAssets(static); err != nil {
		return nil, err
	}
	if err := ui.parse(templateFS); err != nil {
		return nil, err
	}
	return ui, nil
}

func (ui *UI) parse(fsys fs.FS) error {
	for _, l := range i18n.Langs {
		ui.pages[l] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(ui.funcs(l)).ParseFS(fsys,
				"templates/layout.html", "templates/partials*.html", "templates/"+name+".html")
			if err != nil {
				return fmt.Errorf("web: template %s: %w", name, err)
			}
			want := "content"
			if fragments[name] {
				want = name
			}
			if t.Lookup(want) == nil {
				return fmt.Errorf("web: template %s.html does not define %q", name, want)
			}
			ui.pages[l][name] = t
		}
	}
	return nil
}

// feature is a part of the user interface kept in its own files (users,
// audit log, tokens…): it registers its pages, fragments, routes and
// navigation entries from an init function with addFeature.
type feature struct {
	pages     []string
	fragments []string
	nav       []NavItem
	routes    func(ui *UI) []httpx.Route
}

var features []feature

func addFeature(f feature) {
	features = append(features, f)
	pageNames = append(pageNames, f.pages...)
	pageNames = append(pageNames, f.fragments...)
	for _, fr := range f.fragments {
		fragments[fr] = true
	}
	Nav = append(Nav, f.nav...)
	sort.SliceStable(Nav, func(i, j int) bool { return Nav[i].Order < Nav[j].Order })
}

// Routes lists every page. The server mounts them in its one route table.
func (ui *UI) Routes() []httpx.Route {
	rs := ui.coreRoutes()
	for _, f := range features {
		if f.routes != nil {
			rs = append(rs, f.routes(ui)...)
		}
	}
	return rs
}

func (ui *UI) coreRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/static/{file...}", Access: httpx.Public, Handler: ui.assets.serve},
		{Method: "GET", Pattern: "/lang", Access: httpx.Public, Handler: ui.switchLang},
		{Method: "GET", Pattern: "/login", Access: httpx.Public, Handler: ui.loginForm},
		{Method: "POST", Pattern: "/login", Access: httpx.Public, Handler: ui.login},
		{Method: "POST", Pattern: "/logout", Access: httpx.SignedIn, Handler: ui.logout},
		{Method: "GET", Pattern: "/{$}", Access: httpx.SignedIn, Handler: ui.home},
		{Method: "GET", Pattern: "/schools", Access: httpx.SignedIn, Permission: "school.view", Handler: ui.schoolList},
		{Method: "GET", Pattern: "/schools/export.csv", Access: httpx.SignedIn, Permission: "school.view", Handler: ui.exportCSV},
		{Method: "GET", Pattern: "/schools/export.xlsx", Access: httpx.SignedIn, Permission: "school.view", Handler: ui.exportXLSX},
		{Method: "GET", Pattern: "/schools/new", Access: httpx.SignedIn, Permission: "school.edit", Handler: ui.newSchool},
		{Method: "POST", Pattern: "/schools", Access: httpx.SignedIn, Permission: "school.edit", Handler: ui.createSchool},
		{Method: "GET", Pattern: "/schools/{code}", Access: httpx.SignedIn, Permission: "school.view", Handler: ui.schoolDetail},
		{Method: "GET", Pattern: "/schools/{code}/edit", Access: httpx.SignedIn, Permission: "school.edit", Handler: ui.editSchool},
		{Method: "POST", Pattern: "/schools/{code}", Access: httpx.SignedIn, Permission: "school.edit", Handler: ui.updateSchool},
		{Method: "GET", Pattern: "/areas/{code}/townships", Access: httpx.SignedIn, Permission: "school.view", Handler: ui.townships},
	}
}

// NavItem is one entry of the navigation, which mirrors the bureau's duties:
// a section appears here when it is built.
type NavItem struct {
	Key        string // catalogue key of the label
	Href       string
	Permission string   // "" for any signed-in user
	Order      int      // position: the duties first (10, 20, …), administration last (900…)
	Any        []string // when set, shown to users who hold any one of these permissions
	// Badge, when set, counts what waits for the user there (shown beside
	// the label when not 0; "99+" from 100).
	Badge func(ui *UI, r *http.Request, u auth.User) int
}

// Nav is the navigation, in the order shown.
var Nav = []NavItem{
	{Key: "nav.home", Href: "/", Order: 0},
	{Key: "nav.schools", Href: "/schools", Permission: "school.view", Order: 10},
}

type navLink struct {
	Label  string
	Href   string
	Active bool
	Badge  string // "" when nothing waits
	Count  int    // what the badge counts
}

// page is what every template receives.
type page struct {
	Lang    i18n.Lang
	Title   string
	Bureau  string
	Version string
	User    *auth.User
	Nav     []navLink
	Here    string // the request's path and query, for the language switch
	Flash   string
	Charts  bool // load ECharts
	Data    any
}

func (ui *UI) newPage(r *http.Request, title string, data any) *page {
	l := i18n.FromRequest(r)
	p := &page{Lang: l, Title: title, Version: ui.d.Version, Here: r.URL.RequestURI(), Data: data,
		Bureau: i18n.Trf(l, "app.bureau", ui.d.Jurisdiction.Name)}
	if u, ok := auth.FromContext(r.Context()); ok {
		p.User = &u
		for _, n := range Nav {
			if n.Permission != "" && !u.Can(n.Permission) || len(n.Any) > 0 && !canAny(u, n.Any) {
				continue
			}
			active := r.URL.Path == n.Href || n.Href != "/" && strings.HasPrefix(r.URL.Path, n.Href+"/")
			link := navLink{Label: i18n.Tr(l, n.Key), Href: n.Href, Active: active}
			if n.Badge != nil {
				c := n.Badge(ui, r, u)
				link.Count = c
				switch {
				case c >= 100:
					link.Badge = "99+"
				case c > 0:
					link.Badge = strconv.Itoa(c)
				}
			}
			p.Nav = append(p.Nav, link)
		}
	}
	return p
}

// canAny reports whether u holds any of the permissions.
func canAny(u auth.User, permissions []string) bool {
	for _, p := range permissions {
		if u.Can(p) {
			return true
		}
	}
	return false
}

// render writes a full page: the layout around the page's "content".
func (ui *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	ui.renderTemplate(w, r, status, name, "layout", p)
}

// renderTemplate writes one named template of a page's set (the layout, or a
// fragment for htmx). It renders into a buffer first, so a template error is
// a clean 500 and never half a page.
func (ui *UI) renderTemplate(w http.ResponseWriter, r *http.Request, status int, name, tmpl string, p *page) {
	t := ui.pages[p.Lang][name]
	if t == nil {
		ui.Fail(w, r, fmt.Errorf("web: no template %s", name))
		return
	}
	if tmpl == "layout" {
		p.Flash = ui.takeFlash(w, r, p.Lang)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		if name == "error" {
			// The error page itself failed: fall back to plain text.
			httpx.LogError(r, fault.Wrap(err, "render error page"))
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		ui.Fail(w, r, fault.Wrap(err, "render "+name+"/"+tmpl))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // pages carry personal and official data
	h.Add("Vary", "HX-Request")
	h.Add("Vary", "Cookie")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// isHTMX reports whether htmx asked for a fragment (not a history restore,
// which needs the whole page).
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

type errorData struct {
	Status    int
	Message   string
	Fields    []string
	RequestID string
	SignIn    bool // show a sign-in link
}

// Fail renders err as a page: its status comes from its fault kind. Not being
// signed in on a GET sends the browser to the sign-in page and back.
// Internal errors are logged (with the request id shown to the user), never shown.
func (ui *UI) Fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := fault.KindOf(err)
	if kind == fault.Unauthorized && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		next := r.URL.RequestURI()
		if r.Header.Get("HX-Request") == "true" {
			// A fragment URL is no place to come back to: return to the page shown.
			if cur, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && cur.Path != "" {
				next = cur.RequestURI()
			}
			w.Header().Set("HX-Redirect", "/login?next="+url.QueryEscape(safeNext(next)))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
		return
	}
	httpx.LogError(r, err)
	fe := fault.As(err)
	status := httpx.Status(kind)
	l := i18n.FromRequest(r)
	data := &errorData{Status: status, Message: fe.Msg.In(l), RequestID: httpx.RequestID(r.Context()),
		SignIn: kind == fault.Unauthorized}
	for _, f := range fe.Fields {
		data.Fields = append(data.Fields, fieldProblem(l, f))
	}
	p := ui.newPage(r, i18n.Tr(l, "error.title"), data)
	if r.Header.Get("HX-Request") == "true" {
		ui.renderTemplate(w, r, status, "error", "error-fragment", p)
		return
	}
	ui.render(w, r, status, "error", p)
}

// currentUser is the signed-in user; the server guarantees one on SignedIn routes.
func currentUser(r *http.Request) (auth.User, error) {
	if u, ok := auth.FromContext(r.Context()); ok {
		return u, nil
	}
	return auth.User{}, fault.New(fault.Unauthorized, "请先登录", "please sign in")
}

// formUser is how a form's POST handler starts: the signed-in user and the
// parsed form, or the error page (ok is false, and the response is written).
func (ui *UI) formUser(w http.ResponseWriter, r *http.Request) (auth.User, bool) {
	u, err := currentUser(r)
	if err == nil {
		if err = r.ParseForm(); err != nil {
			err = httpx.BodyError(err)
		}
	}
	if err != nil {
		ui.Fail(w, r, err)
		return auth.User{}, false
	}
	return u, true
}

// fieldLabel names a field (a form field or query parameter) in l.
func fieldLabel(l i18n.Lang, field string) string {
	if i18n.Has("field." + field) {
		return i18n.Tr(l, "field."+field)
	}
	return field
}

// fieldProblem writes "label: message" in l.
func fieldProblem(l i18n.Lang, fe fault.FieldError) string {
	sep := "："
	if l == i18n.EN {
		sep = ": "
	}
	return fieldLabel(l, fe.Field) + sep + fe.Msg.In(l)
}

// safeNext returns next when it is a path on this site, and "/" otherwise:
// the sign-in and language pages never send the browser elsewhere.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || r < ' ' || r == 0x7f }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}

// counties lists the jurisdiction's counties (or, for a county-level
// bureau, the bureau's own county).
func (ui *UI) counties(ctx context.Context) ([]area.Area, error) {
	j := ui.d.Jurisdiction
	if j.Level == area.County {
		return []area.Area{j}, nil
	}
	return area.List(ctx, ui.d.DB, j.Code, 0)
}

func (ui *UI) now() time.Time { return ui.Now() }

// shanghai is China Standard Time; China has kept UTC+8 without daylight
// saving since 1991, so a fixed zone is exact when tzdata is missing.
var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()
