package reliability

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/answers-console/answers/internal/store"
)

// checkRollups checks that the analytics rollups kept live, in the
// transactions of the traffic and transitions they count, equal a recount
// from the transcripts made by rebuild. After a crash this proves that no
// committed message or close left its rollup behind, nor the other way.
func checkRollups(t *testing.T, st func() *store.Store, rebuild func() error) {
	t.Helper()
	ctx := context.Background()
	liveHours, liveDialogs, err := st().AllRollups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rebuild(); err != nil {
		t.Fatalf("rebuild the rollups: %v", err)
	}
	hours, dialogs, err := st().AllRollups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(liveHours) == 0 {
		t.Errorf("no rollups: the traffic was not counted")
	}
	if !reflect.DeepEqual(liveHours, hours) {
		t.Errorf("hour rollups differ from a recount: %s", firstDiff(liveHours, hours))
	}
	if !reflect.DeepEqual(liveDialogs, dialogs) {
		t.Errorf("dialog rollups differ from a recount: %s", firstDiff(liveDialogs, dialogs))
	}
}

// firstDiff describes the first row where live and recount differ.
func firstDiff[T any](live, recount []T) string {
	for i := range min(len(live), len(recount)) {
		if !reflect.DeepEqual(live[i], recount[i]) {
			return fmt.Sprintf("live %+v, recount %+v", live[i], recount[i])
		}
	}
	return fmt.Sprintf("%d live rows, %d recounted", len(live), len(recount))
}
