package chatbot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// MaxDefinitionBytes is the largest definition a chatbot may store, and
// the largest upload or import read.
const MaxDefinitionBytes = 1 << 20

// MaxKeywords bounds the keywords of all keywords elements of a
// definition. A message no longer costs time in proportion to them (see
// Program), but the runtime builds a keywords element's index inside the
// writer the first time a message reaches it, and keeps it in memory for
// as long as the chatbot is live. Writers (create, import, edit) check
// it; Parse does not, so a definition stored before the cap still opens.
const MaxKeywords = 5000

// KeywordCount is the number of keywords of all keywords elements.
func (d *Definition) KeywordCount() int {
	n := 0
	for _, dl := range d.Dialogs {
		for _, el := range dl.Elements {
			for _, b := range el.Branches {
				n += len(b.Keywords)
			}
		}
	}
	return n
}

// MaxStoredDefinitionBytes is the largest definition Parse reads. It is
// above MaxDefinitionBytes so that a definition stored before the stored
// size was checked on import (a compact file under 1 MiB grows about 2.2×
// when stored indented) still opens everywhere, to be trimmed; every
// write checks MaxDefinitionBytes itself.
const MaxStoredDefinitionBytes = 4 << 20

// Attribute types.
const (
	AttributeText   = "text"
	AttributeNumber = "number"
	AttributeEmail  = "email"
	AttributePhone  = "phone"
	AttributeDate   = "date"
	AttributeYesNo  = "yesno"
)

// AttributeTypes lists the attribute types in the order an editor offers them.
func AttributeTypes() []string {
	return []string{AttributeText, AttributeNumber, AttributeEmail, AttributePhone, AttributeDate, AttributeYesNo}
}

// Element types.
const (
	ElementMessage   = "message"
	ElementQuestion  = "question"
	ElementKeywords  = "keywords"
	ElementCondition = "condition"
	ElementGoto      = "goto"
	ElementClose     = "close"
	ElementButtons   = "buttons"
	// ElementHandover sends its text, then the conversation waits for a
	// person (SPEC §11): the bot answers nothing until a person hands it
	// back (or the handover timeout does).
	ElementHandover = "handover"
)

// ElementTypes lists the element types in the order an editor offers them.
func ElementTypes() []string {
	return []string{ElementMessage, ElementQuestion, ElementKeywords, ElementButtons, ElementCondition, ElementGoto, ElementHandover, ElementClose}
}

// Condition operators.
const (
	OpEq       = "eq"
	OpNe       = "ne"
	OpLt       = "lt"
	OpGt       = "gt"
	OpContains = "contains"
	OpEmpty    = "empty"
)

// Operators lists the condition operators in the order an editor offers them.
func Operators() []string {
	return []string{OpEq, OpNe, OpLt, OpGt, OpContains, OpEmpty}
}

// Definition is a chatbot's dialogs and attributes. Field order is the
// order of the keys in its JSON form.
type Definition struct {
	Attributes []Attribute `json:"attributes"`
	Entry      string      `json:"entry"`
	Fallback   string      `json:"fallback,omitempty"`
	Dialogs    []Dialog    `json:"dialogs"`
	// Tests are the conversation tests (see Test); omitted when there are
	// none, so definitions without tests keep their hash.
	Tests []Test `json:"tests,omitempty"`
	// The handover timeout (SPEC §11): a conversation a handover element
	// passed to people and that nobody took within HandoverTimeout
	// seconds (0: DefaultHandoverTimeout) goes back to the bot at the
	// fallback dialog (the entry without one) after HandoverTimeoutText,
	// or closes, as HandoverOnTimeout says ("" is HandoverResume). All
	// omitted when unset, so definitions without them keep their hash.
	HandoverTimeout     int    `json:"handover_timeout_seconds,omitempty"`
	HandoverOnTimeout   string `json:"handover_on_timeout,omitempty"`
	HandoverTimeoutText string `json:"handover_timeout_text,omitempty"`
}

