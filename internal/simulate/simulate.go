// Package simulate runs a chatbot definition for a designer's test chat:
// the same engine calls the runtime makes (chatbot.Start when no session
// is open, chatbot.Continue while one is), with the same rule that a
// completed session or a reached step limit ends it, but without a
// database. Between turns the conversation travels to the client as an
// opaque token signed with HMAC-SHA256, so a client can neither forge a
// state nor move a conversation from one chatbot to another.
package simulate

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"strings"

	"github.com/answers-console/answers/internal/chatbot"
)

// MaxTokenBytes bounds the conversation token a client may send back.
const MaxTokenBytes = 64 << 10

// ErrBadToken is returned for a token that was not made by this signer
// for this chatbot (forged, altered, made before a restart, or for
// another chatbot or release).
var ErrBadToken = errors.New("simulate: the conversation is not valid here")

// Target names what a conversation talks to: a chatbot's draft (Release
// 0) or one of its releases.
type Target struct {
	ChatbotID int64 `json:"c"`
	Release   int   `json:"r"`
}

// Conversation is the state of a test chat between turns.
type Conversation struct {
	Target Target        `json:"t"`
	Open   bool          `json:"o"` // a session is open: the next message continues it
	State  chatbot.State `json:"s"`
	// Held: a handover passed the conversation to people; the test chat
	// has no person, so the bot stays silent until a new conversation.
	Held bool `json:"h,omitempty"`
}

// Turn is what one message did.
type Turn struct {
	Replies    []string
	Choices    []string // the options of the last reply (a buttons element's labels), never nil
	Steps      []chatbot.Step
	Attributes map[string]string
	Ended      bool // the session closed (completed or step limit): the next message opens a new one
	StepLimit  bool
	// Handover is set when the turn handed the conversation to people.
	Handover *chatbot.Handover
	Next     Conversation
}

// Run takes one end-user message through def as the runtime would.
func Run(def *chatbot.Definition, c Conversation, text string) Turn {
	res, next := chatbot.Session{Open: c.Open, State: c.State, Held: c.Held}.Say(chatbot.Prepare(def), text, true)
	ended := res.Closed || res.StepLimit
	t := Turn{Replies: res.Replies, Steps: res.Steps, Attributes: maps.Clone(res.State.Attrs), Ended: ended, StepLimit: res.StepLimit,
		Handover: res.Handover, Next: Conversation{Target: c.Target, Open: next.Open, State: next.State, Held: next.Held}}
	if t.Replies == nil {
		t.Replies = []string{}
	}
	if t.Choices = res.Choices; t.Choices == nil {
		t.Choices = []string{}
	}
	if t.Steps == nil {
		t.Steps = []chatbot.Step{}
	}
	if t.Attributes == nil {
		t.Attributes = map[string]string{}
	}
	return t
}

// Signer seals conversations into tokens and opens them again.
type Signer struct{ key []byte }

// NewSigner makes a signer with a fresh random key: conversations do not
// outlive the process, which is fine for a test chat (Restart begins a new
// one) and needs no secret on disk.
func NewSigner() *Signer {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("simulate: no randomness: " + err.Error())
	}
	return &Signer{key: key}
}

// NewSignerWithKey makes a signer with a given key (tests, replicas that
// share one).
func NewSignerWithKey(key []byte) *Signer { return &Signer{key: append([]byte(nil), key...)} }

func (s *Signer) mac(body []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("answers test chat v1\x00"))
	m.Write(body)
	return m.Sum(nil)
}

// Seal returns the token of a conversation.
func (s *Signer) Seal(c Conversation) string {
	body, err := json.Marshal(c)
	if err != nil {
		panic("simulate: encoding a conversation: " + err.Error())
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(s.mac(body))
}

// Open checks a token and returns its conversation. The empty token is a
// new conversation with want. A token for another target is refused.
func (s *Signer) Open(token string, want Target) (Conversation, error) {
	if token == "" {
		return Conversation{Target: want}, nil
	}
	if len(token) > MaxTokenBytes {
		return Conversation{}, ErrBadToken
	}
	b64, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Conversation{}, ErrBadToken
	}
	enc := base64.RawURLEncoding
	body, err1 := enc.DecodeString(b64)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(body)) {
		return Conversation{}, ErrBadToken
	}
	var c Conversation
	if err := json.Unmarshal(body, &c); err != nil || c.Target != want {
		return Conversation{}, ErrBadToken
	}
	return c, nil
}
