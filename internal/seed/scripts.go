package seed

import (
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/demo"
)

// line is one transcript message of a script, at an offset from the
// session's opening.
type line struct {
	in     bool
	text   string
	offset time.Duration
	// What the engine did with an inbound message, as the transcript keeps
	// it for the analytics.
	entered  []string
	fallback int
	branch   string
}

// script is a conversation played through the dialog engine once, so that
// every seeded session carries a transcript, a state and counts the
// runtime itself would have produced.
type script struct {
	lines     []line
	state     []byte // the engine's state after the last line, as the runtime stores it
	closed    bool   // a close element ran: the session completed
	stepLimit bool
	in, out   int
}

// last is the offset of the script's last message.
func (s script) last() time.Duration {
	if len(s.lines) == 0 {
		return 0
	}
	return s.lines[len(s.lines)-1].offset
}

// kind is a kind of chatbot: a demo definition and its scripts.
type kind struct {
	sample  demo.Sample
	def     []byte // canonical JSON
	hash    string
	scripts []script
	open    []int // indexes of the scripts that leave the session open
	done    []int // indexes of the scripts that complete the session
}

// pickScript chooses a conversation: two in five sessions are carried
// through to a close element, the others stop somewhere (and time out).
func (k kind) pickScript(r *rand.Rand) int {
	if len(k.done) > 0 && r.IntN(5) < 2 {
		return pick(r, k.done)
	}
	return r.IntN(len(k.scripts))
}

// kinds plays every prefix of every demo conversation through the engine,
// keeping at most max transcript lines per script.
func kinds(max int) ([]kind, error) {
	var out []kind
	for _, s := range demo.Samples() {
		k := kind{sample: s, def: s.Definition.JSON(), hash: s.Definition.Hash()}
		for _, conv := range s.Conversations {
			for n := 1; n <= len(conv); n++ {
				sc, err := play(s.Definition, conv[:n], max)
				if err != nil {
					return nil, err
				}
				if !sc.closed && !sc.stepLimit {
					k.open = append(k.open, len(k.scripts))
				} else {
					k.done = append(k.done, len(k.scripts))
				}
				k.scripts = append(k.scripts, sc)
				if sc.closed || sc.stepLimit || len(sc.lines) >= max {
					break // longer prefixes would not add to this conversation
				}
			}
		}
		if len(k.open) == 0 {
			// Every session may have to stay open (a grace period's):
			// a greeting alone always does.
			sc, err := play(s.Definition, conv1(s), max)
			if err != nil {
				return nil, err
			}
			k.open = append(k.open, len(k.scripts))
			k.scripts = append(k.scripts, sc)
		}
		out = append(out, k)
	}
	return out, nil
}

func conv1(s demo.Sample) []string {
	if len(s.Conversations) > 0 && len(s.Conversations[0]) > 0 {
		return s.Conversations[0][:1]
	}
	return []string{"hi"}
}

// play runs inputs as the runtime does: the first message starts the
// session, each later one continues it. The end user writes every 20
// seconds; replies come a second later.
func play(def *chatbot.Definition, inputs []string, max int) (script, error) {
	var sc script
	var st chatbot.State
	for i, text := range inputs {
		var res chatbot.Result
		if i == 0 {
			res = chatbot.Start(def)
		} else {
			res = chatbot.Continue(def, st, text)
		}
		if len(sc.lines)+1+len(res.Replies) > max && i > 0 {
			break
		}
		at := time.Duration(i) * 20 * time.Second
		sc.lines = append(sc.lines, line{in: true, text: text, offset: at, entered: res.Entered, fallback: res.FallbackHits, branch: res.Branch})
		sc.in++
		for _, r := range res.Replies {
			if len(sc.lines) == max {
				break
			}
			sc.lines = append(sc.lines, line{text: r, offset: at + time.Second})
			sc.out++
		}
		st = res.State
		sc.closed, sc.stepLimit = res.Closed, res.StepLimit
		if res.Closed || res.StepLimit {
			break
		}
	}
	if max == 0 {
		sc.lines, sc.in, sc.out = nil, 0, 0
	}
	b, err := json.Marshal(st)
	sc.state = b
	return sc, err
}
