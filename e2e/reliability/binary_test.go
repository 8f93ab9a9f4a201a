package reliability

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// buildAnswers builds the answers binary into a temporary folder, without
// the race detector: it would slow the server tenfold, and the crash test
// is about what survives a kill, so it wants many transactions in flight.
// (The soak test covers races, in process.) In `make test` the packages
// are already compiled by `go vet`, so this is mostly a link.
func buildAnswers(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "answers")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/answers-console/answers/cmd/answers").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binEnv is the environment of the binary: the test's own, without a
// database or address that would override the flags.
func binEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANSWERS_") {
			env = append(env, kv)
		}
	}
	return env
}

// answers runs a command of the binary and returns its output.
func answers(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = binEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// addUser adds a user to the database with bcrypt's lowest cost: `answers
// user add` hashes at the production cost, which takes time and proves
// nothing here.
func addUser(t *testing.T, db, email, role string) {
	t.Helper()
	addUserWithPassword(t, db, email, role, "") // a generated password
}

// addUserWithPassword is addUser for a user who signs in with password.
func addUserWithPassword(t *testing.T, db, email, role, password string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := accounts.New(st)
	svc.Hasher = auth.Hasher{Cost: 4}
	if _, _, err := svc.AddUser(ctx, who.System(), accounts.NewUserInput{Email: email, Name: role, Role: role, Password: password}); err != nil {
		t.Fatal(err)
	}
}

// token makes an API token with `answers token create`.
func token(t *testing.T, bin, db, email string) string {
	t.Helper()
	out, err := answers(t, bin, "token", "create", "--db", db, "--email", email)
	if err != nil {
		t.Fatalf("answers token create: %v\n%s", err, out)
	}
	words := strings.Fields(out)
	return words[len(words)-1]
}

// openDB opens the database for reading beside the server: a SQLite
// file or a PostgreSQL database (the store's reader pool, which speaks
// either engine's SQL).
func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.R
}

// proc is one run of `answers serve`.
type proc struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	started time.Time // when it was started
	ready   time.Time // when /healthz first answered
	exited  chan struct{}
}

// serve starts the binary on db and waits until /healthz answers.
func serve(t *testing.T, bin, db, logPath string, flags ...string) *proc {
	t.Helper()
	p := spawn(t, bin, db, logPath, flags...)
	p.waitReady(t)
	return p
}

// spawn starts `answers serve` on db on a free port, with more flags.
func spawn(t *testing.T, bin, db, logPath string, flags ...string) *proc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: exec.Command(bin, append([]string{"serve", "--db", db, "--addr", addr}, flags...)...), url: "http://" + addr, logPath: logPath, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr, p.cmd.Env = logf, logf, binEnv()
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait() // how it ended is read from ProcessState
		logf.Close()
		close(p.exited)
	}()
	// A test that fails half-way must not leave a server running.
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // fails only when it has exited already
		<-p.exited
	})
	return p
}

// waitReady waits until /healthz answers.
func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case <-p.exited:
			t.Fatalf("answers serve exited at start: %v\n%s", p.cmd.ProcessState, p.tail())
		default:
		}
		if res, err := http.Get(p.url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.ready = time.Now()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("answers serve did not answer /healthz in 30 s\n%s", p.tail())
		}
	}
}

// kill sends SIGKILL and returns when the process is gone.
func (p *proc) kill(t *testing.T) time.Time {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("answers serve exited before it was killed: %v\n%s", p.cmd.ProcessState, p.tail())
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("answers serve ended with %v, not by SIGKILL\n%s", p.cmd.ProcessState, p.tail())
	}
	return time.Now()
}

// stop shuts the server down with SIGTERM; it must exit cleanly.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill() // the exit code below reports it
		<-p.exited
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("answers serve exited with %d on SIGTERM\n%s", code, p.tail())
	}
}

// tail is the end of the server's log.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// checkLog fails the test on a panic or a logged error in the server log.
func checkLog(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"panic:", "level=ERROR"} {
		if i := bytes.Index(b, []byte(bad)); i >= 0 {
			end := min(len(b), i+3000)
			t.Errorf("the server log has %q:\n%s", bad, b[i:end])
		}
	}
}
