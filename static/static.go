// Package static embeds the console's CSS, JavaScript and images, and the
// third-party assets that `make assets` copies from node_modules into
// vendor/. Each file is served under its content hash, so browsers may
// keep it for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed *
var files embed.FS

// Assets serves the embedded files and names them with their hashes.
type Assets struct {
	fsys   fs.FS
	hashes map[string]string
}

// New hashes every embedded file.
func New() *Assets {
	a := &Assets{fsys: files, hashes: map[string]string{}}
	_ = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := fs.ReadFile(files, path)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		a.hashes[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a
}

// URL is the address of an asset, with its hash as a version. A missing
// asset keeps its plain address, so the page still names it.
func (a *Assets) URL(name string) string {
	if h, ok := a.hashes[name]; ok {
		return "/static/" + name + "?v=" + h
	}
	return "/static/" + name
}

// Has reports whether the asset is embedded.
func (a *Assets) Has(name string) bool {
	_, ok := a.hashes[name]
	return ok
}

// Handler serves the files under /static/. A request that names the
// current hash may be cached for a year; any other is revalidated.
func (a *Assets) Handler() http.Handler {
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(a.fsys)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		h, ok := a.hashes[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == h {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fileServer.ServeHTTP(w, r)
	})
}
