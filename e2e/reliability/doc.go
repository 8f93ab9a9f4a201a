// Package reliability holds the tests that check the console keeps its
// promises under stress. The crash test builds the real binary, drives it
// over HTTP and kills it with SIGKILL at random moments; the soak test runs
// many clients of every role at once against one server. After each, the
// database is checked against SPEC §3's invariants, the audit trail and
// what every client was told.
//
// Both have a short form that runs in `go test ./...` and a long form that
// runs with SOAK=1 (`make soak`). The package has no code of its own.
package reliability
