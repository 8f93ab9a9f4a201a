package web

import (
	"time"

	"github.com/labstack/echo/v4"

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
	return d, nil
}
