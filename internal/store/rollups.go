package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// CloseReasons lists every session close reason, in the order of the
// rollup columns closed_<reason>.
var CloseReasons = []string{CloseCompleted, CloseTimeout, CloseDeactivated, CloseGraceEnded, CloseSuperseded, CloseStepLimit}

// closeIndex maps a close reason to its place in CloseReasons.
func closeIndex(reason string) int {
	for i, r := range CloseReasons {
		if r == reason {
			return i
		}
	}
	return -1
}

// Hour is the rollup bucket of t: whole hours since the Unix epoch, UTC.
func Hour(t time.Time) int64 { return t.Unix() / 3600 }

// HourTime is the start of a rollup bucket.
func HourTime(h int64) time.Time { return time.Unix(h*3600, 0).UTC() }

// Counts are the additive numbers of one rollup bucket.
type Counts struct {
	SessionsOpened int64
	Inbound        int64
	Outbound       int64
	FallbackHits   int64
	Closed         [6]int64  // by CloseReasons
	SessionSeconds int64     // summed length of the sessions closed
	LastMessageAt  time.Time // the bucket's last message; zero if none
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.SessionsOpened += o.SessionsOpened
	c.Inbound += o.Inbound
	c.Outbound += o.Outbound
	c.FallbackHits += o.FallbackHits
	for i := range c.Closed {
		c.Closed[i] += o.Closed[i]
	}
	c.SessionSeconds += o.SessionSeconds
	if o.LastMessageAt.After(c.LastMessageAt) {
		c.LastMessageAt = o.LastMessageAt
	}
}

// ClosedTotal is the number of sessions closed, for any reason.
func (c Counts) ClosedTotal() int64 {
	var n int64
	for _, v := range c.Closed {
		n += v
	}
	return n
}

// bucket names a rollup row.
type bucket struct{ chatbotID, hour, releaseID int64 }

type dialogBucket struct {
	bucket
	dialog string
}

type dialogCounts struct{ entries, ended int64 }

// rollup gathers what one transaction adds to the rollups, so that each
// row is written once per transaction however many events touch it.
type rollup struct {
	hours   map[bucket]*Counts
	dialogs map[dialogBucket]*dialogCounts
}

func newRollup() *rollup {
	return &rollup{hours: map[bucket]*Counts{}, dialogs: map[dialogBucket]*dialogCounts{}}
}

// add counts c for a chatbot's release and for the total of all chatbots.
func (r *rollup) add(chatbotID, releaseID, hour int64, c Counts) {
	for _, b := range []bucket{{chatbotID, hour, releaseID}, {0, hour, 0}} {
		cur := r.hours[b]
		if cur == nil {
			cur = &Counts{}
			r.hours[b] = cur
		}
		cur.Add(c)
	}
}

func (r *rollup) dialog(b bucket, dialog string) *dialogCounts {
	k := dialogBucket{b, dialog}
	cur := r.dialogs[k]
	if cur == nil {
		cur = &dialogCounts{}
		r.dialogs[k] = cur
	}
	return cur
}

// closed counts one closed session.
func (r *rollup) closed(chatbotID, releaseID int64, opened, last, closedAt time.Time, reason, dialog string) {
	var c Counts
	if i := closeIndex(reason); i >= 0 {
		c.Closed[i] = 1
	}
	c.SessionSeconds = last.Unix() - opened.Unix()
	h := Hour(closedAt)
	r.add(chatbotID, releaseID, h, c)
	if dialog != "" {
		r.dialog(bucket{chatbotID, h, releaseID}, dialog).ended++
	}
}

