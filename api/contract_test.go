package api

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"edubureau/httpx"
)

// The contract is the OpenAPI document: these helpers check real responses
// against the schemas it declares. OpenAPI 3.1 schemas are JSON Schema
// 2020-12, so the whole document is added as one resource and each schema is
// compiled by its JSON pointer, $refs to #/components resolving within it.

const docURL = "https://edubureau.org/api/v1/openapi.json"

type contract struct {
	doc map[string]any
	c   *jsonschema.Compiler
	mu  sync.Mutex
	sch map[string]*jsonschema.Schema
}

var loadOnce = sync.OnceValues(func() (*contract, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(theDocument))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, err
	}
	return &contract{doc: doc.(map[string]any), c: c, sch: map[string]*jsonschema.Schema{}}, nil
})

func loadContract(t *testing.T) *contract {
	t.Helper()
	k, err := loadOnce()
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	return k
}

// escape encodes a JSON pointer token (RFC 6901).
func escape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// schema compiles the schema at a JSON pointer of the document ("#/…").
func (k *contract) schema(t *testing.T, ptr string) *jsonschema.Schema {
	t.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.sch[ptr]; ok {
		return s
	}
	s, err := k.c.Compile(docURL + ptr)
	if err != nil {
		t.Fatalf("compile %s: %v", ptr, err)
	}
	k.sch[ptr] = s
	return s
}

// at returns the value at a JSON pointer of the document.
func (k *contract) at(ptr string) any {
	var v any = k.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "#/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[tok]
	}
	return v
}

// deref follows a $ref, returning the object and its pointer.
func (k *contract) deref(v any, ptr string) (map[string]any, string) {
	m, _ := v.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		return k.deref(k.at(ref), ref)
	}
	return m, ptr
}

// operation returns the document's operation for a route ("GET /api/v1/…").
func (k *contract) operation(route string) (map[string]any, string) {
	method, pattern, _ := strings.Cut(route, " ")
	ptr := "#/paths/" + escape(pattern) + "/" + strings.ToLower(method)
	op, _ := k.at(ptr).(map[string]any)
	return op, ptr
}

// checkResponse checks a response against the document: the status is
// declared for the operation, the body matches the declared schema for its
// media type (or there is no body when none is declared), and the declared
// headers are present.
func (k *contract) checkResponse(t *testing.T, route string, r *reply) {
	t.Helper()
	op, ptr := k.operation(route)
	if op == nil {
		t.Fatalf("%s is not in openapi.json", route)
	}
	status := strconv.Itoa(r.status)
	resp, rptr := k.deref(k.at(ptr+"/responses/"+status), ptr+"/responses/"+status)
	if resp == nil {
		t.Fatalf("%s: status %s is not documented\n%s", route, status, r.body)
	}
	headers, _ := resp["headers"].(map[string]any)
	for name := range headers {
		if r.header.Get(name) == "" {
			t.Errorf("%s %s: documented header %s is missing", route, status, name)
		}
	}
	content, _ := resp["content"].(map[string]any)
	if content == nil {
		if len(r.body) != 0 {
			t.Errorf("%s %s: a body where none is documented: %s", route, status, r.body)
		}
		return
	}
	mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil || content[mt] == nil {
		t.Fatalf("%s %s: Content-Type %q is not documented", route, status, r.header.Get("Content-Type"))
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", route, status, err)
	}
	if err := k.schema(t, rptr+"/content/"+escape(mt)+"/schema").Validate(v); err != nil {
		t.Errorf("%s %s: the response does not match openapi.json:\n%v\n%s", route, status, err, r.body)
	}
}

// checkRequest validates a request body against the operation's requestBody schema.
func (k *contract) checkRequest(t *testing.T, route, body string) error {
	t.Helper()
	_, ptr := k.operation(route)
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		return err
	}
	return k.schema(t, ptr+"/requestBody/content/application~1json/schema").Validate(v)
}

