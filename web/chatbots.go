package web

import (
	"errors"
	"net/http"
	"strconv"
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
		Q: c.QueryParam("q"), Sort: c.QueryParam("sort"), Page: 1, PerPage: chatbotsPerPage,
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
	if v := c.QueryParam("sender"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return q, problem.Field("sender", "The sender %q is not an id.", v)
		}
		q.SenderID = id
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
	rows, total, err := s.cfg.Store.Chatbots(ctx, store.ChatbotFilter{
		Status: q.Status, Channel: q.Channel, SenderID: q.SenderID, Query: q.Q, Sort: q.Sort,
		Limit: q.PerPage, Offset: (q.Page - 1) * q.PerPage, Since: startOfDay(c, time.Now()), Families: true,
	})
	if err != nil {
		return views.ChatbotListData{}, err
	}
	list, more, err := s.senderPicker(c, q.Channel, q.SenderID)
	return views.ChatbotListData{Rows: rows, Total: total, Filter: q, Senders: list, MoreSenders: more, New: views.NewChatbotForm{Channel: "livechat", Templates: chatbots.Templates()}}, err
}

// senderPickerSize bounds a sender drop-down: a console with thousands of
// senders lists those of one channel, and the page stays small.
const senderPickerSize = 300

// senderPicker lists senders for a drop-down, of one channel or all, and
// always the chosen one.
func (s *Server) senderPicker(c echo.Context, channel string, chosen int64) ([]store.Sender, bool, error) {
	ctx := c.Request().Context()
	list, more, err := s.cfg.Store.SenderOptions(ctx, channel, senderPickerSize)
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
	f := views.NewChatbotForm{Name: formValue(c, "name"), Channel: formValue(c, "channel"), Template: formValue(c, "template"), Templates: chatbots.Templates()}
	if v := formValue(c, "sender_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return problem.Field("sender_id", "Choose a sender.")
		}
		f.SenderID = id
	}
	settings := chatbots.Settings{Name: f.Name, Channel: f.Channel, SenderID: f.SenderID}
	var bot store.Chatbot
	var err error
	if f.Template != "" {
		bot, err = s.cfg.Chatbots.CreateFromTemplate(c.Request().Context(), actor(c), f.Template, settings)
	} else {
		bot, err = s.cfg.Chatbots.Create(c.Request().Context(), actor(c), settings)
	}
	if err != nil {
		errs, status, err := formErrors(err)
		if err != nil {
			return err
		}
		d, lerr := s.chatbotListData(c, views.ChatbotQuery{Sort: "name", Page: 1, PerPage: chatbotsPerPage})
		if lerr != nil {
			return lerr
		}
		// Errors first: d.New is a copy of f.
		f.Errors = errs
		d.New = f
		return s.render(c, status, views.ChatbotsPage(d))
	}
	s.flash(c, "ok", bot.Name+" created. Design its dialogs, then validate it.")
	return redirect(c, "/chatbots/"+itoa(bot.ID))
}
