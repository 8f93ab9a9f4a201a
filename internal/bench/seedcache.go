package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// SeedParams are the flags of `answers seed` the benchmark uses.
type SeedParams struct {
	Chatbots           int
	Sessions           int
	Audit              int
	MessagesPerSession int
	GraceSessions      int
	Seed               uint64
}

func (p SeedParams) args() []string {
	return []string{"--chatbots", fmt.Sprint(p.Chatbots), "--sessions", fmt.Sprint(p.Sessions), "--audit", fmt.Sprint(p.Audit),
		"--messages-per-session", fmt.Sprint(p.MessagesPerSession), "--grace-sessions", fmt.Sprint(p.GraceSessions),
		"--seed", fmt.Sprint(p.Seed)}
}

// SeedManifest describes a cached seed database.
type SeedManifest struct {
	Params      SeedParams
	CodeVersion string // of the migrations and the seed package
	SeededAt    time.Time
	Seconds     float64 // wall time of answers seed
	CPUSeconds  float64 // its user + system time
	Output      string
}

// seedFresh is how long a cached seed can be used: the grace period of
// the grace-end chatbot is a week from the seed, and a run must find it
// still in grace.
const seedFresh = 6 * 24 * time.Hour

// codeVersion names the code that shapes a seed: the migrations and the
// seed package as committed (git tree hashes), so that a change to either
// seeds again. Outside a git checkout it is "unversioned".
func codeVersion() string {
	out, err := exec.Command("git", "rev-parse", "HEAD:db/migrations", "HEAD:internal/seed", "HEAD:internal/store").Output()
	if err != nil {
		return "unversioned"
	}
	sum := sha256.Sum256(out)
	return hex.EncodeToString(sum[:5])
}

// PrepareSeed returns the path of a seed database for p in dir, seeded
// with the answers binary when there is none for these parameters and
// this code, when it is too old, or when reseed is set. fresh reports
// whether it was seeded now.
func PrepareSeed(ctx context.Context, answers, dir string, p SeedParams, reseed bool, log io.Writer) (path string, m SeedManifest, fresh bool, err error) {
	version := codeVersion()
	name := fmt.Sprintf("seed-c%d-s%d-a%d-k%d-g%d-r%d-%s", p.Chatbots, p.Sessions, p.Audit, p.MessagesPerSession, p.GraceSessions, p.Seed, version)
	path = filepath.Join(dir, name+".db")
	manifest := filepath.Join(dir, name+".json")
	if !reseed {
		if b, err := os.ReadFile(manifest); err == nil && json.Unmarshal(b, &m) == nil {
			if _, err := os.Stat(path); err == nil {
				if age := time.Since(m.SeededAt); age < seedFresh {
					fmt.Fprintf(log, "Using the cached seed %s (seeded %s ago in %.1f s).\n", path, age.Round(time.Minute), m.Seconds)
					return path, m, false, nil
				}
				fmt.Fprintf(log, "The cached seed %s is from %s: its grace period is about to end. Seeding again.\n", path, m.SeededAt.Format(time.DateTime))
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", m, false, err
	}
	// One cached seed at a time: they are a gigabyte or more each.
	old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
	for _, f := range old {
		os.Remove(f)
	}
	tmp := filepath.Join(dir, "seeding.db")
	for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(f)
	}
	fmt.Fprintf(log, "Seeding %s: answers seed %s\n", path, strings.Join(p.args(), " "))
	cmd := exec.CommandContext(ctx, answers, append([]string{"seed", "--db", tmp}, p.args()...)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, log), io.MultiWriter(&out, log)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return "", m, false, fmt.Errorf("answers seed: %w", err)
	}
	m = SeedManifest{Params: p, CodeVersion: version, SeededAt: start, Seconds: time.Since(start).Seconds(),
		CPUSeconds: (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(), Output: out.String()}
	if err := os.Rename(tmp, path); err != nil {
		return "", m, false, err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return path, m, true, os.WriteFile(manifest, b, 0o644)
}

// copyFile copies the seed to the run's database: every run starts from
// the same data, and the run's writes stay out of the cache.
func copyFile(dst, src string) error {
	for _, f := range []string{dst, dst + "-wal", dst + "-shm"} {
		os.Remove(f)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
