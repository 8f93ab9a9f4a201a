// Package bench is the benchmark behind `make bench`: it seeds (or reuses)
// a big database, starts the real `answers serve` on a copy of it, loads
// it over HTTP with Go's own load generator, and compares every figure
// with a floor measured in the same run: a bare net/http handler for
// pages, bare SQLite transactions on the same disk for writes.
package bench

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Result is what a load run measured.
type Result struct {
	Latencies []time.Duration // of the calls that succeeded
	Errors    int
	FirstErr  error
	Elapsed   time.Duration
}

// Run calls op from workers goroutines, n calls in all (n > 0) or for d.
// op gets its worker number and a call number unique in the run.
func Run(ctx context.Context, workers, n int, d time.Duration, op func(ctx context.Context, worker, i int) error) Result {
	// The clock starts before the deadline is set: a timed run's Elapsed
	// is never shorter than d.
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if n <= 0 {
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var (
		mu   sync.Mutex
		res  Result
		next int
		wg   sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 && next >= n || ctx.Err() != nil {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs, first := 0, error(nil)
			for {
				i, ok := take()
				if !ok {
					break
				}
				t := time.Now()
				err := op(ctx, w, i)
				switch {
				case err == nil:
					lat = append(lat, time.Since(t))
				case ctx.Err() != nil && n <= 0:
					// the run's time was up during this call: not a failure
				default:
					errs++
					if first == nil {
						first = err
					}
				}
			}
			mu.Lock()
			res.Latencies = append(res.Latencies, lat...)
			res.Errors += errs
			if res.FirstErr == nil {
				res.FirstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// Stat sums up latencies.
type Stat struct {
	N        int
	Median   time.Duration
	P99      time.Duration
	Max      time.Duration
	PerSec   float64 // calls per second over the run
	Errors   int
	FirstErr string `json:",omitempty"`
}

// Stat sums up the run.
func (r Result) Stat() Stat {
	s := Summarize(r.Latencies)
	if r.Elapsed > 0 {
		s.PerSec = float64(s.N) / r.Elapsed.Seconds()
	}
	s.Errors = r.Errors
	if r.FirstErr != nil {
		s.FirstErr = r.FirstErr.Error()
	}
	return s
}

// Summarize is the median, 99th percentile and maximum of latencies.
func Summarize(lat []time.Duration) Stat {
	s := slices.Clone(lat)
	slices.Sort(s)
	st := Stat{N: len(s)}
	if len(s) > 0 {
		st.Median, st.P99, st.Max = Percentile(s, 50), Percentile(s, 99), s[len(s)-1]
	}
	return st
}

// Percentile is the nearest-rank percentile p of sorted latencies.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}
