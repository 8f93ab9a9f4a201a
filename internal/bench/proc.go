package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Proc is a process the benchmark started: the console or the floor
// server.
type Proc struct {
	cmd  *exec.Cmd
	done chan error
	// peakAnon and peakFile are the largest RssAnon and RssFile seen by
	// the sampler (watch), in bytes.
	peakAnon, peakFile atomic.Int64
}

// Start runs name with args, its output going to the file logPath.
func Start(name string, args []string, logPath string) (*Proc, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	p := &Proc{cmd: cmd, done: make(chan error, 1)}
	ended := make(chan struct{})
	go func() {
		p.done <- cmd.Wait()
		close(ended)
		log.Close()
	}()
	go p.watch(ended)
	return p, nil
}

// watch samples the process's resident memory every 50 ms until it ends.
// VmHWM is the peak of the sum of anonymous memory (the heap, stacks,
// SQLite's page caches) and file pages mapped in (the binary, and the
// database file pages a reader's memory map touched, which are the
// kernel's page cache shared with every process reading the file): the
// samples tell the two apart.
func (p *Proc) watch(ended <-chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ended:
			return
		case <-t.C:
		}
		st, err := p.status()
		if err != nil {
			continue
		}
		if v := st["RssAnon"]; v > p.peakAnon.Load() {
			p.peakAnon.Store(v)
		}
		if v := st["RssFile"]; v > p.peakFile.Load() {
			p.peakFile.Store(v)
		}
	}
}

// status reads the memory figures of /proc/PID/status, in bytes.
func (p *Proc) status() (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		v = strings.TrimSpace(v)
		if !ok || !strings.HasSuffix(v, " kB") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc status %s: %w", k, err)
		}
		out[k] = kb * 1024
	}
	return out, sc.Err()
}

// PeakSampled is the largest anonymous and file-backed resident memory
// the sampler saw, in bytes.
func (p *Proc) PeakSampled() (anon, file int64) { return p.peakAnon.Load(), p.peakFile.Load() }

// Stop asks the process to end (SIGTERM) and kills it after 10 s.
func (p *Proc) Stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-p.done:
		return err
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill() // it did not stop: that is the error reported
		return errors.New("did not stop within 10 s: killed")
	}
}

// PeakRSS is the process's peak resident memory (VmHWM), in bytes.
func (p *Proc) PeakRSS() (int64, error) {
	st, err := p.status()
	if err != nil {
		return 0, err
	}
	v, ok := st["VmHWM"]
	if !ok {
		return 0, errors.New("no VmHWM in /proc status")
	}
	return v, nil
}

// Exited reports the process's end, if it has ended.
func (p *Proc) Exited() (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

// WaitHTTP polls url until it answers 200 and returns how long that took.
func WaitHTTP(ctx context.Context, p *Proc, url string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < timeout {
		if ended, err := p.Exited(); ended {
			return 0, fmt.Errorf("the process ended before it answered: %w", err)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("%s did not answer within %s", url, timeout)
}

// FreeAddr is a loopback address with a port nobody listens on now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
