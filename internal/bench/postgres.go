package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL side of the benchmark: a cluster of its own (initdb in
// Dir/run-postgres/cluster, a free loopback port) with PostgreSQL's
// production durability — fsync, synchronous commit and full-page writes
// on, as the console's SQLite runs with its production pragmas — loaded
// with the same seed by answers copy.

// startPostgres starts the benchmark's cluster, unless Config.Postgres
// names a server, and returns the function that stops it.
func (b *run) startPostgres(ctx context.Context) (func(), error) {
	if b.cfg.Postgres != "" {
		b.pg = b.cfg.Postgres
		return func() {}, nil
	}
	script, err := filepath.Abs(filepath.Join("db", "testcluster.sh"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("the PostgreSQL cluster script: %w (run the benchmark from the repository, or pass -postgres URL)", err)
	}
	dir := filepath.Join(b.dir, "cluster")
	_ = exec.Command(script, "stop", dir).Run() // a cluster left by an interrupted run
	cmd := exec.CommandContext(ctx, script, "start", dir)
	cmd.Env = append(os.Environ(), "TESTCLUSTER_DURABLE=1")
	cmd.Stderr = b.log
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	b.pg = strings.TrimSpace(string(out))
	fmt.Fprintf(b.log, "PostgreSQL on %s (production durability), data in %s.\n", b.pg, dir)
	return func() { _ = exec.Command(script, "stop", dir).Run() }, nil
}

// newDatabase makes an empty database on the benchmark's server and
// returns its URL.
func (b *run) newDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, b.pg)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+id+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+id); err != nil {
		return "", err
	}
	u, err := url.Parse(b.pg)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// loadPostgres copies the seed into a new database with answers copy.
func (b *run) loadPostgres(ctx context.Context, seedPath string) (string, error) {
	db, err := b.newDatabase(ctx, "answers_bench")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(b.log, "Copying the seed into PostgreSQL with answers copy.\n")
	start := time.Now()
	cmd := exec.CommandContext(ctx, b.cfg.Answers, "copy", "--from", seedPath, "--to", db)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("answers copy: %w\n%s", err, out)
	}
	took := time.Since(start).Seconds()
	b.add(Row{Name: "load the data (answers copy)", Unit: "s", N: 1, Median: took, P99: took,
		Note: "COPY of every table from the cached SQLite seed, then the checks of the copy"})
	return db, nil
}

// floorDSN is where a floor measurement writes: a new SQLite file beside
// the run, or a new database on the same PostgreSQL server.
func (b *run) floorDSN(ctx context.Context, name string) (string, error) {
	if b.engine == "postgres" {
		return b.newDatabase(ctx, "answers_"+strings.ReplaceAll(name, "-", "_"))
	}
	return filepath.Join(b.dir, name+".db"), nil
}

// pgUsage is what the PostgreSQL server has done so far: WAL bytes
// written and CPU time of all its processes. Both are read again after a
// scenario to give a cost per message.
type pgUsage struct {
	wal int64
	cpu time.Duration
}

// usage reads the server's WAL position and, when the benchmark started
// the cluster, the CPU time of its processes (0 with -postgres).
func (b *run) usage(ctx context.Context) (pgUsage, error) {
	var u pgUsage
	conn, err := pgx.Connect(ctx, b.pg)
	if err != nil {
		return u, err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&u.wal); err != nil {
		return u, err
	}
	if b.cfg.Postgres != "" {
		return u, nil
	}
	b2, err := os.ReadFile(filepath.Join(b.dir, "cluster", "data", "postmaster.pid"))
	if err != nil {
		return u, err
	}
	pid := strings.SplitN(string(b2), "\n", 2)[0]
	u.cpu, err = treeCPU(pid)
	return u, err
}

// treeCPU is the CPU time (user + system) of process pid and its children.
func treeCPU(pid string) (time.Duration, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	var total time.Duration
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: fields after the ")".
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 13 || (e.Name() != pid && f[1] != pid) {
			continue
		}
		var ut, st int64
		if _, err := fmt.Sscan(f[11], &ut); err != nil {
			continue // not a stat line after all
		}
		if _, err := fmt.Sscan(f[12], &st); err != nil {
			continue
		}
		total += time.Duration(ut+st) * tick
	}
	return total, nil
}
