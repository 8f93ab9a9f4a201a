package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config is one benchmark run.
type Config struct {
	Answers     string     `json:"-"` // the answers binary
	Self        string     `json:"-"` // this program, run again as the floor server
	Dir         string     `json:"dir"`
	Seed        SeedParams `json:"seed"`
	Reseed      bool       `json:"reseed"`
	PageWorkers int        `json:"page_workers"`
	// BusyPageWorkers load every page again with that many admins (SPEC
	// §8: p99 under 50 ms with 16), for half of PageDuration; 0: not.
	BusyPageWorkers int           `json:"busy_page_workers"`
	PageDuration    time.Duration `json:"page_duration"`
	FloorDuration   time.Duration `json:"floor_duration"`
	InboundWorkers  int           `json:"inbound_workers"`
	InboundDuration time.Duration `json:"inbound_duration"`
	GraceRouters    int           `json:"grace_routers"`
	// Streams is how many web-chat event streams one replica holds open
	// for the live rows (0: not measured).
	Streams int `json:"streams"`
	// WebhookDuration is how long new end users write while their
	// session.opened events are delivered (and as long before, with no
	// endpoint); 0: not measured.
	WebhookDuration time.Duration `json:"webhook_duration"`
	// Only names the scenarios to run (see Scenarios); none: all.
	Only    []string `json:"only,omitempty"`
	Profile bool     `json:"profile"` // save CPU profiles of the server under Dir/profiles
	// Engines are the engines to measure, in order: "sqlite", "postgres".
	Engines []string `json:"engines"`
	// Postgres is the URL of a PostgreSQL server (a database on it the
	// benchmark may connect to, as a role that creates databases) to use
	// instead of a cluster of its own.
	Postgres string `json:"-"`
}

// Scenarios are the parts of a run, in the order they run. The server's
// start and its peak memory are measured whichever run.
func Scenarios() []string {
	return []string{"pages", "inbound", "hostile", "grace", "streams", "webhooks"}
}

