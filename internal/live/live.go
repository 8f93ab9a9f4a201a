// Package live carries a conversation's new messages to the end user's
// open streams (the web chat's Server-Sent Events, SPEC §10) on whichever
// replica they reached.
//
// What travels is a wake-up, never a message: after routing commits a
// conversation's messages, Publish wakes that conversation's subscribers
// on this replica, and on PostgreSQL sends the conversation's key (a
// 64-bit hash of the sender and the end user, no text and no address)
// with pg_notify to every other replica, whose one LISTEN connection
// wakes theirs. A woken subscriber reads from the database every message
// of its conversation after the last one it sent, so a wake-up that is
// lost, doubled or meant for another conversation with the same hash
// loses or repeats nothing; a stream that reconnects with Last-Event-ID
// reads the same way. When the LISTEN connection is lost, every local
// subscriber is woken once it is back, for what it may have missed.
//
// It is bounded: open streams per visitor, per client network and per
// replica have caps (Subscribe refuses beyond them), a subscriber's
// wake-up is one pending signal that Publish never waits on, and the
// keys waiting to be notified are a bounded set (past it, one "all"
// notification wakes every subscriber of every replica).
package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// Codes of Subscribe's refusals.
const (
	CodeVisitorStreams = "live_visitor_streams"
	CodeNetworkStreams = "live_network_streams"
	CodeReplicaStreams = "live_replica_streams"
	CodeClosed         = "live_closed"
)

// Limits bound the open streams.
type Limits struct {
	PerVisitor int // streams of one end user (tabs), on this replica
	PerNetwork int // streams of one client network (an IPv4 address, an IPv6 /64)
	PerReplica int // streams this replica holds in all
}

// DefaultLimits: a visitor has a few tabs open; an office or a household
// behind one address holds many visitors; a replica holds tens of
// thousands of idle streams (each costs a goroutine and a connection:
// see the benchmark's row).
func DefaultLimits() Limits {
	return Limits{PerVisitor: 8, PerNetwork: 200, PerReplica: 20_000}
}

// Channel is the PostgreSQL channel of the wake-ups.
const Channel = "answers_live"

// maxPending bounds the keys waiting to be notified; maxPayload keeps a
// notification well under PostgreSQL's 8,000 bytes.
const (
	maxPending = 100_000
	maxPayload = 7000
)

// Key names a conversation: an end user on a sender.
func Key(senderID int64, endUser string) uint64 {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d\x00%s", senderID, endUser) // a hash does not fail
	return h.Sum64()
}

// Hub holds this replica's subscribers.
type Hub struct {
	Store  *store.Store
	Log    *slog.Logger
	Limits Limits
	// Watched, when set, says which end users a stream may follow (the
	// web chat's visitors): Publish passes over the others' messages, so
	// a gateway's traffic costs no notifications.
	Watched func(endUser string) bool

	// replica tells this replica's notifications from the others'.
	replica string

	mu         sync.Mutex
	subs       map[uint64]map[*Sub]struct{}
	perVisitor map[string]int
	perNetwork map[string]int
	total      int
	closed     bool

	pendMu  sync.Mutex
	pending map[uint64]struct{}
	all     bool // too many pending keys: wake everyone
	kick    chan struct{}
}

// New makes a hub over st with the default limits.
func New(st *store.Store, log *slog.Logger) *Hub {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand does not fail
	return &Hub{Store: st, Log: log, Limits: DefaultLimits(), replica: hex.EncodeToString(b),
		subs: map[uint64]map[*Sub]struct{}{}, perVisitor: map[string]int{}, perNetwork: map[string]int{},
		pending: map[uint64]struct{}{}, kick: make(chan struct{}, 1)}
}

// Sub is one open stream's subscription to its conversation.
type Sub struct {
	hub      *Hub
	key      uint64
	endUser  string
	network  string
	wake     chan struct{}
	done     chan struct{}
	doneOnce sync.Once
}

// Wake receives when the conversation may have new messages.
func (s *Sub) Wake() <-chan struct{} { return s.wake }

// Done is closed when the hub shuts down (the server is stopping): the
// stream ends.
func (s *Sub) Done() <-chan struct{} { return s.done }

func (s *Sub) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // one wake-up is already pending: the reader will see all
	}
}

