package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// settle waits until the server's start-up sweep is over: sessions that
// timed out while the seed lay in the cache, and grace periods that ended
// meanwhile, are closed by the sweeper at start, and measuring pages while
// it works would measure it too. It polls the answers_sessions_open gauge
// until it holds still for a second (at most limit) and returns how many
// sessions it closed.
func settle(ctx context.Context, base string, limit time.Duration) (int, error) {
	first, last := -1.0, -1.0
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		n, err := openSessions(ctx, base)
		if err != nil {
			return 0, err
		}
		if first < 0 {
			first = n
		}
		if n == last {
			return int(first - n), nil
		}
		last = n
		time.Sleep(time.Second)
	}
	return int(first - last), nil
}

func openSessions(ctx context.Context, base string) (float64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "answers_sessions_open "); ok {
			var n float64
			_, err := fmt.Sscan(v, &n)
			return n, err
		}
	}
	return -1, sc.Err()
}
