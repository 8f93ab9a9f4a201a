//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestAddressesStayOnOneLine: a sender's address or an end user's id in a
// table cell is one line at 1280 and 390 px ("+1555010 / 0" and "suppor /
// t" broke inside the chip), and "1 other version" keeps its chevron.
func TestAddressesStayOnOneLine(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "support")
	snd, err := app.Store.SenderByAddress(context.Background(), "livechat", "support")
	must(t, err)
	_, err = app.Routing.Route(context.Background(), snd, "+15550100", "hello")
	must(t, err)
	pages := []string{"/", "/chatbots", "/senders", "/chatbots/" + itoa(bot.ID) + "/sessions"}
	for _, width := range []int{390, 1280} {
		page := newPage(t)
		must(t, page.SetViewportSize(width, 900))
		signIn(t, page, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
		for _, p := range pages {
			_, err := page.Goto(base + p)
			must(t, err)
			v, err := page.Evaluate(`() => [...document.querySelectorAll("td code:not(.secret):not(.masked-key)")]
				.filter(e => e.getBoundingClientRect().height > 2.4 * parseFloat(getComputedStyle(e).fontSize))
				.map(e => e.textContent)`)
			must(t, err)
			if broken := v.([]any); len(broken) > 0 {
				t.Errorf("%s at %d px: %v break across lines", p, width, broken)
			}
			n, err := page.Locator("td code").Count()
			must(t, err)
			if n == 0 && p != "/" {
				t.Errorf("%s shows no address to check", p)
			}
		}
	}
}

// TestEditorAndDialogsAreReadableAt1280: at 1280 px the attribute name
// field shows its placeholder whole (it showed "attrib"), an element's
// Save button sits under its hint (not glued to it), the grace preset
// shows its label whole ("15 minutes (its session timeou"), and a long
// user name leaves the role badge in view.
func TestEditorAndDialogsAreReadableAt1280(t *testing.T) {
	app, base := startConsole(t)
	ctx := context.Background()
	bot := liveFAQ(t, app, "desk")
	snd, err := app.Store.SenderByAddress(ctx, "livechat", "desk")
	must(t, err)
	_, err = app.Routing.Route(ctx, snd, "+15550100", "hello") // an open session: the timeout is preselected
	must(t, err)
	draft, err := app.Chatbots.Duplicate(ctx, who.System(), bot.ID)
	must(t, err)
	_, _, err = app.Accounts.AddUser(ctx, who.System(), accounts.NewUserInput{Email: "long@test.local",
		Name: "Maximiliane Alexandra von Hohenzollern-Sigmaringen", Role: "manager", Password: "a long enough password"})
	must(t, err)
	page := newPage(t)
	must(t, page.SetViewportSize(1280, 900))
	signIn(t, page, base, "long@test.local", "a long enough password")
	_, err = page.Goto(base + "/chatbots/" + itoa(draft.ID))
	must(t, err)
	check := func(what, js string) {
		t.Helper()
		v, err := page.Evaluate(js)
		must(t, err)
		if v != true {
			t.Errorf("%s: %v", what, v)
		}
	}
	check("the attribute name field shows its placeholder whole", `() => {
		const i = document.querySelector("#attributes input[name=name]");
		const c = document.createElement("canvas").getContext("2d");
		const s = getComputedStyle(i); c.font = s.fontSize + " " + s.fontFamily;
		return i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) >= c.measureText(i.placeholder).width || i.clientWidth;
	}`)
	check("each Save element button sits below its hint", `() => {
		for (const f of document.querySelectorAll("li.element form")) {
			const hint = f.querySelector("small"), b = f.querySelector("button[type=submit]");
			if (hint && b && b.getBoundingClientRect().top < hint.getBoundingClientRect().bottom - 1) return hint.textContent;
		}
		return true;
	}`)
	check("the role badge is in view beside a long name", `() => {
		const a = document.querySelector(".topbar .nav-user a"), b = a.querySelector(".badge");
		const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
		return (rb.width > 20 && rb.right <= ra.right + 1) || [ra.right, rb.left, rb.right];
	}`)
	_, err = page.Goto(base + "/chatbots/" + itoa(draft.ID) + "?dialog=activate")
	must(t, err)
	check("the grace preset shows its label whole", `() => {
		const s = document.querySelector("#activate-dialog select[name=grace]");
		const label = s.options[s.selectedIndex].text;
		const c = document.createElement("canvas").getContext("2d");
		const st = getComputedStyle(s); c.font = st.fontSize + " " + st.fontFamily;
		return (label.includes("session timeout") && s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) >= c.measureText(label).width) || [label, s.clientWidth];
	}`)
}
