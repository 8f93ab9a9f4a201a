package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// newHTTP is a client that keeps up to conns connections to the server
// open, as a browser or a gateway would, and follows no redirects.
func newHTTP(conns int, jar http.CookieJar) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conns, conns
	return &http.Client{Transport: t, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Console is a signed-in browser: a session cookie and the CSRF cookie.
type Console struct {
	Base string
	HTTP *http.Client
}

// SignIn signs in through the login form, as a browser does: GET /login
// carries the session's CSRF token in a hidden field, POST /login sends it
// back with the form.
func SignIn(ctx context.Context, base, email, password string, conns int) (*Console, error) {
	jar, _ := cookiejar.New(nil)
	c := &Console{Base: base, HTTP: newHTTP(conns, jar)}
	token, err := c.csrfToken(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {token}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, res.Body) // drained for the connection's reuse
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in as %s: status %d, want 303", email, res.StatusCode)
	}
	return c, nil
}

// Get fetches a page and reads it whole; it returns the status and size.
func (c *Console) Get(ctx context.Context, path string) (int, int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	return res.StatusCode, int(n), err
}

// getOK is Get that wants a 200.
func (c *Console) getOK(ctx context.Context, path string) error {
	status, _, err := c.Get(ctx, path)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d", path, status)
	}
	return err
}

// API calls the JSON API with a bearer token.
type API struct {
	Base, Token string
	HTTP        *http.Client
}

// Do sends body (when not nil) as JSON and decodes the answer into out
// (when not nil); any status but 2xx is an error.
func (a *API) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, a.Base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if a.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token)
	}
	res, err := a.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// Sender is a sender as GET /api/v1/senders lists it for an admin.
type Sender struct {
	ID         int64  `json:"id"`
	Channel    string `json:"channel"`
	Address    string `json:"address"`
	InboundKey string `json:"inbound_key"`
}

// Chatbot is a chatbot as the API lists it.
type Chatbot struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	SenderID    *int64     `json:"sender_id"`
	GraceEndsAt *time.Time `json:"grace_ends_at"`
}

// Message posts one inbound message as a channel gateway does.
func (a *API) Message(ctx context.Context, s Sender, from, text string) error {
	body := map[string]string{"channel": s.Channel, "sender": s.Address, "from": from, "text": text}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.Base+"/api/v1/messages", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Inbound-Key", s.InboundKey)
	res, err := a.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /api/v1/messages: status %d: %s", res.StatusCode, bytes.TrimSpace(data))
	}
	return nil
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrfToken reads the CSRF token from the sign-in page's hidden field.
func (c *Console) csrfToken(ctx context.Context) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/login", nil)
	res, err := c.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", err
	}
	m := csrfField.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("GET %s/login: no CSRF field (status %d)", c.Base, res.StatusCode)
	}
	return string(m[1]), nil
}
