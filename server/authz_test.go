package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"edubureau/area"
	"edubureau/auth"
	"edubureau/casework"
	"edubureau/config"
	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/school"
	"edubureau/scope"
)

// The authorisation matrix: every route the server mounts × every kind of
// user × a record in and out of the user's scope, with the expected outcome.
// What each role may do is restated here by hand, from the access issue,
// rather than read back from auth's own tables, so that the two check each
// other. A route added without an entry here fails the test.

const (
	schoolA = "2143000001" // in 珠晖区 430405
	schoolB = "2143000002" // in 衡阳县 430421
	// Training institutions (casework's supervision pages): the inspector is
	// assigned trainingA, in 珠晖区; trainingB is in 衡阳县.
	trainingA = "9243000001"
	trainingB = "9243000002"
)

// who is one kind of user in the matrix.
type who struct {
	name    string
	user    auth.NewUser
	may     []string // the permissions this user should hold
	reachB  bool     // whether school B (another county) is in their scope
	anonyms bool
}

var everyone = []who{
	{name: "anonymous", anonyms: true},
	{name: "admin", user: auth.NewUser{Role: auth.Admin, OrgKind: auth.OrgCity, OrgCode: "4304"},
		may: []string{"school.view", "school.edit", "audit.view", "audit.export", "token.manage", "user.manage", "calendar.manage", "case.view", "case.edit",
			"student.view", "student.edit", "student.view_pii", "admission.view", "admission.edit", "admission.view_pii"}, reachB: true},
	{name: "staff.city", user: auth.NewUser{Role: auth.Staff, OrgKind: auth.OrgCity, OrgCode: "4304", Section: "schools"},
		may: []string{"school.view", "school.edit", "case.view", "case.edit"}, reachB: true},
	{name: "staff.county", user: auth.NewUser{Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "schools"},
		may: []string{"school.view", "school.edit", "case.view", "case.edit"}},
	{name: "office.county", user: auth.NewUser{Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "office"},
		may: []string{"school.view", "calendar.manage", "case.view", "case.edit"}},
	{name: "school.admin", user: auth.NewUser{Role: auth.SchoolAdmin, OrgKind: auth.OrgSchool, OrgCode: schoolA},
		may: []string{"school.view", "student.view", "student.edit", "student.view_pii"}},
	{name: "students.county", user: auth.NewUser{Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "students"},
		may: []string{"school.view", "student.view", "student.edit", "student.view_pii"}},
	{name: "inspector", user: auth.NewUser{Role: auth.Inspector, OrgKind: auth.OrgCounty, OrgCode: "430405", Schools: []string{schoolA, trainingA}},
		may: []string{"school.view", "case.view", "student.view", "admission.view"}},
	{name: "auditor", user: auth.NewUser{Role: auth.Auditor, OrgKind: auth.OrgCity, OrgCode: "4304"},
		may: []string{"school.view", "audit.view", "audit.export", "case.view", "student.view", "admission.view"}, reachB: true},
	{name: "admissions.county", user: auth.NewUser{Role: auth.Staff, OrgKind: auth.OrgCounty, OrgCode: "430405", Section: "admissions"},
		may: []string{"school.view", "admission.view", "admission.edit", "admission.view_pii"}},
}

// entry says how to call a route and what it needs.
type entry struct {
	need   string // "" public, "signed_in", or a permission
	path   string // with an in-scope record
	out    string // the same with an out-of-scope record; "" when the route has no scoped record
	form   url.Values
	json   string
	header []string
	// ends is set on routes that end the caller's own session: done right,
	// they answer with the way to the sign-in page.
	ends bool
	// city is set on routes that act on the whole jurisdiction (the 中考):
	// a permission holder who does not reach it all is refused (403).
	city bool
}

