package web

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// homeLimit bounds each list of the operations overview.
const homeLimit = 50

// homeData loads the operations overview for those who may see chatbots:
// what is live, what is finishing in grace, and (for those who may
// activate) the drafts waiting.
func (s *Server) homeData(c echo.Context) (views.HomeData, error) {
	var d views.HomeData
	role := currentUser(c).Role
	if !rbac.Can(role, rbac.ViewDashboard) {
		return d, nil
	}
	ctx := c.Request().Context()
	since := startOfDay(c, time.Now())
	var err error
	if d.Graces, _, err = s.cfg.Store.Chatbots(ctx, store.ChatbotFilter{Status: store.StatusDeactivated, Sort: "name", Limit: homeLimit, Since: since}); err != nil {
		return d, err
	}
	if d.Live, _, err = s.cfg.Store.Chatbots(ctx, store.ChatbotFilter{Status: store.StatusActive, Sort: "name", Limit: homeLimit, Since: since}); err != nil {
		return d, err
	}
	if rbac.Can(role, rbac.ActivateChatbots) {
		if d.Drafts, _, err = s.cfg.Store.Chatbots(ctx, store.ChatbotFilter{Status: "draft", Sort: "-updated", Limit: 10, Since: since}); err != nil {
			return d, err
		}
	}
	if err := s.homeTraffic(c, &d); err != nil {
		return d, err
	}
	// Everyone who sees chatbots sees what happened to them; only those
	// who may read the audit log see who did it.
	d.ShowActors = rbac.Can(role, rbac.ViewAudit)
	if rbac.Can(role, rbac.ManageWebhooks) {
		if d.DisabledWebhooks, err = s.cfg.Store.DisabledWebhooks(ctx); err != nil {
			return d, err
		}
	}
	d.Events, err = s.cfg.Store.RecentAudit(ctx, lifecycleActions, homeEvents)
	return d, err
}

// homeEvents is how many lifecycle events home shows.
const homeEvents = 10

// lifecycleActions are the audit actions of home's lifecycle feed.
var lifecycleActions = []string{
	lifecycle.ActionActivated, lifecycle.ActionDeactivated, lifecycle.ActionGraceEnded,
	lifecycle.ActionGraceExtended, lifecycle.ActionRolledBack,
}

// homeTraffic adds the messages of the last hour or two per serving
// chatbot and the chatbots whose fallback rate jumped (analytics.Jumped).
func (s *Server) homeTraffic(c echo.Context, d *views.HomeData) error {
	var ids []int64
	names := map[int64]store.ChatbotRow{}
	for _, list := range [][]store.ChatbotRow{d.Live, d.Graces} {
		for _, b := range list {
			ids = append(ids, b.ID)
			names[b.ID] = b
		}
	}
	now := time.Now()
	t, err := s.cfg.Store.RecentTrafficOf(c.Request().Context(), ids, now)
	if err != nil {
		return err
	}
	d.Traffic = t
	d.JumpRule = analytics.JumpRule
	for _, id := range ids {
		if j, ok := analytics.Jumped(t[id]); ok {
			d.Jumps = append(d.Jumps, views.HomeJump{Chatbot: names[id], Jump: j})
		}
	}
	return nil
}
