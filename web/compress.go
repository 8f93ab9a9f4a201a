package web

import (
	"bufio"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/static"
)

// compressMin is the smallest body worth compressing: below it the
// encoding's framing eats the gain.
const compressMin = 1024

// Levels for answers made per request: fast ones, which still shrink the
// console's HTML several times over. (Static files are compressed once, at
// the best levels, by package static.) Browsers take brotli; gzip is for
// the clients that have nothing better (scripts, API clients, Go's own
// HTTP client), where the server's time counts for more than the bytes:
// level 2 compresses a 50 KB page in 0.12 ms against 0.27 ms at the
// default level 6, for 15 % more bytes.
const (
	brotliLevel = 5
	gzipLevel   = 2
)

// The encoders are pooled: a new brotli writer allocates and clears its
// hash tables (1.5 MB at level 5), which took three times as long as
// compressing a 25 KB page with them (1.5 ms against 0.46 ms; gzip 0.73
// against 0.16 ms); a pooled one is Reset onto the next answer.
var (
	brotliPool = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, brotliLevel) }}
	gzipPool   = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzipLevel) // the level is valid
		return w
	}}
)

// compress encodes pages, fragments and API answers with brotli or gzip,
// whichever the client prefers (brotli first), when the body is large
// enough and of a text type. Static files carry their own encodings.
func (s *Server) compress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if strings.HasPrefix(r.URL.Path, "/static/") {
			return next(c)
		}
		res := c.Response()
		res.Header().Add("Vary", "Accept-Encoding")
		accepted := static.AcceptEncoding(r.Header.Get("Accept-Encoding"))
		enc := ""
		switch {
		case r.Method == http.MethodHead:
		case accepted["br"]:
			enc = "br"
		case accepted["gzip"]:
			enc = "gzip"
		}
		if enc == "" {
			return next(c)
		}
		cw := &compressWriter{ResponseWriter: res.Writer, enc: enc}
		res.Writer = cw
		// The error is rendered here, inside the compressing writer, so
		// that it is closed after the whole answer is written.
		if err := next(c); err != nil {
			c.Error(err)
		}
		cw.Close()
		res.Writer = cw.ResponseWriter
		return nil
	}
}

// compressWriter holds back the first compressMin bytes to decide: a short
// answer, or one that is not text, or already encoded, goes out as it is.
type compressWriter struct {
	http.ResponseWriter
	enc     string
	status  int
	buf     []byte
	decided bool
	w       io.WriteCloser // the encoder, once it has been decided to use one
}

func (cw *compressWriter) WriteHeader(status int) {
	if cw.status == 0 {
		cw.status = status
	}
}

func (cw *compressWriter) Write(b []byte) (int, error) {
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	if cw.decided {
		if cw.w != nil {
			return cw.w.Write(b)
		}
		return cw.ResponseWriter.Write(b)
	}
	cw.buf = append(cw.buf, b...)
	if len(cw.buf) >= compressMin {
		if err := cw.decide(true); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// decide starts the answer: encoded when big enough (or streaming, on a
// Flush) and worth it, plain otherwise; then writes what was held back.
func (cw *compressWriter) decide(big bool) error {
	cw.decided = true
	h := cw.Header()
	if cw.status == 0 {
		cw.status = http.StatusOK
	}
	if big && cw.worthIt(h) {
		h.Del("Content-Length")
		h.Set("Content-Encoding", cw.enc)
		if cw.enc == "br" {
			w := brotliPool.Get().(*brotli.Writer)
			w.Reset(cw.ResponseWriter)
			cw.w = w
		} else {
			w := gzipPool.Get().(*gzip.Writer)
			w.Reset(cw.ResponseWriter)
			cw.w = w
		}
	}
	cw.ResponseWriter.WriteHeader(cw.status)
	if len(cw.buf) == 0 {
		return nil
	}
	var err error
	if cw.w != nil {
		_, err = cw.w.Write(cw.buf)
	} else {
		_, err = cw.ResponseWriter.Write(cw.buf)
	}
	cw.buf = nil
	return err
}

func (cw *compressWriter) worthIt(h http.Header) bool {
	if h.Get("Content-Encoding") != "" || cw.status < 200 || cw.status == http.StatusNoContent || cw.status == http.StatusNotModified {
		return false
	}
	ct := h.Get("Content-Type")
	if strings.HasPrefix(ct, "text/event-stream") {
		// An event stream is held open: an encoder per stream would hold
		// its tables (1.5 MB for brotli) for as long, and each event is
		// too small to gain.
		return false
	}
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "javascript") ||
		strings.Contains(ct, "xml") || strings.Contains(ct, "svg")
}

// Flush sends what there is: a streamed answer (a large export) is
// encoded from its first flush on.
func (cw *compressWriter) Flush() {
	if !cw.decided {
		_ = cw.decide(true) // Flush returns nothing; a failed write shows on the next Write
	}
	if f, ok := cw.w.(interface{ Flush() error }); ok {
		f.Flush()
	}
	if f, ok := cw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Close ends the answer: a short one goes out plain, an encoded one gets
// its trailer.
func (cw *compressWriter) Close() error {
	if !cw.decided {
		if cw.status == 0 {
			return nil // nothing was written: the caller's writer decides
		}
		if err := cw.decide(false); err != nil {
			return err
		}
	}
	if cw.w == nil {
		return nil
	}
	err := cw.w.Close()
	// Back to its pool, let go of this answer's writer.
	switch w := cw.w.(type) {
	case *brotli.Writer:
		w.Reset(io.Discard)
		brotliPool.Put(w)
	case *gzip.Writer:
		w.Reset(io.Discard)
		gzipPool.Put(w)
	}
	cw.w = nil
	return err
}

// Hijack keeps connection upgrades working through the wrapper.
func (cw *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(cw.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection.
func (cw *compressWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }
