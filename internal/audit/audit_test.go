package audit

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// chain builds n correctly chained rows with ids 1..n.
func chain(n int) []Row {
	rows := make([]Row, n)
	prev := Genesis
	for i := range rows {
		r := Row{
			ID:         int64(i + 1),
			At:         fmt.Sprintf("2026-01-01T00:00:%02d.000000Z", i),
			ActorID:    int64(i % 2),
			ActorName:  fmt.Sprintf("actor%d", i),
			Action:     "user.role_changed",
			TargetType: "user",
			TargetID:   fmt.Sprint(10 + i),
			TargetName: fmt.Sprintf("target%d@example.com", i),
			Details:    fmt.Sprintf(`{"n":%d}`, i),
			IP:         "127.0.0.1",
			PrevHash:   prev,
		}
		r.Hash = r.Expected(prev)
		prev = r.Hash
		rows[i] = r
	}
	return rows
}

// verify feeds rows to a new Verifier and returns the first error.
func verify(rows []Row) (*Verifier, error) {
	v := NewVerifier()
	for _, r := range rows {
		if err := v.Add(r); err != nil {
			return v, err
		}
	}
	return v, nil
}

func TestVerifier(t *testing.T) {
	tests := []struct {
		name string
		// change turns an intact chain of 5 rows into the rows to check.
		change     func(rows []Row) []Row
		wantID     int64 // 0: no break
		wantReason string
	}{
		{"intact", func(rows []Row) []Row { return rows }, 0, ""},
		{"empty log", func(rows []Row) []Row { return nil }, 0, ""},
		{"actor name modified", func(rows []Row) []Row { rows[2].ActorName = "mallory"; return rows }, 3, "modified"},
		{"details modified", func(rows []Row) []Row { rows[2].Details = `{"n":99}`; return rows }, 3, "modified"},
		{"hash modified", func(rows []Row) []Row { rows[4].Hash = strings.Repeat("0", 64); return rows }, 5, "modified"},
		{"first row modified", func(rows []Row) []Row { rows[0].IP = "10.6.6.6"; return rows }, 1, "modified"},
		{"middle row removed", func(rows []Row) []Row { return append(rows[:2:2], rows[3:]...) }, 4, "removed"},
		{"first row removed", func(rows []Row) []Row { return rows[1:] }, 2, "removed"},
		{"contents of rows 2 and 4 swapped, ids kept", func(rows []Row) []Row {
			rows[1], rows[3] = rows[3], rows[1]
			rows[1].ID, rows[3].ID = 2, 4
			return rows
		}, 2, "reordered"},
		{"rows 2 and 3 fed in the wrong order", func(rows []Row) []Row {
			rows[1], rows[2] = rows[2], rows[1]
			return rows
		}, 3, "previous hash"},
		{"an id going backwards", func(rows []Row) []Row { return []Row{rows[0], rows[1], rows[2], rows[1]} }, 2, "out of order"},
		{"a row repeated", func(rows []Row) []Row { return append(rows[:3:3], rows[2:]...) }, 3, "out of order"},
		{"first row with a forged previous hash", func(rows []Row) []Row {
			rows[0].PrevHash = strings.Repeat("f", 64)
			rows[0].Hash = rows[0].Expected(rows[0].PrevHash)
			return rows
		}, 1, "previous hash"},
		{"row modified and rehashed", func(rows []Row) []Row {
			rows[2].TargetName = "someone-else"
			rows[2].Hash = rows[2].Expected(rows[2].PrevHash)
			return rows
		}, 4, "previous hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := tt.change(chain(5))
			v, err := verify(rows)
			if tt.wantID == 0 {
				if err != nil {
					t.Fatalf("unexpected break: %v", err)
				}
				if v.Count() != int64(len(rows)) {
					t.Errorf("Count = %d, want %d", v.Count(), len(rows))
				}
				wantHead := Genesis
				if len(rows) > 0 {
					wantHead = rows[len(rows)-1].Hash
				}
				if v.Head() != wantHead {
					t.Errorf("Head = %s, want %s", v.Head(), wantHead)
				}
				return
			}
			var b *Break
			if !errors.As(err, &b) {
				t.Fatalf("err = %v, want a *Break", err)
			}
			if b.ID != tt.wantID || !strings.Contains(b.Reason, tt.wantReason) {
				t.Errorf("break at %d (%s), want at %d mentioning %q", b.ID, b.Reason, tt.wantID, tt.wantReason)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("entry %d", tt.wantID)) {
				t.Errorf("message %q does not name entry %d", err, tt.wantID)
			}
		})
	}
}

// hashArgs are the arguments of ComputeHash.
type hashArgs struct {
	prev                                                  string
	id                                                    int64
	at, actorName                                         string
	actorID                                               int64
	action, targetType, targetID, targetName, details, ip string
}

