package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
)

// The chatbot list (and the home page's lists, the API's, the compare
// page's picker) filters, groups into families, sorts and pages every
// chatbot at once. In SQL that cost 4–8 ms a page at 10,000 chatbots with
// SQLite (a row lookup and a sort entry per candidate, and a NOT EXISTS
// per candidate for its family), and on PostgreSQL 12 ms with fresh
// planner statistics, 100 ms and more without; in memory it is a pass
// over a slice.
//
// The copy is exact, not a timed cache: every write to chatbots or
// senders, by any process or replica, bumps chatbots_generation (by
// trigger; migration 00048), and each list first reads that one row. A
// copy is labelled with the generation read before it was loaded, so a
// change that lands during the load only makes the next page load again.
// Only the page's own numbers (open sessions, sessions today, last
// activity) are read per page, for its rows.

type listCache struct {
	mu   sync.Mutex
	gen  int64
	list *chatbotList
}

// chatbotList is every chatbot without its definition, indexed for
// listing, and every sender (for the pickers beside the list).
type chatbotList struct {
	heads []listHead
	// senders by channel and address.
	senders []Sender
	// family[i] numbers heads[i]'s family, 0 … families-1; members lists
	// each family's heads, newest version first.
	family   []int32
	families int
	members  [][]int32
	// orders holds the heads' indexes in each sort order of chatbotSorts.
	orders map[string][]int32
}

type listHead struct {
	Chatbot
	sender     string // the sender's address, "" without one
	senderFold string // "channel address" of the sender, lower case; "" without one
	fold       string // the name, lower case: search and sort
}

func byName(x, y *listHead) int {
	return cmp.Or(strings.Compare(x.fold, y.fold), cmp.Compare(x.ID, y.ID))
}

func byUpdated(x, y *listHead) int {
	return cmp.Or(x.UpdatedAt.Compare(y.UpdatedAt), cmp.Compare(x.ID, y.ID))
}

// chatbotSorts are the list's sort orders; every one ends on the id, so
// an order is total.
var chatbotSorts = map[string]func(x, y *listHead) int{
	"name":     byName,
	"-name":    func(x, y *listHead) int { return byName(y, x) },
	"updated":  byUpdated,
	"-updated": func(x, y *listHead) int { return byUpdated(y, x) },
	"status": func(x, y *listHead) int {
		return cmp.Or(cmp.Compare(statusRank(x.Status), statusRank(y.Status)), byName(x, y))
	},
}

// ValidChatbotSort reports whether s names a sort order.
func ValidChatbotSort(s string) bool { _, ok := chatbotSorts[s]; return ok }

// statusRank orders statuses live first: active, in grace, the rest.
func statusRank(status string) int {
	switch status {
	case StatusActive:
		return 0
	case StatusDeactivated:
		return 1
	}
	return 2
}

// chatbotList is the current copy of the list, loaded when the database
// has changed since the last one.
func (s *Store) chatbotList(ctx context.Context) (*chatbotList, error) {
	var gen int64
	if err := s.q.QueryRowContext(ctx, `SELECT generation FROM chatbots_generation WHERE id = 1`).Scan(&gen); err != nil {
		return nil, err
	}
	c := &s.list
	// One load at a time: the others wait for it rather than load the
	// same rows beside it.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.list != nil && c.gen >= gen {
		return c.list, nil
	}
	l, err := s.loadChatbotList(ctx)
	if err != nil {
		return nil, err
	}
	c.gen, c.list = gen, l
	return l, nil
}

