package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestFloors(t *testing.T) {
	ctx := context.Background()
	lat, total, err := InsertFloor(ctx, filepath.Join(t.TempDir(), "insert.db"), 50, 4)
	if err != nil || len(lat) != 50 || total <= 0 {
		t.Fatalf("InsertFloor: %d latencies in %s, %v", len(lat), total, err)
	}
	for i, l := range lat {
		if l <= 0 {
			t.Errorf("transaction %d has no latency", i)
		}
	}
	if d, err := UpdateFloor(ctx, filepath.Join(t.TempDir(), "update.db"), 1000); err != nil || d <= 0 {
		t.Errorf("UpdateFloor: %s, %v", d, err)
	}
}
