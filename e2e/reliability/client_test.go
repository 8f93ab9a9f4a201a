package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client calls the JSON API over real HTTP.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	return &client{base: base, http: &http.Client{Timeout: time.Minute}}
}

// answer is a complete response: its status, the code of an error body,
// and the body. A response cut short is an error, not an answer.
type answer struct {
	status int
	code   string
	body   []byte
}

// call sends a JSON request; auth is a bearer token, or "key:…" for a
// sender's inbound key.
func (c *client) call(ctx context.Context, method, path, auth string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key, ok := strings.CutPrefix(auth, "key:"); ok {
		req.Header.Set("X-Inbound-Key", key)
	} else if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: res.StatusCode, body: b}
	if a.status >= 400 {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		a.code = e.Error.Code
	}
	return a, nil
}

// must calls and decodes a 2xx answer into out, or returns an error.
func (c *client) must(ctx context.Context, method, path, auth string, body, out any) error {
	a, err := c.call(ctx, method, path, auth, body)
	if err != nil {
		return err
	}
	if a.status/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, a.status, a.body)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(a.body, out)
}

// apiBot is the part of the API's chatbot the tests read.
type apiBot struct {
	ID          int64      `json:"id"`
	Status      string     `json:"status"`
	Version     int64      `json:"version"`
	GraceEndsAt *time.Time `json:"grace_ends_at"`
	Timeout     int64      `json:"session_timeout_seconds"`
}

// definition is a chatbot that keeps a session open for ever: it asks,
// echoes the answer and asks again. It validates without findings.
func definition(prompt string) map[string]any {
	return map[string]any{
		"attributes": []any{map[string]any{"name": "note", "type": "text"}},
		"entry":      "start", "fallback": "start",
		"dialogs": []any{map[string]any{"id": "start", "name": "Start", "elements": []any{
			map[string]any{"type": "question", "text": prompt, "attribute": "note"},
			map[string]any{"type": "message", "text": "Noted: {{note}}"},
			map[string]any{"type": "goto", "dialog": "start"},
		}}},
		"tests": []any{map[string]any{"name": "echoes", "turns": []any{
			map[string]any{"say": "hi", "expect": []any{prompt}},
			map[string]any{"say": "a note", "expect": []any{"Noted: a note", prompt}},
		}}},
	}
}

// importBot creates a chatbot through the API (an export document) and
// puts it on a sender.
func importBot(ctx context.Context, c *client, token, name string, sender int64) (apiBot, error) {
	var bot apiBot
	doc := map[string]any{"schema_version": 1, "name": name, "language": "en", "channel": "livechat",
		"session_timeout_seconds": 900, "definition": definition("Say something.")}
	if err := c.must(ctx, "POST", "/api/v1/chatbots", token, doc, &bot); err != nil {
		return bot, err
	}
	err := c.must(ctx, "PATCH", fmt.Sprintf("/api/v1/chatbots/%d", bot.ID), token, map[string]any{"sender_id": sender, "version": bot.Version}, &bot)
	return bot, err
}

// sender is a livechat sender and its inbound key.
type sender struct {
	ID      int64  `json:"id"`
	Address string `json:"address"`
	Key     string `json:"inbound_key"`
}

func createSender(ctx context.Context, c *client, token, address string) (sender, error) {
	var s sender
	err := c.must(ctx, "POST", "/api/v1/senders", token, map[string]any{"channel": "livechat", "address": address}, &s)
	return s, err
}
