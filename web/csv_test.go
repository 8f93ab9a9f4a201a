package web

import "testing"

func TestInertCell(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                  "",
		"Order status":      "Order status",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+1555":             "'+1555",
		"-2":                "'-2",
		"@SUM(A1)":          "'@SUM(A1)",
		"\tx":               "'\tx",
		"12":                "12",
		" =1+1":             "' =1+1",
		"\r=1":              "'\r=1",
		"\n@x":              "'\n@x",
		"＝HYPERLINK()":      "'＝HYPERLINK()",
		"＋1555":             "'＋1555",
		"－2":                "'－2",
		"＠SUM(A1)":          "'＠SUM(A1)",
		"﹦1":                "'﹦1",
		"−1":                "'−1",
		"\u00a0=1":          "'\u00a0=1",
		"|cmd":              "'|cmd",
		"a=b":               "a=b",
		"Été":               "Été",
	} {
		if got := inertCell(in); got != want {
			t.Errorf("inertCell(%q) = %q, want %q", in, got, want)
		}
	}
}
