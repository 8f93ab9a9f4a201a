package web_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// TestLoginThrottleHoldsUnderABurst: 40 wrong passwords sent at once for
// one account must not get 40 guesses. At most the limit (5) reach the
// password check; the rest are throttled, and afterwards even the right
// password is refused until the lock ends.
func TestLoginThrottleHoldsUnderABurst(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	// A slow hash (as in production) widens the window a check-then-count
	// throttle would leave open.
	app.Accounts.Hasher = auth.Hasher{Cost: 10}
	// The clock stands still: on a loaded machine the burst may outlast the
	// 2 s wait after the fifth failure, and a sixth try would then be fair.
	frozen := time.Now()
	app.Accounts.Now = func() time.Time { return frozen }
	if _, _, err := app.Accounts.AddUser(context.Background(), who.System(), accounts.NewUserInput{
		Email: "burst@test.local", Name: "Burst", Role: "analyzer", Password: "the right password"}); err != nil {
		t.Fatal(err)
	}
	const attempts = 40
	statuses := make([]int, attempts)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range attempts {
		c := newClient(t, srv)
		c.csrf() // fetch the token before the burst
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = c.login("burst@test.local", "a wrong guess").Status
		}()
	}
	close(start)
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	t.Logf("burst of %d: %v", attempts, counts)
	if counts[http.StatusUnauthorized] > 5 {
		t.Errorf("%d guesses were checked, want at most 5", counts[http.StatusUnauthorized])
	}
	if counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != attempts {
		t.Errorf("unexpected statuses %v", counts)
	}
	var failed int
	if err := app.Store.R.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in_failed'`).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed > 6 { // at most 5 wrong passwords and one "throttled"
		t.Errorf("%d failed sign-ins audited, want at most 6", failed)
	}
	if res := newClient(t, srv).login("burst@test.local", "the right password"); res.Status != http.StatusTooManyRequests {
		t.Errorf("right password after the burst: status %d, want 429", res.Status)
	}
	// Other accounts sign in as usual.
	newClient(t, srv).loginAs(rbac.Analyzer)
}
