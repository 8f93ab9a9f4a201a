package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one line of the results: a median and a 99th percentile, the
// same for the floor, and their ratios.
type Row struct {
	Name        string  `json:"name"`
	Unit        string  `json:"unit"` // ms, s, MiB or /s (a rate: more is better)
	N           int     `json:"n"`
	Median      float64 `json:"median"`
	P99         float64 `json:"p99"`
	Max         float64 `json:"max,omitempty"`
	PerSec      float64 `json:"per_second,omitempty"`
	Floor       string  `json:"floor,omitempty"`
	FloorMedian float64 `json:"floor_median,omitempty"`
	FloorP99    float64 `json:"floor_p99,omitempty"`
	FloorPerSec float64 `json:"floor_per_second,omitempty"`
	RatioMedian float64 `json:"ratio_median,omitempty"`
	RatioP99    float64 `json:"ratio_p99,omitempty"`
	Errors      int     `json:"errors,omitempty"`
	Note        string  `json:"note,omitempty"`
	Skipped     bool    `json:"skipped,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// latencyRow compares a load run's latencies with its floor's, in ms.
func latencyRow(name string, s, floor Stat, floorName string) Row {
	r := Row{Name: name, Unit: "ms", N: s.N, Median: ms(s.Median), P99: ms(s.P99), Max: ms(s.Max), PerSec: s.PerSec,
		Floor: floorName, FloorMedian: ms(floor.Median), FloorP99: ms(floor.P99), FloorPerSec: floor.PerSec, Errors: s.Errors}
	r.ratios()
	if s.FirstErr != "" {
		r.Note = "first error: " + s.FirstErr
	}
	return r
}

func (r *Row) ratios() {
	if r.FloorMedian > 0 {
		r.RatioMedian = r.Median / r.FloorMedian
	}
	if r.FloorP99 > 0 {
		r.RatioP99 = r.P99 / r.FloorP99
	}
}

// Machine is where and when the benchmark ran.
type Machine struct {
	CPUs        int       `json:"cpus"`
	CPU         string    `json:"cpu"`
	Go          string    `json:"go"`
	Commit      string    `json:"commit"`
	Start       time.Time `json:"start"`
	LoadBefore  string    `json:"load_before"` // /proc/loadavg: the machine is shared
	LoadAfter   string    `json:"load_after"`
	MemTotalMiB int       `json:"mem_total_mib"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Start: time.Now().UTC(), LoadBefore: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m.MemTotalMiB = kb / 1024
		}
	}
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// Report is the whole result, as written to JSON.
type Report struct {
	Machine Machine        `json:"machine"`
	Seed    SeedManifest   `json:"seed"`
	Config  Config         `json:"config"`
	Engines []EngineReport `json:"engines"`
}

// EngineReport is one engine's rows.
type EngineReport struct {
	Engine string   `json:"engine"`
	Rows   []Row    `json:"rows"`
	Notes  []string `json:"notes,omitempty"`
}

// Print writes one table per engine, then, with two engines, the second
// beside the first.
func (r *Report) Print(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "\nAnswers Console benchmark — %s, %d CPUs (%s), %s, commit %s\n", m.Start.Format(time.DateTime+" MST"), m.CPUs, m.CPU, m.Go, m.Commit)
	fmt.Fprintf(w, "load average before %s, after %s (the machine is shared: figures are as measured under that load)\n", m.LoadBefore, m.LoadAfter)
	p := r.Seed.Params
	fmt.Fprintf(w, "data: %d chatbots, %d sessions (%d open on the grace chatbot), %d audit entries, ≤%d messages a session\n",
		p.Chatbots, p.Sessions, p.GraceSessions, p.Audit, p.MessagesPerSession)
	for _, e := range r.Engines {
		fmt.Fprintf(w, "\n%s\n", e.Engine)
		e.print(w)
	}
	if len(r.Engines) == 2 {
		r.printSideBySide(w, r.Engines[0], r.Engines[1])
	}
}

func (e EngineReport) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measure\tn\tmedian\tp99\tfloor median\tfloor p99\t× median\t× p99\t")
	for _, row := range e.Rows {
		if row.Skipped {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t\n", row.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", row.Name, row.N, num(row.Median, row.Unit), num(row.P99, row.Unit),
			num(row.FloorMedian, row.Unit), num(row.FloorP99, row.Unit), ratio(row.RatioMedian), ratio(row.RatioP99))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, row := range e.Rows {
		var parts []string
		if row.PerSec > 0 && row.Unit == "ms" {
			parts = append(parts, fmt.Sprintf("%.0f/s", row.PerSec))
			if row.FloorPerSec > 0 {
				parts = append(parts, fmt.Sprintf("floor %.0f/s", row.FloorPerSec))
			}
		}
		if row.Max > 0 {
			parts = append(parts, "max "+num(row.Max, row.Unit))
		}
		if row.Floor != "" {
			parts = append(parts, "floor: "+row.Floor)
		}
		if row.Errors > 0 {
			parts = append(parts, fmt.Sprintf("%d errors", row.Errors))
		}
		if row.Note != "" {
			parts = append(parts, row.Note)
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "  %s: %s\n", row.Name, strings.Join(parts, "; "))
		}
	}
	for _, n := range e.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

// printSideBySide puts b's figures beside a's, row by row, with b's p99
// (or, for throughput rows, its rate) as a multiple of a's: SPEC §8 wants
// no PostgreSQL row worse than twice its SQLite row.
func (r *Report) printSideBySide(w io.Writer, a, b EngineReport) {
	fmt.Fprintf(w, "\n%s beside %s\n", b.Engine, a.Engine)
	byName := map[string]Row{}
	for _, row := range b.Rows {
		byName[row.Name] = row
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "measure\t%s median\t%s p99\t%s median\t%s p99\t%s/%s\t\n", a.Engine, a.Engine, b.Engine, b.Engine, b.Engine, a.Engine)
	for _, ra := range a.Rows {
		rb, ok := byName[ra.Name]
		if !ok || ra.Skipped || rb.Skipped {
			continue
		}
		cmp := "-"
		switch {
		case ra.PerSec > 0 && rb.PerSec > 0 && ra.Unit == "ms" && strings.HasPrefix(ra.Name, "inbound"):
			cmp = fmt.Sprintf("%.2f× the time a message (%.0f/s vs %.0f/s)", ra.PerSec/rb.PerSec, rb.PerSec, ra.PerSec)
		case ra.Unit == "/s" && ra.Median > 0:
			cmp = fmt.Sprintf("%.2f× the rate", rb.Median/ra.Median)
		case ra.P99 > 0:
			cmp = fmt.Sprintf("%.2f× p99", rb.P99/ra.P99)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", ra.Name, num(ra.Median, ra.Unit), num(ra.P99, ra.Unit), num(rb.Median, rb.Unit), num(rb.P99, rb.Unit), cmp)
	}
	tw.Flush()
}

func num(v float64, unit string) string {
	switch {
	case v == 0:
		return "-"
	case unit == "ms" && v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case unit == "ms":
		return fmt.Sprintf("%.1f ms", v)
	case unit == "s" && v < 1:
		return fmt.Sprintf("%.0f ms", v*1000)
	case unit == "s":
		return fmt.Sprintf("%.2f s", v)
	case unit == "/s":
		return fmt.Sprintf("%.0f/s", v)
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}

func ratio(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", v)
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
