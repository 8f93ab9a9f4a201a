package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestChatbotFamilies: the dashboard's one row per family (the live
// member, else the newest, of those the filters match) with the other
// members, on both engines.
func TestChatbotFamilies(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	var snd Sender
	mustTx(t, st, func(tx *Tx) (err error) {
		snd, err = tx.CreateSender(ctx, "livechat", "fam", "k", now)
		return err
	})
	ids := map[string]int64{}
	mk := func(name string, family, basedOn int64, n int) int64 {
		t.Helper()
		mustTx(t, st, func(tx *Tx) error {
			c, err := tx.CreateChatbot(ctx, NewChatbot{Name: name, Language: "en", Channel: "livechat", SenderID: snd.ID,
				SessionTimeout: time.Minute, Definition: []byte("{}"), FamilyID: family, BasedOnID: basedOn, FamilyVersion: n}, now)
			ids[name] = c.ID
			return err
		})
		return ids[name]
	}
	alpha := mk("Alpha", 0, 0, 1)
	mk("Alpha v2", alpha, alpha, 2)
	mk("Alpha v3", alpha, ids["Alpha v2"], 3)
	beta := mk("Beta", 0, 0, 1)
	mk("Beta v2", beta, beta, 2)
	mk("Gamma", 0, 0, 1)
	mustTx(t, st, func(tx *Tx) error { return tx.SetChatbotStatus(ctx, ids["Alpha v2"], StatusActive, time.Time{}, now) })

	got, err := st.ChatbotByID(ctx, ids["Alpha v3"])
	if err != nil || got.FamilyID != alpha || got.BasedOnID != ids["Alpha v2"] || got.FamilyVersion != 3 {
		t.Fatalf("Alpha v3 reads back as family %d based on %d v%d (%v)", got.FamilyID, got.BasedOnID, got.FamilyVersion, err)
	}
	if got, _ := st.ChatbotByID(ctx, alpha); got.FamilyID != alpha || got.BasedOnID != 0 || got.FamilyVersion != 1 {
		t.Fatalf("Alpha reads back as family %d based on %d v%d", got.FamilyID, got.BasedOnID, got.FamilyVersion)
	}

	show := func(rows []ChatbotRow) string {
		var out []string
		for _, r := range rows {
			s := r.Name
			if len(r.Others) > 0 {
				var others []string
				for _, o := range r.Others {
					others = append(others, o.Name)
				}
				s += " [" + strings.Join(others, ", ") + "]"
			}
			out = append(out, s)
		}
		return strings.Join(out, "; ")
	}
	for _, tc := range []struct {
		name      string
		f         ChatbotFilter
		want      string
		wantTotal int
	}{
		{"one row per family", ChatbotFilter{Families: true},
			"Alpha v2 [Alpha v3, Alpha]; Beta v2 [Beta]; Gamma", 3},
		{"every chatbot without families", ChatbotFilter{},
			"Alpha; Alpha v2; Alpha v3; Beta; Beta v2; Gamma", 6},
		{"search finds a member", ChatbotFilter{Families: true, Query: "alpha v3"},
			"Alpha v3 [Alpha v2, Alpha]", 1},
		{"the newest of those that match", ChatbotFilter{Families: true, Status: StatusInactive},
			"Alpha v3 [Alpha v2, Alpha]; Beta v2 [Beta]; Gamma", 3},
		{"the live one by status", ChatbotFilter{Families: true, Status: StatusActive},
			"Alpha v2 [Alpha v3, Alpha]", 1},
		{"sorted", ChatbotFilter{Families: true, Sort: "-name"},
			"Gamma; Beta v2 [Beta]; Alpha v2 [Alpha v3, Alpha]", 3},
		{"paged by family", ChatbotFilter{Families: true, Limit: 1, Offset: 1},
			"Beta v2 [Beta]", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, total, err := st.Chatbots(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := show(rows); got != tc.want || total != tc.wantTotal {
				t.Errorf("got %s (total %d)\nwant %s (total %d)", got, total, tc.want, tc.wantTotal)
			}
		})
	}

	fam, err := st.Family(ctx, alpha)
	if err != nil {
		t.Fatal(err)
	}
	if got := show([]ChatbotRow{{Chatbot: Chatbot{Name: "family"}, Others: fam}}); got != "family [Alpha v3, Alpha v2, Alpha]" {
		t.Errorf("Family: %s", got)
	}
	if fam, err := st.Family(ctx, ids["Gamma"]); err != nil || len(fam) != 1 || fam[0].Name != "Gamma" {
		t.Errorf("Family of a lone chatbot: %+v %v", fam, err)
	}
}

// TestReleaseTestResults: the test results at activation are stored with
// the release; a release without them reads back as none recorded.
func TestReleaseTestResults(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	var bot Chatbot
	mustTx(t, st, func(tx *Tx) (err error) {
		bot, err = tx.CreateChatbot(ctx, NewChatbot{Name: "R", Language: "en", Channel: "sms", SessionTimeout: time.Minute, Definition: []byte("{}")}, now)
		return err
	})
	results := `[{"name":"greets","passed":true}]`
	mustTx(t, st, func(tx *Tx) error {
		for _, tr := range []string{results, ""} {
			if _, err := tx.CreateRelease(ctx, Release{ChatbotID: bot.ID, Definition: []byte("{}"), DefinitionHash: "h", Report: []byte("[]"),
				ActivatedBy: "system", ActivatedAt: now, TestResults: []byte(tr)}); err != nil {
				return err
			}
		}
		return nil
	})
	r1, err := st.ReleaseByNumber(ctx, bot.ID, 1)
	if err != nil || string(r1.TestResults) != results {
		t.Errorf("release 1 test results %q (%v), want %q", r1.TestResults, err, results)
	}
	r2, err := st.ReleaseByNumber(ctx, bot.ID, 2)
	if err != nil || r2.TestResults != nil {
		t.Errorf("release 2 test results %q (%v), want none", r2.TestResults, err)
	}
}