func matrix(asset string, userID, tokenID int64) map[string]entry {
	uid, tid := strconv.FormatInt(userID, 10), strconv.FormatInt(tokenID, 10)
	blank := url.Values{}
	schoolJSON := func(code string) string {
		return `{"code":"` + code + `","name":"x","type":"primary","ownership":"public","county":"430405","status":"active","opened_on":"2020-09-01","capacity":-1}`
	}
	return map[string]entry{
		"GET /healthz":                       {path: "/healthz"},
		"GET /readyz":                        {path: "/readyz"},
		"GET /static/{file...}":              {path: asset},
		"GET /lang":                          {path: "/lang?to=en&next=/"},
		"GET /login":                         {path: "/login"},
		"POST /login":                        {path: "/login", form: url.Values{"username": {"nobody"}, "password": {"x"}}},
		"GET /login/totp":                    {path: "/login/totp"},
		"POST /login/totp":                   {path: "/login/totp", form: url.Values{"code": {"123456"}}},
		"POST /logout":                       {need: "signed_in", path: "/logout", form: blank, ends: true},
		"GET /{$}":                           {need: "signed_in", path: "/"},
		"GET /schools":                       {need: "school.view", path: "/schools"},
		"GET /schools/export.csv":            {need: "school.view", path: "/schools/export.csv"},
		"GET /schools/export.xlsx":           {need: "school.view", path: "/schools/export.xlsx"},
		"GET /schools/new":                   {need: "school.edit", path: "/schools/new"},
		"POST /schools":                      {need: "school.edit", path: "/schools", form: url.Values{"code": {"1"}}},
		"GET /schools/{code}":                {need: "school.view", path: "/schools/" + schoolA, out: "/schools/" + schoolB},
		"GET /schools/{code}/edit":           {need: "school.edit", path: "/schools/" + schoolA + "/edit", out: "/schools/" + schoolB + "/edit"},
		"POST /schools/{code}":               {need: "school.edit", path: "/schools/" + schoolA, out: "/schools/" + schoolB, form: url.Values{"version": {"1"}, "capacity": {"-1"}}},
		"GET /areas/{code}/townships":        {need: "school.view", path: "/areas/430405/townships"},
		"GET /account":                       {need: "signed_in", path: "/account"},
		"GET /account/password":              {need: "signed_in", path: "/account/password"},
		"POST /account/password":             {need: "signed_in", path: "/account/password", form: blank},
		"GET /account/totp":                  {need: "signed_in", path: "/account/totp"},
		"POST /account/totp/start":           {need: "signed_in", path: "/account/totp/start", form: blank},
		"POST /account/totp/confirm":         {need: "signed_in", path: "/account/totp/confirm", form: url.Values{"code": {"000000"}}},
		"POST /account/totp/disable":         {need: "signed_in", path: "/account/totp/disable", form: blank},
		"POST /account/sessions/revoke":      {need: "signed_in", path: "/account/sessions/revoke", form: blank, ends: true},
		"GET /audit":                         {need: "audit.view", path: "/audit"},
		"GET /audit/export.xlsx":             {need: "audit.export", path: "/audit/export.xlsx"},
		"POST /audit/verify":                 {need: "audit.view", path: "/audit/verify", form: blank},
		"GET /tokens":                        {need: "token.manage", path: "/tokens"},
		"GET /tokens/new":                    {need: "token.manage", path: "/tokens/new"},
		"POST /tokens":                       {need: "token.manage", path: "/tokens", form: blank},
		"POST /tokens/{id}/revoke":           {need: "token.manage", path: "/tokens/" + tid + "/revoke", form: blank},
		"GET /users":                         {need: "user.manage", path: "/users"},
		"GET /users/new":                     {need: "user.manage", path: "/users/new"},
		"POST /users":                        {need: "user.manage", path: "/users", form: blank},
		"GET /users/{id}":                    {need: "user.manage", path: "/users/" + uid},
		"POST /users/{id}":                   {need: "user.manage", path: "/users/" + uid, form: blank},
		"POST /users/{id}/disable":           {need: "user.manage", path: "/users/" + uid + "/disable", form: blank},
		"POST /users/{id}/enable":            {need: "user.manage", path: "/users/" + uid + "/enable", form: blank},
		"POST /users/{id}/unlock":            {need: "user.manage", path: "/users/" + uid + "/unlock", form: blank},
		"POST /users/{id}/revoke-sessions":   {need: "user.manage", path: "/users/" + uid + "/revoke-sessions", form: blank},
		"POST /users/{id}/reset-totp":        {need: "user.manage", path: "/users/" + uid + "/reset-totp", form: blank},
		"POST /users/{id}/reset-password":    {need: "user.manage", path: "/users/" + uid + "/reset-password", form: blank},
		"POST /api/v1/session":               {path: "/api/v1/session", json: `{"username":"nobody","password":"x"}`},
		"DELETE /api/v1/session":             {need: "signed_in", path: "/api/v1/session", ends: true},
		"GET /api/v1/areas":                  {path: "/api/v1/areas"},
		"GET /api/v1/areas/{code}":           {path: "/api/v1/areas/430405"},
		"GET /api/v1/openapi.json":           {path: "/api/v1/openapi.json"},
		"GET /api/v1/schools":                {need: "school.view", path: "/api/v1/schools"},
		"POST /api/v1/schools":               {need: "school.edit", path: "/api/v1/schools", json: schoolJSON("2143000009")},
		"GET /api/v1/schools/{code}":         {need: "school.view", path: "/api/v1/schools/" + schoolA, out: "/api/v1/schools/" + schoolB},
		"PUT /api/v1/schools/{code}":         {need: "school.edit", path: "/api/v1/schools/" + schoolA, out: "/api/v1/schools/" + schoolB, json: schoolJSON(""), header: []string{"If-Match", `"v1"`}},
		"GET /api/v1/schools/{code}/history": {need: "school.view", path: "/api/v1/schools/" + schoolA + "/history", out: "/api/v1/schools/" + schoolB + "/history"},
		"GET /api/v1/schools/{code}/names":   {need: "school.view", path: "/api/v1/schools/" + schoolA + "/names", out: "/api/v1/schools/" + schoolB + "/names"},

		// The working-day calendar: the API is public, the page is the office's.
		"GET /api/v1/calendar/add-workdays":     {path: "/api/v1/calendar/add-workdays?from=2025-09-26&days=1"},
		"GET /api/v1/calendar/workdays-between": {path: "/api/v1/calendar/workdays-between?from=2025-09-26&to=2025-09-28"},
		"GET /calendar":                         {need: "calendar.manage", path: "/calendar"},
		"POST /calendar":                        {need: "calendar.manage", path: "/calendar", form: blank},
		"GET /calendar/{year}":                  {need: "calendar.manage", path: "/calendar/2025"},

		// The public portal (CASE-PUBLIC): following a case, the disclosure request form.
		"GET /portal/case":        {path: "/portal/case"},
		"POST /portal/case":       {path: "/portal/case", form: url.Values{"number": {"衡教公〔2026〕1号"}, "code": {"ABCDEFGHJK"}}},
		"GET /portal/disclosure":  {path: "/portal/disclosure"},
		"POST /portal/disclosure": {path: "/portal/disclosure", form: blank},
	}
}

