package views

import (
	"net/url"
	"strconv"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/store"
)

// The Conversations inbox (SPEC §11): conversations a chatbot handed to
// people, for supervisors and up to take, answer, hand back and close.

// Inbox views.
const (
	InboxWaiting = "waiting"
	InboxMine    = "mine"
	InboxAll     = "all"
)

// InboxData is the inbox page: one view of the held conversations.
type InboxData struct {
	View   string // InboxWaiting, InboxMine or InboxAll
	Queue  string // "" for every queue
	List   []handover.Conversation
	Counts handover.Counts
	// Queues are the queues of the conversations held now, for the
	// filter's suggestions.
	Queues []string
	// Version is store.InboxVersion as the list was read: the live
	// stream tells the page when it changed.
	Version string
	Now     time.Time
	Err     string // a refused action's message (a take someone else won)
}

// URL is the inbox with this view and queue.
func (d InboxData) URL(view string) string {
	v := url.Values{}
	if view != "" && view != InboxWaiting {
		v.Set("view", view)
	}
	if d.Queue != "" {
		v.Set("queue", d.Queue)
	}
	if len(v) == 0 {
		return "/conversations"
	}
	return "/conversations?" + v.Encode()
}

// EventsURL is the inbox's live stream.
func (d InboxData) EventsURL() string {
	return "/conversations/events?" + url.Values{"version": {d.Version}}.Encode()
}

// Empty says what an empty view means and what to do.
func (d InboxData) Empty() string {
	switch d.View {
	case InboxMine:
		return "You hold no conversation. Take one that is waiting and it shows here."
	case InboxAll:
		return "People hold no conversation now. When a chatbot's handover element passes one to people, it shows here at once."
	}
	if d.Queue != "" {
		return "No conversation waits in this queue. New ones show here at once."
	}
	return "No conversation waits for a person. When a chatbot's handover element passes one to people, it shows here at once."
}

// ConversationData is one conversation as a person working it sees it.
type ConversationData struct {
	handover.Detail
	Lines   []TranscriptLine
	Me      int64 // the viewer's user id
	Version string
	Now     time.Time
	// Form: the reply being written and what was refused.
	Reply  string
	Errors map[string]string
	// Dialog is the dialog chosen for a hand-back ("" for the entry).
	Dialog string
}

// Mine reports whether the viewer holds the conversation.
func (d ConversationData) Mine() bool {
	return d.Session.HeldBy == store.HeldByPerson && d.Session.HeldUserID == d.Me
}

// URL is the conversation's page.
func (d ConversationData) URL() string {
	return "/conversations/" + strconv.FormatInt(d.Session.ID, 10)
}

// EventsURL is the conversation's live stream.
func (d ConversationData) EventsURL() string {
	return "/conversations/events?" + url.Values{"session": {strconv.FormatInt(d.Session.ID, 10)}, "version": {d.Version}}.Encode()
}

// NewConversation prepares a conversation's page.
func NewConversation(d handover.Detail, me int64, version string, loc *time.Location, now time.Time) ConversationData {
	out := ConversationData{Detail: d, Me: me, Version: version, Now: now}
	names := map[string]string{}
	for _, dl := range d.Dialogs {
		names[dl.ID] = dl.Name
	}
	for _, m := range d.Transcript {
		line := TranscriptLine{Message: m, Clock: m.At.In(loc).Format("15:04")}
		for _, id := range m.Entered {
			ref := DialogRef{ID: id, Name: names[id]}
			if ref.Name == "" {
				ref.Name = id
			}
			line.Entered = append(line.Entered, ref)
		}
		out.Lines = append(out.Lines, line)
	}
	return out
}

// handbackDialog names a dialog of the conversation's chatbot.
func handbackDialog(ds []chatbot.Dialog, id string) string {
	for _, d := range ds {
		if d.ID == id {
			return d.Name
		}
	}
	return id
}

// heldLabel says who holds a listed conversation.
func heldLabel(c handover.Conversation) string {
	if c.HeldBy == store.HeldByPerson {
		return c.HolderName
	}
	return "waiting"
}