// What a handover timeout does.
const (
	HandoverResume = "resume"
	HandoverClose  = "close"
)

// Bounds and defaults of the handover timeout.
const (
	DefaultHandoverTimeout = 15 * time.Minute
	MinHandoverTimeout     = time.Minute
	MaxHandoverTimeout     = 7 * 24 * time.Hour
	// DefaultHandoverTimeoutText is sent when a waiting conversation goes
	// back to the bot and the definition has no text of its own.
	DefaultHandoverTimeoutText = "Sorry, nobody could take over the conversation in time. Let's carry on."
)

// HandoverWait is how long a handed-over conversation waits for a person.
func (d *Definition) HandoverWait() time.Duration {
	if d == nil || d.HandoverTimeout <= 0 {
		return DefaultHandoverTimeout
	}
	return time.Duration(d.HandoverTimeout) * time.Second
}

// HandoverTimeoutAction is what the handover timeout does: HandoverResume
// or HandoverClose.
func (d *Definition) HandoverTimeoutAction() string {
	if d != nil && d.HandoverOnTimeout == HandoverClose {
		return HandoverClose
	}
	return HandoverResume
}

// HandoverTimeoutMessage is the text sent when the handover timeout hands
// a conversation back to the bot.
func (d *Definition) HandoverTimeoutMessage() string {
	if d == nil || blank(d.HandoverTimeoutText) {
		return DefaultHandoverTimeoutText
	}
	return d.HandoverTimeoutText
}

// Attribute is a named value the chatbot stores, such as an answer.
type Attribute struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Dialog is an ordered list of elements. Jumps name dialogs by ID; Name is
// what people see.
type Dialog struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Elements []Element `json:"elements"`
}

// Element is one step of a dialog. Which fields matter depends on Type:
//
//	message:   Text
//	question:  Text (the prompt), Attribute, RetryText, MaxTries
//	keywords:  Branches, Fuzzy
//	buttons:   Text, Options
//	condition: Attribute, Operator, Value, Dialog
//	goto:      Dialog
//	close:     Text (optional)
//	handover:  Text, Queue (optional), Note (optional, for the person)
type Element struct {
	Type      string   `json:"type"`
	Text      string   `json:"text,omitempty"`
	Attribute string   `json:"attribute,omitempty"`
	RetryText string   `json:"retry_text,omitempty"`
	MaxTries  int      `json:"max_tries,omitempty"`
	Branches  []Branch `json:"branches,omitempty"`
	// Fuzzy lets a keywords element match a word of MinFuzzyRunes or
	// more letters one edit away from a keyword word (see Program).
	// Omitted when false, so definitions without it keep their hash.
	Fuzzy bool `json:"fuzzy,omitempty"`
	// Options are a buttons element's choices; omitted when there are
	// none, so definitions without buttons keep their hash.
	Options  []Option `json:"options,omitempty"`
	Operator string   `json:"operator,omitempty"`
	Value    string   `json:"value,omitempty"`
	Dialog   string   `json:"dialog,omitempty"`
	// Queue names the people a handover waits for ("" for anyone); Note
	// is shown to the person who takes the conversation. Omitted when
	// empty, so definitions without handovers keep their hash.
	Queue string `json:"queue,omitempty"`
	Note  string `json:"note,omitempty"`
}

// Branch leads to Dialog when the input contains one of its Keywords.
type Branch struct {
	Keywords []string `json:"keywords"`
	Dialog   string   `json:"dialog"`
}

// Option is one choice of a buttons element: the end user's click, its
// label typed, or its number leads to Dialog.
type Option struct {
	Label  string `json:"label"`
	Dialog string `json:"dialog"`
}

