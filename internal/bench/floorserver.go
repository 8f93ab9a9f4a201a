package bench

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FloorServer is the floor of the page figures: a bare net/http server
// that answers /page?bytes=N with N bytes of HTML, and /healthz. It runs
// in a process of its own (answers-bench floor-server ADDR), as the
// console does, until ctx ends.
func FloorServer(ctx context.Context, addr string) error {
	body := bytes.Repeat([]byte("<p>Answers Console floor</p>\n"), 1<<15)
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("bytes"))
		n = min(max(n, 0), len(body))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(n))
		_, _ = w.Write(body[:n]) // a client that hung up is not the floor's problem
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
