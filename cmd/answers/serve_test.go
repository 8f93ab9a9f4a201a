package main

import (
	"net"
	"strings"
	"testing"
)

// TestServeOnAPortInUse: `answers serve` binds before it prints anything
// (no demo logins, no "Answers Console on …" for a server that never
// ran) and fails with one line that names the address.
func TestServeOnAPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	code, out, err := cli(t, "", "serve", "--addr", addr, "--db", tempDB(t), "--demo")
	if code == 0 || err == nil {
		t.Fatalf("serve on a busy port: exit %d, %v", code, err)
	}
	if out != "" {
		t.Errorf("serve printed before it could bind:\n%s", out)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, addr) || !strings.Contains(msg, "in use") || !strings.Contains(msg, "--addr") {
		t.Errorf("refusal = %q, want one line naming %s, that it is in use, and --addr", msg, addr)
	}
}
