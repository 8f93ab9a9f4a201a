package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

var (
	tableRow  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	tableCell = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// htmlTable reads the rows (header first) of the table with the given id.
func htmlTable(t *testing.T, body, id string) [][]string {
	t.Helper()
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %s in\n%s", id, excerpt(body))
	}
	table := body[start : start+strings.Index(body[start:], "</table>")]
	var rows [][]string
	for _, r := range tableRow.FindAllStringSubmatch(table, -1) {
		var row []string
		for _, c := range tableCell.FindAllStringSubmatch(r[1], -1) {
			row = append(row, html.UnescapeString(strings.TrimSpace(c[1])))
		}
		rows = append(rows, row)
	}
	return rows
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAnalyticsPageFragmentAndExports(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	ctx := context.Background()
	for _, u := range []string{"a", "b", "c"} {
		for _, text := range []string{"hi", "Ann"} {
			if _, err := app.Routing.Route(ctx, fx.sender, u, text); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Analyzer)
	q := "/analytics?range=7d&tz=Europe/Berlin&chatbot=" + itoa(fx.active.ID)

	page := c.get(q)
	if page.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", page.Status, excerpt(page.Body))
	}
	mustContain(t, page.Body, "<h1>Analytics</h1>", "Matrix bot", "Europe/Berlin", `<svg viewBox=`, "Sessions opened", `id="analytics-view"`)
	// An analyzer sees dialog names, but no link into the chatbot's
	// detailed view.
	mustNotContain(t, page.Body, "Open the chatbot")

	frag := c.get(q, "HX-Request", "true", "HX-Target", "analytics-view")
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") || !strings.HasPrefix(strings.TrimSpace(frag.Body), `<div id="analytics-view">`) {
		t.Fatalf("fragment: %d\n%s", frag.Status, excerpt(frag.Body))
	}
	if v := frag.Header.Values("Vary"); !strings.Contains(strings.Join(v, ","), "HX-Request") {
		t.Errorf("Vary = %v", v)
	}

	// Each CSV holds the table the page shows, in plain numbers: lengths
	// in seconds, an undefined rate or length empty, no "so far".
	for table, id := range map[string]string{"days": "analytics-days", "dialogs": "analytics-dialogs"} {
		res := c.get(strings.Replace(q, "/analytics?", "/analytics/export.csv?table="+table+"&", 1))
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s export: %d %s", table, res.Status, res.Header.Get("Content-Type"))
		}
		got, want := readCSV(t, res.Body), htmlTable(t, page.Body, id)
		for _, row := range want {
			for i, cell := range row {
				row[i] = csvForm(cell)
			}
		}
		if len(got) < 2 || strings.Join(flat(got), "|") != strings.Join(flat(want), "|") {
			t.Errorf("%s CSV differs from the table:\ncsv   %v\ntable %v", table, got, want)
		}
	}
	days := htmlTable(t, page.Body, "analytics-days")
	var sessions int
	for _, r := range days[1:] {
		if r[1] != "0" {
			sessions++
		}
	}
	if len(days) != 8 || sessions != 1 {
		t.Errorf("7 days with traffic on one: %v", days)
	}

	// Bad filters are refused with the message next to the field, in the
	// page and in the fragment (which htmx swaps), and no numbers.
	for bad, msg := range map[string]string{
		"/analytics?range=forever":                                 "Unknown range",
		"/analytics?tz=Nowhere/Land":                               "Unknown time zone",
		"/analytics?chatbot=99999":                                 "There is no chatbot with the id 99999",
		"/analytics?range=custom&from=2026-02-01&to=2026-01-01":    "The last day is before the first day",
		"/analytics?range=custom&from=someday&to=2026-01-01":       "Write the first day as YYYY-MM-DD",
		"/analytics?chatbot=" + itoa(fx.active.ID) + "&release=77": "That release is not one of Matrix bot",
	} {
		for _, h := range [][]string{nil, {"HX-Request", "true", "HX-Target", "analytics-view"}} {
			res := c.get(bad, h...)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s %v: status %d", bad, h, res.Status)
			}
			mustContain(t, res.Body, msg, `role="alert"`, "Correct the filter above")
			mustNotContain(t, res.Body, "<svg")
		}
	}
	if res := c.get("/analytics/export.csv?table=users"); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown export table: %d", res.Status)
	}

	// The JSON API gives the same numbers.
	tok, _, err := app.Accounts.CreateToken(ctx, who.System(), app.Users[rbac.Analyzer].ID, accounts.NewToken{Name: "analytics"})
	if err != nil {
		t.Fatal(err)
	}
	res := c.get("/api/v1/analytics?range=7d&chatbot="+itoa(fx.active.ID), "Authorization", "Bearer "+tok)
	var rep struct {
		Current struct {
			Sessions int64 `json:"sessions_opened"`
			Users    int64 `json:"unique_end_users"`
			In       int64 `json:"inbound_messages"`
		} `json:"current"`
		Buckets []struct {
			In   int64    `json:"inbound_messages"`
			Rate *float64 `json:"fallback_rate"`
		} `json:"buckets"`
		Dialogs []struct {
			ID      string `json:"id"`
			Entries int64  `json:"entries"`
		} `json:"dialogs"`
	}
	if err := json.Unmarshal([]byte(res.Body), &rep); err != nil || res.Status != http.StatusOK {
		t.Fatalf("api: %d %s", res.Status, res.Body)
	}
	if rep.Current.Sessions != 4 || rep.Current.Users != 4 || rep.Current.In != 7 || len(rep.Buckets) != 7 || len(rep.Dialogs) != 1 || rep.Dialogs[0].Entries != 4 {
		t.Errorf("api report: %+v", rep)
	}
	// A day without inbound messages has no fallback rate: null, not 0.
	for _, b := range rep.Buckets {
		if (b.In == 0) != (b.Rate == nil) {
			t.Errorf("bucket with %d inbound messages has rate %v", b.In, b.Rate)
		}
	}
}

func flat(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

// A supervisor (who may read chatbots in detail) gets a link to the
// chatbot; everyone sees the all-chatbots view with an empty state when
// there is no traffic.
func TestAnalyticsEmptyAndLinks(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	c.loginAs(rbac.Supervisor)
	mustContain(t, c.get("/analytics?chatbot="+itoa(fx.active.ID)).Body, "Open the chatbot", "Since the last release")
	res := c.get("/analytics?chatbot=" + itoa(fx.draft.ID))
	mustContain(t, res.Body, "No traffic in this range.", "has never been activated")
	mustNotContain(t, res.Body, "<svg")
}

// csvForm is a cell of the page's table as the CSV writes it.
func csvForm(cell string) string {
	switch {
	case cell == "–":
		return ""
	case cell == "Avg session length":
		return cell + " (s)"
	case strings.HasSuffix(cell, " so far"):
		return strings.TrimSuffix(cell, " so far")
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(cell, " ", "")); err == nil {
		return strconv.Itoa(int(d.Seconds()))
	}
	return cell
}
