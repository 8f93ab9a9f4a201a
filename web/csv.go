package web

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvWriter writes CSV that a spreadsheet opens as text: a cell that
// starts like a formula gets a leading apostrophe, so a name typed by
// anyone cannot run as a formula on the machine of whoever opens the
// export.
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

// inertCell neutralises a cell a spreadsheet could take for a formula:
// one that starts with a formula sign, in its ASCII, full-width or small
// form, or with white space or a control character (tab, carriage return,
// line feed, no-break space: spreadsheets skip them before the sign).
func inertCell(s string) string {
	if s == "" {
		return s
	}
	if r, _ := utf8.DecodeRuneInString(s); strings.ContainsRune(formulaSigns, r) || unicode.IsSpace(r) || unicode.IsControl(r) {
		return "'" + s
	}
	return s
}

// formulaSigns are the characters that start a formula in some
// spreadsheet: = + - @ and their full-width (＝ ＋ － ＠) and small (﹦ ﹢ ﹣
// ﹫) forms, the minus sign, and | (DDE in older Excel).
const formulaSigns = "=+-@＝＋－＠﹦﹢﹣﹫−|"
