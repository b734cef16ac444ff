package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// openapiJSON is the OpenAPI 3.1 document, written by hand; the tests check
// that it lists exactly the routes of Routes and that real responses match it.
//
//go:embed openapi.json
var openapiJSON []byte

// document returns the OpenAPI document with info.version set to the
// program's version, and its entity tag.
func document(version string) ([]byte, string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(openapiJSON, &top); err != nil {
		panic("api: the embedded openapi.json is not valid JSON: " + err.Error())
	}
	var info map[string]json.RawMessage
	if err := json.Unmarshal(top["info"], &info); err != nil {
		panic("api: openapi.json has no info object: " + err.Error())
	}
	if version == "" {
		version = "dev"
	}
	info["version"], _ = json.Marshal(version)
	top["info"], _ = json.Marshal(info)
	out, err := json.Marshal(top)
	if err != nil {
		panic("api: cannot encode the OpenAPI document: " + err.Error())
	}
	sum := sha256.Sum256(out)
	return out, `"` + hex.EncodeToString(sum[:8]) + `"`
}

// serveOpenAPI is GET /api/v1/openapi.json.
func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("ETag", a.docETag)
	h.Set("Cache-Control", "public, no-cache")
	if c := readConditional(r, "If-None-Match"); c.present && c.valid && (c.star || hasTag(c.tags, a.docETag)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	w.Write(a.openapi)
}

func hasTag(tags []entityTag, etag string) bool {
	for _, t := range tags {
		if `"`+t.opaque+`"` == etag {
			return true
		}
	}
	return false
}
