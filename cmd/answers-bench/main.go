// Command answers-bench is the benchmark behind `make bench` (see
// internal/bench): it seeds a big database with `answers seed` (cached
// under -dir, keyed by the seed parameters and the code that shapes the
// data), starts the real `answers serve` on a copy of it, loads it over
// HTTP and prints each figure beside a floor measured in the same run.
//
//	go build -o bin/answers ./cmd/answers
//	go run ./cmd/answers-bench -answers bin/answers
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/answers-console/answers/internal/bench"
	"github.com/answers-console/answers/internal/seed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) == 3 && os.Args[1] == "floor-server" {
		// The floor of the page figures, in a process of its own.
		if err := bench.FloorServer(ctx, os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "floor server:", err)
			os.Exit(1)
		}
		return
	}
	var cfg bench.Config
	flag.StringVar(&cfg.Answers, "answers", "bin/answers", "the answers binary to benchmark")
	flag.StringVar(&cfg.Dir, "dir", ".bench", "where the cached seed, the run's database, profiles and results.json go")
	flag.IntVar(&cfg.Seed.Chatbots, "chatbots", 10_000, "chatbots to seed")
	flag.IntVar(&cfg.Seed.Sessions, "sessions", 1_000_000, "sessions to seed")
	flag.IntVar(&cfg.Seed.Audit, "audit", 1_000_000, "audit entries to seed")
	flag.IntVar(&cfg.Seed.MessagesPerSession, "messages-per-session", seed.DefaultMessagesPerSession, "transcript cap of the seed")
	flag.IntVar(&cfg.Seed.GraceSessions, "grace-sessions", 100_000, "open sessions on the chatbot whose grace end is measured")
	flag.Uint64Var(&cfg.Seed.Seed, "seed", 1, "random seed of the data")
	flag.BoolVar(&cfg.Reseed, "reseed", false, "seed again even if a cached seed fits")
	flag.IntVar(&cfg.PageWorkers, "page-workers", 4, "signed-in admins loading pages at once")
	flag.IntVar(&cfg.BusyPageWorkers, "busy-page-workers", 16, "admins loading every page again, for half the time (0: not)")
	flag.DurationVar(&cfg.PageDuration, "page-duration", 10*time.Second, "load time per page")
	flag.DurationVar(&cfg.FloorDuration, "floor-duration", 4*time.Second, "load time of each page's floor")
	flag.IntVar(&cfg.InboundWorkers, "inbound-workers", 64, "end users writing at once")
	flag.DurationVar(&cfg.InboundDuration, "inbound-duration", 15*time.Second, "load time of the inbound API")
	flag.IntVar(&cfg.GraceRouters, "grace-routers", 16, "end users writing to other senders while a grace ends")
	flag.IntVar(&cfg.Streams, "streams", 10_000, "web-chat event streams held open on the replica for the live rows (0: not)")
	flag.DurationVar(&cfg.WebhookDuration, "webhook-duration", 5*time.Second, "how long new end users write while their session.opened webhooks are delivered (0: not measured)")
	only := flag.String("only", "", "the scenarios to run, comma-separated ("+strings.Join(bench.Scenarios(), ",")+"); default all")
	flag.BoolVar(&cfg.Profile, "profile", false, "save CPU profiles of the server under -dir/profiles (adds a little load)")
	engines := flag.String("engines", "sqlite,postgres", "the engines to measure, in order")
	flag.StringVar(&cfg.Postgres, "postgres", "", "the URL of a PostgreSQL server to use instead of starting a cluster with db/testcluster.sh")
	flag.Parse()
	cfg.Engines = strings.Split(*engines, ",")
	var self string
	var err error
	cfg.Only, err = bench.ParseOnly(*only)
	if err == nil {
		self, err = os.Executable()
	}
	if err == nil {
		cfg.Self = self
		cfg.Answers, err = filepath.Abs(cfg.Answers)
	}
	if err == nil {
		err = bench.Main(ctx, cfg, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "answers-bench:", err)
		os.Exit(1)
	}
}