const upsertRollupHour = `INSERT INTO rollup_hours (chatbot_id, hour, release_id, shard, sessions_opened, inbound, outbound, fallback_hits,
	closed_completed, closed_timeout, closed_deactivated, closed_grace_ended, closed_superseded, closed_step_limit, session_seconds, last_message_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (chatbot_id, hour, release_id, shard) DO UPDATE SET
		sessions_opened = rollup_hours.sessions_opened + excluded.sessions_opened,
		inbound = rollup_hours.inbound + excluded.inbound,
		outbound = rollup_hours.outbound + excluded.outbound,
		fallback_hits = rollup_hours.fallback_hits + excluded.fallback_hits,
		closed_completed = rollup_hours.closed_completed + excluded.closed_completed,
		closed_timeout = rollup_hours.closed_timeout + excluded.closed_timeout,
		closed_deactivated = rollup_hours.closed_deactivated + excluded.closed_deactivated,
		closed_grace_ended = rollup_hours.closed_grace_ended + excluded.closed_grace_ended,
		closed_superseded = rollup_hours.closed_superseded + excluded.closed_superseded,
		closed_step_limit = rollup_hours.closed_step_limit + excluded.closed_step_limit,
		session_seconds = rollup_hours.session_seconds + excluded.session_seconds,
		last_message_at = CASE WHEN excluded.last_message_at > coalesce(rollup_hours.last_message_at, '') THEN excluded.last_message_at ELSE rollup_hours.last_message_at END`

const upsertRollupDialog = `INSERT INTO rollup_dialogs (chatbot_id, hour, release_id, dialog_id, shard, entries, ended)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (chatbot_id, hour, release_id, dialog_id, shard) DO UPDATE SET entries = rollup_dialogs.entries + excluded.entries,
		ended = rollup_dialogs.ended + excluded.ended`

// merge adds the counts gathered in o.
func (r *rollup) merge(o *rollup) {
	for b, c := range o.hours {
		cur := r.hours[b]
		if cur == nil {
			cur = &Counts{}
			r.hours[b] = cur
		}
		cur.Add(*c)
	}
	for k, c := range o.dialogs {
		cur := r.dialog(k.bucket, k.dialog)
		cur.entries += c.entries
		cur.ended += c.ended
	}
}

// flush writes the gathered counts and forgets them.
func (r *rollup) flush(ctx context.Context, t *Tx) error {
	// Rows are written in key order: on PostgreSQL concurrent batches
	// lock the rows they add to, and one order for everyone means no two
	// of them can wait for each other. Each batch runner writes its own
	// shard (t.shard), so the batches of one replica never wait for each
	// other here; reads sum the shards.
	hours := slices.SortedFunc(maps.Keys(r.hours), func(a, b bucket) int {
		return cmp.Or(cmp.Compare(a.chatbotID, b.chatbotID), cmp.Compare(a.hour, b.hour), cmp.Compare(a.releaseID, b.releaseID))
	})
	for _, b := range hours {
		c := r.hours[b]
		if _, err := t.q.ExecContext(ctx, upsertRollupHour, b.chatbotID, b.hour, b.releaseID, t.shard,
			c.SessionsOpened, c.Inbound, c.Outbound, c.FallbackHits,
			c.Closed[0], c.Closed[1], c.Closed[2], c.Closed[3], c.Closed[4], c.Closed[5],
			c.SessionSeconds, nullableTime(c.LastMessageAt)); err != nil {
			return fmt.Errorf("rollup: %w", err)
		}
	}
	dialogs := slices.SortedFunc(maps.Keys(r.dialogs), func(a, b dialogBucket) int {
		return cmp.Or(cmp.Compare(a.chatbotID, b.chatbotID), cmp.Compare(a.hour, b.hour), cmp.Compare(a.releaseID, b.releaseID),
			strings.Compare(a.dialog, b.dialog))
	})
	for _, k := range dialogs {
		c := r.dialogs[k]
		if _, err := t.q.ExecContext(ctx, upsertRollupDialog, k.chatbotID, k.hour, k.releaseID, k.dialog, t.shard, c.entries, c.ended); err != nil {
			return fmt.Errorf("rollup: %w", err)
		}
	}
	clear(r.hours)
	clear(r.dialogs)
	return nil
}

// Traffic is what one routed message adds to the rollups: the session it
// opened, the inbound message and the replies, and what the dialog engine
// did with it.
type Traffic struct {
	ChatbotID    int64
	ReleaseID    int64
	At           time.Time
	Opened       bool
	Inbound      int
	Outbound     int
	FallbackHits int
	Entered      []string // dialog ids entered, in order
}

