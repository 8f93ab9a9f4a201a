package routing

import (
	"context"
	"strconv"
	"time"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/store"
)

// People in the loop (SPEC §11). Routing holds the rule that the bot never
// answers a conversation people hold where it stores the message: it reads
// who holds the session under the session's lock (on PostgreSQL FOR
// UPDATE; on SQLite the one writer), in the transaction that stores the
// message, so a take, a hand-back, a grace end or the sweeper either
// committed before (and routing sees it) or waits for this message.

// heldResult is what an inbound message does in a conversation people
// hold: it is stored, the bot says nothing, its state stays.
func heldResult(state chatbot.State) chatbot.Result {
	return chatbot.Result{State: state, Choices: []string{}}
}

// heldBy is the Outcome's HeldBy after a message of sess produced res.
func heldBy(sess store.ChatSession, res chatbot.Result) string {
	switch {
	case res.Handover != nil:
		return store.HeldByWaiting
	case sess.Held():
		return sess.HeldBy
	}
	return ""
}

// hold passes sess to people after a handover element ran at now: it waits
// for wait, and the request is audited (and so a webhook event) in the
// message's transaction.
func hold(ctx context.Context, tx *store.Tx, sess store.ChatSession, bot store.Chatbot, h *chatbot.Handover, now time.Time, wait time.Duration) error {
	deadline := now.Add(wait)
	if err := tx.HoldChatSession(ctx, sess.ID, h.Queue, h.Note, now, deadline); err != nil {
		return err
	}
	_, err := tx.AppendAudit(ctx, audit.Entry{
		At: now, ActorName: "system", Action: audit.ActionHandoverRequested,
		TargetType: "session", TargetID: strconv.FormatInt(sess.ID, 10), TargetName: sess.EndUser,
		Details: map[string]any{
			"session_id": sess.ID, "chatbot_id": bot.ID, "sender_id": sess.SenderID, "end_user": sess.EndUser,
			"queue": h.Queue, "note": h.Note, "dialog": h.Dialog, "element": h.Index + 1,
			"waits_until": deadline.UTC().Format(time.RFC3339),
		},
	})
	return err
}
