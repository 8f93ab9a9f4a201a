package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/who"
)

// cli runs the command line with stdin and returns the exit code, what it
// printed and the error it would print on stderr.
func cli(t *testing.T, stdin string, args ...string) (int, string, error) {
	t.Helper()
	var out bytes.Buffer
	code, err := run(context.Background(), args, strings.NewReader(stdin), &out)
	return code, out.String(), err
}

// mustCLI runs the command line and fails the test unless it exits 0.
func mustCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, err := cli(t, stdin, args...)
	if code != 0 || err != nil {
		t.Fatalf("answers %s: exit %d, %v\n%s", strings.Join(args, " "), code, err, out)
	}
	return out
}

// tempDB is a new database on the engine of the test run (see testdb).
func tempDB(t *testing.T) string {
	t.Helper()
	return testdb.DSN(t)
}

// openAccounts opens the database the CLI wrote, after it returned.
func openAccounts(t *testing.T, db string) *accounts.Service {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return accounts.New(st)
}

// seedUser adds a user straight through the service with bcrypt's lowest
// cost: the CLI hashes at the production cost, which takes seconds under
// the race detector, so only the tests of user add pay for it.
func seedUser(t *testing.T, db, email string, role rbac.Role) {
	t.Helper()
	svc := openAccounts(t, db)
	svc.Hasher = auth.Hasher{Cost: 4}
	if _, _, err := svc.AddUser(context.Background(), who.System(), accounts.NewUserInput{
		Email: email, Name: "Seeded", Role: role.String(),
	}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Store.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	for range 2 {
		out := mustCLI(t, "", "migrate", "--db", db)
		if !strings.Contains(out, db) {
			t.Errorf("output %q does not name the database", out)
		}
	}
	if testdb.Engine() == store.SQLite {
		if _, err := os.Stat(db); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := openAccounts(t, db).Store.CountUsers(context.Background()); err != nil || n != 0 {
		t.Errorf("migrated database: %d users, %v", n, err)
	}
}

func TestUserAddWithPasswordFromStdin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := tempDB(t)
	const pw = "from standard input"
	out := mustCLI(t, pw+"\r\nnot part of it\n", "user", "add", "--db", db,
		"--email", "Ana@Example.com", "--name", "Ana", "--role", "manager", "--password-stdin")
	if !strings.Contains(out, "ana@example.com") || !strings.Contains(out, "manager") {
		t.Errorf("output %q", out)
	}
	if strings.Contains(out, pw) {
		t.Errorf("the password from stdin was printed: %q", out)
	}
	u, err := openAccounts(t, db).SignIn(ctx, "ana@example.com", pw, "127.0.0.1")
	if err != nil {
		t.Fatalf("sign-in with the password given on stdin: %v", err)
	}
	if u.Role != rbac.Manager || u.Name != "Ana" {
		t.Errorf("added user %+v", u)
	}
}

func TestUserAddGeneratesAPassword(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	out := mustCLI(t, "", "user", "add", "--db", db, "--email", "bo@example.com", "--name", "Bo", "--role", "analyzer")
	_, after, ok := strings.Cut(out, "Password: ")
	pw := strings.TrimSpace(after)
	if !ok || pw == "" {
		t.Fatalf("no generated password in %q", out)
	}
	if _, err := openAccounts(t, db).SignIn(context.Background(), "bo@example.com", pw, "127.0.0.1"); err != nil {
		t.Errorf("sign-in with the printed password: %v", err)
	}
}

func TestUserAddRefusals(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	seedUser(t, db, "taken@example.com", rbac.Designer)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  []string // in the error message
	}{
		{"unknown role", "", []string{"--email", "x@example.com", "--name", "X", "--role", "boss"}, []string{"boss", "analyzer", "admin"}},
		{"no role", "", []string{"--email", "x@example.com", "--name", "X"}, []string{"role"}},
		{"email taken", "", []string{"--email", "TAKEN@example.com", "--name", "X", "--role", "designer"}, []string{"already exists"}},
		{"no email", "", []string{"--name", "X", "--role", "designer"}, []string{"email"}},
		{"empty stdin", "", []string{"--email", "x@example.com", "--name", "X", "--role", "designer", "--password-stdin"}, []string{"no password"}},
		{"short password", "short\n", []string{"--email", "x@example.com", "--name", "X", "--role", "designer", "--password-stdin"}, []string{"at least 10"}},
		{"unknown flag", "", []string{"--emial", "x@example.com"}, []string{"emial"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, err := cli(t, tt.stdin, append([]string{"user", "add", "--db", db}, tt.args...)...)
			if code != 1 || err == nil {
				t.Fatalf("exit %d, err %v, output %q; want exit 1 with an error", code, err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if n, _ := openAccounts(t, db).Store.CountUsers(context.Background()); n != 1 {
		t.Errorf("%d users after the refusals, want 1", n)
	}
}

func TestTokenCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := tempDB(t)
	seedUser(t, db, "dev@example.com", rbac.Designer)
	out := mustCLI(t, "", "token", "create", "--db", db, "--email", "Dev@Example.com")
	words := strings.Fields(out)
	token := words[len(words)-1]
	if !strings.HasPrefix(token, accounts.TokenPrefix) {
		t.Fatalf("last word of %q is not a token", out)
	}
	u, err := openAccounts(t, db).AuthenticateToken(ctx, token)
	if err != nil || u.Email != "dev@example.com" {
		t.Errorf("AuthenticateToken = %+v, %v", u, err)
	}

	code, _, err := cli(t, "", "token", "create", "--db", db, "--email", "nobody@example.com")
	if code != 1 || err == nil || !strings.Contains(err.Error(), "nobody@example.com") {
		t.Errorf("token for an unknown email: exit %d, %v", code, err)
	}
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	db := testdb.SQLiteFile(t) // tampered with through SQLite below
	seedUser(t, db, "a@example.com", rbac.Admin)
	seedUser(t, db, "b@example.com", rbac.Admin)
	out := mustCLI(t, "", "audit", "verify", "--db", db)
	if !strings.Contains(out, "intact") || !strings.Contains(out, "2 entries") {
		t.Errorf("verify of an intact log printed %q", out)
	}

	// Someone with the file drops the guard and rewrites history.
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`DROP TRIGGER audit_log_no_update`,
		`UPDATE audit_log SET details = '{"after":{"role":"analyzer"}}' WHERE id = 1`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()

	code, out, err := cli(t, "", "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "entry 1") {
		t.Errorf("verify of a tampered log: exit %d, err %v, output %q; want exit 1, FAILED at entry 1", code, err, out)
	}
}

func TestUnknownCommands(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"user", "remove"}, {"token"}, {"audit", "rewrite"}} {
		code, _, err := cli(t, "", append(args, "--db", tempDB(t))...)
		if code != 2 || err == nil || !strings.Contains(err.Error(), "unknown command") {
			t.Errorf("answers %s: exit %d, %v; want exit 2, unknown command", strings.Join(args, " "), code, err)
		}
	}
	code, out, err := cli(t, "", "help")
	if code != 0 || err != nil || !strings.Contains(out, "answers user add") {
		t.Errorf("help: exit %d, %v, %q", code, err, out)
	}
}

// TestSeed: answers seed fills a new database that audit verify accepts,
// and refuses one that already has data.
func TestSeed(t *testing.T) {
	t.Parallel()
	db := tempDB(t)
	out := mustCLI(t, "", "seed", "--db", db, "--chatbots", "12", "--sessions", "300", "--audit", "200",
		"--grace-sessions", "20", "--check", "--quiet")
	for _, want := range []string{"12 chatbots", "300 sessions", "200 audit entries", "20 open sessions", "invariants hold"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out := mustCLI(t, "", "audit", "verify", "--db", db); !strings.Contains(out, "200 entries verified") {
		t.Errorf("audit verify: %s", out)
	}
	code, _, err := cli(t, "", "seed", "--db", db, "--chatbots", "1", "--sessions", "1", "--audit", "1")
	if code != 1 || err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("second seed: exit %d, %v", code, err)
	}
}

// TestPprof: profiles are served on a loopback listener of their own, and
// nowhere else.
func TestPprof(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "nonsense"} {
		if _, err := servePprof(ctx, addr, log); err == nil {
			t.Errorf("--pprof %s was accepted", addr)
		}
	}
	a, err := servePprof(ctx, "127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + a.String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("goroutine profile: %d", res.StatusCode)
	}
	// A page that rebinds its own name to 127.0.0.1 sends its own Host.
	req, _ := http.NewRequest(http.MethodGet, "http://"+a.String()+"/debug/pprof/goroutine?debug=1", nil)
	req.Host = "evil.example:6060"
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a foreign Host: %d, want 421", res.StatusCode)
	}
}

// TestMetricsListener: --metrics-addr serves /metrics apart from the
// console.
func TestMetricsListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "answers_up 1\n") })
	a, err := serveMetrics(ctx, "127.0.0.1:0", h, log)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + a.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(b) != "answers_up 1\n" {
		t.Errorf("metrics listener: %d %q", res.StatusCode, b)
	}
}
