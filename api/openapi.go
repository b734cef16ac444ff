package api

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

// openapiJSON is the core of the OpenAPI 3.1 document, written by hand. Each
// part of the API (students, admissions…) keeps its paths and schemas in a
// file of its own under openapi/, merged into the core by mergedDocument; the
// tests check that the merged document lists exactly the routes of Routes and
// that real responses match it.
//
//go:embed openapi.json
var openapiJSON []byte

//go:embed openapi
var openapiParts embed.FS

// mergedDocument is the core document with every part merged in: a part may
// hold "tags", "paths" and "components" (schemas, responses, parameters,
// headers). A name defined twice is a programming error, which a test rules
// out by calling this.
func mergedDocument() ([]byte, error) {
	var top map[string]any
	if err := json.Unmarshal(openapiJSON, &top); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	names, err := fs.Glob(openapiParts, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := openapiParts.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for key, v := range part {
			switch key {
			case "tags":
				tags, _ := top["tags"].([]any)
				add, _ := v.([]any)
				top["tags"] = append(tags, add...)
			case "paths":
				if err := mergeObject(top, "paths", v, name); err != nil {
					return nil, err
				}
			case "components":
				comps, _ := top["components"].(map[string]any)
				if comps == nil {
					comps = map[string]any{}
					top["components"] = comps
				}
				sub, _ := v.(map[string]any)
				for k, kv := range sub {
					if err := mergeObject(comps, k, kv, name); err != nil {
						return nil, err
					}
				}
			default:
				return nil, fmt.Errorf("%s: a part may hold only tags, paths and components, not %q", name, key)
			}
		}
	}
	return json.Marshal(top)
}

// mergeObject adds the members of v to the object parent[key], refusing a
// member that is already there.
func mergeObject(parent map[string]any, key string, v any, from string) error {
	dst, _ := parent[key].(map[string]any)
	if dst == nil {
		dst = map[string]any{}
		parent[key] = dst
	}
	src, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: %s is not an object", from, key)
	}
	for k, kv := range src {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("%s: %s %q is already defined", from, key, k)
		}
		dst[k] = kv
	}
	return nil
}

// theDocument is the merged document, built once.
var theDocument = func() []byte {
	doc, err := mergedDocument()
	if err != nil {
		panic("api: the OpenAPI document: " + err.Error())
	}
	return doc
}()

// document returns the OpenAPI document with info.version set to the
// program's version, and its entity tag.
func document(version string) ([]byte, string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(theDocument, &top); err != nil {
		panic("api: the OpenAPI document is not valid JSON: " + err.Error())
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
