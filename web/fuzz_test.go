package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/senders"
)

// fuzzContext is an Echo context for a POST of body, behind the body limit
// its route has in production.
func fuzzContext(contentType, body string, limit int64) echo.Context {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set(echo.HeaderContentType, contentType)
	rec := httptest.NewRecorder()
	req.Body = http.MaxBytesReader(rec, req.Body, limit)
	return echo.New().NewContext(req, rec)
}

// wantRefusal fails unless err is a refusal a person can read (422 or
// 413): bad input must never become a 500.
func wantRefusal(t *testing.T, err error) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || (p.Kind != problem.Invalid && p.Kind != problem.TooLarge) || p.Message == "" || p.Code == "" {
		t.Fatalf("not a clear refusal: %T %v", err, err)
	}
}

// FuzzInboundMessage feeds POST /api/v1/messages bodies through the
// handler's decoding and the runtime's check. Every body is either refused
// clearly or yields a message the runtime can route: a known channel, a
// sender, an end user and a text within their limits, in UTF-8.
func FuzzInboundMessage(f *testing.F) {
	for _, s := range []string{
		`{"channel":"livechat","sender":"matrix","from":"web-1","text":"hi"}`,
		`{"channel":" SMS ","sender":"+1555","from":"+1666","text":"  yes  "}`,
		`{"channel":"whatsapp","sender":"1","from":"2","text":"\u0000\ud800"}`,
		`{"channel":"fax","sender":"a","from":"b","text":"c"}`,
		`{"channel":"sms","sender":"a","from":"b","text":5}`,
		`{"channel":"sms","sender":"a","from":"b","text":"c","x":1}`,
		`{"channel":"sms"} {"channel":"sms"}`,
		`[]`, `null`, ``, `{`, `"text"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := fuzzContext(echo.MIMEApplicationJSON, body, inboundBodyLimit)
		var in routing.Inbound
		err := decodeJSON(c, &in)
		if err == nil {
			err = in.Check()
		}
		if err != nil {
			wantRefusal(t, err)
			return
		}
		switch {
		case !senders.ValidChannel(in.Channel):
			t.Fatalf("channel %q accepted", in.Channel)
		case strings.TrimSpace(in.Sender) == "" || strings.TrimSpace(in.From) == "" || strings.TrimSpace(in.Text) == "":
			t.Fatalf("blank field accepted: %+v", in)
		case utf8.RuneCountInString(in.Text) > routing.MaxTextRunes || utf8.RuneCountInString(in.From) > routing.MaxEndUserRunes:
			t.Fatalf("over-long field accepted: %d, %d runes", utf8.RuneCountInString(in.Text), utf8.RuneCountInString(in.From))
		case !utf8.ValidString(in.Text) || !utf8.ValidString(in.From) || !utf8.ValidString(in.Sender):
			t.Fatalf("invalid UTF-8 accepted: %q", in)
		}
		again := in
		if err := again.Check(); err != nil || again != in {
			t.Fatalf("Check is not stable: %+v → %+v (%v)", in, again, err)
		}
	})
}

// FuzzElementForm feeds the editor's element form (any type, any
// url-encoded body) through its decoding. Every form is either refused
// clearly or yields an element of the type asked for that a definition can
// store and load again.
func FuzzElementForm(f *testing.F) {
	for _, s := range []struct{ typ, body string }{
		{"message", "text=Hello+%7B%7Bname%7D%7D"},
		{"close", "text="},
		{"question", "text=Your+age%3F&attribute=age&retry_text=A+number+please&max_tries=3"},
		{"question", "text=x&attribute=age&max_tries=99"},
		{"question", "text=x&attribute=age&max_tries=-1"},
		{"keywords", "branch_keywords=yes%2C+sure&branch_dialog=yes&branch_dialog_new=&branch_keywords=no&branch_dialog=no"},
		{"keywords", "branch_keywords=%2C%2C&branch_dialog=%2Bnew&branch_dialog_new=%2C"},
		{"keywords", "branch_keywords=a&branch_dialog=%2Bnew&branch_dialog_new=Start"},
		{"keywords", "branch_keywords=a&branch_dialog=%2Bnew&branch_dialog_new=Later&branch_keywords=b&branch_dialog=%2Bnew&branch_dialog_new=later"},
		{"condition", "attribute=age&operator=gt&value=17&dialog=adult"},
		{"condition", "attribute=age&operator=%3D%3D&value=&dialog="},
		{"goto", "dialog=start"},
		{"goto", "dialog=%2Bnew&dialog_new=Opening+hours"},
		{"goto", "dialog=%3Cscript%3E"},
		{"teleport", "dialog=start"},
		{"message", "text=%ZZ&text=%"},
	} {
		f.Add(s.typ, s.body)
	}
	f.Fuzz(func(t *testing.T, typ, body string) {
		c := fuzzContext(echo.MIMEApplicationForm, body, pageBodyLimit)
		def := chatbot.NewDefinition()
		el, err := elementFromForm(c, typ, chatbots.NewTargetsIn(def))
		if err != nil {
			wantRefusal(t, err)
			return
		}
		if el.Type != typ {
			t.Fatalf("asked for a %q, got a %q", typ, el.Type)
		}
		def.Dialogs[0].Elements = append(def.Dialogs[0].Elements, el)
		back, err := chatbot.Parse(def.JSON())
		if err != nil {
			t.Fatalf("an accepted element makes a definition that does not load: %v\n%s", err, def.JSON())
		}
		if got := back.Dialogs[0].Elements[len(back.Dialogs[0].Elements)-1]; got.Type != el.Type || got.Text != el.Text || got.Dialog != el.Dialog {
			t.Fatalf("element changed on the way back: %+v → %+v", el, got)
		}
	})
}
