package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/answers-console/answers/internal/seed"
	"github.com/answers-console/answers/internal/store"
)

// seedCmd fills an empty database with benchmark data (internal/seed).
func seedCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := flags("seed")
	var o seed.Options
	fs.IntVar(&o.Chatbots, "chatbots", 100, "chatbots in every status")
	fs.IntVar(&o.Sessions, "sessions", 10_000, "end-user sessions over the last 90 days")
	fs.IntVar(&o.Audit, "audit", 10_000, "audit log entries")
	fs.IntVar(&o.MessagesPerSession, "messages-per-session", seed.DefaultMessagesPerSession, "at most this many transcript messages per session")
	fs.IntVar(&o.GraceSessions, "grace-sessions", 0, "open sessions (of --sessions) on one deactivated chatbot, "+seed.GraceChatbotName+", for the grace-end benchmark")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same flags and seed give the same data")
	check := fs.Bool("check", false, "check the invariants of the whole database afterwards (reads every row)")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("seed: unexpected argument %q", fs.Arg(0))
	}
	if err := o.Check(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if !*quiet {
		o.Progress = stdout
	}
	if store.IsPostgresURL(*dbPath) {
		return seedPostgres(ctx, args, *dbPath, stdout)
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	sum, err := seed.Run(ctx, st, o)
	if errors.Is(err, store.ErrNotEmpty) {
		return fmt.Errorf("seed: %s already has chatbots, senders or sessions; seed fills an empty database only: choose a new --db file", *dbPath)
	}
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(stdout, "Seeded %s in %s (load %s, analytics %s):\n", *dbPath, time.Since(start).Round(time.Millisecond),
		sum.Load.Round(time.Millisecond), sum.Analytics.Round(time.Millisecond))
	fmt.Fprintf(stdout, "  %d users, %d senders, %d releases\n", sum.Users, sum.Senders, sum.Releases)
	fmt.Fprintf(stdout, "  %d chatbots: %d active, %d deactivated, %d inactive, %d drafts\n", sum.Chatbots,
		sum.ByStatus[store.StatusActive], sum.ByStatus[store.StatusDeactivated], sum.ByStatus[store.StatusInactive], sum.ByStatus["draft"])
	fmt.Fprintf(stdout, "  %d sessions (%d open), %d messages\n", sum.Sessions, sum.OpenSessions, sum.Messages)
	fmt.Fprintf(stdout, "  %d audit entries\n", sum.Audit)
	if sum.GraceChatbotID != 0 {
		fmt.Fprintf(stdout, "  grace-end chatbot: %q (id %d) with %d open sessions\n", seed.GraceChatbotName, sum.GraceChatbotID, o.GraceSessions)
	}
	if *check {
		bad, err := st.Violations(ctx, time.Now())
		if err != nil {
			return err
		}
		for _, b := range bad {
			fmt.Fprintln(stdout, "  BROKEN:", b)
		}
		if len(bad) > 0 {
			return fmt.Errorf("seed: %d invariants do not hold", len(bad))
		}
		fmt.Fprintln(stdout, "  invariants hold")
	}
	return nil
}

// seedPostgres seeds PostgreSQL the fast way: a bulk load into a
// temporary SQLite file, then answers copy into the empty database.
func seedPostgres(ctx context.Context, args []string, url string, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "answers-seed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "seed.db")
	if err := seedCmd(ctx, append(slices.Clone(args), "--db", file), stdout); err != nil {
		return err
	}
	return copyInto(ctx, file, url, stdout)
}
