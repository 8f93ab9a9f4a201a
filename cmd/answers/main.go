// Command answers is the Answers Console: the web console, the JSON API
// and the command-line tools, in one binary.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/demo"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/ratelimit"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
)

const usage = `answers — the Answers Console

Usage:
  answers [serve] [--addr 127.0.0.1:8080] [--db answers.db] [--demo] [--inbound-rate N]
                  [--pprof 127.0.0.1:6060]
                  [--oidc-issuer URL --oidc-client-id ID --oidc-client-secret S --oidc-roles RULES
                   [--oidc-name NAME] [--oidc-scopes "profile email"] [--oidc-redirect-url URL]
                   [--password-sign-in=false]]
  answers migrate [--db FILE]
  answers user add --email E --name N --role R [--password-stdin] [--break-glass] [--db FILE]
  answers token create --email E [--name N] [--db FILE]
  answers audit verify [--db FILE]
  answers analytics rebuild [--db FILE]
  answers backup --to FILE [--force] [--db FILE]
  answers seed --chatbots N --sessions N --audit N [--messages-per-session K]
               [--grace-sessions N] [--seed N] [--check] [--db FILE]
  answers copy --from FILE --to postgres://…
  answers bot test FILE.json [FILE.json …]   (an export's conversation tests, offline; exit 1 on a failure)

--db takes a SQLite file path or a postgres:// (postgresql://) URL; any
number of "answers serve" replicas may share one PostgreSQL database.
Every command brings the database to the current schema first.
Environment: ANSWERS_DB (database file or URL), ANSWERS_ADDR (listen address),
ANSWERS_OIDC_ISSUER, ANSWERS_OIDC_CLIENT_ID, ANSWERS_OIDC_CLIENT_SECRET, ANSWERS_OIDC_ROLES.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "answers:", err)
	}
	os.Exit(code)
}

// run dispatches a command line; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) (int, error) {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return exit(serve(ctx, args, stdout))
	case "migrate":
		return exit(migrate(ctx, args, stdout))
	case "user":
		if len(args) > 0 && args[0] == "add" {
			return exit(userAdd(ctx, args[1:], stdin, stdout))
		}
	case "token":
		if len(args) > 0 && args[0] == "create" {
			return exit(tokenCreate(ctx, args[1:], stdout))
		}
	case "audit":
		if len(args) > 0 && args[0] == "verify" {
			return auditVerify(ctx, args[1:], stdout)
		}
	case "analytics":
		if len(args) > 0 && args[0] == "rebuild" {
			return exit(analyticsRebuild(ctx, args[1:], stdout))
		}
	case "backup":
		return exit(backup(ctx, args, stdout))
	case "seed":
		return exit(seedCmd(ctx, args, stdout))
	case "copy":
		return exit(copyCmd(ctx, args, stdout))
	case "bot":
		if len(args) > 0 && args[0] == "test" {
			return exit(botTest(ctx, args[1:], stdout))
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0, nil
	}
	return 2, fmt.Errorf("unknown command %q\n\n%s", strings.Join(append([]string{cmd}, args...), " "), usage)
}

func exit(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	return 1, err
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// flags makes a flag set with --db, the flag every command has.
func flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	db := fs.String("db", env("ANSWERS_DB", "answers.db"), "SQLite database file, or a postgres:// URL (env ANSWERS_DB)")
	return fs, db
}

func open(ctx context.Context, path string) (*store.Store, *accounts.Service, error) {
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	return st, accounts.New(st), nil
}

func serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := flags("serve")
	addr := fs.String("addr", env("ANSWERS_ADDR", "127.0.0.1:8080"), "listen address (env ANSWERS_ADDR)")
	withDemo := fs.Bool("demo", false, "fill an empty database with demo data and print the demo credentials")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure (set when served over HTTPS)")
	trustProxy := fs.Bool("trust-proxy", false, "removed: use --trusted-proxies")
	proxies := fs.String("trusted-proxies", "", "CIDRs or addresses of the reverse proxies whose X-Forwarded-For names the client IP, comma-separated (e.g. 10.0.0.5,fd00::/64); no others are trusted")
	logJSON := fs.Bool("log-json", false, "write logs as JSON")
	inboundRate := fs.Float64("inbound-rate", routing.DefaultRate, "inbound messages a second each sender may receive, in bursts of up to twice that; 0 for no limit")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus /metrics on this address, a listener of its own (e.g. 127.0.0.1:9090)")
	metricsToken := fs.String("metrics-token", env("ANSWERS_METRICS_TOKEN", ""), "serve /metrics on the console's port too, to Authorization: Bearer <this token> (env ANSWERS_METRICS_TOKEN)")
	webhookAllow := fs.String("webhook-allow", "", "CIDR prefixes webhook endpoints may reach although they are loopback, private or link-local, comma-separated (e.g. 10.1.0.0/16)")
	webhookRetry := fs.Duration("webhook-retry", 0, "the first webhook retry's delay, scaling the whole schedule (default 5s: retries for 3 days, endpoints disabled after 5 failing days); for tests")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this loopback address, apart from the console (e.g. 127.0.0.1:6060)")
	oidcf := addOIDCFlags(fs)
	passwordSignIn := fs.Bool("password-sign-in", env("ANSWERS_PASSWORD_SIGN_IN", "true") != "false",
		"let people sign in with a password; false leaves it to break-glass accounts (answers user add --break-glass) and needs --oidc-issuer (env ANSWERS_PASSWORD_SIGN_IN)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trustProxy {
		return errors.New("--trust-proxy trusted every private range and is gone: name your proxies with --trusted-proxies CIDR")
	}
	trusted, err := web.ParseProxies(*proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	allow, err := webhooks.ParseAllow(*webhookAllow)
	if err != nil {
		return err
	}
	if *webhookRetry < 0 {
		return errors.New("--webhook-retry: use a positive duration such as 100ms")
	}
	if !(*inboundRate >= 0 && *inboundRate <= 1e9) {
		return fmt.Errorf("--inbound-rate: %g is not a number of messages a second from 0 (no limit) to 1e9", *inboundRate)
	}
	// Bind first: a busy port must fail before demo logins or a URL are
	// printed for a server that never ran.
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	var handler slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if *logJSON {
		handler = slog.NewJSONHandler(os.Stderr, nil)
	}
	log := slog.New(handler)
	if *pprofAddr != "" {
		if _, err := servePprof(ctx, *pprofAddr, log); err != nil {
			return err
		}
	}

	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	a := app.New(st, log)
	a.SetWebhooks(webhooks.Guard{Allow: allow}, webhooks.ScaledSchedule(*webhookRetry))
	svc := a.Accounts

	base := "http://" + displayAddr(*addr)
	if *withDemo {
		creds, err := demo.Seed(ctx, a)
		if err != nil {
			return err
		}
		if creds != nil {
			fmt.Fprintf(stdout, "Demo data created. Sign in at %s/login with one of:\n\n", base)
			demo.Print(stdout, creds)
			fmt.Fprintln(stdout)
		} else {
			fmt.Fprintln(stdout, "The database already has users; no demo data added.")
		}
	}
	token, err := svc.PrepareSetup(ctx)
	if err != nil {
		return err
	}
	if token != "" {
		fmt.Fprintf(stdout, "No users yet. Create the first admin at:\n\n  %s/setup?token=%s\n\nThe link works once.\n\n", base, token)
	}

	if err := a.PrepareAnalytics(ctx); err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	a.Routing.Limit = ratelimit.New(*inboundRate, int(2**inboundRate), ratelimit.DefaultMaxKeys)
	provider, err := oidcf.provider(ctx, base, st, svc)
	if err != nil {
		return err
	}
	srv := web.ForApp(a, prometheus.NewRegistry(), web.Options{SecureCookies: *secure, TrustedProxies: trusted, MetricsToken: *metricsToken, SSO: provider})
	if !*passwordSignIn && provider == nil {
		return errors.New("--password-sign-in=false needs an OpenID provider (--oidc-issuer …): otherwise only break-glass accounts could sign in")
	}
	svc.PasswordSignIn = *passwordSignIn
	if provider != nil {
		log.Info("sign-in with an OpenID provider", "provider", provider.Name(), "issuer", *oidcf.issuer, "client_id", *oidcf.clientID)
	}
	if *metricsAddr != "" {
		if _, err := serveMetrics(ctx, *metricsAddr, srv.MetricsHandler(), log); err != nil {
			return err
		}
	}
	go a.RunBackground(ctx)
	log.Info("serving", "addr", *addr, "url", base, "db", store.RedactDSN(*dbPath), "engine", st.Engine())
	fmt.Fprintf(stdout, "Answers Console on %s\n", base)
	return srv.Serve(ctx, ln)
}

// listen binds the console's address, with one clear line when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("%s is already in use by another program: stop it, or choose another address with --addr (or ANSWERS_ADDR)", addr)
	case err != nil:
		return nil, fmt.Errorf("cannot listen on %s (--addr): %w", addr, errors.Unwrap(err))
	}
	return ln, nil
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := flags("migrate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "%s is at the current schema.\n", store.RedactDSN(*dbPath))
	return nil
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs, dbPath := flags("user add")
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name (required)")
	role := fs.String("role", "", "analyzer, supervisor, designer, manager or admin (required)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input; otherwise one is generated")
	breakGlass := fs.Bool("break-glass", false, "the account signs in with its password even when serve runs with --password-sign-in=false")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The service's "Choose a role." suits a form with a list to pick
	// from; at a terminal, say which roles there are.
	if _, err := rbac.ParseRole(*role); err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	in := accounts.NewUserInput{Email: *email, Name: *name, Role: *role, BreakGlass: *breakGlass}
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		in.Password = strings.TrimRight(line, "\r\n")
		if in.Password == "" {
			return errors.New("--password-stdin: standard input has no password")
		}
	}
	st, svc, err := open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	u, password, err := svc.AddUser(ctx, who.System(), in)
	if err != nil {
		return plain(err)
	}
	fmt.Fprintf(stdout, "Added %s (%s) as %s.\n", u.Email, u.Name, u.Role)
	if u.BreakGlass {
		fmt.Fprintln(stdout, "It is a break-glass account: it signs in with its password even when password sign-in is off.")
	}
	if !*fromStdin {
		fmt.Fprintf(stdout, "Password: %s\n", password)
	}
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := flags("token create")
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "CLI token", "a name to recognise the token by")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, svc, err := open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, strings.TrimSpace(*email))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user with the email %q", *email)
	}
	if err != nil {
		return err
	}
	token, _, err := svc.CreateToken(ctx, who.System(), u.ID, accounts.NewToken{Name: *name})
	if err != nil {
		return plain(err)
	}
	fmt.Fprintf(stdout, "API token for %s (shown once): %s\n", u.Email, token)
	return nil
}

func auditVerify(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	fs, dbPath := flags("audit verify")
	if err := fs.Parse(args); err != nil {
		return exit(err)
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return 1, err
	}
	defer st.Close()
	n, err := st.VerifyAudit(ctx)
	if err != nil {
		fmt.Fprintf(stdout, "FAILED after %d entries: %v\n", n, err)
		return 1, nil
	}
	fmt.Fprintf(stdout, "Audit chain intact: %d entries verified.\n", n)
	return 0, nil
}

// plain keeps a service refusal's message for the terminal.
func plain(err error) error {
	if p, ok := problem.As(err); ok {
		return errors.New(p.Message)
	}
	return err
}
