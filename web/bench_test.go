package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/answers-console/answers/web/webtest"
)

// BenchmarkInboundMessage measures POST /api/v1/messages end to end (HTTP,
// routing, engine, transcript, one SQLite transaction per message) with
// parallel end users, each holding a conversation. Run with
//
//	go test -run '^$' -bench InboundMessage -benchtime 5s ./web/
func BenchmarkInboundMessage(b *testing.B) {
	app := webtest.New(b)
	srv := newBenchServer(b, app)
	fx := newFixture(b, app)
	var users atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS end users at once
	// Keep a connection per end user: the default keeps two per host, and
	// the benchmark would measure TCP handshakes.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		user := fmt.Sprintf("bench-%d", users.Add(1))
		i := 0
		for pb.Next() {
			i++
			body := fmt.Sprintf(`{"channel":"livechat","sender":%q,"from":%q,"text":"message %d"}`, fx.sender.Address, user, i)
			req, _ := http.NewRequest(http.MethodPost, srv+"/api/v1/messages", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Inbound-Key", fx.sender.InboundKey)
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body) // read to the end, or the connection is not reused
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
