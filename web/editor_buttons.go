package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
)

// optionRows are the rows of a buttons element's form (see
// views.buttonsFields): the i-th option_label, option_dialog and
// option_dialog_new. chatbots.OptionsFromRows makes the options of them.
func optionRows(c echo.Context) []chatbots.OptionRow {
	if err := c.Request().ParseForm(); err != nil {
		return nil
	}
	form := c.Request().PostForm
	labels, dialogs, names := form["option_label"], form["option_dialog"], form["option_dialog_new"]
	at := func(list []string, i int) string {
		if i < len(list) {
			return strings.TrimSpace(list[i])
		}
		return ""
	}
	rows := make([]chatbots.OptionRow, 0, len(labels))
	for i := range max(len(labels), len(dialogs)) {
		rows = append(rows, chatbots.OptionRow{Label: at(labels, i), Dialog: at(dialogs, i), NewDialog: at(names, i)})
	}
	return rows
}