func (s *Store) loadChatbotList(ctx context.Context) (*chatbotList, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+headColumns+`, coalesce(s.address, '')
		FROM chatbots c LEFT JOIN senders s ON s.id = c.sender_id ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	l := &chatbotList{orders: map[string][]int32{}}
	for rows.Next() {
		var h listHead
		if h.Chatbot, err = scanChatbot(rows, &h.sender); err != nil {
			return nil, err
		}
		h.fold = strings.ToLower(h.Name)
		if h.sender != "" {
			h.senderFold = strings.ToLower(SenderLabel(h.Channel, h.sender))
		}
		l.heads = append(l.heads, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if l.senders, err = s.allSenders(ctx); err != nil {
		return nil, err
	}
	byKey := map[int64]int32{}
	l.family = make([]int32, len(l.heads))
	for i, h := range l.heads {
		f, ok := byKey[h.FamilyID]
		if !ok {
			f = int32(len(l.members))
			byKey[h.FamilyID] = f
			l.members = append(l.members, nil)
		}
		l.family[i] = f
		l.members[f] = append(l.members[f], int32(i))
	}
	l.families = len(l.members)
	for _, m := range l.members {
		slices.SortFunc(m, func(a, b int32) int {
			x, y := &l.heads[a], &l.heads[b]
			return cmp.Or(cmp.Compare(y.FamilyVersion, x.FamilyVersion), cmp.Compare(y.ID, x.ID))
		})
	}
	for sort, less := range chatbotSorts {
		order := make([]int32, len(l.heads))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int { return less(&l.heads[a], &l.heads[b]) })
		l.orders[sort] = order
	}
	return l, nil
}

// allSenders lists every sender by channel and address (byte order on
// both engines).
func (q queries) allSenders(ctx context.Context) ([]Sender, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+senderColumns+` FROM senders`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Sender
	for rows.Next() {
		x, err := scanSender(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b Sender) int {
		return cmp.Or(strings.Compare(a.Channel, b.Channel), strings.Compare(a.Address, b.Address), cmp.Compare(a.ID, b.ID))
	})
	return out, rows.Err()
}

// SenderLabel is how people see and type a sender: "channel address".
func SenderLabel(channel, address string) string { return channel + " " + address }

// SenderOptions lists up to limit senders for a picker, by channel and
// address, of one channel ("" for all), and says whether there are more.
// It reads the list's copy in memory, as current as Chatbots.
func (s *Store) SenderOptions(ctx context.Context, channel, query string, limit int) ([]Sender, bool, error) {
	l, err := s.chatbotList(ctx)
	if err != nil {
		return nil, false, err
	}
	query = strings.ToLower(query)
	var out []Sender
	for _, x := range l.senders {
		if channel != "" && x.Channel != channel {
			continue
		}
		if query != "" && !strings.Contains(strings.ToLower(SenderLabel(x.Channel, x.Address)), query) {
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, x)
	}
	return out, false, nil
}

// matches reports whether h passes the filter (all but its paging); q is
// the filter's query in lower case, and so is f.SenderText here.
func (f *ChatbotFilter) matches(h *listHead, q string) bool {
	switch f.Status {
	case "":
	case "draft":
		if !h.FirstActivatedAt.IsZero() {
			return false
		}
	default:
		if h.Status != f.Status {
			return false
		}
	}
	return (f.Channel == "" || h.Channel == f.Channel) && (f.SenderID == 0 || h.SenderID == f.SenderID) &&
		(f.SenderText == "" || strings.Contains(h.senderFold, f.SenderText)) &&
		(q == "" || strings.Contains(h.fold, q))
}

// page is the heads of one page of the filter, and the number of rows (or
// families) that match it.
func (l *chatbotList) page(f ChatbotFilter) ([]int32, int) {
	order, ok := l.orders[f.Sort]
	if !ok {
		order = l.orders["name"]
	}
	q := strings.ToLower(f.Query)
	f.SenderText = strings.ToLower(f.SenderText)
	var out []int32
	total := 0
	take := func(i int32) {
		total++
		if total > f.Offset && len(out) < f.Limit {
			out = append(out, i)
		}
	}
	if !f.Families {
		for _, i := range order {
			if f.matches(&l.heads[i], q) {
				take(i)
			}
		}
		return out, total
	}
	// Each family's representative among its members that match (so the
	// filters still find every member): live before in grace before the
	// rest, then the newest.
	best := make([]int32, l.families)
	for i := range best {
		best[i] = -1
	}
	for i := range l.heads {
		h := &l.heads[i]
		if !f.matches(h, q) {
			continue
		}
		b := &best[l.family[i]]
		if *b < 0 {
			*b = int32(i)
			continue
		}
		o := &l.heads[*b]
		if r, ro := statusRank(h.Status), statusRank(o.Status); r < ro || r == ro && h.ID > o.ID {
			*b = int32(i)
		}
	}
	for _, i := range order {
		if best[l.family[i]] == i {
			take(i)
		}
	}
	return out, total
}

// Chatbots lists chatbots matching f with their dashboard numbers, and
// the number of all that match (of families, with f.Families).
func (s *Store) Chatbots(ctx context.Context, f ChatbotFilter) ([]ChatbotRow, int, error) {
	l, err := s.chatbotList(ctx)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	page, total := l.page(f)
	if len(page) == 0 {
		return nil, total, nil
	}
	out := make([]ChatbotRow, len(page))
	ids := make([]int64, len(page))
	for n, i := range page {
		h := &l.heads[i]
		out[n] = ChatbotRow{Chatbot: h.Chatbot, SenderAddress: h.sender}
		ids[n] = h.ID
		if !f.Families {
			continue
		}
		for _, m := range l.members[l.family[i]] {
			if m != i {
				out[n].Others = append(out[n].Others, l.heads[m].Chatbot)
			}
		}
	}
	nums, err := s.chatbotNumbers(ctx, f, ids)
	if err != nil {
		return nil, 0, err
	}
	for n := range out {
		x := nums[out[n].ID]
		out[n].OpenSessions, out[n].SessionsToday, out[n].LastActivity = x.OpenSessions, x.SessionsToday, x.LastActivity
	}
	return out, total, nil
}

// chatbotNumbers reads the dashboard numbers of the chatbots ids from
// the analytics rollups: sessions opened in the hours since f.Since, and
// the last message (newest hour first); and their open sessions.
func (q queries) chatbotNumbers(ctx context.Context, f ChatbotFilter, ids []int64) (map[int64]ChatbotRow, error) {
	args := make([]any, 0, len(ids)+1)
	args = append(args, (f.Since.Unix()+3599)/3600)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.q.QueryContext(ctx, `SELECT c.id,
		(SELECT count(*) FROM chat_sessions o WHERE o.open_on = c.id AND c.sessions_end_at IS NULL),
		(SELECT coalesce(sum(t.sessions_opened), 0) FROM rollup_hours t WHERE t.chatbot_id = c.id AND t.hour >= ?),
		(SELECT l.last_message_at FROM rollup_hours l WHERE l.chatbot_id = c.id AND l.last_message_at IS NOT NULL
			ORDER BY l.hour DESC, l.last_message_at DESC LIMIT 1)
		FROM chatbots c WHERE c.id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]ChatbotRow, len(ids))
	for rows.Next() {
		var r ChatbotRow
		var last sql.NullString
		if err := rows.Scan(&r.ID, &r.OpenSessions, &r.SessionsToday, &last); err != nil {
			return nil, err
		}
		r.LastActivity = nullTime(last)
		out[r.ID] = r
	}
	return out, rows.Err()
}
