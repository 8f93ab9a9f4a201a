package sso

import (
	"fmt"
	"strings"

	"github.com/answers-console/answers/internal/rbac"
)

// Rules map claim values to console roles: --oidc-roles
// 'groups: answers-admins=admin, support-leads=manager; realm_access.roles: bots=designer'.
// Each section names a claim (a top-level claim name, or a dotted path
// into nested objects) and its value=role pairs. The highest role any rule
// gives wins; no rule matching means no role.
type Rules []Rule

// Rule gives Role to people whose claim at Path holds Value (equal to it,
// or one element of it when the claim is a list).
type Rule struct {
	Path  string
	Value string
	Role  rbac.Role
}

// ParseRules reads the --oidc-roles syntax.
func ParseRules(s string) (Rules, error) {
	var rules Rules
	for section := range strings.SplitSeq(s, ";") {
		section = strings.TrimSpace(section)
		if section == "" {
			continue
		}
		path, pairs, ok := strings.Cut(section, ":")
		path = strings.TrimSpace(path)
		// A claim named by URL (https://example.com/groups) has a colon of
		// its own: the section's colon is the last one before the pairs.
		if i := strings.LastIndex(section, ": "); i > 0 {
			path, pairs, ok = strings.TrimSpace(section[:i]), section[i+2:], true
		}
		if !ok || path == "" {
			return nil, fmt.Errorf("%q: write a claim, a colon, then value=role pairs (groups: answers-admins=admin)", section)
		}
		for pair := range strings.SplitSeq(pairs, ",") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			i := strings.LastIndex(pair, "=")
			if i <= 0 {
				return nil, fmt.Errorf("%q: write value=role", pair)
			}
			role, err := rbac.ParseRole(pair[i+1:])
			if err != nil {
				return nil, fmt.Errorf("%q: %q is not a role (analyzer, supervisor, designer, manager, admin)", pair, strings.TrimSpace(pair[i+1:]))
			}
			rules = append(rules, Rule{Path: path, Value: strings.TrimSpace(pair[:i]), Role: role})
		}
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("no rules: give at least one, like 'groups: answers-admins=admin'")
	}
	return rules, nil
}

// Match is what the rules made of a person's claims.
type Match struct {
	// Role is the highest role a rule gave; 0 when none matched.
	Role rbac.Role
	// Seen holds, by claim path, the value each rule looked at (nil when
	// the claims have none): what the refusal page and the audit entry
	// show.
	Seen map[string]any
	// Overage names the claims the provider left out for being too many
	// (Entra ID's group overage: _claim_names instead of the list).
	Overage []string
}

// Resolve applies the rules to the claims.
func (rs Rules) Resolve(claims map[string]any) Match {
	m := Match{Seen: map[string]any{}}
	for _, r := range rs {
		v, found := lookup(claims, r.Path)
		if _, done := m.Seen[r.Path]; !done {
			m.Seen[r.Path] = seen(v)
			if !found && overage(claims, r.Path) {
				m.Overage = append(m.Overage, r.Path)
			}
		}
		if r.Role > m.Role && holds(v, r.Value) {
			m.Role = r.Role
		}
	}
	return m
}

// lookup finds a claim by its full name first, then as a dotted path.
func lookup(claims map[string]any, path string) (any, bool) {
	if v, ok := claims[path]; ok {
		return v, true
	}
	var cur any = claims
	for part := range strings.SplitSeq(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// overage reports whether the provider moved the claim out of the token
// (OpenID Connect aggregated/distributed claims, as Entra ID does past 200
// groups).
func overage(claims map[string]any, path string) bool {
	names, ok := claims["_claim_names"].(map[string]any)
	if !ok {
		return false
	}
	_, ok = names[strings.SplitN(path, ".", 2)[0]]
	return ok
}

func holds(v any, want string) bool {
	switch v := v.(type) {
	case string:
		return v == want
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	case bool, float64:
		return fmt.Sprint(v) == want
	}
	return false
}

// Bounds of what Seen keeps of a claim (for the refusal page and the
// audit entry): a person may be in hundreds of groups.
const (
	seenItems = 50
	seenBytes = 200
)

// seen is v as Seen keeps it: lists cut to seenItems (with a note of how
// many more), strings to seenBytes, objects to their keys' count.
func seen(v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > seenBytes {
			return strings.ToValidUTF8(v[:seenBytes], "") + "…"
		}
		return v
	case []any:
		out := make([]any, 0, min(len(v), seenItems+1))
		for i, e := range v {
			if i == seenItems {
				out = append(out, fmt.Sprintf("… %d more", len(v)-seenItems))
				break
			}
			out = append(out, seen(e))
		}
		return out
	case map[string]any:
		return fmt.Sprintf("an object with %d keys", len(v))
	}
	return v
}
