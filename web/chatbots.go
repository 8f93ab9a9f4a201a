package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

const chatbotsPerPage = 50

// chatbotQuery reads the dashboard filters from the URL. Unknown values
// are refused with a clear message rather than ignored.
func chatbotQuery(c echo.Context) (views.ChatbotQuery, error) {
	q := views.ChatbotQuery{
		Status: c.QueryParam("status"), Channel: c.QueryParam("channel"),
		Q: c.QueryParam("q"), Sort: c.QueryParam("sort"), Sender: strings.TrimSpace(c.QueryParam("sender")),
		Page: 1, PerPage: chatbotsPerPage,
	}
	switch q.Status {
	case "", store.StatusActive, store.StatusDeactivated, store.StatusInactive, "draft":
	default:
		return q, problem.Field("status", "Unknown status %q: use active, deactivated, inactive or draft.", q.Status)
	}
	if q.Channel != "" && !senders.ValidChannel(q.Channel) {
		return q, problem.Field("channel", "Unknown channel %q.", q.Channel)
	}
	if q.Sort == "" {
		q.Sort = "name"
	}
	if !store.ValidChatbotSort(q.Sort) {
		return q, problem.Field("sort", "Unknown sort order %q.", q.Sort)
	}
	if v := c.QueryParam("page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 100000 {
			return q, problem.Field("page", "The page %q is not a page number.", v)
		}
		q.Page = p
	}
	if len(q.Q) > 100 {
		q.Q = q.Q[:100]
	}
	if len(q.Sender) > 100 {
		q.Sender = q.Sender[:100]
	}
	return q, nil
}

// startOfDay is midnight today in the viewer's time zone (UTC when the
// browser has not said): "sessions today" counts from there.
func startOfDay(c echo.Context, now time.Time) time.Time {
	loc := viewerZone(c)
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func (s *Server) chatbotListData(c echo.Context, q views.ChatbotQuery) (views.ChatbotListData, error) {
	ctx := c.Request().Context()
	f := store.ChatbotFilter{
		Status: q.Status, Channel: q.Channel, Query: q.Q, Sort: q.Sort,
		Limit: q.PerPage, Offset: (q.Page - 1) * q.PerPage, Since: startOfDay(c, time.Now()), Families: true,
	}
	// A sender chosen from the suggestions is that sender alone (not
	// also "sms +15550001" inside "sms +155500012"); other text is part
	// of a sender's name.
	if q.Sender != "" {
		exact, err := s.findSender(ctx, "", q.Sender)
		if err != nil {
			return views.ChatbotListData{}, err
		}
		if f.SenderID = exact.ID; exact.ID == 0 {
			f.SenderText = q.Sender
		}
	}
	rows, total, err := s.cfg.Store.Chatbots(ctx, f)
	if err != nil {
		return views.ChatbotListData{}, err
	}
	d := views.ChatbotListData{Rows: rows, Total: total, Filter: q, New: views.NewChatbotForm{Channel: "livechat", Templates: chatbots.Templates()}}
	if d.Senders, _, err = s.cfg.Store.SenderOptions(ctx, q.Channel, q.Sender, senderSuggestions); err != nil {
		return d, err
	}
	d.NewSenders, _, err = s.cfg.Store.SenderOptions(ctx, d.New.Channel, "", senderSuggestions)
	return d, err
}

// senderSuggestions is how many senders a sender field suggests at once:
// it asks for others as one types, so a console with thousands of
// senders keeps its pages small.
const senderSuggestions = 20

// findSender is the sender text names exactly: "channel address" in any
// case, or an address only one sender of channel ("" for any) has. The
// zero Sender when none or several do.
func (s *Server) findSender(ctx context.Context, channel, text string) (store.Sender, error) {
	list, _, err := s.cfg.Store.SenderOptions(ctx, channel, text, senderSuggestions)
	if err != nil {
		return store.Sender{}, err
	}
	var byAddress []store.Sender
	for _, x := range list {
		if strings.EqualFold(store.SenderLabel(x.Channel, x.Address), text) {
			return x, nil
		}
		if x.Address == text {
			byAddress = append(byAddress, x)
		}
	}
	if len(byAddress) == 1 {
		return byAddress[0], nil
	}
	return store.Sender{}, nil
}

// senderOptions answers a sender field's suggestions for what was typed
// so far (sender), of one channel or all.
func (s *Server) senderOptions(c echo.Context) error {
	channel := c.QueryParam("channel")
	if channel != "" && !senders.ValidChannel(channel) {
		return problem.Field("channel", "Unknown channel %q.", channel)
	}
	text := strings.TrimSpace(c.QueryParam("sender"))
	if len(text) > 100 {
		text = text[:100]
	}
	list, _, err := s.cfg.Store.SenderOptions(c.Request().Context(), channel, text, senderSuggestions)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.SenderOptions(list))
}

