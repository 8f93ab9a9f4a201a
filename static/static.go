// Package static embeds the console's CSS, JavaScript and images, and the
// third-party assets that `make assets` copies from node_modules into
// vendor/. Each file is served under its content hash, so browsers may
// keep it for a year; each text file is compressed once (brotli and gzip,
// at their best levels) when the package is first used, and served in the
// encoding the client prefers.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

//go:embed *
var files embed.FS

// asset is one embedded file and its compressed forms.
type asset struct {
	hash     string
	body     []byte
	br, gzip []byte // nil when compression does not pay
}

// Assets serves the embedded files and names them with their hashes.
type Assets struct {
	assets map[string]*asset
}

// load reads, hashes and compresses the embedded files once per process:
// they never change, and brotli's best level takes a moment.
var load = sync.OnceValue(func() map[string]*asset {
	out := map[string]*asset{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return nil
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		a := &asset{hash: hex.EncodeToString(sum[:6]), body: b}
		if compressible(p) {
			a.br, a.gzip = compress(b)
		}
		out[p] = a
		return nil
	})
	return out
})

// New returns the embedded assets.
func New() *Assets { return &Assets{assets: load()} }

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".css", ".js", ".svg", ".json", ".txt", ".html", ".map":
		return true
	}
	return false
}

// compress returns the brotli and gzip forms of b, each only if smaller.
func compress(b []byte) (br, gz []byte) {
	var buf bytes.Buffer
	bw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	_, _ = bw.Write(b) // into a bytes.Buffer, which does not fail
	_ = bw.Close()
	if buf.Len() < len(b) {
		br = bytes.Clone(buf.Bytes())
	}
	buf.Reset()
	gw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = gw.Write(b) // likewise
	_ = gw.Close()
	if buf.Len() < len(b) {
		gz = bytes.Clone(buf.Bytes())
	}
	return br, gz
}

// URL is the address of an asset, with its hash as a version. A missing
// asset keeps its plain address, so the page still names it.
func (a *Assets) URL(name string) string {
	if f, ok := a.assets[name]; ok {
		return "/static/" + name + "?v=" + f.hash
	}
	return "/static/" + name
}

// Has reports whether the asset is embedded.
func (a *Assets) Has(name string) bool {
	_, ok := a.assets[name]
	return ok
}

// Handler serves the files under /static/. A request that names the
// current hash may be cached for a year; any other is revalidated with the
// file's ETag (its hash, per encoding), answered 304 when it still holds.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		f, ok := a.assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if r.URL.Query().Get("v") == f.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		body, enc := f.body, ""
		if f.br != nil || f.gzip != nil {
			h.Add("Vary", "Accept-Encoding")
			switch accepted := AcceptEncoding(r.Header.Get("Accept-Encoding")); {
			case accepted["br"] && f.br != nil:
				body, enc = f.br, "br"
			case accepted["gzip"] && f.gzip != nil:
				body, enc = f.gzip, "gzip"
			}
		}
		etag := `"` + f.hash
		if enc != "" {
			h.Set("Content-Encoding", enc)
			etag += "-" + enc
		}
		h.Set("ETag", etag+`"`)
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			h.Set("Content-Type", ct)
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	})
}

// AcceptEncoding reads an Accept-Encoding header into the codings it
// accepts (q > 0). Only br, gzip and identity matter here.
func AcceptEncoding(h string) map[string]bool {
	out := map[string]bool{}
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if name == "" || q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			continue
		}
		out[name] = true
	}
	if out["*"] {
		out["br"], out["gzip"] = true, true
	}
	return out
}
