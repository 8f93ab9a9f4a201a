package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/answers-console/answers/internal/rbac"
)

// TestResponsesAreCompressed: pages, fragments, the API and static files
// go out compressed when the client accepts it (brotli preferred, gzip
// otherwise), decode to what an uncompressed request gets, and say Vary:
// Accept-Encoding. It logs the bytes on the wire of a first visit.
func TestResponsesAreCompressed(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	editor := "/chatbots/" + itoa(fx.draft.ID)
	paths := []string{"/", "/chatbots", editor, "/users", "/audit", "/analytics", "/profile",
		app.Server.AssetURL("vendor/htmx.min.js"), app.Server.AssetURL("vendor/pico.min.css"), app.Server.AssetURL("css/app.css"), app.Server.AssetURL("js/app.js")}
	totals := map[string]int{}
	for _, p := range paths {
		plain := c.get(p, "Accept-Encoding", "identity")
		for _, enc := range []string{"gzip", "br"} {
			res := c.get(p, "Accept-Encoding", enc)
			totals[enc] += len(res.Body)
			t.Logf("%-40s %7d plain, %6d %s", p, len(plain.Body), len(res.Body), enc)
			if res.Status != http.StatusOK || res.Header.Get("Content-Encoding") != enc {
				t.Errorf("%s with %s: status %d, Content-Encoding %q", p, enc, res.Status, res.Header.Get("Content-Encoding"))
				continue
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q lacks Accept-Encoding", p, res.Header.Get("Vary"))
			}
			body := decode(t, enc, res.Body)
			if !strings.HasPrefix(p, "/static/") {
				// Pages carry a per-session token; compare their shape.
				body, plain.Body = stripTokens(body), stripTokens(plain.Body)
			}
			if body != plain.Body {
				t.Errorf("%s with %s decodes to %d bytes, want the %d of the plain answer", p, enc, len(body), len(plain.Body))
			}
		}
		totals["identity"] += len(plain.Body)
	}
	t.Logf("all: %d plain, %d gzip, %d br", totals["identity"], totals["gzip"], totals["br"])
}

var csrfHeader = regexp.MustCompile(`X-CSRF-Token&#34;: &#34;[^&]+&#34;`)

func stripTokens(s string) string {
	return csrfField.ReplaceAllString(csrfHeader.ReplaceAllString(s, ""), "")
}

func decode(t *testing.T, enc, body string) string {
	t.Helper()
	var r io.Reader
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(strings.NewReader(body))
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	return b.String()
}

// TestUnversionedStaticHasETag: a static file asked for without its hash
// is revalidated, and its ETag (per encoding) answers 304 while it holds.
func TestUnversionedStaticHasETag(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	for _, enc := range []string{"identity", "gzip", "br"} {
		res := c.get("/static/css/app.css", "Accept-Encoding", enc)
		etag := res.Header.Get("ETag")
		if res.Status != http.StatusOK || etag == "" || res.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s: status %d, ETag %q, Cache-Control %q", enc, res.Status, etag, res.Header.Get("Cache-Control"))
		}
		if again := c.get("/static/css/app.css", "Accept-Encoding", enc, "If-None-Match", etag); again.Status != http.StatusNotModified {
			t.Errorf("%s: If-None-Match %s: status %d, want 304", enc, etag, again.Status)
		}
		if other := c.get("/static/css/app.css", "Accept-Encoding", enc, "If-None-Match", `"stale"`); other.Status != http.StatusOK {
			t.Errorf("%s: a stale ETag: status %d, want 200", enc, other.Status)
		}
	}
}
