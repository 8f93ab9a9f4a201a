package store

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/testdb"
)

func TestFloors(t *testing.T) {
	ctx := context.Background()
	lat, total, err := InsertFloor(ctx, testdb.DSN(t), 50, 4)
	if err != nil || len(lat) != 50 || total <= 0 {
		t.Fatalf("InsertFloor: %d latencies in %s, %v", len(lat), total, err)
	}
	for i, l := range lat {
		if l <= 0 {
			t.Errorf("transaction %d has no latency", i)
		}
	}
	if d, err := UpdateFloor(ctx, testdb.DSN(t), 1000); err != nil || d <= 0 {
		t.Errorf("UpdateFloor: %s, %v", d, err)
	}
}