// Subscribe opens a subscription for endUser on sender senderID from
// client network network, or refuses with a problem.TooMany.
func (h *Hub) Subscribe(senderID int64, endUser, network string) (*Sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return nil, &problem.Error{Kind: problem.Conflict, Code: CodeClosed, Message: "The server is restarting. Reconnect in a moment."}
	case h.Limits.PerReplica > 0 && h.total >= h.Limits.PerReplica:
		return nil, &problem.Error{Kind: problem.TooMany, Code: CodeReplicaStreams, RetryAfter: 30 * time.Second,
			Message: "This server has too many open chats right now. Your messages still arrive when you reload the page."}
	case h.Limits.PerNetwork > 0 && h.perNetwork[network] >= h.Limits.PerNetwork:
		return nil, &problem.Error{Kind: problem.TooMany, Code: CodeNetworkStreams, RetryAfter: 30 * time.Second,
			Message: fmt.Sprintf("Your network has %d chats open, the most it may. Close some and try again.", h.Limits.PerNetwork)}
	case h.Limits.PerVisitor > 0 && h.perVisitor[endUser] >= h.Limits.PerVisitor:
		return nil, &problem.Error{Kind: problem.TooMany, Code: CodeVisitorStreams, RetryAfter: 30 * time.Second,
			Message: fmt.Sprintf("You have this chat open in %d tabs, the most it may. Close one and try again.", h.Limits.PerVisitor)}
	}
	s := &Sub{hub: h, key: Key(senderID, endUser), endUser: endUser, network: network,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	set := h.subs[s.key]
	if set == nil {
		set = map[*Sub]struct{}{}
		h.subs[s.key] = set
	}
	set[s] = struct{}{}
	h.perVisitor[endUser]++
	h.perNetwork[network]++
	h.total++
	return s, nil
}

// Close ends the subscription.
func (s *Sub) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	set, ok := h.subs[s.key]
	if _, in := set[s]; !ok || !in {
		return
	}
	delete(set, s)
	if len(set) == 0 {
		delete(h.subs, s.key)
	}
	decr(h.perVisitor, s.endUser)
	decr(h.perNetwork, s.network)
	h.total--
}

func decr(m map[string]int, k string) {
	if m[k] <= 1 {
		delete(m, k)
	} else {
		m[k]--
	}
}

// Open is how many subscriptions the hub holds.
func (h *Hub) Open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// Publish says that messages of endUser on sender senderID committed. It
// never waits: it wakes this replica's subscribers and, on PostgreSQL,
// queues the key for the other replicas.
func (h *Hub) Publish(senderID int64, endUser string) {
	if h.Watched != nil && !h.Watched(endUser) {
		return
	}
	key := Key(senderID, endUser)
	h.wakeKey(key)
	if !(h.Store.Engine() == store.Postgres) {
		return
	}
	h.pendMu.Lock()
	if len(h.pending) < maxPending {
		h.pending[key] = struct{}{}
	} else {
		h.all = true
	}
	h.pendMu.Unlock()
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

func (h *Hub) wakeKey(key uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[key] {
		s.signal()
	}
}

// WakeAll wakes every subscriber of this replica.
func (h *Hub) WakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for s := range set {
			s.signal()
		}
	}
}

// Shutdown ends every stream and refuses new ones: the server stops.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, set := range h.subs {
		for s := range set {
			s.doneOnce.Do(func() { close(s.done) })
		}
	}
}

// Messages are the messages of the subscription's conversation after id
// after, at most limit.
func (h *Hub) Messages(ctx context.Context, senderID int64, endUser string, after int64, limit int) ([]store.LiveMessage, error) {
	return h.Store.ConversationMessagesAfter(ctx, senderID, endUser, after, limit)
}

// Run carries wake-ups between replicas until ctx ends: on PostgreSQL it
// LISTENs (connecting again when the connection is lost) and sends the
// pending keys; on SQLite there is nothing to carry.
func (h *Hub) Run(ctx context.Context) {
	if !(h.Store.Engine() == store.Postgres) {
		<-ctx.Done()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.notifyLoop(ctx)
	}()
	h.listenLoop(ctx)
	<-done
}

func (h *Hub) listenLoop(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := h.Store.Listen(ctx, Channel, func() {
			backoff = 100 * time.Millisecond
			// What was published while nobody listened is read now.
			h.WakeAll()
		}, h.heard)
		if ctx.Err() != nil {
			return
		}
		h.Log.Warn("live: listening for other replicas' messages", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// heard handles a notification: "<replica> <key>,<key>…" or
// "<replica> *" (wake everyone).
func (h *Hub) heard(payload string) {
	from, keys, _ := strings.Cut(payload, " ")
	if from == h.replica {
		return // this replica woke its own already
	}
	if keys == "*" {
		h.WakeAll()
		return
	}
	for k := range strings.SplitSeq(keys, ",") {
		if key, err := strconv.ParseUint(k, 16, 64); err == nil {
			h.wakeKey(key)
		}
	}
}

func (h *Hub) notifyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.kick:
		}
		for _, p := range h.takePending() {
			for try := 0; ; try++ {
				err := h.Store.Notify(ctx, Channel, p)
				if err == nil || ctx.Err() != nil {
					break
				}
				if try == 2 {
					// The others' streams read this on their next wake-up
					// or reconnection; it is not lost, only late.
					h.Log.Warn("live: notifying other replicas", "error", err)
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
}

// takePending empties the pending keys into notification payloads.
func (h *Hub) takePending() []string {
	h.pendMu.Lock()
	keys, all := h.pending, h.all
	h.pending, h.all = make(map[uint64]struct{}, min(len(keys), 1024)), false
	h.pendMu.Unlock()
	if all {
		return []string{h.replica + " *"}
	}
	var out []string
	var b strings.Builder
	for k := range keys {
		if b.Len() == 0 {
			b.WriteString(h.replica)
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(k, 16))
		if b.Len() > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}
