// Package audit defines audit entries and the hash chain that makes
// tampering with the log detectable.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Actions recorded in the log. They are stable strings: filters, exports
// and the chain depend on them.
const (
	ActionSignIn          = "auth.sign_in"
	ActionSignInFailed    = "auth.sign_in_failed"
	ActionSignOut         = "auth.sign_out"
	ActionSetup           = "auth.setup"
	ActionPasswordChanged = "user.password_changed"
	ActionPasswordReset   = "user.password_reset"
	// ActionPasswordCheckFailed: a signed-in user gave a wrong current
	// password (to change it, to make an API token).
	ActionPasswordCheckFailed = "auth.password_check_failed"
	ActionUserAdded           = "user.added"
	ActionRoleChanged         = "user.role_changed"
	ActionUserDisabled        = "user.disabled"
	ActionUserEnabled         = "user.enabled"
	ActionTokenCreated        = "token.created"
	ActionTokenRevoked        = "token.revoked"
	// Signing in with an OpenID provider (SPEC §12): a refused sign-in
	// (with the claim values seen), an account made at a first sign-in, a
	// role changed to follow the provider's claims.
	ActionSSORefused     = "auth.sso_refused"
	ActionSSOProvisioned = "user.sso_provisioned"
	ActionRoleSynced     = "user.role_synced"
	// ActionSSOLoggedOut: the provider ended a person's sessions
	// (back-channel logout).
	ActionSSOLoggedOut = "auth.sso_logged_out"
	// ActionSSOLinked: a first sign-in through the provider with a
	// verified email linked the password account of that email (when an
	// admin allows it); ActionProfileSynced: a sign-in through the
	// provider changed the name or email to follow its claims.
	ActionSSOLinked     = "user.sso_linked"
	ActionProfileSynced = "user.profile_synced"
	// ActionSettingChanged: an admin changed a console-wide setting.
	ActionSettingChanged = "setting.changed"
	// People in the loop (SPEC §11), each on a session: a handover
	// element passed it to people (the system); a person took it; it went
	// back to the bot (a person, or the system when the handover timed
	// out); it was closed (a person, the handover timeout, or a lifecycle
	// change that left it no chatbot).
	ActionHandoverRequested = "handover.requested"
	ActionHandoverTaken     = "handover.taken"
	ActionHandoverResumed   = "handover.resumed"
	ActionHandoverClosed    = "handover.closed"
)

// Genesis is the previous hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one row of the audit log.
type Entry struct {
	ID         int64
	At         time.Time
	ActorID    int64 // 0 for the system or an anonymous caller
	ActorName  string
	Action     string
	TargetType string
	TargetID   string
	TargetName string
	Details    map[string]any
	IP         string
	PrevHash   string
	Hash       string
}

// TimeFormat is how entry times are stored and hashed: fixed width, UTC,
// so that they sort as text and hash the same after a round trip.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// DetailsJSON is the canonical JSON of the details (keys sorted, as
// encoding/json does for maps).
func (e Entry) DetailsJSON() string {
	if len(e.Details) == 0 {
		return "{}"
	}
	b, err := json.Marshal(e.Details)
	if err != nil {
		// Details are built by this program from plain values; a value
		// that cannot be encoded is a programming error worth seeing.
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return string(b)
}

// ComputeHash returns the hash of the entry's content chained to prevHash.
// detailsJSON is the stored details text, hashed as stored.
func ComputeHash(prevHash string, id int64, at, actorName string, actorID int64, action, targetType, targetID, targetName, detailsJSON, ip string) string {
	// A JSON array gives an unambiguous encoding of the fields.
	b, _ := json.Marshal([]any{prevHash, id, at, actorID, actorName, action, targetType, targetID, targetName, detailsJSON, ip})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Row is an entry as stored: details as JSON text, time as stored text.
type Row struct {
	ID                               int64
	At                               string
	ActorID                          int64
	ActorName, Action                string
	TargetType, TargetID, TargetName string
	Details, IP, PrevHash, Hash      string
}

// Expected is the hash the row must carry, given the hash before it.
func (r Row) Expected(prevHash string) string {
	return ComputeHash(prevHash, r.ID, r.At, r.ActorName, r.ActorID, r.Action, r.TargetType, r.TargetID, r.TargetName, r.Details, r.IP)
}

// Break describes the first place where the chain does not hold.
type Break struct {
	ID     int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.ID, b.Reason)
}

// Verifier checks rows fed to it in id order. It catches a changed row
// (its hash no longer matches), a deleted row (the next row's prev_hash
// points at a hash that is not the one before it) and reordered rows.
type Verifier struct {
	prev   string
	lastID int64
	n      int64
}

// NewVerifier starts a check at the beginning of the log.
func NewVerifier() *Verifier { return &Verifier{prev: Genesis} }

// Add checks the next row.
func (v *Verifier) Add(r Row) error {
	v.n++
	if r.ID <= v.lastID {
		return &Break{r.ID, "entries out of order"}
	}
	if r.PrevHash != v.prev {
		return &Break{r.ID, "previous hash does not match the entry before it (an entry was removed, inserted or reordered)"}
	}
	if want := r.Expected(v.prev); r.Hash != want {
		return &Break{r.ID, "content does not match its hash (the entry was modified)"}
	}
	v.prev, v.lastID = r.Hash, r.ID
	return nil
}

// Count is the number of rows checked.
func (v *Verifier) Count() int64 { return v.n }

// Head is the hash of the last row checked.
func (v *Verifier) Head() string { return v.prev }

// Limits of what one entry stores: the log is append-only and kept
// forever, so no input may make an entry large (a 1.9 MB sign-in email
// once did). MaxField bounds each text field (an email is at most 254
// bytes), MaxDetail each string inside the details, MaxDetails the whole
// details text.
const (
	MaxField   = 320
	MaxDetail  = 2048
	MaxDetails = 16 << 10
)

// Capped returns the entry with every string cut to its limit (on a rune
// boundary, marked with "…"). AppendAudit stores only capped entries.
func (e Entry) Capped() Entry {
	e.ActorName = Cap(e.ActorName, MaxField)
	e.Action = Cap(e.Action, MaxField)
	e.TargetType = Cap(e.TargetType, MaxField)
	e.TargetID = Cap(e.TargetID, MaxField)
	e.TargetName = Cap(e.TargetName, MaxField)
	e.IP = Cap(e.IP, MaxField)
	if len(e.Details) > 0 {
		d := make(map[string]any, len(e.Details))
		for k, v := range e.Details {
			d[Cap(k, MaxField)] = capValue(v)
		}
		e.Details = d
		if len(e.DetailsJSON()) > MaxDetails {
			e.Details = map[string]any{"truncated": true, "note": "the details exceeded " + strconv.Itoa(MaxDetails) + " bytes"}
		}
	}
	return e
}

func capValue(v any) any {
	switch v := v.(type) {
	case string:
		return Cap(v, MaxDetail)
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = Cap(s, MaxDetail)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[Cap(k, MaxField)] = capValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = capValue(x)
		}
		return out
	}
	return v
}

// Cap cuts s to at most n bytes on a rune boundary, ending it with "…"
// when it was cut.
func Cap(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
