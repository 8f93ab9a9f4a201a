// Package seed fills an empty database with realistic data at scale, for
// benchmarks and for trying the console on a big installation: users of
// every role, senders on every channel, chatbots in every status with
// definitions that validate and the releases they were activated with,
// sessions with engine-made transcripts and close reasons over the last
// 90 days, and an audit log with a valid hash chain.
//
// The data respect the invariants of SPEC §3 (I1–I6), and the database
// checks it as it is written: the load goes through the same CHECKs,
// unique indexes, triggers and foreign keys as the console, in one
// transaction of multi-row INSERTs (store.BulkLoad).
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/store"
)

// Options say how much to seed.
type Options struct {
	Chatbots int
	Sessions int // in all, GraceSessions included
	Audit    int // audit entries
	// MessagesPerSession caps each transcript (inbound and outbound
	// messages together); 0 seeds sessions without transcripts.
	MessagesPerSession int
	// GraceSessions, when above 0, adds a sender whose chatbot
	// GraceChatbotName is deactivated with a week's grace and this many
	// sessions open (part of Sessions), and the active chatbot that
	// replaced it (part of Chatbots): the grace-end benchmark ends it.
	GraceSessions int
	// Now is the present the history leads up to (default time.Now).
	Now time.Time
	// Seed makes the data reproducible: the same options and seed give
	// the same rows, apart from times relative to Now.
	Seed uint64
	// Progress, when set, is told what is being written.
	Progress io.Writer

	start time.Time
}

// DefaultMessagesPerSession is the transcript cap of `answers seed`.
const DefaultMessagesPerSession = 6

// Check says what is wrong with the options, or nil.
func (o Options) Check() error {
	switch {
	case o.Chatbots < 0 || o.Sessions < 0 || o.Audit < 0 || o.MessagesPerSession < 0 || o.GraceSessions < 0:
		return errors.New("counts cannot be negative")
	case o.GraceSessions > o.Sessions:
		return fmt.Errorf("--grace-sessions %d is more than --sessions %d", o.GraceSessions, o.Sessions)
	case o.GraceSessions > 0 && o.Chatbots < 3:
		return errors.New("--grace-sessions needs at least 3 chatbots (the one in grace, its replacement, one more)")
	case o.Sessions > o.GraceSessions && o.Chatbots < 1:
		return errors.New("sessions need at least one chatbot")
	case o.Sessions > 1<<31-1 || o.Audit > 1<<31-1:
		return errors.New("at most 2,147,483,647 sessions and audit entries")
	}
	return nil
}

// Summary is what a seed wrote.
type Summary struct {
	Users, Senders, Chatbots, Releases int
	ByStatus                           map[string]int // active, deactivated, inactive, draft
	Sessions, OpenSessions, Messages   int
	Audit                              int
	GraceChatbotID                     int64 // 0 without GraceSessions
	Load, Analytics                    time.Duration
}

// Run seeds st, which must have no chatbots, senders or sessions
// (store.ErrNotEmpty otherwise). Users are added beside any there are;
// audit entries continue the chain. Then the analytics rollups are
// rebuilt from the new sessions and transcripts.
func Run(ctx context.Context, st *store.Store, o Options) (Summary, error) {
	if err := o.Check(); err != nil {
		return Summary{}, err
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Microsecond)
	o.start = time.Now()
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	ks, err := kinds(o.MessagesPerSession)
	if err != nil {
		return Summary{}, err
	}
	// One hash of a random password for every seeded account: nobody
	// knows it, so nobody signs in as them, and bcrypt's lowest cost
	// spares the seed (and the race detector) seconds of hashing.
	hash, err := auth.Hasher{Cost: bcrypt.MinCost}.Hash(auth.RandomToken(16))
	if err != nil {
		return Summary{}, err
	}
	base, err := st.MaxUserID(ctx)
	if err != nil {
		return Summary{}, err
	}
	w, err := newWorld(o, r, ks, hash, base)
	if err != nil {
		return Summary{}, err
	}
	plan, err := w.planSessions(r, o.Sessions, o.GraceSessions)
	if err != nil {
		return Summary{}, err
	}
	start := time.Now()
	sum, err := w.load(ctx, st, r, plan, o)
	sum.Load = time.Since(start)
	if err != nil {
		return sum, err
	}
	start = time.Now()
	err = rebuildAnalytics(ctx, st)
	sum.Analytics = time.Since(start)
	return sum, err
}

// rebuildAnalytics recounts the analytics rollups (and end-user
// sketches) from the sessions and transcripts the seed just wrote, as
// `answers analytics rebuild` does: the seed's one hook for analytics.
func rebuildAnalytics(ctx context.Context, st *store.Store) error {
	return analytics.New(st).Rebuild(ctx)
}

func progress(o Options, format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "seed %5.1fs: "+format+"\n", append([]any{time.Since(o.start).Seconds()}, args...)...)
	}
}
