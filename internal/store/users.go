package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/answers-console/answers/internal/rbac"
)

// User is a console account.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         rbac.Role
	PasswordHash string
	SessionEpoch int64
	DisabledAt   time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  time.Time
	// MustChangePassword is set when someone else chose the password (an
	// add by a person, a reset): the console asks for a new one first.
	MustChangePassword bool
	// Provider names the OpenID provider the user signs in with ("" for
	// password accounts); their role follows its claims (SPEC §12).
	Provider string
	// BreakGlass accounts sign in with their password even when password
	// sign-in is turned off.
	BreakGlass bool
}

// Active reports whether the account may sign in.
func (u User) Active() bool { return u.DisabledAt.IsZero() }

const userColumns = `id, email, name, role, password_hash, session_epoch, disabled_at, created_at, updated_at, last_login_at, must_change_password, break_glass,
	(SELECT provider FROM user_identities WHERE user_identities.user_id = users.id)`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var role, created, updated string
	var disabled, lastLogin, provider sql.NullString
	var mustChange, breakGlass int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.SessionEpoch, &disabled, &created, &updated, &lastLogin, &mustChange, &breakGlass, &provider)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, err
	}
	u.Role, _ = rbac.ParseRole(role)
	u.DisabledAt = nullTime(disabled)
	u.CreatedAt, u.UpdatedAt = parseTime(created), parseTime(updated)
	u.LastLoginAt = nullTime(lastLogin)
	u.MustChangePassword = mustChange != 0
	u.Provider = provider.String
	u.BreakGlass = breakGlass != 0
	return u, nil
}

// UserByID loads one user.
func (q queries) UserByID(ctx context.Context, id int64) (User, error) {
	return scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// UserByEmail loads one user by email, ignoring case.
func (q queries) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
}

// Users lists every account, active ones first, then by name.
func (q queries) Users(ctx context.Context) ([]User, error) {
	return q.SearchUsers(ctx, "")
}

// SearchUsers lists the accounts whose name or email contains query
// (ignoring case; every account when it is empty), active ones first,
// then by name.
func (q queries) SearchUsers(ctx context.Context, query string) ([]User, error) {
	where, args := "", []any{}
	if query != "" {
		like := "%" + likeEscape(query) + "%"
		where, args = ` WHERE (name LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')`, []any{like, like}
	}
	rows, err := q.q.QueryContext(ctx, `SELECT `+userColumns+` FROM users`+where+` ORDER BY disabled_at IS NOT NULL, name COLLATE NOCASE, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers counts every account, disabled ones included.
func (q queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// CountActiveAdmins counts admins who may sign in.
func (q queries) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL`).Scan(&n)
	return n, err
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Email        string
	Name         string
	Role         rbac.Role
	PasswordHash string
	// MustChangePassword asks the user for a password of their own at
	// their first console sign-in.
	MustChangePassword bool
	// BreakGlass: see User.BreakGlass.
	BreakGlass bool
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateUser inserts an account; ErrDuplicate when the email is taken.
func (t *Tx) CreateUser(ctx context.Context, n NewUser, now time.Time) (User, error) {
	var id int64
	err := t.q.QueryRowContext(ctx,
		`INSERT INTO users (email, name, role, password_hash, must_change_password, break_glass, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		n.Email, n.Name, n.Role.String(), n.PasswordHash, boolInt(n.MustChangePassword), boolInt(n.BreakGlass), fmtTime(now), fmtTime(now)).Scan(&id)
	if err != nil {
		return User{}, constraintError(err)
	}
	return t.UserByID(ctx, id)
}

// SetUserRole changes a role; ErrLastAdmin if it would leave no active admin.
func (t *Tx) SetUserRole(ctx context.Context, id int64, role rbac.Role, now time.Time) error {
	return t.updateUser(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role.String(), fmtTime(now), id)
}

// SetUserDisabled disables (ending every session) or enables an account.
func (t *Tx) SetUserDisabled(ctx context.Context, id int64, disabled bool, now time.Time) error {
	if disabled {
		return t.updateUser(ctx, `UPDATE users SET disabled_at = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?`, fmtTime(now), fmtTime(now), id)
	}
	return t.updateUser(ctx, `UPDATE users SET disabled_at = NULL, updated_at = ? WHERE id = ?`, fmtTime(now), id)
}

// SetUserPassword stores a new password hash and ends the user's other
// sessions by bumping the session epoch. mustChange says whether the user
// has to replace it at their next console sign-in (a reset by someone
// else) or not (they chose it).
func (t *Tx) SetUserPassword(ctx context.Context, id int64, hash string, mustChange bool, now time.Time) error {
	return t.updateUser(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?`,
		hash, boolInt(mustChange), fmtTime(now), id)
}

// EndUserSessions ends every console session of a user, on every replica:
// sessions carry the epoch they were opened with.
func (t *Tx) EndUserSessions(ctx context.Context, id int64, now time.Time) error {
	return t.updateUser(ctx, `UPDATE users SET session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?`, fmtTime(now), id)
}

// TouchLogin records a successful sign-in.
func (t *Tx) TouchLogin(ctx context.Context, id int64, now time.Time) error {
	return t.updateUser(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, fmtTime(now), id)
}

func (t *Tx) updateUser(ctx context.Context, query string, args ...any) error {
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return constraintError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
