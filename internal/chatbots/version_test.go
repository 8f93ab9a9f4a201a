package chatbots_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestBaseName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Shop", "Shop"},
		{"Shop v2", "Shop"},
		{"Shop  v12", "Shop"},
		{"Shop v2 v3", "Shop v2"},
		{"Shop V2", "Shop V2"}, // only the lower-case suffix New version writes
		{"Shop v", "Shop v"},   // no number
		{"Shopv2", "Shopv2"},   // no space: part of the name
		{"v2", "v2"},           // nothing would be left
		{"Version 2 v3", "Version 2"},
	} {
		if got := chatbots.BaseName(tc.in); got != tc.want {
			t.Errorf("BaseName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVersionName(t *testing.T) {
	long := strings.Repeat("é", chatbots.MaxNameRunes)
	for _, tc := range []struct {
		base string
		n    int
		want string
	}{
		{"Shop", 2, "Shop v2"},
		{"Shop", 10, "Shop v10"},
		{long, 2, strings.Repeat("é", chatbots.MaxNameRunes-3) + " v2"},
		{long, 100, strings.Repeat("é", chatbots.MaxNameRunes-5) + " v100"},
		{strings.Repeat("a", chatbots.MaxNameRunes-4) + " b", 2, strings.Repeat("a", chatbots.MaxNameRunes-4) + " v2"}, // cut, then trimmed
	} {
		got := chatbots.VersionName(tc.base, tc.n)
		if got != tc.want {
			t.Errorf("VersionName(%.10q…, %d) = %q, want %q", tc.base, tc.n, got, tc.want)
		}
		if n := len([]rune(got)); n > chatbots.MaxNameRunes {
			t.Errorf("VersionName(%.10q…, %d) has %d characters", tc.base, tc.n, n)
		}
	}
}

// TestNewVersion walks a family: versions of the live chatbot and of
// versions, names taken by others skipped, every version remembering its
// family and source, audited in the same transaction.
func TestNewVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shop := e.create("Shop")
	shop, err := e.update(shop, chatbots.ReplaceDefinition(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if shop, err = e.update(shop, func(set *chatbots.Settings, _ *chatbot.Definition) (string, error) {
		set.SessionTimeout, set.Language = time.Hour, "de"
		return "settings", nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), shop.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	if shop.FamilyID != shop.ID || shop.FamilyVersion != 1 || shop.BasedOnID != 0 {
		t.Fatalf("a new chatbot is its own family's first: %+v", shop)
	}
	byName := func(name string) store.Chatbot {
		t.Helper()
		c, err := e.app.Store.ChatbotByName(ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}
	// Someone named a chatbot of their own like a version to come.
	stranger := e.create("Shop v5")

	for _, step := range []struct {
		from     string
		wantName string
		wantN    int
	}{
		{"Shop", "Shop v2", 2},    // from the live chatbot
		{"Shop v2", "Shop v3", 3}, // from a version
		{"Shop", "Shop v4", 4},    // from an older one: still the next number
		{"Shop v3", "Shop v6", 6}, // v5 is taken by a stranger: skipped
	} {
		src := byName(step.from)
		c, err := e.app.Chatbots.NewVersion(ctx, e.designer, src.ID)
		if err != nil {
			t.Fatalf("new version of %s: %v", step.from, err)
		}
		_, def := e.get(c.ID)
		if c.Name != step.wantName || c.FamilyVersion != step.wantN || c.FamilyID != shop.ID || c.BasedOnID != src.ID {
			t.Errorf("new version of %s: %q v%d family %d based on %d, want %q v%d family %d based on %d",
				step.from, c.Name, c.FamilyVersion, c.FamilyID, c.BasedOnID, step.wantName, step.wantN, shop.ID, src.ID)
		}
		if c.Status != store.StatusInactive || !c.Draft() || c.SenderID != e.snd.ID || c.Language != "de" || c.SessionTimeout != time.Hour ||
			!bytes.Equal(def.JSON(), valid().JSON()) {
			t.Errorf("new version %+v with %s: want an inactive draft with the source's settings and definition", c, def.JSON())
		}
		if n := e.audits(chatbots.ActionVersioned, c.ID); n != 1 {
			t.Errorf("%d %s entries for %s, want 1", n, chatbots.ActionVersioned, c.Name)
		}
	}
	if got := byName("Shop"); got.Status != store.StatusActive {
		t.Errorf("the live chatbot is now %s", got.Status)
	}

	family, err := e.app.Chatbots.Family(ctx, e.designer, byName("Shop v3"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range family {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, ", "); got != "Shop v6, Shop v4, Shop v3, Shop v2, Shop" {
		t.Errorf("family %s, want the five versions newest first, without the stranger", got)
	}
	if st, _ := e.get(stranger.ID); st.FamilyID != stranger.ID {
		t.Errorf("the stranger joined family %d", st.FamilyID)
	}

	// The family outlives its first draft: a deleted first chatbot leaves
	// its versions together, named after it.
	draft := e.create("Draft")
	d2, err := e.app.Chatbots.NewVersion(ctx, e.designer, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Chatbots.Delete(ctx, e.designer, draft.ID); err != nil {
		t.Fatal(err)
	}
	d3, err := e.app.Chatbots.NewVersion(ctx, e.designer, d2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d3.Name != "Draft v3" || d3.FamilyID != draft.ID || d2.FamilyID != draft.ID {
		t.Errorf("after deleting the first draft: %q in family %d (v2 in %d), want \"Draft v3\" in %d", d3.Name, d3.FamilyID, d2.FamilyID, draft.ID)
	}
}

func TestNewVersionRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src := e.create("Src")
	count := func() int {
		n, err := e.app.Store.CountChatbots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, r := range rbac.Roles() {
		t.Run(r.String(), func(t *testing.T) {
			before := count()
			a := who.Actor{User: e.app.Users[r]}
			c, err := e.app.Chatbots.NewVersion(ctx, a, src.ID)
			if !rbac.Can(r, rbac.EditChatbots) {
				testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
				if n := count(); n != before {
					t.Errorf("a refused new version made %d chatbots", n-before)
				}
				return
			}
			if err != nil || c.FamilyID != src.ID {
				t.Fatalf("%s: %+v %v", r, c, err)
			}
		})
	}
	_, err := e.app.Chatbots.NewVersion(ctx, e.designer, 99999)
	testkit.WantProblem(t, err, problem.NotFound, "chatbot_not_found")
	_, err = e.app.Chatbots.NewVersion(ctx, who.Actor{}, src.ID)
	testkit.WantProblem(t, err, problem.Unauthorized, "unauthenticated")
}

// TestNewVersionNoFreeName: when every name up to the limit is taken, the
// refusal says what to do and nothing is made.
func TestNewVersionNoFreeName(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src := e.create("Busy")
	for n := 2; n <= 101; n++ {
		e.create(chatbots.VersionName("Busy", n))
	}
	before, _ := e.app.Store.CountChatbots(ctx)
	_, err := e.app.Chatbots.NewVersion(ctx, e.designer, src.ID)
	p := testkit.WantProblem(t, err, problem.Conflict, "no_version_name")
	if !strings.Contains(p.Message, "rename one of them") {
		t.Errorf("message %q does not say what to do", p.Message)
	}
	if after, _ := e.app.Store.CountChatbots(ctx); after != before {
		t.Errorf("%d chatbots made", after-before)
	}
}

// TestNewVersionConcurrent: designers making versions of one chatbot at
// the same moment each get their own number; none is refused.
func TestNewVersionConcurrent(t *testing.T) {
	e := newEnv(t)
	src := e.create("Busy")
	const n = 4
	names := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			c, err := e.app.Chatbots.NewVersion(context.Background(), e.designer, src.ID)
			names <- c.Name
			errs <- err
		}()
	}
	seen := map[string]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		seen[<-names] = true
	}
	for i := 2; i <= n+1; i++ {
		if !seen[chatbots.VersionName("Busy", i)] {
			t.Errorf("versions %v, want Busy v2 to v%d", seen, n+1)
		}
	}
}
