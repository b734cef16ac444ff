package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, known by a name that carries its content hash.
type asset struct {
	name   string // "vendor/htmx.min.js"
	hashed string // "vendor/htmx.min.d6fdc75f.js"
	data   []byte
	ctype  string

	gzOnce sync.Once
	gz     []byte // gzip-compressed copy, made on first request; nil when not worth it
}

// assets maps logical and hashed names to files. The hash makes every URL
// immutable, so browsers may cache them for a year.
type assets struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		f := &asset{name: p, hashed: hashedName(p, hex.EncodeToString(sum[:4])), data: data, ctype: contentType(p)}
		a.byName[p] = f
		a.byHashed[f.hashed] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read static files: %w", err)
	}
	return a, nil
}

// hashedName inserts the hash before the last extension: app.css → app.3f2a1b9c.css.
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	if ext == "" || strings.Contains(ext, "/") {
		return name + "." + hash
	}
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".md", "":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// url returns the hashed URL of a static file; an unknown name is an error,
// so a mistyped asset fails the page (and the tests) instead of a silent 404.
func (a *assets) url(name string) (string, error) {
	f, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("unknown static file %q", name)
	}
	return "/static/" + f.hashed, nil
}

// serve answers GET /static/{file...}: only hashed names exist.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byHashed[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := f.data
	if acceptsGzip(r) {
		if gz := f.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (f *asset) gzipped() []byte {
	f.gzOnce.Do(func() {
		if !strings.HasPrefix(f.ctype, "text/") && f.ctype != "image/svg+xml" || len(f.data) < 1024 {
			return
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(f.data)
		zw.Close()
		if b.Len() < len(f.data)*9/10 {
			f.gz = b.Bytes()
		}
	})
	return f.gz
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q := 1.0
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				q, _ = strconv.ParseFloat(v, 64)
			}
			return q > 0
		}
	}
	return false
}