// CountTraffic adds a routed message to the rollups; they are written
// with the transaction that stores the message.
func (t *Tx) CountTraffic(tr Traffic) {
	r := t.rollup
	c := Counts{Inbound: int64(tr.Inbound), Outbound: int64(tr.Outbound), FallbackHits: int64(tr.FallbackHits), LastMessageAt: tr.At}
	if tr.Opened {
		c.SessionsOpened = 1
	}
	h := Hour(tr.At)
	r.add(tr.ChatbotID, tr.ReleaseID, h, c)
	for _, d := range tr.Entered {
		r.dialog(bucket{tr.ChatbotID, h, tr.ReleaseID}, d).entries++
	}
}

// closeReturning is what the session-closing statements return, for the
// rollups.
func (d *dialect) closeReturning() string {
	return ` RETURNING chatbot_id, coalesce(release_id, 0), opened_at, last_activity_at, closed_at, close_reason, coalesce(` +
		d.jsonField("state", "dialog") + `, ''), id, sender_id, end_user`
}

// closeSessions runs a session-closing UPDATE (ending in closeReturning),
// counts the sessions it closed into the transaction's rollups, gathers
// their session.closed events when an endpoint wants them, and returns
// how many.
func (t *Tx) closeSessions(ctx context.Context, query string, args ...any) (int64, error) {
	// Asked first: PostgreSQL runs no query while the rows below are open.
	h, err := t.wantSessionEvents(ctx)
	if err != nil {
		return 0, err
	}
	rows, err := t.q.QueryContext(ctx, query+t.d.closeReturning(), args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	r := t.rollup
	var n int64
	for rows.Next() {
		var chatbotID, releaseID, id, senderID int64
		var opened, last, closed, reason, dialog, endUser string
		if err := rows.Scan(&chatbotID, &releaseID, &opened, &last, &closed, &reason, &dialog, &id, &senderID, &endUser); err != nil {
			return 0, err
		}
		r.closed(chatbotID, releaseID, parseTime(opened), parseTime(last), parseTime(closed), reason, dialog)
		if h.closedWant {
			t.gatherEvent("session.closed", closed, senderID, map[string]any{
				"session_id": id, "sender_id": senderID, "chatbot_id": chatbotID, "end_user": endUser,
				"opened_at": opened, "closed_at": closed, "reason": reason,
			})
		}
		n++
	}
	return n, rows.Err()
}

// enteredJSON is how a message records the dialogs it entered: a JSON
// array, or NULL for none.
func enteredJSON(ids []string) any {
	if len(ids) == 0 {
		return nil
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// RollupRange is a query of the rollups: one chatbot (0 for all) and,
// for one chatbot, optionally one release; hours in [From, To).
type RollupRange struct {
	ChatbotID int64
	ReleaseID int64 // 0: every release
	From, To  int64
}

func (r RollupRange) where() (string, []any) {
	cond, args := `chatbot_id = ? AND hour >= ? AND hour < ?`, []any{r.ChatbotID, r.From, r.To}
	if r.ChatbotID != 0 && r.ReleaseID != 0 {
		cond, args = cond+` AND release_id = ?`, append(args, r.ReleaseID)
	}
	return cond, args
}

// HourCounts are the counts of one hour.
type HourCounts struct {
	Hour int64
	Counts
}

// RollupHours returns the counts of each hour of the range that had any,
// in order, summed over releases.
func (q queries) RollupHours(ctx context.Context, rr RollupRange) ([]HourCounts, error) {
	cond, args := rr.where()
	rows, err := q.q.QueryContext(ctx, `SELECT hour, sum(sessions_opened), sum(inbound), sum(outbound), sum(fallback_hits),
		sum(closed_completed), sum(closed_timeout), sum(closed_deactivated), sum(closed_grace_ended), sum(closed_superseded), sum(closed_step_limit),
		sum(session_seconds), max(last_message_at)
		FROM rollup_hours WHERE `+cond+` GROUP BY hour ORDER BY hour`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HourCounts
	for rows.Next() {
		var h HourCounts
		var last sql.NullString
		c := &h.Counts
		if err := rows.Scan(&h.Hour, &c.SessionsOpened, &c.Inbound, &c.Outbound, &c.FallbackHits,
			&c.Closed[0], &c.Closed[1], &c.Closed[2], &c.Closed[3], &c.Closed[4], &c.Closed[5],
			&c.SessionSeconds, &last); err != nil {
			return nil, err
		}
		c.LastMessageAt = nullTime(last)
		out = append(out, h)
	}
	return out, rows.Err()
}

// DialogCounts are one dialog's entries and the sessions that ended in it.
type DialogCounts struct {
	DialogID string
	Entries  int64
	Ended    int64
}

// RollupDialogs sums each dialog's counts over the range, most entered
// first.
func (q queries) RollupDialogs(ctx context.Context, rr RollupRange) ([]DialogCounts, error) {
	cond, args := rr.where()
	rows, err := q.q.QueryContext(ctx, `SELECT dialog_id, sum(entries), sum(ended) FROM rollup_dialogs WHERE `+cond+`
		GROUP BY dialog_id ORDER BY sum(entries) DESC, dialog_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DialogCounts
	for rows.Next() {
		var d DialogCounts
		if err := rows.Scan(&d.DialogID, &d.Entries, &d.Ended); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RollupRow is one stored rollup row, for comparing live rollups with a
// rebuild.
type RollupRow struct {
	ChatbotID, Hour, ReleaseID int64
	Counts
}

// DialogRollupRow is one stored dialog rollup row.
type DialogRollupRow struct {
	ChatbotID, Hour, ReleaseID int64
	DialogCounts
}

// AllRollups returns every rollup row in key order, its shards summed.
func (q queries) AllRollups(ctx context.Context) ([]RollupRow, []DialogRollupRow, error) {
	hours, err := q.allRollupHours(ctx)
	if err != nil {
		return nil, nil, err
	}
	dialogs, err := q.allRollupDialogs(ctx)
	return hours, dialogs, err
}

func (q queries) allRollupHours(ctx context.Context) ([]RollupRow, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT chatbot_id, hour, release_id, sum(sessions_opened), sum(inbound), sum(outbound), sum(fallback_hits),
		sum(closed_completed), sum(closed_timeout), sum(closed_deactivated), sum(closed_grace_ended), sum(closed_superseded), sum(closed_step_limit),
		sum(session_seconds), max(last_message_at)
		FROM rollup_hours GROUP BY chatbot_id, hour, release_id ORDER BY chatbot_id, hour, release_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hours []RollupRow
	for rows.Next() {
		var r RollupRow
		var last sql.NullString
		c := &r.Counts
		if err := rows.Scan(&r.ChatbotID, &r.Hour, &r.ReleaseID, &c.SessionsOpened, &c.Inbound, &c.Outbound, &c.FallbackHits,
			&c.Closed[0], &c.Closed[1], &c.Closed[2], &c.Closed[3], &c.Closed[4], &c.Closed[5], &c.SessionSeconds, &last); err != nil {
			return nil, err
		}
		c.LastMessageAt = nullTime(last)
		hours = append(hours, r)
	}
	return hours, rows.Err()
}

func (q queries) allRollupDialogs(ctx context.Context) ([]DialogRollupRow, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT chatbot_id, hour, release_id, dialog_id, sum(entries), sum(ended) FROM rollup_dialogs
		GROUP BY chatbot_id, hour, release_id, dialog_id ORDER BY chatbot_id, hour, release_id, dialog_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var dialogs []DialogRollupRow
	for rows.Next() {
		var r DialogRollupRow
		if err := rows.Scan(&r.ChatbotID, &r.Hour, &r.ReleaseID, &r.DialogID, &r.Entries, &r.Ended); err != nil {
			return nil, err
		}
		dialogs = append(dialogs, r)
	}
	return dialogs, rows.Err()
}

// closedColumns is the count of each close reason, as SQL over
// chat_sessions.
func closedColumns() string {
	var b strings.Builder
	for _, r := range CloseReasons {
		fmt.Fprintf(&b, "count(*) FILTER (WHERE close_reason = '%s'), ", r)
	}
	return b.String()
}

// RebuildRollups recounts every rollup from the sessions and transcripts,
// replacing what is stored. It is one transaction: readers see the old
// rollups or the new ones.
func (t *Tx) RebuildRollups(ctx context.Context) error {
	d := t.d
	steps := []string{
		`DELETE FROM rollup_hours`,
		`DELETE FROM rollup_dialogs`,
		`INSERT INTO rollup_hours (chatbot_id, hour, release_id, sessions_opened)
			SELECT chatbot_id, ` + d.hourOf("opened_at") + `, coalesce(release_id, 0), count(*)
			FROM chat_sessions GROUP BY 1, 2, 3`,
		`INSERT INTO rollup_hours (chatbot_id, hour, release_id, inbound, outbound, fallback_hits, last_message_at)
			SELECT m.chatbot_id, ` + d.hourOf("m.at") + `, coalesce(s.release_id, 0),
				count(*) FILTER (WHERE m.direction = 'in'), count(*) FILTER (WHERE m.direction = 'out'), sum(m.fallback_hits), max(m.at)
			FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE true GROUP BY 1, 2, 3
			ON CONFLICT (chatbot_id, hour, release_id, shard) DO UPDATE SET inbound = excluded.inbound, outbound = excluded.outbound,
				fallback_hits = excluded.fallback_hits, last_message_at = excluded.last_message_at`,
		`INSERT INTO rollup_hours (chatbot_id, hour, release_id, closed_completed, closed_timeout, closed_deactivated,
				closed_grace_ended, closed_superseded, closed_step_limit, session_seconds)
			SELECT chatbot_id, ` + d.hourOf("closed_at") + `, coalesce(release_id, 0), ` + closedColumns() + `
				sum(` + d.epochOf("last_activity_at") + ` - ` + d.epochOf("opened_at") + `)
			FROM chat_sessions WHERE closed_at IS NOT NULL GROUP BY 1, 2, 3
			ON CONFLICT (chatbot_id, hour, release_id, shard) DO UPDATE SET closed_completed = excluded.closed_completed, closed_timeout = excluded.closed_timeout,
				closed_deactivated = excluded.closed_deactivated, closed_grace_ended = excluded.closed_grace_ended,
				closed_superseded = excluded.closed_superseded, closed_step_limit = excluded.closed_step_limit,
				session_seconds = excluded.session_seconds`,
		`INSERT INTO rollup_hours (chatbot_id, hour, release_id, sessions_opened, inbound, outbound, fallback_hits,
				closed_completed, closed_timeout, closed_deactivated, closed_grace_ended, closed_superseded, closed_step_limit,
				session_seconds, last_message_at)
			SELECT 0, hour, 0, sum(sessions_opened), sum(inbound), sum(outbound), sum(fallback_hits),
				sum(closed_completed), sum(closed_timeout), sum(closed_deactivated), sum(closed_grace_ended), sum(closed_superseded),
				sum(closed_step_limit), sum(session_seconds), max(last_message_at)
			FROM rollup_hours WHERE chatbot_id <> 0 GROUP BY hour`,
		`INSERT INTO rollup_dialogs (chatbot_id, hour, release_id, dialog_id, entries)
			SELECT m.chatbot_id, ` + d.hourOf("m.at") + `, coalesce(s.release_id, 0), j.value, count(*)
			FROM messages m JOIN chat_sessions s ON s.id = m.session_id CROSS JOIN ` + d.jsonStrings("m.entered", "j") + `
			WHERE m.entered IS NOT NULL GROUP BY 1, 2, 3, 4`,
		`INSERT INTO rollup_dialogs (chatbot_id, hour, release_id, dialog_id, ended)
			SELECT chatbot_id, ` + d.hourOf("closed_at") + `, coalesce(release_id, 0), ` + d.jsonField("state", "dialog") + `, count(*)
			FROM chat_sessions WHERE closed_at IS NOT NULL AND coalesce(` + d.jsonField("state", "dialog") + `, '') <> '' GROUP BY 1, 2, 3, 4
			ON CONFLICT (chatbot_id, hour, release_id, dialog_id, shard) DO UPDATE SET ended = excluded.ended`,
	}
	for _, q := range steps {
		if _, err := t.q.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild rollups: %w", err)
		}
	}
	return nil
}
