// Package rbac holds the roles, the permissions and the one table that
// joins them. Every route declares a Permission; Can answers whether a role
// holds it.
package rbac

import (
	"fmt"
	"strings"
)

// Role is a place in the hierarchy; a higher role holds every permission of
// the roles below it. The zero value is no role (anonymous).
type Role int

// The roles, lowest first.
const (
	Analyzer Role = iota + 1
	Supervisor
	Designer
	Manager
	Admin
)

// Roles lists every role, lowest first.
func Roles() []Role { return []Role{Analyzer, Supervisor, Designer, Manager, Admin} }

var roleNames = map[Role]string{
	Analyzer:   "analyzer",
	Supervisor: "supervisor",
	Designer:   "designer",
	Manager:    "manager",
	Admin:      "admin",
}

// String is the role's stored and displayed name, such as "manager".
func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return "none"
}

// Title is the role's name for headings, such as "Manager".
func (r Role) Title() string {
	s := r.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// Valid reports whether r is one of the five roles.
func (r Role) Valid() bool { return r >= Analyzer && r <= Admin }

// ParseRole reads a role name; it is case-insensitive.
func ParseRole(s string) (Role, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for r, n := range roleNames {
		if n == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q: use one of analyzer, supervisor, designer, manager, admin", s)
}

// Permission names one thing a person may do.
type Permission string

// The permissions of SPEC §1, plus two that routes use: Public (anyone,
// signed in or not) and SignedIn (any active account).
const (
	Public           Permission = "public"
	SignedIn         Permission = "signed_in"
	ViewAnalytics    Permission = "analytics.view"
	ViewDashboard    Permission = "chatbots.dashboard"
	ViewChatbots     Permission = "chatbots.view"
	EditChatbots     Permission = "chatbots.edit"
	ActivateChatbots Permission = "chatbots.activate"
	ManageUsers      Permission = "users.manage"
	ViewAudit        Permission = "audit.view"
	ManageWebhooks   Permission = "webhooks.manage"
	// ManageSettings: console-wide settings (linking provider sign-ins
	// to password accounts with the same verified email).
	ManageSettings Permission = "settings.manage"
	// WorkConversations: take, answer, hand back and close the
	// conversations a chatbot handed over to people (SPEC §11).
	WorkConversations Permission = "conversations.work"
)

// Grant is one row of the matrix: a permission and the lowest role that
// holds it.
type Grant struct {
	Permission Permission
	Label      string
	MinRole    Role
}

// matrix is the role → permission table of SPEC §1. It is the only place
// that says who may do what.
var matrix = []Grant{
	{ViewAnalytics, "View analytics", Analyzer},
	{ViewDashboard, "View chatbots (dashboard)", Analyzer},
	{ViewChatbots, "View chatbots (detailed)", Supervisor},
	{WorkConversations, "Work conversations (take, answer, hand back)", Supervisor},
	{EditChatbots, "Create and edit chatbots", Designer},
	{ActivateChatbots, "Activate and deactivate chatbots", Manager},
	{ManageUsers, "Manage user roles", Manager},
	{ViewAudit, "View audit log", Admin},
	{ManageWebhooks, "Manage outbound webhooks", Admin},
	{ManageSettings, "Change console settings", Admin},
}

// Matrix returns the table of grants in display order.
func Matrix() []Grant {
	out := make([]Grant, len(matrix))
	copy(out, matrix)
	return out
}

// Can reports whether role r holds permission p. Role 0 (anonymous) holds
// only Public.
func Can(r Role, p Permission) bool {
	switch p {
	case Public:
		return true
	case SignedIn:
		return r.Valid()
	}
	if !r.Valid() {
		return false
	}
	for _, g := range matrix {
		if g.Permission == p {
			return r >= g.MinRole
		}
	}
	return false
}

// CanAssign reports whether a person with role actor may grant or take away
// role target: only roles at or below their own, and only if they manage
// users at all.
func CanAssign(actor, target Role) bool {
	return Can(actor, ManageUsers) && target.Valid() && target <= actor
}
