// Package who says who asks for a change: a signed-in person, with the
// client address the request came from, or the system itself. Every
// service takes an Actor, checks its permission with Require and names it
// in the audit entry it writes with Entry; none of them needs the sign-in
// service for that.
package who

import (
	"strconv"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

// Actor is who asks for a change: a signed-in user (or the system, with a
// zero User) and the client IP.
type Actor struct {
	User store.User
	IP   string
	// System is set for the CLI and the product itself (the sweeper, demo
	// data): they act with every permission and are named "system".
	System bool
}

// System is the actor for changes made by the CLI or the product itself.
func System() Actor { return Actor{IP: "local", System: true} }

// Entry is an audit entry of an action by this actor on a target.
func (a Actor) Entry(action, targetType string, targetID int64, targetName string, details map[string]any) audit.Entry {
	e := audit.Entry{
		ActorID: a.User.ID, ActorName: a.User.Email, Action: action, IP: a.IP, Details: details,
		TargetType: targetType, TargetID: strconv.FormatInt(targetID, 10), TargetName: targetName,
	}
	if a.System {
		e.ActorName = "system"
	}
	return e
}

// Require refuses unless the actor's role holds perm. The system actor
// holds every permission.
func (a Actor) Require(perm rbac.Permission, what string) error {
	if a.System || (a.User.ID != 0 && a.User.Active() && rbac.Can(a.User.Role, perm)) {
		return nil
	}
	if a.User.ID == 0 {
		return problem.New(problem.Unauthorized, "unauthenticated", "Sign in first.")
	}
	return problem.New(problem.Forbidden, "forbidden", "Your role (%s) does not allow you to %s.", a.User.Role, what)
}
