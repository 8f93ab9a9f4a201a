package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/rbac"
)

// kind says which middleware stack a route runs behind.
type kind int

const (
	page    kind = iota // console pages and fragments: session, CSRF, signed-in user
	api                 // JSON API: bearer token
	inbound             // the inbound message API: the sender's inbound key, checked by the runtime
	ops                 // health, metrics, static files: nothing
)

// Route is one entry of the route table: every route names the permission
// it needs, and the route × role test walks this table.
type Route struct {
	Method     string
	Path       string
	Permission rbac.Permission
	kind       kind
	handler    echo.HandlerFunc
}

// IsAPI reports whether the route belongs to the JSON API (bearer tokens).
func (r Route) IsAPI() bool { return r.kind == api }

// IsInbound reports whether the route is the inbound message API.
func (r Route) IsInbound() bool { return r.kind == inbound }

// inboundPath is the inbound message API, what channel gateways call.
const inboundPath = "/api/v1/messages"

// Routes is the route table.
func (s *Server) Routes() []Route {
	return []Route{
		// Signing in and out, first-run setup.
		{http.MethodGet, "/login", rbac.Public, page, s.loginForm},
		{http.MethodPost, "/login", rbac.Public, page, s.login},
		{http.MethodPost, "/logout", rbac.SignedIn, page, s.logout},
		{http.MethodGet, "/setup", rbac.Public, page, s.setupForm},
		{http.MethodPost, "/setup", rbac.Public, page, s.setup},
		// Signing in with the organisation's OpenID provider (404 without one).
		{http.MethodGet, "/auth/oidc/login", rbac.Public, page, s.oidcLogin},
		{http.MethodGet, "/auth/oidc/callback", rbac.Public, page, s.oidcCallback},
		// The provider's server calls it (no browser, no session, no CSRF
		// token): the signed logout token is the credential.
		{http.MethodPost, "/auth/oidc/backchannel-logout", rbac.Public, ops, s.oidcBackchannelLogout},

		// Every signed-in user.
		{http.MethodGet, "/", rbac.SignedIn, page, s.home},
		{http.MethodGet, "/roles", rbac.SignedIn, page, s.roles},
		{http.MethodGet, "/profile", rbac.SignedIn, page, s.profile},
		{http.MethodPost, "/profile/password", rbac.SignedIn, page, s.changePassword},
		{http.MethodGet, "/password", rbac.SignedIn, page, s.choosePassword},
		{http.MethodPost, "/password", rbac.SignedIn, page, s.saveChosenPassword},
		{http.MethodPost, "/profile/tokens", rbac.SignedIn, page, s.createToken},
		{http.MethodPost, "/profile/tokens/:id/revoke", rbac.SignedIn, page, s.revokeToken},

		// Users and roles.
		{http.MethodGet, "/users", rbac.ManageUsers, page, s.users},
		{http.MethodPost, "/users", rbac.ManageUsers, page, s.addUser},
		{http.MethodPost, "/users/sso-linking", rbac.ManageSettings, page, s.setSSOLinking},
		{http.MethodPost, "/users/:id/role", rbac.ManageUsers, page, s.changeRole},
		{http.MethodPost, "/users/:id/disable", rbac.ManageUsers, page, s.disableUser},
		{http.MethodPost, "/users/:id/enable", rbac.ManageUsers, page, s.enableUser},
		{http.MethodPost, "/users/:id/reset-password", rbac.ManageUsers, page, s.resetPassword},
		{http.MethodGet, "/users/:id/tokens", rbac.ManageUsers, page, s.userTokens},
		{http.MethodPost, "/users/:id/tokens/:token/revoke", rbac.ManageUsers, page, s.revokeUserToken},

		// Conversations people hold (SPEC §11).
		{http.MethodGet, "/conversations", rbac.WorkConversations, page, s.inbox},
		{http.MethodGet, "/conversations/events", rbac.WorkConversations, page, s.conversationEvents},
		{http.MethodGet, "/conversations/:id", rbac.WorkConversations, page, s.conversation},
		{http.MethodPost, "/conversations/:id/take", rbac.WorkConversations, page, s.takeConversation},
		{http.MethodPost, "/conversations/:id/messages", rbac.WorkConversations, page, s.replyConversation},
		{http.MethodPost, "/conversations/:id/resume", rbac.WorkConversations, page, s.resumeConversation},
		{http.MethodPost, "/conversations/:id/close", rbac.WorkConversations, page, s.closeConversation},

		// Analytics.
		{http.MethodGet, "/analytics", rbac.ViewAnalytics, page, s.analyticsPage},
		{http.MethodGet, "/analytics/export.csv", rbac.ViewAnalytics, page, s.analyticsExport},

		// Audit.
		{http.MethodGet, "/audit", rbac.ViewAudit, page, s.auditLog},
		{http.MethodGet, "/audit/export.:format", rbac.ViewAudit, page, s.auditExport},
		{http.MethodGet, "/audit/verify", rbac.ViewAudit, page, s.auditVerify},

		// Senders: everyone who sees chatbots sees them; managers (who put
		// chatbots live) create them and hold their keys.
		{http.MethodGet, "/senders", rbac.ViewDashboard, page, s.senders},
		{http.MethodPost, "/senders", rbac.ActivateChatbots, page, s.createSender},
		{http.MethodPost, "/senders/:id/regenerate-key", rbac.ActivateChatbots, page, s.regenerateSenderKey},
		{http.MethodPost, "/senders/:id/address", rbac.ActivateChatbots, page, s.updateSender},
		{http.MethodPost, "/senders/:id/delete", rbac.ActivateChatbots, page, s.deleteSender},
		{http.MethodGet, "/senders/:id/embed", rbac.ActivateChatbots, page, s.senderEmbed},
		{http.MethodPost, "/senders/:id/embed", rbac.ActivateChatbots, page, s.saveSenderEmbed},
		{http.MethodGet, "/webhooks", rbac.ManageWebhooks, page, s.webhooksPage},
		{http.MethodPost, "/webhooks", rbac.ManageWebhooks, page, s.createWebhook},
		{http.MethodGet, "/webhooks/:id", rbac.ManageWebhooks, page, s.webhookPage},
		{http.MethodPost, "/webhooks/:id", rbac.ManageWebhooks, page, s.updateWebhook},
		{http.MethodPost, "/webhooks/:id/rotate", rbac.ManageWebhooks, page, s.rotateWebhook},
		{http.MethodPost, "/webhooks/:id/test", rbac.ManageWebhooks, page, s.testWebhook},
		{http.MethodPost, "/webhooks/:id/resend/:delivery", rbac.ManageWebhooks, page, s.resendWebhook},
		{http.MethodPost, "/webhooks/:id/replay", rbac.ManageWebhooks, page, s.replayWebhook},
		{http.MethodPost, "/webhooks/:id/delete", rbac.ManageWebhooks, page, s.deleteWebhook},

		// Chatbots: the dashboard, the detailed view and the editor.
		{http.MethodGet, "/chatbots", rbac.ViewDashboard, page, s.chatbotList},
		{http.MethodGet, "/chatbots/sender-options", rbac.ViewDashboard, page, s.senderOptions},
		{http.MethodPost, "/chatbots", rbac.EditChatbots, page, s.createChatbot},
		{http.MethodPost, "/chatbots/import", rbac.EditChatbots, page, s.importChatbot},
		{http.MethodGet, "/chatbots/:id/export", rbac.EditChatbots, page, s.exportChatbot},
		{http.MethodGet, "/chatbots/:id", rbac.ViewChatbots, page, s.chatbotPage},
		{http.MethodGet, "/chatbots/:id/validation", rbac.ViewChatbots, page, s.validation},
		{http.MethodPost, "/chatbots/:id/test-chat", rbac.ViewChatbots, page, s.testChat},
		{http.MethodGet, "/chatbots/:id/compare", rbac.ViewChatbots, page, s.compare},
		{http.MethodPost, "/chatbots/:id/tests/run", rbac.ViewChatbots, page, s.runTests},
		{http.MethodPost, "/chatbots/:id/tests", rbac.EditChatbots, page, s.addTest},
		{http.MethodPost, "/chatbots/:id/tests/:idx", rbac.EditChatbots, page, s.updateTest},
		{http.MethodPost, "/chatbots/:id/tests/:idx/delete", rbac.EditChatbots, page, s.removeTest},
		{http.MethodGet, "/chatbots/:id/draining", rbac.ViewChatbots, page, s.draining},
		{http.MethodGet, "/chatbots/:id/sessions", rbac.ViewChatbots, page, s.chatSessions},
		{http.MethodGet, "/chatbots/:id/sessions/:session", rbac.ViewChatbots, page, s.transcript},
		{http.MethodPost, "/chatbots/:id/duplicate", rbac.EditChatbots, page, s.duplicateChatbot},
		{http.MethodPost, "/chatbots/:id/versions", rbac.EditChatbots, page, s.newVersion},
		{http.MethodGet, "/chatbots/:id/releases/:number", rbac.ViewChatbots, page, s.releasePage},
		{http.MethodPost, "/chatbots/:id/activate", rbac.ActivateChatbots, page, s.activate},
		{http.MethodPost, "/chatbots/:id/deactivate", rbac.ActivateChatbots, page, s.deactivate},
		{http.MethodPost, "/chatbots/:id/end-grace", rbac.ActivateChatbots, page, s.endGrace},
		{http.MethodPost, "/chatbots/:id/extend-grace", rbac.ActivateChatbots, page, s.extendGrace},
		{http.MethodPost, "/chatbots/:id/rollback", rbac.ActivateChatbots, page, s.rollback},
		{http.MethodPost, "/chatbots/:id/delete", rbac.EditChatbots, page, s.deleteChatbot},
		{http.MethodPost, "/chatbots/:id/settings", rbac.EditChatbots, page, s.editSettings},
		{http.MethodPost, "/chatbots/:id/closed-notice", rbac.EditChatbots, page, s.setClosedNotice},
		{http.MethodPost, "/chatbots/:id/handover-timeout", rbac.EditChatbots, page, s.setHandoverTimeout},
		{http.MethodPost, "/chatbots/:id/attributes", rbac.EditChatbots, page, s.addAttribute},
		{http.MethodPost, "/chatbots/:id/attributes/:name/delete", rbac.EditChatbots, page, s.removeAttribute},
		{http.MethodPost, "/chatbots/:id/dialogs", rbac.EditChatbots, page, s.addDialog},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/rename", rbac.EditChatbots, page, s.renameDialog},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/delete", rbac.EditChatbots, page, s.deleteDialog},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/entry", rbac.EditChatbots, page, s.setEntry},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/fallback", rbac.EditChatbots, page, s.setFallback},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/elements", rbac.EditChatbots, page, s.addElement},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/elements/:idx", rbac.EditChatbots, page, s.updateElement},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/elements/:idx/delete", rbac.EditChatbots, page, s.removeElement},
		{http.MethodPost, "/chatbots/:id/dialogs/:dialog/elements/:idx/move", rbac.EditChatbots, page, s.moveElement},

		// The web chat of livechat senders: end users, no sign-in.
		{http.MethodGet, "/chat/:address", rbac.Public, page, s.chatPage},
		{http.MethodPost, "/chat/:address", rbac.Public, page, s.chatSend},
		{http.MethodGet, "/chat/:address/events", rbac.Public, page, s.chatEvents},
		// Its embedding on other sites: the sender's look, and the script
		// a customer's page includes (no session, no cookie).
		{http.MethodGet, "/chat/:address/theme.css", rbac.Public, ops, s.chatThemeCSS},
		{http.MethodGet, "/widget.js", rbac.Public, ops, s.widgetJS},

		// JSON API.
		{http.MethodGet, "/api/v1/me", rbac.SignedIn, api, s.apiMe},
		{http.MethodGet, "/api/v1/chatbots", rbac.ViewDashboard, api, s.apiChatbots},
		{http.MethodGet, "/api/v1/chatbots/:id", rbac.ViewDashboard, api, s.apiChatbot},
		{http.MethodPost, "/api/v1/chatbots", rbac.EditChatbots, api, s.apiImport},
		{http.MethodGet, "/api/v1/templates", rbac.EditChatbots, api, s.apiTemplates},
		{http.MethodGet, "/api/v1/chatbots/:id/export", rbac.EditChatbots, api, s.apiExport},
		{http.MethodGet, "/api/v1/chatbots/:id/releases", rbac.ViewChatbots, api, s.apiReleases},
		{http.MethodPost, "/api/v1/chatbots/:id/duplicate", rbac.EditChatbots, api, s.apiDuplicate},
		{http.MethodPost, "/api/v1/chatbots/:id/versions", rbac.EditChatbots, api, s.apiNewVersion},
		{http.MethodPatch, "/api/v1/chatbots/:id", rbac.EditChatbots, api, s.apiPatchChatbot},
		{http.MethodPut, "/api/v1/chatbots/:id/dialogs/:dialog", rbac.EditChatbots, api, s.apiPutDialog},
		{http.MethodPost, "/api/v1/chatbots/:id/validate", rbac.ViewChatbots, api, s.apiValidate},
		{http.MethodPost, "/api/v1/chatbots/:id/simulate", rbac.ViewChatbots, api, s.apiSimulate},
		{http.MethodPost, "/api/v1/chatbots/:id/test", rbac.ViewChatbots, api, s.apiTest},
		{http.MethodGet, "/api/v1/chatbots/:id/diff", rbac.ViewChatbots, api, s.apiDiff},
		{http.MethodPost, "/api/v1/chatbots/:id/activate", rbac.ActivateChatbots, api, s.apiActivate},
		{http.MethodPost, "/api/v1/chatbots/:id/deactivate", rbac.ActivateChatbots, api, s.apiDeactivate},
		{http.MethodPost, "/api/v1/chatbots/:id/end-grace", rbac.ActivateChatbots, api, s.apiEndGrace},
		{http.MethodPost, "/api/v1/chatbots/:id/extend-grace", rbac.ActivateChatbots, api, s.apiExtendGrace},
		{http.MethodPost, "/api/v1/chatbots/:id/rollback", rbac.ActivateChatbots, api, s.apiRollback},
		{http.MethodDelete, "/api/v1/chatbots/:id", rbac.EditChatbots, api, s.apiDeleteChatbot},
		{http.MethodGet, "/api/v1/chatbots/:id/closed-notice", rbac.ViewChatbots, api, s.apiClosedNotice},
		{http.MethodGet, "/api/v1/chatbots/:id/sessions", rbac.ViewChatbots, api, s.apiChatSessions},
		{http.MethodGet, "/api/v1/conversations", rbac.WorkConversations, api, s.apiConversations},
		{http.MethodGet, "/api/v1/sessions/:id", rbac.WorkConversations, api, s.apiSession},
		{http.MethodPost, "/api/v1/sessions/:id/take", rbac.WorkConversations, api, s.apiTakeSession},
		{http.MethodPost, "/api/v1/sessions/:id/messages", rbac.WorkConversations, api, s.apiReplySession},
		{http.MethodPost, "/api/v1/sessions/:id/resume", rbac.WorkConversations, api, s.apiResumeSession},
		{http.MethodPost, "/api/v1/sessions/:id/close", rbac.WorkConversations, api, s.apiCloseSession},
		{http.MethodPut, "/api/v1/chatbots/:id/closed-notice", rbac.EditChatbots, api, s.apiSetClosedNotice},
		{http.MethodGet, "/api/v1/senders", rbac.ViewDashboard, api, s.apiSenders},
		{http.MethodPost, "/api/v1/senders", rbac.ActivateChatbots, api, s.apiCreateSender},
		{http.MethodPatch, "/api/v1/senders/:id", rbac.ActivateChatbots, api, s.apiUpdateSender},
		{http.MethodDelete, "/api/v1/senders/:id", rbac.ActivateChatbots, api, s.apiDeleteSender},
		{http.MethodPost, inboundPath, rbac.Public, inbound, s.apiMessages},
		{http.MethodGet, "/api/v1/audit", rbac.ViewAudit, api, s.apiAudit},
		{http.MethodGet, "/api/v1/users/:id/tokens", rbac.ManageUsers, api, s.apiUserTokens},
		{http.MethodPost, "/api/v1/users/:id/tokens/:token/revoke", rbac.ManageUsers, api, s.apiRevokeUserToken},
		{http.MethodGet, "/api/v1/analytics", rbac.ViewAnalytics, api, s.apiAnalytics},
		{http.MethodGet, "/api/v1/webhooks", rbac.ManageWebhooks, api, s.apiWebhooks},
		{http.MethodPost, "/api/v1/webhooks", rbac.ManageWebhooks, api, s.apiCreateWebhook},
		{http.MethodGet, "/api/v1/webhooks/:id", rbac.ManageWebhooks, api, s.apiWebhook},
		{http.MethodPatch, "/api/v1/webhooks/:id", rbac.ManageWebhooks, api, s.apiUpdateWebhook},
		{http.MethodDelete, "/api/v1/webhooks/:id", rbac.ManageWebhooks, api, s.apiDeleteWebhook},
		{http.MethodPost, "/api/v1/webhooks/:id/rotate", rbac.ManageWebhooks, api, s.apiRotateWebhook},
		{http.MethodPost, "/api/v1/webhooks/:id/test", rbac.ManageWebhooks, api, s.apiTestWebhook},
		{http.MethodGet, "/api/v1/webhooks/:id/deliveries", rbac.ManageWebhooks, api, s.apiWebhookDeliveries},
		{http.MethodPost, "/api/v1/webhooks/:id/deliveries/:delivery/resend", rbac.ManageWebhooks, api, s.apiResendWebhook},
		{http.MethodPost, "/api/v1/webhooks/:id/replay", rbac.ManageWebhooks, api, s.apiReplayWebhooks},

		// Operations.
		{http.MethodGet, "/healthz", rbac.Public, ops, s.healthz},
		{http.MethodGet, "/metrics", rbac.Public, ops, s.metricsHandler()},
		{http.MethodGet, "/static/*", rbac.Public, ops, echo.WrapHandler(s.assets.Handler())},
	}
}

// register adds the route table to Echo, each route behind its stack and
// its permission check.
func (s *Server) register() {
	pages := []echo.MiddlewareFunc{s.withSession, s.csrf(), s.loadUser}
	apis := []echo.MiddlewareFunc{s.bearerAuth}
	for _, r := range s.Routes() {
		mw := []echo.MiddlewareFunc{limitBody(bodyLimit(r.kind))}
		switch r.kind {
		case page:
			mw = append(mw, pages...)
		case api:
			mw = append(mw, apis...)
		}
		mw = append(mw, require(r.Permission, r.kind == api))
		s.echo.Add(r.Method, r.Path, r.handler, mw...)
	}
	// Unknown paths still get the session, so the 404 page shows the
	// navigation of whoever is signed in.
	s.echo.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound }, s.withSession, s.loadUser)
}