// documented lists every "METHOD pattern status" of the document.
func (k *contract) documented() []string {
	var out []string
	for path, item := range k.doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			for status := range op.(map[string]any)["responses"].(map[string]any) {
				out = append(out, strings.ToUpper(method)+" "+path+" "+status)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	k := loadContract(t)
	if k.doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi is %v, want 3.1.0", k.doc["openapi"])
	}
	// Every schema of the document compiles as JSON Schema 2020-12 (the
	// compiler checks each against the 2020-12 meta-schema) and every $ref resolves.
	for name := range k.doc["components"].(map[string]any)["schemas"].(map[string]any) {
		k.schema(t, "#/components/schemas/"+escape(name))
	}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !strings.HasPrefix(ref, "#/") || k.at(ref) == nil {
					t.Errorf("%s: $ref %s does not resolve", at, ref)
				}
			}
			if s, ok := x["schema"]; ok && at != "" {
				if _, isMap := s.(map[string]any); isMap {
					k.schema(t, at+"/schema")
				}
			}
			if _, ok := x["nullable"]; ok {
				t.Errorf("%s: OpenAPI 3.0's nullable; 3.1 uses type arrays", at)
			}
			for key, val := range x {
				walk(val, at+"/"+escape(key))
			}
		case []any:
			for i, val := range x {
				walk(val, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(k.doc, "#")
	// Every operation has a unique operationId and documents 500.
	ids := map[string]string{}
	for path, item := range k.doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			op := o.(map[string]any)
			key := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", key)
			} else if other, dup := ids[id]; dup {
				t.Errorf("operationId %s is used by %s and %s", id, other, key)
			}
			ids[id] = key
			if op["responses"].(map[string]any)["500"] == nil {
				t.Errorf("%s does not document 500", key)
			}
		}
	}
}

// TestRoutesMatchDocument checks that the document lists exactly the API's
// routes, with the same access and permission.
func TestRoutesMatchDocument(t *testing.T) {
	k := loadContract(t)
	a := New(Deps{Version: "test"})
	routes := map[string]httpx.Route{}
	for _, rt := range a.Routes() {
		key := rt.Method + " " + rt.Pattern
		if _, dup := routes[key]; dup {
			t.Errorf("route %s listed twice", key)
		}
		routes[key] = rt
		op, _ := k.operation(key)
		if op == nil {
			t.Errorf("route %s is not in openapi.json", key)
			continue
		}
		if got := op["x-edubureau-access"]; got != string(rt.Access) {
			t.Errorf("%s: x-edubureau-access %v, route has %s", key, got, rt.Access)
		}
		perm, _ := op["x-edubureau-permission"].(string)
		if perm != rt.Permission {
			t.Errorf("%s: x-edubureau-permission %q, route has %q", key, perm, rt.Permission)
		}
		sec, declared := op["security"].([]any)
		public := declared && len(sec) == 0
		if public != (rt.Access == httpx.Public) {
			t.Errorf("%s: the document says public=%v, the route's access is %s", key, public, rt.Access)
		}
		if rt.Access != httpx.Public && op["responses"].(map[string]any)["401"] == nil {
			t.Errorf("%s: a signed-in route must document 401", key)
		}
		if rt.Handler == nil {
			t.Errorf("%s has no handler", key)
		}
	}
	for path, item := range k.doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			key := strings.ToUpper(method) + " " + path
			if _, ok := routes[key]; !ok {
				t.Errorf("openapi.json documents %s, which is not a route", key)
			}
		}
	}
}

// TestServedDocument checks that the document is served with the version filled in.
func TestServedDocument(t *testing.T) {
	a := New(Deps{Version: "9.9.9"})
	w := httpRecorder(a.serveOpenAPI, "GET", "/api/v1/openapi.json", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"version":"9.9.9"`) || !strings.Contains(w.Body.String(), `"openapi":"3.1.0"`) {
		t.Fatalf("served %d %.200s", w.Code, w.Body.String())
	}
	etag := w.Header().Get("ETag")
	w = httpRecorder(a.serveOpenAPI, "GET", "/api/v1/openapi.json", map[string]string{"If-None-Match": etag})
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d", w.Code)
	}
}

// checkCoverage fails for every documented response no scenario produced,
// except those listed with the reason they cannot be produced from outside.
func (f *fixture) checkCoverage(t *testing.T) {
	t.Helper()
	if partialRun() || t.Failed() {
		return
	}
	unreachable := map[string]string{
		"PUT /api/v1/schools/{code} 409": "a concurrent update between the registry's read and write",
	}
	var missing []string
	for _, ds := range f.doc.documented() {
		if strings.HasSuffix(ds, " 500") { // TestInternalError covers the problem for 500
			continue
		}
		if _, ok := unreachable[ds]; ok {
			continue
		}
		if !f.seen[ds] {
			missing = append(missing, ds)
		}
	}
	if len(missing) > 0 {
		t.Errorf("documented responses no scenario produced:\n%s", strings.Join(missing, "\n"))
	}
	var extra []string
	for s := range f.seen {
		if !slices.Contains(f.doc.documented(), s) {
			extra = append(extra, s)
		}
	}
	if len(extra) > 0 {
		t.Errorf("responses produced but not documented: %s", fmt.Sprint(extra))
	}
}
