package bench

import (
	"fmt"
	"time"
)

// Page is a console page the benchmark loads; its paths are visited in
// turn. An optional page that answers 404 (not built on this branch yet)
// is skipped with a note.
type Page struct {
	Name     string
	Optional bool
	Paths    func(t *Target, now time.Time) []string
}

// Pages are the pages of SPEC §8, signed in as an admin. Adding a page is
// adding a line.
func Pages() []Page {
	return []Page{
		{Name: "chatbot list, filtered", Paths: func(*Target, time.Time) []string {
			return []string{
				"/chatbots?status=active&channel=whatsapp&sort=-updated",
				"/chatbots?status=inactive&q=support&sort=name",
				"/chatbots?channel=sms&sort=status&page=3",
				"/chatbots?status=draft&sort=-name&page=2",
			}
		}},
		{Name: "chatbot detail", Paths: func(t *Target, _ time.Time) []string {
			var out []string
			for i := 0; i < len(t.Active) && len(out) < 20; i += max(1, len(t.Active)/20) {
				out = append(out, fmt.Sprintf("/chatbots/%d", t.Active[i].ID))
			}
			return out
		}},
		{Name: "analytics, 30 days", Optional: true, Paths: func(t *Target, _ time.Time) []string {
			// All chatbots, then a few of them one by one.
			out := []string{"/analytics?range=30d"}
			for i := 0; i < len(t.Active) && len(out) < 4; i += max(1, len(t.Active)/3) {
				out = append(out, fmt.Sprintf("/analytics?range=30d&chatbot=%d", t.Active[i].ID))
			}
			return out
		}},
		{Name: "audit log, first page", Paths: func(*Target, time.Time) []string { return []string{"/audit"} }},
		{Name: "audit log, deep page", Paths: func(t *Target, _ time.Time) []string {
			// Keyset cursors 80–95 % of the way down the log.
			return []string{
				fmt.Sprintf("/audit?before=%d", t.MaxAudit/5),
				fmt.Sprintf("/audit?before=%d", t.MaxAudit/10),
				fmt.Sprintf("/audit?before=%d", t.MaxAudit/20),
			}
		}},
	}
}
