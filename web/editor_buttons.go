package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbot"
)

// optionsFromForm reads a buttons element's options from its form's rows
// (option_label and option_dialog, in order; see views.ButtonsForm): a
// row whose label is empty is no option.
func optionsFromForm(c echo.Context) []chatbot.Option {
	if err := c.Request().ParseForm(); err != nil {
		return nil
	}
	labels, dialogs := c.Request().PostForm["option_label"], c.Request().PostForm["option_dialog"]
	var out []chatbot.Option
	for i, l := range labels {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		o := chatbot.Option{Label: l}
		if i < len(dialogs) {
			o.Dialog = dialogs[i]
		}
		out = append(out, o)
	}
	return out
}
