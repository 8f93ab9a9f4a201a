package reliability

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
)

// hookFlags let the crashed server deliver to the receiver on loopback,
// with a short retry schedule.
var hookFlags = []string{"--webhook-allow", "127.0.0.0/8", "--webhook-retry", "20ms"}

// hookReceiver is a webhook endpoint on loopback for chatbot.* events: it
// checks every signature and remembers the audit entries it received.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	got    map[int64]string // audit id → hash
	n      int
	bad    []string
}

// newHookReceiver starts the receiver and registers it on db (as the
// system, before the server starts).
func newHookReceiver(t *testing.T, db string) *hookReceiver {
	t.Helper()
	h := &hookReceiver{got: map[int64]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.n++
		if err := webhooks.Verify(h.secret, r.Header.Get("webhook-id"), ts, body, r.Header.Get("webhook-signature")); err != nil {
			h.bad = append(h.bad, r.Header.Get("webhook-id")+": "+err.Error())
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var ev struct {
			Data struct {
				AuditID int64  `json:"audit_id"`
				Hash    string `json:"hash"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			h.bad = append(h.bad, "body: "+err.Error())
		}
		h.got[ev.Data.AuditID] = ev.Data.Hash
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := webhooks.New(st, webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	u, ev := srv.URL+"/crash", []string{"chatbot.*"}
	ep, err := svc.Create(ctx, who.System(), webhooks.Input{URL: &u, Events: &ev})
	if err != nil {
		t.Fatal(err)
	}
	h.secret = ep.Secret
	return h
}

func (h *hookReceiver) requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// waitForAll waits (30 s at most) until every chatbot.* audit entry in the
// database, which includes every acknowledged transition, has reached the
// receiver with its hash, and returns how many there are.
func (h *hookReceiver) waitForAll(t *testing.T, db *sql.DB) int {
	t.Helper()
	want := chatbotEntries(t, db)
	var missing []int64
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		h.mu.Lock()
		missing = missing[:0]
		for id, hash := range want {
			if h.got[id] != hash {
				missing = append(missing, id)
			}
		}
		bad := append([]string(nil), h.bad...)
		h.mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("webhook requests refused by the receiver: %v", bad)
		}
		if len(missing) == 0 {
			return len(want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d chatbot.* audit entries never arrived as webhooks: %v", len(missing), len(want), missing)
		}
	}
}

// chatbotEntries are the chatbot.* audit entries: id → hash.
func chatbotEntries(t *testing.T, db *sql.DB) map[int64]string {
	t.Helper()
	rows, err := db.Query(`SELECT id, hash FROM audit_log WHERE action LIKE 'chatbot.%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[int64]string{}
	for rows.Next() {
		var id int64
		var hash string
		if err := rows.Scan(&id, &hash); err != nil {
			t.Fatal(err)
		}
		want[id] = hash
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return want
}