func (a hashArgs) hash() string {
	return ComputeHash(a.prev, a.id, a.at, a.actorName, a.actorID, a.action, a.targetType, a.targetID, a.targetName, a.details, a.ip)
}

func TestComputeHashCoversEveryField(t *testing.T) {
	base := hashArgs{
		prev: Genesis, id: 7, at: "2026-01-01T00:00:00.000000Z", actorName: "ana@example.com", actorID: 3,
		action: "user.role_changed", targetType: "user", targetID: "9", targetName: "bob@example.com",
		details: `{"after":{"role":"manager"}}`, ip: "10.0.0.1",
	}
	h := base.hash()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
		t.Fatalf("hash %q is not 64 hex digits", h)
	}
	if base.hash() != h {
		t.Fatal("the same input hashed twice gives two hashes")
	}
	changes := map[string]func(*hashArgs){
		"prev hash":   func(a *hashArgs) { a.prev = strings.Repeat("1", 64) },
		"id":          func(a *hashArgs) { a.id = 8 },
		"time":        func(a *hashArgs) { a.at = "2026-01-01T00:00:00.000001Z" },
		"actor name":  func(a *hashArgs) { a.actorName = "eve@example.com" },
		"actor id":    func(a *hashArgs) { a.actorID = 4 },
		"action":      func(a *hashArgs) { a.action = "user.disabled" },
		"target type": func(a *hashArgs) { a.targetType = "chatbot" },
		"target id":   func(a *hashArgs) { a.targetID = "10" },
		"target name": func(a *hashArgs) { a.targetName = "eve@example.com" },
		"details":     func(a *hashArgs) { a.details = `{"after":{"role":"admin"}}` },
		"ip":          func(a *hashArgs) { a.ip = "10.0.0.2" },
		// Moving text from one field to the next must not give the same
		// hash: the encoding keeps field boundaries.
		"boundary between target id and name": func(a *hashArgs) { a.targetID, a.targetName = "9b", "ob@example.com" },
		"actor name and target name swapped":  func(a *hashArgs) { a.actorName, a.targetName = a.targetName, a.actorName },
	}
	seen := map[string]string{h: "base"}
	for name, change := range changes {
		a := base
		change(&a)
		got := a.hash()
		if other, dup := seen[got]; dup {
			t.Errorf("changing %s gives the same hash as %s", name, other)
		}
		seen[got] = name
	}
}

func TestRowExpectedMatchesComputeHash(t *testing.T) {
	r := chain(1)[0]
	want := ComputeHash(Genesis, r.ID, r.At, r.ActorName, r.ActorID, r.Action, r.TargetType, r.TargetID, r.TargetName, r.Details, r.IP)
	if r.Expected(Genesis) != want {
		t.Error("Row.Expected differs from ComputeHash over the row's fields")
	}
}

func TestDetailsJSON(t *testing.T) {
	tests := []struct {
		details map[string]any
		want    string
	}{
		{nil, "{}"},
		{map[string]any{}, "{}"},
		{map[string]any{"b": 1, "a": map[string]any{"z": "x", "y": true}}, `{"a":{"y":true,"z":"x"},"b":1}`},
	}
	for _, tt := range tests {
		if got := (Entry{Details: tt.details}).DetailsJSON(); got != tt.want {
			t.Errorf("DetailsJSON(%v) = %s, want %s", tt.details, got, tt.want)
		}
	}
}

func TestCappedBoundsEveryString(t *testing.T) {
	huge := strings.Repeat("é", 1<<20) // 2 MiB, two bytes a rune
	e := Entry{ActorName: huge, Action: "auth.sign_in_failed", TargetType: huge, TargetID: huge, TargetName: huge, IP: huge,
		Details: map[string]any{"reason": huge, "list": []string{huge, "ok"}, huge: 1, "nested": map[string]any{"x": []any{huge}}}}
	c := e.Capped()
	for name, s := range map[string]string{"actor": c.ActorName, "type": c.TargetType, "id": c.TargetID, "name": c.TargetName, "ip": c.IP} {
		if len(s) > MaxField || !utf8.ValidString(s) || !strings.HasSuffix(s, "…") {
			t.Errorf("%s: %d bytes, valid UTF-8 %v", name, len(s), utf8.ValidString(s))
		}
	}
	if n := len(c.DetailsJSON()); n > MaxDetails {
		t.Errorf("details: %d bytes, want at most %d", n, MaxDetails)
	}
	if c.Action != e.Action || Cap("short", MaxField) != "short" {
		t.Error("a short string was changed")
	}
	if c := (Entry{Details: map[string]any{"a": strings.Repeat("x", MaxDetails)}}).Capped(); len(c.DetailsJSON()) > MaxDetails {
		t.Errorf("one long detail: %d bytes", len(c.DetailsJSON()))
	}
}