// senderPickerSize bounds a sender drop-down: a console with thousands of
// senders lists those of one channel, and the page stays small.
const senderPickerSize = 300

// senderPicker lists senders for a drop-down, of one channel or all, and
// always the chosen one.
func (s *Server) senderPicker(c echo.Context, channel string, chosen int64) ([]store.Sender, bool, error) {
	ctx := c.Request().Context()
	list, more, err := s.cfg.Store.SenderOptions(ctx, channel, "", senderPickerSize)
	if err != nil || chosen == 0 {
		return list, more, err
	}
	for _, x := range list {
		if x.ID == chosen {
			return list, more, nil
		}
	}
	x, err := s.cfg.Store.SenderByID(ctx, chosen)
	if errors.Is(err, store.ErrNotFound) {
		return list, more, nil
	}
	return append([]store.Sender{x}, list...), more, err
}

func (s *Server) chatbotList(c echo.Context) error {
	q, err := chatbotQuery(c)
	if err != nil {
		return err
	}
	d, err := s.chatbotListData(c, q)
	if err != nil {
		return err
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "chatbot-list" {
		return s.render(c, http.StatusOK, views.ChatbotList(d))
	}
	return s.render(c, http.StatusOK, views.ChatbotsPage(d))
}

func (s *Server) createChatbot(c echo.Context) error {
	f := views.NewChatbotForm{Name: formValue(c, "name"), Channel: formValue(c, "channel"), Template: formValue(c, "template"),
		Sender: strings.TrimSpace(formValue(c, "sender")), Templates: chatbots.Templates()}
	settings := chatbots.Settings{Name: f.Name, Channel: f.Channel}
	// Scripts may name the sender by id (sender_id), people by name.
	if v := formValue(c, "sender_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return problem.Field("sender_id", "Choose a sender.")
		}
		settings.SenderID = id
	} else if f.Sender != "" {
		x, err := s.findSender(c.Request().Context(), f.Channel, f.Sender)
		if err != nil {
			return err
		}
		if x.ID == 0 {
			err = problem.Field("sender", "No %s sender is called %q: choose one of the suggestions, or leave it empty and choose later.", f.Channel, f.Sender)
		}
		settings.SenderID = x.ID
		if err != nil {
			return s.newChatbotRefused(c, f, err)
		}
	}
	var bot store.Chatbot
	var err error
	if f.Template != "" {
		bot, err = s.cfg.Chatbots.CreateFromTemplate(c.Request().Context(), actor(c), f.Template, settings)
	} else {
		bot, err = s.cfg.Chatbots.Create(c.Request().Context(), actor(c), settings)
	}
	if err != nil {
		return s.newChatbotRefused(c, f, err)
	}
	s.flash(c, "ok", bot.Name+" created. Design its dialogs, then validate it.")
	return redirect(c, "/chatbots/"+itoa(bot.ID))
}

// newChatbotRefused shows the create form again with why it was refused.
func (s *Server) newChatbotRefused(c echo.Context, f views.NewChatbotForm, err error) error {
	errs, status, err := formErrors(err)
	if err != nil {
		return err
	}
	d, lerr := s.chatbotListData(c, views.ChatbotQuery{Sort: "name", Page: 1, PerPage: chatbotsPerPage})
	if lerr != nil {
		return lerr
	}
	if f.Channel != d.New.Channel && senders.ValidChannel(f.Channel) {
		if d.NewSenders, _, lerr = s.cfg.Store.SenderOptions(c.Request().Context(), f.Channel, "", senderSuggestions); lerr != nil {
			return lerr
		}
	}
	// The service names the field as the API does; the form's is sender.
	if msg, ok := errs["sender_id"]; ok {
		errs["sender"] = msg
		delete(errs, "sender_id")
	}
	// Errors first: d.New is a copy of f.
	f.Errors = errs
	d.New = f
	return s.render(c, status, views.ChatbotsPage(d))
}
