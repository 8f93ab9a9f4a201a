package analytics_test

import (
	"testing"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/store"
)

func TestJumped(t *testing.T) {
	tests := []struct {
		name string
		t    store.RecentTraffic
		want bool
	}{
		{"too few messages to tell", store.RecentTraffic{RecentInbound: 19, RecentFallbacks: 19, BaseInbound: 1000, BaseFallbacks: 0}, false},
		{"enough, from 5% to 30%", store.RecentTraffic{RecentInbound: 20, RecentFallbacks: 6, BaseInbound: 1000, BaseFallbacks: 50}, true},
		{"doubled but only 4 points: 4% to 8%", store.RecentTraffic{RecentInbound: 100, RecentFallbacks: 8, BaseInbound: 1000, BaseFallbacks: 40}, false},
		{"10 points but not doubled: 20% to 30%", store.RecentTraffic{RecentInbound: 100, RecentFallbacks: 30, BaseInbound: 1000, BaseFallbacks: 200}, false},
		{"exactly twice and 10 points: 10% to 20%", store.RecentTraffic{RecentInbound: 100, RecentFallbacks: 20, BaseInbound: 1000, BaseFallbacks: 100}, true},
		{"no day before, 10% now", store.RecentTraffic{RecentInbound: 50, RecentFallbacks: 5}, true},
		{"no day before, 8% now", store.RecentTraffic{RecentInbound: 50, RecentFallbacks: 4}, false},
		{"steady", store.RecentTraffic{RecentInbound: 500, RecentFallbacks: 50, BaseInbound: 5000, BaseFallbacks: 500}, false},
		{"better than before", store.RecentTraffic{RecentInbound: 500, RecentFallbacks: 0, BaseInbound: 5000, BaseFallbacks: 2500}, false},
	}
	for _, tt := range tests {
		j, got := analytics.Jumped(tt.t)
		if got != tt.want {
			t.Errorf("%s: jumped = %v (%+v), want %v", tt.name, got, j, tt.want)
		}
	}
}