// NewDefinition returns the draft a new chatbot starts with: one entry
// dialog that greets. It validates without errors once the chatbot has a
// sender of its channel (it has warnings: no fallback).
func NewDefinition() *Definition {
	return &Definition{
		Attributes: []Attribute{},
		Entry:      "start",
		Dialogs: []Dialog{{
			ID:       "start",
			Name:     "Start",
			Elements: []Element{{Type: ElementMessage, Text: "Hello! How can I help?"}},
		}},
	}
}

// JSON returns the canonical form of the definition: indented, keys in
// field order, empty lists as [], no HTML escaping, no trailing newline.
func (d *Definition) JSON() []byte {
	c := d.Clone()
	if c == nil {
		c = &Definition{}
	}
	c.normalise()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		// Only strings, ints and slices: encoding cannot fail.
		panic("chatbot: encoding a definition: " + err.Error())
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// Hash is the hex SHA-256 of the canonical JSON: equal definitions have
// equal hashes.
func (d *Definition) Hash() string {
	sum := sha256.Sum256(d.JSON())
	return hex.EncodeToString(sum[:])
}

// Clone returns a deep copy.
func (d *Definition) Clone() *Definition {
	if d == nil {
		return nil
	}
	c := *d
	c.Attributes = slices.Clone(d.Attributes)
	c.Dialogs = slices.Clone(d.Dialogs)
	c.Tests = slices.Clone(d.Tests)
	for i := range c.Tests {
		c.Tests[i].Turns = slices.Clone(c.Tests[i].Turns)
		for j := range c.Tests[i].Turns {
			c.Tests[i].Turns[j].Expect = slices.Clone(c.Tests[i].Turns[j].Expect)
		}
	}
	for i := range c.Dialogs {
		dl := &c.Dialogs[i]
		dl.Elements = slices.Clone(dl.Elements)
		for j := range dl.Elements {
			el := &dl.Elements[j]
			el.Branches = slices.Clone(el.Branches)
			el.Options = slices.Clone(el.Options)
			for k := range el.Branches {
				el.Branches[k].Keywords = slices.Clone(el.Branches[k].Keywords)
			}
		}
	}
	return &c
}

// DialogByID returns the first dialog with the id and its index, or nil
// and -1.
func (d *Definition) DialogByID(id string) (*Dialog, int) {
	for i := range d.Dialogs {
		if d.Dialogs[i].ID == id {
			return &d.Dialogs[i], i
		}
	}
	return nil, -1
}

// AttributeByName returns the first attribute with the name.
func (d *Definition) AttributeByName(name string) (*Attribute, bool) {
	for i := range d.Attributes {
		if d.Attributes[i].Name == name {
			return &d.Attributes[i], true
		}
	}
	return nil, false
}

// normalise makes the lists that are always written ([] rather than null)
// non-nil and the ones that are omitted when empty nil, so that a
// definition equals itself after a trip through JSON.
func (d *Definition) normalise() {
	if d.Attributes == nil {
		d.Attributes = []Attribute{}
	}
	if d.Dialogs == nil {
		d.Dialogs = []Dialog{}
	}
	if len(d.Tests) == 0 {
		d.Tests = nil
	}
	for i := range d.Tests {
		if d.Tests[i].Turns == nil {
			d.Tests[i].Turns = []TestTurn{}
		}
		for j := range d.Tests[i].Turns {
			if d.Tests[i].Turns[j].Expect == nil {
				d.Tests[i].Turns[j].Expect = []string{}
			}
		}
	}
	for i := range d.Dialogs {
		dl := &d.Dialogs[i]
		if dl.Elements == nil {
			dl.Elements = []Element{}
		}
		for j := range dl.Elements {
			el := &dl.Elements[j]
			if len(el.Branches) == 0 {
				el.Branches = nil
			}
			if len(el.Options) == 0 {
				el.Options = nil
			}
			for k := range el.Branches {
				if el.Branches[k].Keywords == nil {
					el.Branches[k].Keywords = []string{}
				}
			}
		}
	}
}
