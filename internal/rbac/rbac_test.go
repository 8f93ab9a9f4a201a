package rbac

import "testing"

func TestCanMatchesSpecMatrix(t *testing.T) {
	// The table of SPEC §1, written out by hand so that a change to the
	// matrix has to change this test too.
	want := map[Permission][5]bool{ // analyzer, supervisor, designer, manager, admin
		ViewAnalytics:     {true, true, true, true, true},
		ViewDashboard:     {true, true, true, true, true},
		ViewChatbots:      {false, true, true, true, true},
		WorkConversations: {false, true, true, true, true},
		EditChatbots:      {false, false, true, true, true},
		ActivateChatbots:  {false, false, false, true, true},
		ManageUsers:       {false, false, false, true, true},
		ViewAudit:         {false, false, false, false, true},
		ManageWebhooks:    {false, false, false, false, true},
		ManageSettings:    {false, false, false, false, true},
		SignedIn:          {true, true, true, true, true},
		Public:            {true, true, true, true, true},
	}
	for p, row := range want {
		for i, r := range Roles() {
			if got := Can(r, p); got != row[i] {
				t.Errorf("Can(%s, %s) = %v, want %v", r, p, got, row[i])
			}
		}
		if got := Can(0, p); got != (p == Public) {
			t.Errorf("Can(anonymous, %s) = %v", p, got)
		}
	}
	if len(Matrix()) != 10 {
		t.Errorf("matrix has %d rows, want 10", len(Matrix()))
	}
	if Can(Admin, Permission("no.such.permission")) {
		t.Error("an unknown permission must be refused")
	}
}

func TestCanAssign(t *testing.T) {
	tests := []struct {
		actor, target Role
		want          bool
	}{
		{Admin, Admin, true},
		{Admin, Analyzer, true},
		{Manager, Manager, true},
		{Manager, Designer, true},
		{Manager, Admin, false},
		{Designer, Analyzer, false},
		{Analyzer, Analyzer, false},
		{Admin, 0, false},
		{Admin, 9, false},
	}
	for _, tt := range tests {
		if got := CanAssign(tt.actor, tt.target); got != tt.want {
			t.Errorf("CanAssign(%s, %s) = %v, want %v", tt.actor, tt.target, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		got, err := ParseRole(" " + r.Title() + " ")
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r.Title(), got, err)
		}
	}
	if _, err := ParseRole("owner"); err == nil {
		t.Error("ParseRole(owner) should fail")
	}
}