// casePageEntries are the staff's casework pages (web/cases.go, web/case.go):
// a disclosure case with a document in 珠晖区 at school A (which the
// inspector is assigned), and one in 衡阳县 at school B, out of county scope.
func casePageEntries(t *testing.T, d *db.DB, srv *Server) map[string]entry {
	t.Helper()
	ctx := context.Background()
	e, err := casework.New(d, casework.Shipped(casework.Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	e.Audit, e.Argon2 = srv.Audit(), auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
	by := casework.Actor{Can: func(string) bool { return true }, Scope: scope.Everything}
	by.Username = "seed"
	open := func(county, school string) (string, string) {
		c, err := e.Open(ctx, casework.InfoDisclosure, casework.OpenInput{Subject: "matrix", CountyCode: county, SchoolCode: school,
			Documents: []casework.Upload{{Kind: "application", Name: "a.pdf", Content: []byte("%PDF")}}}, by)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := e.Documents(ctx, scope.Everything, c.ID)
		if err != nil || len(docs) != 1 {
			t.Fatal(docs, err)
		}
		id := "/cases/" + strconv.FormatInt(c.ID, 10)
		return id, id + "/documents/" + strconv.FormatInt(docs[0].ID, 10)
	}
	in, inDoc := open("430405", schoolA)
	out, outDoc := open("430421", schoolB)
	blank := url.Values{}
	suit := func(county, school string) string {
		c, err := e.Open(ctx, casework.Litigation, casework.OpenInput{Subject: "matrix", CountyCode: county, SchoolCode: school,
			Fields: map[string]string{"court": "法院", "court_case_no": "（2026）湘0405行初1号", "plaintiff": "原告", "claims": "撤销"}}, by)
		if err != nil {
			t.Fatal(err)
		}
		return "/litigation/" + strconv.FormatInt(c.ID, 10)
	}
	inSuit, outSuit := suit("430405", schoolA), suit("430421", schoolB)
	return map[string]entry{
		// The annual check's batch, training institutions, the litigation
		// register, the disclosure report and reminders (web/annualcheck.go …).
		"GET /annual-check":                        {need: "case.view", path: "/annual-check?year=2025"},
		"GET /annual-check/export.xlsx":            {need: "case.view", path: "/annual-check/export.xlsx?year=2025"},
		"POST /annual-check/start":                 {need: "case.edit", path: "/annual-check/start", form: blank},
		"GET /training":                            {need: "case.view", path: "/training"},
		"GET /training/{code}":                     {need: "case.view", path: "/training/" + trainingA, out: "/training/" + trainingB},
		"POST /training/{code}/account":            {need: "case.edit", path: "/training/" + trainingA + "/account", out: "/training/" + trainingB + "/account", form: blank},
		"POST /training/{code}/checks":             {need: "case.edit", path: "/training/" + trainingA + "/checks", out: "/training/" + trainingB + "/checks", form: blank},
		"GET /litigation":                          {need: "case.view", path: "/litigation"},
		"GET /litigation/{id}":                     {need: "case.view", path: inSuit, out: outSuit},
		"GET /cases/disclosure-report":             {need: "case.view", path: "/cases/disclosure-report"},
		"GET /cases/disclosure-report/export.xlsx": {need: "case.view", path: "/cases/disclosure-report/export.xlsx"},
		"GET /cases/reminders":                     {need: "case.view", path: "/cases/reminders"},

		"GET /cases":                          {need: "case.view", path: "/cases?view=all"},
		"GET /cases/stats":                    {need: "case.view", path: "/cases/stats"},
		"GET /cases/new":                      {need: "case.edit", path: "/cases/new?type=info_disclosure"},
		"POST /cases":                         {need: "case.edit", path: "/cases", form: blank},
		"GET /cases/{id}":                     {need: "case.view", path: in, out: out},
		"GET /cases/{id}/documents/{doc}":     {need: "case.view", path: inDoc, out: outDoc},
		"POST /cases/{id}/steps/{transition}": {need: "case.edit", path: in + "/steps/notify_supplement", out: out + "/steps/notify_supplement", form: blank},
	}
}

// outcome classifies a response as the guard sees it.
func outcome(code int, location string) string {
	switch {
	case code == 401 || code == 303 && strings.HasPrefix(location, "/login"):
		return "unauthenticated"
	case code == 403:
		return "forbidden"
	case code == 404:
		return "not found"
	case code >= 500:
		return "error " + strconv.Itoa(code)
	}
	return "allowed"
}

func TestAuthorisationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		j, _ := area.Jurisdiction("4304")
		if err := area.Sync(ctx, d, j.Code); err != nil {
			t.Fatal(err)
		}
		reg := school.New(d)
		for _, s := range []school.School{
			{Code: schoolA, Name: "珠晖区甲小学", Type: school.Primary, Ownership: school.Public, County: "430405", Status: school.Active, OpenedOn: "2001-09-01"},
			{Code: schoolB, Name: "衡阳县乙小学", Type: school.Primary, Ownership: school.Public, County: "430421", Status: school.Active, OpenedOn: "2001-09-01"},
			{Code: trainingA, Name: "珠晖区甲培训学校", Type: school.Training, Ownership: school.Private, County: "430405", Status: school.Active,
				OpenedOn: "2019-09-01", LicenceNo: "教民1430405001", LicenceIssuedOn: "2024-01-01", LicenceExpiresOn: "2029-01-01"},
			{Code: trainingB, Name: "衡阳县乙培训学校", Type: school.Training, Ownership: school.Private, County: "430421", Status: school.Active,
				OpenedOn: "2019-09-01", LicenceNo: "教民1430421001", LicenceIssuedOn: "2024-01-01", LicenceExpiresOn: "2029-01-01"},
		} {
			if _, err := reg.Create(ctx, scope.Everything, s, school.Actor{Username: "seed"}); err != nil {
				t.Fatal(err)
			}
		}
		importDir := t.TempDir()
		srv, err := New(config.Config{MaxBody: 1 << 20, ShutdownTimeout: time.Second, ImportDir: importDir}, d, j, matrixKeys(t),
			slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
		if err != nil {
			t.Fatal(err)
		}
		a := srv.Auth()
		a.Argon2 = auth.Argon2{Time: 1, Memory: 8 * 1024, Threads: 1}
		a.SignInRate = -1 // hundreds of sign-ins from one address, on purpose
		const password = "Matrix-Pass-2026"
		for _, w := range everyone[1:] {
			nu := w.user
			nu.Username, nu.Password = w.name, password
			if _, err := a.CreateUser(ctx, nu); err != nil {
				t.Fatalf("create %s: %v", w.name, err)
			}
		}
		target, err := a.CreateUser(ctx, auth.NewUser{Username: "target", Password: password, Role: auth.Staff, OrgKind: auth.OrgCity, OrgCode: "4304", Section: "office"})
		if err != nil {
			t.Fatal(err)
		}
		admin, err := a.UserByName(ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := a.CreateToken(ctx, admin, auth.NewToken{Name: "matrix", UserID: admin.ID, ExpiresAt: time.Now().AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		// A real asset name (it carries its content hash).
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
		asset := regexp.MustCompile(`/static/[^"]+\.css`).FindString(rec.Body.String())
		if asset == "" {
			t.Fatal("no stylesheet on the sign-in page")
		}
		entries := matrix(asset, target.ID, tok.ID)
		for key, e := range casePageEntries(t, d, srv) {
			entries[key] = e
		}
		for key, e := range studentEntries(t, srv) {
			entries[key] = e
		}
		for key, e := range admissionEntries(t, d, srv) {
			entries[key] = e
		}
		for key, e := range importEntries(t, d, importDir) {
			entries[key] = e
		}

		// One session per user, signed in again only after a route ended it.
		sessions := map[string]string{}
		session := func(name string) string {
			if token, ok := sessions[name]; ok {
				return token
			}
			token, _, err := a.SignIn(ctx, name, password, "192.0.2.1", "matrix")
			if err != nil {
				t.Fatalf("sign in %s: %v", name, err)
			}
			sessions[name] = token
			return token
		}
		call := func(rt Mounted, e entry, path string, w who) (int, string) {
			var body io.Reader
			req := httptest.NewRequest(rt.Method, path, nil)
			switch {
			case e.form != nil:
				body = strings.NewReader(e.form.Encode())
				req = httptest.NewRequest(rt.Method, path, body)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			case e.json != "":
				req = httptest.NewRequest(rt.Method, path, strings.NewReader(e.json))
				req.Header.Set("Content-Type", "application/json")
			}
			for i := 0; i+1 < len(e.header); i += 2 {
				req.Header.Set(e.header[i], e.header[i+1])
			}
			if !w.anonyms {
				token := session(w.name)
				if e.ends {
					delete(sessions, w.name)
				}
				if rt.Part == "api" {
					req.Header.Set("Authorization", "Bearer "+token)
				} else {
					req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: token})
				}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code, rec.Header().Get("Location")
		}

		seen := map[string]bool{}
		for _, rt := range srv.Routes() {
			key := rt.Method + " " + rt.Pattern
			e, ok := entries[key]
			if !ok {
				t.Errorf("route %s has no entry in the authorisation matrix: add one", key)
				continue
			}
			seen[key] = true
			// The route table and the matrix must agree on what the route needs.
			switch {
			case e.need == "" && rt.Access != "public",
				e.need == "signed_in" && (rt.Access != "signed_in" || rt.Permission != ""),
				e.need != "" && e.need != "signed_in" && rt.Permission != e.need:
				t.Errorf("%s: the route needs %s/%q, the matrix says %q", key, rt.Access, rt.Permission, e.need)
			}
			for _, w := range everyone {
				for _, scoped := range []bool{true, false} {
					path := e.path
					if !scoped {
						if e.out == "" {
							continue
						}
						path = e.out
					}
					want := "allowed"
					switch {
					case e.need == "":
					case w.anonyms:
						want = "unauthenticated"
					case e.need != "signed_in" && !contains(w.may, e.need):
						want = "forbidden"
					case e.city && !w.reachB:
						want = "forbidden"
					case !scoped && !w.reachB:
						want = "not found"
					}
					code, loc := call(rt, e, path, w)
					got := outcome(code, loc)
					if e.ends && !w.anonyms && (code == 204 || code == 303 && strings.HasPrefix(loc, "/login")) {
						got = "allowed" // the session ended, as asked
					}
					if e.need == "" && got != "forbidden" && !strings.HasPrefix(got, "error") {
						got = "allowed" // a public route may answer 401/404 of its own (a wrong password, an unknown area)
					}
					if got != want {
						t.Errorf("%s as %s (%s): %s (%d %s), want %s", key, w.name, path, got, code, loc, want)
					}
				}
			}
		}
		for key := range entries {
			if !seen[key] {
				t.Errorf("the matrix has an entry for %s, which the server does not mount", key)
			}
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
