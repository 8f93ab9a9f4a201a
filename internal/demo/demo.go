// Package demo fills an empty database with demo data for `answers serve
// --demo`: for now one user per role.
package demo

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
)

// Credential is a demo account's sign-in.
type Credential struct {
	Role     rbac.Role
	Email    string
	Password string
}

// Seed creates one user per role when the database has no users, and
// returns their credentials; nil when the database already had users.
func Seed(ctx context.Context, svc *accounts.Service) ([]Credential, error) {
	n, err := svc.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	var creds []Credential
	for _, r := range rbac.Roles() {
		email := r.String() + "@demo.local"
		u, pw, err := svc.AddUser(ctx, accounts.System(), accounts.NewUserInput{
			Email: email, Name: "Demo " + r.Title(), Role: r.String(),
		})
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", email, err)
		}
		creds = append(creds, Credential{Role: u.Role, Email: u.Email, Password: pw})
	}
	return creds, nil
}

// Print writes the credentials as a table.
func Print(w io.Writer, creds []Credential) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tEMAIL\tPASSWORD")
	for _, c := range creds {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Role, c.Email, c.Password)
	}
	tw.Flush()
}
