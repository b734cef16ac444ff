// Package api is edubureau's JSON API under /api/v1: the contract with school
// systems and other agencies. Every response is JSON (UTF-8); every error is
// application/problem+json (RFC 9457); a school carries an ETag for
// optimistic locking. The OpenAPI 3.1 document (openapi.json, embedded) is the
// written form of the contract, and the tests check real responses against it.
//
// The package knows no SQL: it calls the registry, the area tree and the
// session service, and turns their faults into problems in one place (Fail).
package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/db"
	"edubureau/enrol"
	"edubureau/fault"
	"edubureau/httpx"
	"edubureau/importer"
	"edubureau/pii"
	"edubureau/school"
	"edubureau/student"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Deps is what the API is built on.
type Deps struct {
	DB           *db.DB
	Schools      *school.Registry
	Auth         *auth.Service
	Jurisdiction area.Area
	Version      string // the program's version, shown in the OpenAPI document

	Admissions *enrol.Office     // admissions (issue 5)
	Results    *enrol.ResultsDay // the published 中考 results, served from memory
	Keyring    *pii.Keyring      // blind indexes of the public lookup; nil: Admissions' keyring
	Students   *student.Registry // the student status registry (issue 4); nil: its routes answer 503
	Imports    *importer.Service // bulk imports (issue 4)
}

// API serves /api/v1.
type API struct {
	d       Deps
	openapi []byte // the document with its version filled in
	docETag string
}

// New returns the API on d. It panics if the embedded OpenAPI document is not
// valid JSON, which a test rules out.
func New(d Deps) *API {
	a := &API{d: d}
	a.openapi, a.docETag = document(d.Version)
	return a
}

// Routes lists the API's routes for the server's route table. The server
// checks Access and Permission before a handler runs; a handler may then take
// the user from the context.
func (a *API) Routes() []httpx.Route {
	rs := a.coreRoutes()
	for _, p := range parts {
		rs = append(rs, p(a)...)
	}
	return rs
}

// parts are the parts of the API kept in files of their own (students,
// admissions…): each registers its routes from an init function with addPart,
// and documents them in openapi/<part>.json.
var parts []func(a *API) []httpx.Route

func addPart(routes func(a *API) []httpx.Route) { parts = append(parts, routes) }

func (a *API) coreRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Pattern: Prefix + "/session", Access: httpx.Public, Handler: a.signIn},
		{Method: "DELETE", Pattern: Prefix + "/session", Access: httpx.SignedIn, Handler: a.signOut},
		{Method: "GET", Pattern: Prefix + "/areas", Access: httpx.Public, Handler: a.listAreas},
		{Method: "GET", Pattern: Prefix + "/areas/{code}", Access: httpx.Public, Handler: a.getArea},
		{Method: "GET", Pattern: Prefix + "/schools", Access: httpx.SignedIn, Permission: "school.view", Handler: a.listSchools},
		{Method: "POST", Pattern: Prefix + "/schools", Access: httpx.SignedIn, Permission: "school.edit", Handler: a.createSchool},
		{Method: "GET", Pattern: Prefix + "/schools/{code}", Access: httpx.SignedIn, Permission: "school.view", Handler: a.getSchool},
		{Method: "PUT", Pattern: Prefix + "/schools/{code}", Access: httpx.SignedIn, Permission: "school.edit", Handler: a.replaceSchool},
		{Method: "GET", Pattern: Prefix + "/schools/{code}/history", Access: httpx.SignedIn, Permission: "school.view", Handler: a.schoolHistory},
		{Method: "GET", Pattern: Prefix + "/schools/{code}/names", Access: httpx.SignedIn, Permission: "school.view", Handler: a.schoolNames},
		{Method: "GET", Pattern: Prefix + "/calendar/add-workdays", Access: httpx.Public, Handler: a.addWorkdays},
		{Method: "GET", Pattern: Prefix + "/calendar/workdays-between", Access: httpx.Public, Handler: a.workdaysBetween},
		{Method: "GET", Pattern: Prefix + "/openapi.json", Access: httpx.Public, Handler: a.serveOpenAPI},
	}
}

// user returns the signed-in user the server put in the context. A handler of
// a SignedIn route without one is a wiring bug, reported as Unauthorized
// rather than run with no scope.
func user(r *http.Request) (auth.User, error) {
	u, ok := auth.FromContext(r.Context())
	if !ok {
		return auth.User{}, fault.New(fault.Unauthorized, "请先登录", "please sign in")
	}
	return u, nil
}

// writeJSON writes v as the response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := encode(v)
	if err != nil {
		// Only a programming error (an unmarshalable type) gets here.
		http.Error(w, "cannot encode the response", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// encode marshals v as one line of JSON, leaving <, > and & as they are (the
// API is not HTML, and school names contain them).
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return b.Bytes(), err
}

// list is the envelope of every collection that is not paged.
type list[T any] struct {
	Items []T `json:"items"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}
