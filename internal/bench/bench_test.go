package bench

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReport(t *testing.T) {
	r := &Report{Machine: machine(), Engines: []EngineReport{{Engine: "sqlite", Rows: []Row{
		latencyRow("page: x", Stat{N: 10, Median: 3 * time.Millisecond, P99: 12 * time.Millisecond}, Stat{N: 10, Median: time.Millisecond, P99: 2 * time.Millisecond}, "bare"),
		{Name: "page: skipped", Skipped: true, Note: "404"},
		{Name: "grace", Unit: "s", N: 1, Median: 0.25, P99: 0.25},
		{Name: "deliveries", Unit: "/s", N: 900, Median: 1500, P99: 1500, PerSec: 1500},
	}}, {Engine: "postgres", Rows: []Row{
		latencyRow("page: x", Stat{N: 10, Median: 4 * time.Millisecond, P99: 18 * time.Millisecond}, Stat{N: 10, Median: time.Millisecond, P99: 2 * time.Millisecond}, "bare"),
		{Name: "grace", Unit: "s", N: 1, Median: 0.5, P99: 0.5},
		{Name: "deliveries", Unit: "/s", N: 900, Median: 750, P99: 750, PerSec: 750},
	}}}}
	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{"page: x", "3.00 ms", "12.0 ms", "3.0×", "6.0×", "250 ms", "404", "postgres beside sqlite", "1.50× p99", "2.00× p99", "1500/s", "0.50× the rate"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if err := r.WriteJSON(filepath.Join(t.TempDir(), "r.json")); err != nil {
		t.Fatal(err)
	}
}

// TestPrepareSeed: a seed is made once and reused until asked again.
func TestPrepareSeed(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "answers")
	// A stand-in for answers seed --db FILE ...: it makes FILE.
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho seeded >> \"$3\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := SeedParams{Chatbots: 1, Sessions: 2, Audit: 3}
	ctx := context.Background()
	cache := filepath.Join(dir, "cache")
	path, _, fresh, err := PrepareSeed(ctx, fake, cache, p, false, io.Discard)
	if err != nil || !fresh {
		t.Fatalf("first: %v, fresh %v", err, fresh)
	}
	again, _, fresh, err := PrepareSeed(ctx, fake, cache, p, false, io.Discard)
	if err != nil || fresh || again != path {
		t.Errorf("second: %s %v, fresh %v; want the cached %s", again, err, fresh, path)
	}
	if _, _, fresh, err := PrepareSeed(ctx, fake, cache, p, true, io.Discard); err != nil || !fresh {
		t.Errorf("reseed: %v, fresh %v", err, fresh)
	}
	p.Sessions = 5
	other, _, fresh, err := PrepareSeed(ctx, fake, cache, p, false, io.Discard)
	if err != nil || !fresh || other == path {
		t.Errorf("other parameters: %s %v, fresh %v", other, err, fresh)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the old seed is still there: %v", err)
	}
	if err := copyFile(filepath.Join(dir, "copy.db"), other); err != nil {
		t.Error(err)
	}
}
