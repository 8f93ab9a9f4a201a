package sso

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
)

func TestParseRules(t *testing.T) {
	rs, err := ParseRules("groups: answers-admins=admin, support-leads=manager, bot-builders=designer, support=supervisor, analysts=analyzer; realm_access.roles: bots=designer")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 6 || rs[0] != (Rule{"groups", "answers-admins", rbac.Admin}) || rs[5] != (Rule{"realm_access.roles", "bots", rbac.Designer}) {
		t.Errorf("rules = %+v", rs)
	}
	rs, err = ParseRules("https://example.com/claims/groups: a=b=admin")
	if err != nil || rs[0] != (Rule{"https://example.com/claims/groups", "a=b", rbac.Admin}) {
		t.Errorf("a URL claim name and a value with '=': %+v, %v", rs, err)
	}
	for _, bad := range []string{"", " ; ", "groups", "groups: admins", "groups: admins=boss", ": a=admin"} {
		if _, err := ParseRules(bad); err == nil {
			t.Errorf("ParseRules(%q) accepted", bad)
		}
	}
}

// TestResolveProviderShapes checks the rules against the claim shapes the
// usual providers send (from their documentation, on paper).
func TestResolveProviderShapes(t *testing.T) {
	for _, tt := range []struct {
		name, rules, claims string
		want                rbac.Role
		overage             bool
	}{
		{"Okta groups claim (list of names)", "groups: Answers Admins=admin, Everyone=analyzer",
			`{"groups":["Everyone","Answers Admins"]}`, rbac.Admin, false},
		{"Keycloak realm roles", "realm_access.roles: answers-admin=admin",
			`{"realm_access":{"roles":["offline_access","answers-admin"]}}`, rbac.Admin, false},
		{"Keycloak client roles", "resource_access.answers.roles: designer=designer",
			`{"resource_access":{"answers":{"roles":["designer"]}}}`, rbac.Designer, false},
		{"Keycloak group paths", "groups: /support/leads=manager",
			`{"groups":["/support","/support/leads"]}`, rbac.Manager, false},
		{"Entra ID group object ids", "groups: 3f2a6c1e-0000-4000-8000-000000000001=supervisor",
			`{"groups":["3f2a6c1e-0000-4000-8000-000000000001"]}`, rbac.Supervisor, false},
		{"Entra ID app roles", "roles: Answers.Admin=admin",
			`{"roles":["Answers.Admin"]}`, rbac.Admin, false},
		{"Entra ID group overage", "groups: 3f2a6c1e-0000-4000-8000-000000000001=admin",
			`{"_claim_names":{"groups":"src1"},"_claim_sources":{"src1":{"endpoint":"https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}}}`, 0, true},
		{"Google Workspace hosted domain", "hd: example.com=analyzer",
			`{"hd":"example.com","email_verified":true}`, rbac.Analyzer, false},
		{"a single string claim", "department: support=supervisor", `{"department":"support"}`, rbac.Supervisor, false},
		{"no match", "groups: admins=admin", `{"groups":["marketing"]}`, 0, false},
		{"claim missing", "groups: admins=admin", `{}`, 0, false},
		{"highest wins whatever the order", "groups: a=analyzer, m=manager, d=designer", `{"groups":["a","d","m"]}`, rbac.Manager, false},
		{"case matters", "groups: Admins=admin", `{"groups":["admins"]}`, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseRules(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			var claims map[string]any
			if err := json.Unmarshal([]byte(tt.claims), &claims); err != nil {
				t.Fatal(err)
			}
			m := rs.Resolve(claims)
			if m.Role != tt.want || (len(m.Overage) > 0) != tt.overage {
				t.Errorf("Resolve = role %s overage %v, want %s overage %v", m.Role, m.Overage, tt.want, tt.overage)
			}
			if _, ok := m.Seen[rs[0].Path]; !ok {
				t.Errorf("Seen lacks %s: %v", rs[0].Path, m.Seen)
			}
		})
	}
}

// TestSeenIsBounded: the claim values kept for the audit entry are cut.
func TestSeenIsBounded(t *testing.T) {
	groups := make([]any, 300)
	for i := range groups {
		groups[i] = strings.Repeat("g", 500)
	}
	m := Rules{{Path: "groups", Value: "x", Role: rbac.Admin}}.Resolve(map[string]any{"groups": groups})
	got := m.Seen["groups"].([]any)
	if len(got) != 51 || got[50] != "… 250 more" || len(got[0].(string)) > 210 {
		t.Errorf("Seen kept %d items, the last %v, the first %d bytes", len(got), got[len(got)-1], len(got[0].(string)))
	}
}
