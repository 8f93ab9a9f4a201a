package main

import (
	"strings"
	"testing"
)

func TestServeRefusesABadInboundRate(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"-1", "NaN", "Inf", "lots"} {
		code, _, err := cli(t, "", "serve", "--db", tempDB(t), "--addr", "127.0.0.1:0", "--inbound-rate", v)
		if code == 0 || err == nil || !strings.Contains(err.Error(), "inbound-rate") {
			t.Errorf("--inbound-rate %s: exit %d, %v", v, code, err)
		}
	}
}