// ParseOnly reads a comma-separated list of scenarios (-only); "" is
// every scenario (nil).
func ParseOnly(list string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(Scenarios(), name) {
			return nil, fmt.Errorf("-only: no scenario %q (the scenarios: %s)", name, strings.Join(Scenarios(), ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// runs reports whether the run measures scenario name.
func (c Config) runs(name string) bool { return len(c.Only) == 0 || slices.Contains(c.Only, name) }

// run is a benchmark of one engine in progress.
type run struct {
	cfg     Config
	dir     string // Dir/run-<engine>: this run's database, logs and floors
	engine  string
	rep     *EngineReport
	pg      string // on PostgreSQL, the server's URL
	log     io.Writer
	console *Console // signed in as an admin
	floor   *Console // the floor server
	api     *API
	pprof   string // the server's pprof base URL
	target  *Target
}

func (b *run) add(r Row) { b.rep.Rows = append(b.rep.Rows, r) }

func (b *run) skip(name, why string) {
	b.add(Row{Name: name, Skipped: true, Note: why})
	fmt.Fprintf(b.log, "%s: %s\n", name, why)
}

func (b *run) note(n string) { b.rep.Notes = append(b.rep.Notes, n) }

// Main runs the benchmark on each engine of cfg, prints the table to out
// and writes it as JSON to Dir/results.json.
func Main(ctx context.Context, cfg Config, out io.Writer) error {
	rep := &Report{Machine: machine(), Config: cfg}
	seedPath, m, fresh, err := PrepareSeed(ctx, cfg.Answers, cfg.Dir, cfg.Seed, cfg.Reseed, out)
	if err != nil {
		return err
	}
	rep.Seed = m
	for _, engine := range cfg.Engines {
		b := &run{cfg: cfg, dir: filepath.Join(cfg.Dir, "run-"+engine), engine: engine, log: out, rep: &EngineReport{Engine: engine}}
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(out, "\n== %s\n", engine)
		var db string
		switch engine {
		case "sqlite":
			seedRow := Row{Name: "load the data (answers seed)", Unit: "s", N: 1, Median: m.Seconds, P99: m.Seconds,
				Note: fmt.Sprintf("%.1f s of CPU", m.CPUSeconds)}
			if !fresh {
				seedRow.Note += ", cached: seeded " + m.SeededAt.Format(time.DateTime)
			}
			b.add(seedRow)
			db = filepath.Join(b.dir, "answers.db")
			fmt.Fprintf(out, "Copying the seed to %s.\n", db)
			if err := copyFile(db, seedPath); err != nil {
				return err
			}
		case "postgres":
			stop, err := b.startPostgres(ctx)
			if err != nil {
				return err
			}
			defer stop()
			if db, err = b.loadPostgres(ctx, seedPath); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown engine %q (sqlite, postgres)", engine)
		}
		if err := b.measure(ctx, db); err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		rep.Engines = append(rep.Engines, *b.rep)
	}
	rep.Machine.LoadAfter = loadavg()
	rep.Print(out)
	path := filepath.Join(cfg.Dir, "results.json")
	if err := rep.WriteJSON(path); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nWritten to %s.\n", path)
	if cfg.Profile {
		fmt.Fprintf(out, "CPU profiles in %s: go tool pprof -top %s %s\n", filepath.Join(cfg.Dir, "profiles"), cfg.Answers, filepath.Join(cfg.Dir, "profiles", "sqlite-inbound.pprof"))
	}
	return nil
}

// measure runs every scenario against answers serve on db.
func (b *run) measure(ctx context.Context, db string) error {
	cfg, out := b.cfg, b.log
	email, password := "bench-admin@bench.example", "bench-password-"+fmt.Sprint(time.Now().UnixNano())
	if err := b.answers(password+"\n", "user", "add", "--db", db, "--email", email, "--name", "Bench admin", "--role", "admin", "--password-stdin"); err != nil {
		return err
	}
	token, err := b.token(db, email)
	if err != nil {
		return err
	}

	floorAddr, err := FreeAddr()
	if err != nil {
		return err
	}
	floorProc, err := Start(cfg.Self, []string{"floor-server", floorAddr}, filepath.Join(b.dir, "floor.log"))
	if err != nil {
		return err
	}
	// Stopping reports how the process ended; the run is judged already.
	defer func() { _ = floorProc.Stop() }()
	floorStart, err := WaitHTTP(ctx, floorProc, "http://"+floorAddr+"/healthz", 30*time.Second)
	if err != nil {
		return fmt.Errorf("floor server: %w", err)
	}
	addr, err := FreeAddr()
	if err != nil {
		return err
	}
	pprofAddr, err := FreeAddr()
	if err != nil {
		return err
	}
	// The console's port has no /metrics; the bench reads them on a
	// listener of their own, as Prometheus would.
	metricsAddr, err := FreeAddr()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Starting answers serve on %s (log: %s).\n", addr, filepath.Join(b.dir, "serve.log"))
	srv, err := Start(cfg.Answers, []string{"serve", "--db", db, "--addr", addr, "--pprof", pprofAddr, "--metrics-addr", metricsAddr, "--log-json",
		// The live rows' visitors come from many networks, named in
		// X-Forwarded-For (the web chat's limits are per network).
		"--trusted-proxies", "127.0.0.1",
		// The webhook rows deliver to a receiver in this process.
		"--webhook-allow", "127.0.0.1/32"}, filepath.Join(b.dir, "serve.log"))
	if err != nil {
		return err
	}
	defer func() { _ = srv.Stop() }()
	base := "http://" + addr
	b.pprof = "http://" + pprofAddr
	started, err := WaitHTTP(ctx, srv, base+"/healthz", 2*time.Minute)
	if err != nil {
		return fmt.Errorf("answers serve: %w", err)
	}
	startRow := Row{Name: "server start to first /healthz", Unit: "s", N: 1, Median: started.Seconds(), P99: started.Seconds(),
		Floor: "bare net/http server start", FloorMedian: floorStart.Seconds(), FloorP99: floorStart.Seconds(), Note: "cold: a new process on the copied seed"}
	startRow.ratios()
	b.add(startRow)
	if closed, err := settle(ctx, "http://"+metricsAddr, 60*time.Second); err != nil {
		b.note("waiting for the start-up sweep: " + err.Error())
	} else if closed > 0 {
		b.note(fmt.Sprintf("the start-up sweep closed %d sessions that timed out while the seed was cached; measuring began after it", closed))
	}

	conns := max(cfg.PageWorkers, cfg.BusyPageWorkers)
	if b.console, err = SignIn(ctx, base, email, password, conns); err != nil {
		return err
	}
	b.floor = &Console{Base: "http://" + floorAddr, HTTP: newHTTP(conns, nil)}
	b.api = &API{Base: base, Token: token, HTTP: newHTTP(max(cfg.InboundWorkers, cfg.GraceRouters)+4, nil)}
	if b.target, err = discover(ctx, b.api); err != nil {
		return err
	}
	if cfg.runs("pages") {
		fmt.Fprintln(out, "Loading pages.")
		b.pages(ctx)
	}
	if cfg.runs("inbound") {
		fmt.Fprintln(out, "Sending inbound messages.")
		b.inbound(ctx)
	}
	if cfg.runs("hostile") {
		fmt.Fprintln(out, "Writing to hostile chatbots.")
		b.hostile(ctx)
	}
	if cfg.runs("grace") {
		fmt.Fprintln(out, "Ending a grace period.")
		b.grace(ctx)
	}

	peak, err := srv.PeakRSS()
	floorPeak, ferr := floorProc.PeakRSS()
	if err = errors.Join(err, ferr); err != nil {
		b.note("peak memory: " + err.Error())
	}
	mem := Row{Name: "server peak memory (VmHWM)", Unit: "MiB", N: 1, Median: float64(peak) / (1 << 20), P99: float64(peak) / (1 << 20),
		Floor: "the bare net/http server's", FloorMedian: float64(floorPeak) / (1 << 20), FloorP99: float64(floorPeak) / (1 << 20)}
	mem.ratios()
	b.add(mem)
	anon, file := srv.PeakSampled()
	floorAnon, _ := floorProc.PeakSampled()
	anonRow := Row{Name: "server peak anonymous memory (RssAnon)", Unit: "MiB", N: 1, Median: float64(anon) / (1 << 20), P99: float64(anon) / (1 << 20),
		Floor: "the bare net/http server's", FloorMedian: float64(floorAnon) / (1 << 20), FloorP99: float64(floorAnon) / (1 << 20),
		Note: fmt.Sprintf("sampled every 50 ms; the rest of VmHWM is file pages mapped in (peak RssFile %.0f MiB: the binary and the database pages read through the memory map, the kernel's page cache)", float64(file)/(1<<20))}
	anonRow.ratios()
	b.add(anonRow)
	// After the peak memory rows: the streams' memory is a row of its own.
	if cfg.Streams > 0 && cfg.runs("streams") {
		fmt.Fprintf(out, "Opening %d chat event streams.\n", cfg.Streams)
		b.streams(ctx, srv)
	}
	if cfg.WebhookDuration > 0 && cfg.runs("webhooks") {
		fmt.Fprintln(out, "Delivering webhooks.")
		b.webhooks(ctx)
	}
	if err := srv.Stop(); err != nil {
		b.note("answers serve did not stop cleanly: " + err.Error())
	}
	return nil
}

// answers runs a command of the answers binary with stdin.
func (b *run) answers(stdin string, args ...string) error {
	cmd := exec.Command(b.cfg.Answers, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("answers %s: %w\n%s", args[0], err, out)
	}
	return nil
}

// token creates an API token for email: the last word answers prints.
func (b *run) token(db, email string) (string, error) {
	out, err := exec.Command(b.cfg.Answers, "token", "create", "--db", db, "--email", email, "--name", "bench").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("answers token create: %w\n%s", err, out)
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return "", errors.New("answers token create printed nothing")
	}
	return f[len(f)-1], nil
}

// profile saves a CPU profile of the server over the next d under
// Dir/profiles when Config.Profile is set; the returned func waits for it.
func (b *run) profile(ctx context.Context, name string, d time.Duration) func() {
	if !b.cfg.Profile {
		return func() {}
	}
	dir := filepath.Join(b.cfg.Dir, "profiles")
	name = b.engine + "-" + name
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := fetch(ctx, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.pprof, max(1, int(d.Seconds()))), filepath.Join(dir, name+".pprof")); err != nil {
			b.note("profile " + name + ": " + err.Error())
		}
	}()
	return func() { <-done }
}

func fetch(ctx context.Context, url, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
