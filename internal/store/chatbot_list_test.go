package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestChatbotListAgreesWithSQL: the list in memory answers what the one
// SQL query it replaced answers (rows, their order, totals, the families'
// other members), over random chatbots, families and filters, on both
// engines.
func TestChatbotListAgreesWithSQL(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 15))
	channels := []string{"sms", "whatsapp", "livechat"}
	var senders []Sender
	mustTx(t, st, func(tx *Tx) error {
		for i := range 24 {
			s, err := tx.CreateSender(ctx, channels[i%3], fmt.Sprintf("+1555%04d", i), "k", now)
			senders = append(senders, s)
			if err != nil {
				return err
			}
		}
		return nil
	})
	words := []string{"Support", "support desk", "Sales", "pizza", "PIZZA bot", "Help_desk", "100% off", "Alpha", "beta"}
	type fam struct {
		key, last int64
		n         int
	}
	var fams []fam
	active, grace := map[int64]bool{}, map[int64]bool{}
	for i := range 150 {
		s := senders[rng.IntN(len(senders))]
		nc := NewChatbot{Name: fmt.Sprintf("%s %d", words[rng.IntN(len(words))], i), Language: "en", Channel: s.Channel,
			SenderID: s.ID, SessionTimeout: time.Minute, Definition: []byte("{}"), FamilyVersion: 1}
		f := -1
		if len(fams) > 0 && rng.IntN(5) < 2 {
			f = rng.IntN(len(fams))
			nc.FamilyID, nc.BasedOnID, nc.FamilyVersion = fams[f].key, fams[f].last, fams[f].n+1
		}
		created := now.Add(time.Duration(rng.IntN(40)) * time.Minute) // ties too: the id decides
		mustTx(t, st, func(tx *Tx) error {
			c, err := tx.CreateChatbot(ctx, nc, created)
			if err != nil {
				return err
			}
			if f < 0 {
				fams = append(fams, fam{key: c.ID, last: c.ID, n: 1})
			} else {
				fams[f].last, fams[f].n = c.ID, fams[f].n+1
			}
			switch rng.IntN(4) {
			case 1: // live
				if !active[s.ID] {
					active[s.ID] = true
					return tx.SetChatbotStatus(ctx, c.ID, StatusActive, time.Time{}, created)
				}
			case 2: // in grace
				if !grace[s.ID] {
					grace[s.ID] = true
					return tx.SetChatbotStatus(ctx, c.ID, StatusDeactivated, created.Add(time.Hour), created)
				}
			case 3: // activated once, inactive again
				if active[s.ID] {
					return nil
				}
				if err := tx.SetChatbotStatus(ctx, c.ID, StatusActive, time.Time{}, created); err != nil {
					return err
				}
				return tx.SetChatbotStatus(ctx, c.ID, StatusInactive, time.Time{}, created)
			}
			return nil
		})
	}
	ids := func(rows []ChatbotRow) string {
		var out []string
		for _, r := range rows {
			var others []string
			for _, o := range r.Others {
				others = append(others, fmt.Sprint(o.ID))
			}
			out = append(out, fmt.Sprintf("%d %s %s [%s]", r.ID, r.Name, r.Status, strings.Join(others, " ")))
		}
		return strings.Join(out, "\n")
	}
	for _, ch := range append([]string{""}, channels...) {
		for _, limit := range []int{1, 7, 8, 24, 300} {
			for _, text := range []string{"", "1", "SMS +", "zz"} {
				got, gotMore, err := st.SenderOptions(ctx, ch, text, limit)
				if err != nil {
					t.Fatal(err)
				}
				want, wantMore, err := st.sqlSenderOptions(ctx, ch, text, limit)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) || gotMore != wantMore {
					t.Fatalf("SenderOptions(%q, %q, %d) = %v, %v; SQL %v, %v", ch, text, limit, got, gotMore, want, wantMore)
				}
			}
		}
	}
	statuses := []string{"", "", "draft", StatusActive, StatusInactive, StatusDeactivated}
	queries := []string{"", "", "", "sup", "PIZZA", "_", "%", "desk", "1"}
	sorts := []string{"name", "-name", "updated", "-updated", "status", ""}
	for i := range 400 {
		f := ChatbotFilter{Status: statuses[rng.IntN(len(statuses))], Query: queries[rng.IntN(len(queries))],
			Sort: sorts[rng.IntN(len(sorts))], Limit: 1 + rng.IntN(30), Offset: rng.IntN(40), Families: rng.IntN(2) == 0, Since: now}
		if rng.IntN(3) == 0 {
			f.Channel = channels[rng.IntN(3)]
		}
		if rng.IntN(4) == 0 {
			f.SenderID = senders[rng.IntN(len(senders))].ID
		}
		if rng.IntN(4) == 0 {
			f.SenderText = []string{"1", "SMS", "+1555000", "chat ", "nothing"}[rng.IntN(5)]
		}
		got, gotTotal, err := st.Chatbots(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want, wantTotal, err := st.sqlChatbots(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if gotTotal != wantTotal || ids(got) != ids(want) {
			t.Fatalf("filter %d %+v:\nin memory (%d):\n%s\nSQL (%d):\n%s", i, f, gotTotal, ids(got), wantTotal, ids(want))
		}
	}
}

// TestChatbotListSeesEveryWriter: the copy in memory follows writes made
// through the store, and through another store on the same database (a
// CLI command, another replica), which it learns of from the database.
func TestChatbotListSeesEveryWriter(t *testing.T) {
	st, dsn := openStore(t)
	other, _ := openDSN(t, dsn)
	ctx := context.Background()
	var snd Sender
	var bot Chatbot
	mustTx(t, st, func(tx *Tx) (err error) {
		if snd, err = tx.CreateSender(ctx, "sms", "+15550001", "k", now); err != nil {
			return err
		}
		bot, err = tx.CreateChatbot(ctx, NewChatbot{Name: "Orders", Language: "en", Channel: "sms", SenderID: snd.ID,
			SessionTimeout: time.Minute, Definition: []byte("{}"), FamilyVersion: 1}, now)
		return err
	})
	list := func(want string) {
		t.Helper()
		rows, total, err := st.Chatbots(ctx, ChatbotFilter{Sort: "name", Families: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Name+" "+r.Status+" "+r.SenderAddress)
		}
		if strings.Join(got, ", ") != want || total != len(rows) {
			t.Fatalf("the list shows %q (total %d), want %q", got, total, want)
		}
	}
	list("Orders inactive +15550001")
	mustTx(t, other, func(tx *Tx) error {
		bot.Name = "Orders and returns"
		_, err := tx.UpdateChatbot(ctx, bot, now)
		return err
	})
	list("Orders and returns inactive +15550001")
	mustTx(t, other, func(tx *Tx) error { return tx.SetSenderAddress(ctx, snd.ID, "+15550002", now) })
	list("Orders and returns inactive +15550002")
	if picker, _, err := st.SenderOptions(ctx, "sms", "", 10); err != nil || len(picker) != 1 || picker[0].Address != "+15550002" {
		t.Fatalf("the sender picker shows %v (%v), want the new address", picker, err)
	}
	mustTx(t, other, func(tx *Tx) error { return tx.SetChatbotStatus(ctx, bot.ID, StatusActive, time.Time{}, now) })
	list("Orders and returns active +15550002")
	var second Chatbot
	mustTx(t, other, func(tx *Tx) (err error) {
		second, err = tx.CreateChatbot(ctx, NewChatbot{Name: "Billing", Language: "en", Channel: "sms",
			SessionTimeout: time.Minute, Definition: []byte("{}"), FamilyVersion: 1}, now)
		return err
	})
	list("Billing inactive , Orders and returns active +15550002")
	mustTx(t, other, func(tx *Tx) error {
		ok, err := tx.DeleteChatbot(ctx, second.ID)
		if err == nil && !ok {
			err = fmt.Errorf("Billing was not deleted")
		}
		return err
	})
	list("Orders and returns active +15550002")
}

var sqlChatbotSorts = map[string]string{
	"name":     "c.name COLLATE NOCASE, c.id",
	"-name":    "c.name COLLATE NOCASE DESC, c.id DESC",
	"updated":  "c.updated_at, c.id",
	"-updated": "c.updated_at DESC, c.id DESC",
	"status":   "CASE c.status WHEN 'active' THEN 0 WHEN 'deactivated' THEN 1 ELSE 2 END, c.name COLLATE NOCASE, c.id",
}

// sqlChatbots is the list as one SQL query, as it was before the list
// moved into memory: the oracle the copy in memory must agree with.
func (q queries) sqlChatbots(ctx context.Context, f ChatbotFilter) ([]ChatbotRow, int, error) {
	where, args := chatbotWhere(f, "c")
	cond := ""
	if where != "" {
		cond = " WHERE " + where
	}
	counted := `count(*) FROM chatbots c` + cond
	chosen, chosenArgs := `SELECT c.* FROM chatbots c`+cond, args
	if f.Families {
		// Each family's representative among the members that match (so
		// the filters still find every member): the one no other matching
		// member of its family outranks — live before in grace before the
		// rest, then the newest. NOT EXISTS rather than a window function:
		// the page then walks the sort order's index and stops at its
		// fifty rows (0.3 ms against 75 ms over 10,000 chatbots with SQLite),
		// each row's family found through the index on its key.
		rank := func(a string) string {
			return "CASE " + a + ".status WHEN 'active' THEN 0 WHEN 'deactivated' THEN 1 ELSE 2 END"
		}
		other, otherArgs := chatbotWhere(f, "o")
		if other != "" {
			other = " AND " + other
		}
		if cond == "" {
			cond = " WHERE 1 = 1"
		}
		// A family with a matching member has one representative: count
		// the families (2 ms over 10,000 chatbots).
		counted = `count(DISTINCT coalesce(c.family_id, c.id)) FROM chatbots c` + cond
		chosen = `SELECT c.* FROM chatbots c` + cond + ` AND NOT EXISTS (SELECT 1 FROM chatbots o
			WHERE coalesce(o.family_id, o.id) = coalesce(c.family_id, c.id) AND o.id <> c.id` + other + `
			AND (` + rank("o") + ` < ` + rank("c") + ` OR (` + rank("o") + ` = ` + rank("c") + ` AND o.id > c.id)))`
		chosenArgs = append(append([]any{}, args...), otherArgs...)
	}
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT `+counted, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order, ok := sqlChatbotSorts[f.Sort]
	if !ok {
		order = sqlChatbotSorts["name"]
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	// The page's rows are chosen first (the inner select); only then are
	// their numbers counted, so a page costs fifty rows' numbers whatever
	// the filter matches. The numbers come from the analytics rollups:
	// sessions opened in the hours since the start of today, and the last
	// message (newest hour first).
	query := `SELECT ` + headColumns + `, coalesce(s.address, ''),
		(SELECT count(*) FROM chat_sessions o WHERE o.open_on = c.id),
		(SELECT coalesce(sum(t.sessions_opened), 0) FROM rollup_hours t WHERE t.chatbot_id = c.id AND t.hour >= ?),
		(SELECT l.last_message_at FROM rollup_hours l WHERE l.chatbot_id = c.id AND l.last_message_at IS NOT NULL
			ORDER BY l.hour DESC, l.last_message_at DESC LIMIT 1)
		FROM (` + chosen + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?) c
		LEFT JOIN senders s ON s.id = c.sender_id ORDER BY ` + order
	since := (f.Since.Unix() + 3599) / 3600
	all := append([]any{since}, chosenArgs...)
	all = append(all, f.Limit, f.Offset)
	rows, err := q.q.QueryContext(ctx, query, all...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []ChatbotRow
	for rows.Next() {
		var r ChatbotRow
		var last sql.NullString
		c, err := scanChatbot(rows, &r.SenderAddress, &r.OpenSessions, &r.SessionsToday, &last)
		if err != nil {
			return nil, 0, err
		}
		r.Chatbot, r.LastActivity = c, nullTime(last)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil || !f.Families {
		return out, total, err
	}
	return out, total, q.addOthers(ctx, out)
}

// addOthers fills in the other members of each row's family, in one query
// for the page.
func (q queries) addOthers(ctx context.Context, rows []ChatbotRow) error {
	if len(rows) == 0 {
		return nil
	}
	keys := make([]any, 0, len(rows))
	for _, r := range rows {
		keys = append(keys, r.FamilyID)
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ")
	members, err := q.chatbotHeads(ctx, `WHERE c.family_id IN (`+in+`) OR c.id IN (`+in+`)
		ORDER BY c.family_version DESC, c.id DESC`, append(keys, keys...)...)
	if err != nil {
		return err
	}
	for i := range rows {
		for _, m := range members {
			if m.FamilyID == rows[i].FamilyID && m.ID != rows[i].ID {
				rows[i].Others = append(rows[i].Others, m)
			}
		}
	}
	return nil
}

// chatbotWhere is the filter's condition on the chatbots aliased a, and
// its arguments; "" when it filters nothing.
func chatbotWhere(f ChatbotFilter, a string) (string, []any) {
	var where []string
	var args []any
	switch f.Status {
	case "":
	case "draft":
		where = append(where, a+".first_activated_at IS NULL")
	default:
		where, args = append(where, a+".status = ?"), append(args, f.Status)
	}
	if f.Channel != "" {
		where, args = append(where, a+".channel = ?"), append(args, f.Channel)
	}
	if f.SenderID != 0 {
		where, args = append(where, a+".sender_id = ?"), append(args, f.SenderID)
	}
	if f.Query != "" {
		where, args = append(where, a+".name LIKE ? ESCAPE '\\'"), append(args, "%"+likeEscape(f.Query)+"%")
	}
	if f.SenderText != "" {
		where = append(where, a+".sender_id IN (SELECT id FROM senders WHERE lower(channel || ' ' || address) LIKE ? ESCAPE '\\')")
		args = append(args, "%"+likeEscape(strings.ToLower(f.SenderText))+"%")
	}
	return strings.Join(where, " AND "), args
}

// sqlSenderOptions is SenderOptions as the SQL query it was: the oracle
// of the copy in memory.
func (q queries) sqlSenderOptions(ctx context.Context, channel, text string, limit int) ([]Sender, bool, error) {
	query, args := `SELECT `+senderColumns+` FROM senders WHERE lower(channel || ' ' || address) LIKE ? ESCAPE '\'`, []any{"%" + likeEscape(strings.ToLower(text)) + "%"}
	if channel != "" {
		query, args = query+` AND channel = ?`, append(args, channel)
	}
	rows, err := q.q.QueryContext(ctx, query+` ORDER BY channel, address LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []Sender
	for rows.Next() {
		s, err := scanSender(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, s)
	}
	if len(out) > limit {
		return out[:limit], true, rows.Err()
	}
	return out, false, rows.Err()
}
