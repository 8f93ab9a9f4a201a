package web

import (
	"encoding/csv"
	"io"
)

// csvWriter writes CSV that a spreadsheet opens as text: a cell that
// starts like a formula (=, +, -, @, tab, carriage return) gets a leading
// apostrophe, so a name typed by anyone cannot run as a formula on the
// machine of whoever opens the export.
type csvWriter struct{ w *csv.Writer }

func newCSV(w io.Writer) csvWriter { return csvWriter{csv.NewWriter(w)} }

func (c csvWriter) Write(row []string) error {
	safe := make([]string, len(row))
	for i, cell := range row {
		safe[i] = inertCell(cell)
	}
	return c.w.Write(safe)
}

// Flush writes what is buffered and reports any error so far.
func (c csvWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

func inertCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
