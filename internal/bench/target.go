package bench

import (
	"context"
	"fmt"
	"net/url"

	"github.com/answers-console/answers/internal/seed"
)

// Target is what the benchmark learns about the seeded console through
// its API before loading it.
type Target struct {
	Active   []Chatbot        // active chatbots, up to 500
	Senders  map[int64]Sender // every sender, with its inbound key
	Grace    Chatbot          // seed.GraceChatbotName
	MaxAudit int64            // the newest audit entry's id
	Traffic  []Sender         // senders with an active chatbot, but the grace chatbot's
}

func discover(ctx context.Context, api *API) (*Target, error) {
	t := &Target{Senders: map[int64]Sender{}}
	if err := api.Do(ctx, "GET", "/api/v1/chatbots?status=active&limit=500", nil, &t.Active); err != nil {
		return nil, err
	}
	var senders []Sender
	if err := api.Do(ctx, "GET", "/api/v1/senders", nil, &senders); err != nil {
		return nil, err
	}
	for _, s := range senders {
		t.Senders[s.ID] = s
	}
	var grace []Chatbot
	if err := api.Do(ctx, "GET", "/api/v1/chatbots?status=deactivated&q="+url.QueryEscape(seed.GraceChatbotName), nil, &grace); err != nil {
		return nil, err
	}
	if len(grace) == 1 {
		t.Grace = grace[0]
	}
	var audit struct {
		Entries []struct {
			ID int64 `json:"id"`
		} `json:"entries"`
	}
	if err := api.Do(ctx, "GET", "/api/v1/audit?limit=1", nil, &audit); err != nil {
		return nil, err
	}
	if len(audit.Entries) == 1 {
		t.MaxAudit = audit.Entries[0].ID
	}
	for _, c := range t.Active {
		if c.SenderID == nil || t.Grace.SenderID != nil && *c.SenderID == *t.Grace.SenderID {
			continue
		}
		if s, ok := t.Senders[*c.SenderID]; ok && s.InboundKey != "" {
			t.Traffic = append(t.Traffic, s)
		}
	}
	if len(t.Active) == 0 || len(t.Traffic) == 0 {
		return nil, fmt.Errorf("the console has no active chatbot to send messages to")
	}
	return t, nil
}
