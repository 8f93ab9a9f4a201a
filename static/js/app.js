// Answers Console: the little the pages need beyond htmx.
document.documentElement.classList.add("js");

// The phone menu: the button opens and closes the main navigation.
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest("[data-nav-toggle]");
  if (!b) return;
  var nav = b.closest("nav"), open = !nav.hasAttribute("data-open");
  nav.toggleAttribute("data-open", open);
  b.setAttribute("aria-expanded", open ? "true" : "false");
});
(function () {
  "use strict";

  // Show <time datetime> values in the viewer's time zone.
  // <time data-clock> shows only the time of day (its date is written
  // once above it); <time data-ago> says how long ago. Both keep the
  // exact time, in the viewer's zone, on hover.
  var fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var exact = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
  var clock = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
  function localTimes(root) {
    root.querySelectorAll("time[datetime]:not([data-countdown]):not([data-ago])").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d) || el.getAttribute("datetime").length <= 10) return; // a whole day: the server wrote it
      el.textContent = (el.hasAttribute("data-clock") ? clock : fmt).format(d);
      el.title = exact.format(d);
    });
    agos(root);
  }
  var relAgo = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  function agos(root) {
    root.querySelectorAll("time[data-ago]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      var s = Math.round((d - Date.now()) / 1000), a = Math.abs(s);
      el.textContent = a < 60 ? "just now" : a < 3600 ? relAgo.format(Math.round(s / 60), "minute")
        : a < 86400 ? relAgo.format(Math.round(s / 3600), "hour") : relAgo.format(Math.round(s / 86400), "day");
      el.title = exact.format(d);
    });
  }
  setInterval(function () { agos(document); }, 30000);

  // Countdowns: <time data-countdown> says "in 14 minutes", kept current.
  var rel = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  function countdowns() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var s = Math.round((new Date(el.getAttribute("datetime")) - Date.now()) / 1000);
      if (isNaN(s)) return;
      var a = Math.abs(s);
      el.textContent = a < 60 ? rel.format(s, "second") : a < 3600 ? rel.format(Math.round(s / 60), "minute")
        : a < 86400 ? rel.format(Math.round(s / 3600), "hour") : rel.format(Math.round(s / 86400), "day");
    });
  }
  setInterval(countdowns, 1000);

  // Toasts: server flashes and HX-Trigger {"toast": {kind, text}} events.
  // One at a time per kind (a new one replaces the last), each with a
  // close button; "ok" ones leave after 6 s, errors stay until closed.
  function dismissible(p) {
    if (!p.querySelector(".toast-close")) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "toast-close";
      b.setAttribute("aria-label", "Dismiss");
      b.textContent = "\u00d7";
      b.addEventListener("click", function () { p.remove(); });
      p.appendChild(b);
    }
    if (p.dataset.kind !== "error") setTimeout(function () { p.remove(); }, 6000);
  }
  function toast(kind, text) {
    var box = document.getElementById("toasts");
    if (!box) return;
    kind = kind || "ok";
    box.querySelectorAll(".toast").forEach(function (old) { if (old.dataset.kind === kind) old.remove(); });
    var p = document.createElement("p");
    p.className = "toast";
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.dataset.kind = kind;
    var span = document.createElement("span");
    span.textContent = text;
    p.appendChild(span);
    box.appendChild(p);
    dismissible(p);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    countdowns();
    document.querySelectorAll("#toasts .toast").forEach(dismissible);
  });
  document.addEventListener("htmx:afterSwap", function (e) { localTimes(e.target); countdowns(); });
  document.addEventListener("toast", function (e) { toast(e.detail.kind, e.detail.text); });
  // htmx does not swap error responses; say what went wrong.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (!xhr.getResponseHeader("HX-Trigger")) toast("error", xhr.responseText || "The request failed (" + xhr.status + ").");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("error", "The console could not be reached. Check your connection and try again.");
  });
})();

// Forms marked data-reset clear after a successful htmx post (the web
// chat's message box).
document.addEventListener("htmx:afterRequest", function (e) {
  var f = e.detail.elt;
  if (f && f.matches && f.matches("form[data-reset]") && e.detail.successful) {
    f.reset();
    var hint = document.getElementById("chat-hint");
    if (hint) hint.remove();
    var input = f.querySelector("input[name=text]");
    if (input) input.focus();
  }
});

// Lifecycle dialogs: native <dialog>, opened modally (focus moves in,
// Escape closes), and re-opened after a swap that marks them data-open.
document.addEventListener("click", function (e) {
  var opener = e.target.closest && e.target.closest("[data-dialog]");
  if (opener) {
    var d = document.getElementById(opener.dataset.dialog);
    if (d && d.showModal) {
      e.preventDefault();
      d.showModal();
    }
    return;
  }
  var link = e.target.closest && e.target.closest("[data-close-dialog-link]");
  if (link && link.closest("dialog")) {
    link.closest("dialog").close(); // then follow the link to the element
    return;
  }
  var closer = e.target.closest && e.target.closest("[data-close-dialog]");
  if (closer) {
    var dlg = closer.closest("dialog");
    if (dlg) {
      e.preventDefault();
      dlg.close();
    }
  }
});
function openMarkedDialogs(root) {
  (root.querySelectorAll ? root : document).querySelectorAll("dialog[data-open]").forEach(function (d) {
    // Rendered open for pages without JavaScript; make it modal here.
    if (!d.showModal) return;
    if (d.open && !d.matches(":modal")) d.close();
    if (!d.open) d.showModal();
  });
}
document.addEventListener("DOMContentLoaded", function () { openMarkedDialogs(document); });
document.addEventListener("htmx:afterSwap", function () { openMarkedDialogs(document); });

// The viewer's time zone, for the pages that count by day (analytics).
(function () {
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz) document.cookie = "answers_tz=" + tz + "; path=/; max-age=31536000; samesite=lax";
  } catch (e) { /* no Intl: the server counts in UTC */ }
})();

// Analytics filters: editing a date switches the range to custom.
document.addEventListener("change", function (e) {
  var input = e.target;
  if (!input.matches || !input.matches("form[data-analytics] input[type=date]")) return;
  var range = input.form.querySelector("select[name=range]");
  if (range) range.value = "custom";
}, true);

// newRow is a keywords element's row n, made from its form's template: a
// row of its own, named by its number, without the marks of an earlier
// refusal.
function newRow(tpl, n) {
  var row = tpl.content.firstElementChild.cloneNode(true);
  numberRow(row, n);
  row.querySelectorAll("[aria-invalid]").forEach(function (el) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  });
  return row;
}
// numberRow names the fields of a row by its number ("Keywords of branch
// 3"), so that after a row is removed the names still count 1, 2, 3….
function numberRow(row, n) {
  row.querySelectorAll("[aria-label]").forEach(function (el) {
    el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/branch (\d+|new)$/, "branch " + n));
  });
}
function numberRows(list) {
  Array.prototype.forEach.call(list.children, function (row, i) { numberRow(row, i + 1); });
}

// The editor never loses what someone typed. Every save swaps the whole
// editor (so every form carries the new version); before the swap, the
// values of forms edited but not saved are kept, and put back afterwards
// with a marker saying they are not saved yet. A refused save keeps its
// own values too. Leaving the page with unsaved edits asks first.
(function () {
  "use strict";
  function fields(form) {
    return form.querySelectorAll("input:not([type=hidden]):not([type=radio]):not([type=file]), textarea, select");
  }
  function box(el) { return el.type === "checkbox"; }
  function valueOf(el) { return box(el) ? (el.checked ? "1" : "") : el.value; }
  function setValue(el, v) {
    if (box(el)) el.checked = v !== "";
    else el.value = v;
  }
  function dirty(el) {
    if (box(el)) return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      // With no option marked selected, the first one is the default.
      var def = Array.prototype.findIndex.call(el.options, function (o) { return o.defaultSelected; });
      return el.selectedIndex !== (def < 0 ? 0 : def);
    }
    return el.value !== el.defaultValue;
  }
  function dirtyForms(root) {
    if (!root) return [];
    return Array.prototype.filter.call(root.querySelectorAll("form"), function (f) {
      // The lifecycle dialogs' forms are questions asked then, not edits.
      if (f.closest("dialog")) return false;
      // Rows added or removed (a keywords element's branches) are an edit
      // even while every field left holds its saved value.
      return f.hasAttribute("data-rows-changed") || Array.prototype.some.call(fields(f), dirty);
    });
  }
  // A form's repeated rows (a keywords element's branches), if it has any.
  function rowList(f) { return f.querySelector("[data-branch-rows]"); }
  // Makes the swapped-in form f show n rows, as the kept one did: rows the
  // person added come back from the form's template, rows they removed go.
  function matchRows(f, n) {
    var list = rowList(f), tpl = f.querySelector("template[data-branch-template]");
    if (!list || !tpl || n === undefined || list.children.length === n) return false;
    while (list.children.length > n && list.children.length > 1) list.lastElementChild.remove();
    while (list.children.length < n) list.appendChild(newRow(tpl, list.children.length + 1));
    return true;
  }
  // A field's key within its form: its name, and which of the fields of
  // that name it is (a keywords element's rows repeat their names).
  function fieldKey(f, el) {
    var same = Array.prototype.filter.call(fields(f), function (x) { return x.name === el.name; });
    return el.name + "#" + same.indexOf(el);
  }
  function key(f) { return (f.getAttribute("data-hx-post") || f.getAttribute("action") || "") + "|" + (f.getAttribute("aria-label") || ""); }
  function shifts(path) { return /\/(delete|move)(\?|$)/.test(path || ""); }
  function sourceForm(e) {
    var elt = e.detail.requestConfig && e.detail.requestConfig.elt;
    return elt && elt.closest ? elt.closest("form") : null;
  }

  // Removing or moving renumbers elements: edits elsewhere cannot follow.
  document.addEventListener("htmx:confirm", function (e) {
    var path = e.detail.path || "";
    if (!shifts(path) || !e.target.closest || !e.target.closest("#editor")) return;
    var own = e.target.closest("form");
    var others = dirtyForms(document.getElementById("editor")).filter(function (f) { return f !== own; });
    if (others.length && !window.confirm("You have unsaved changes in " + others.length + " other form(s); this will discard them. Continue?")) {
      e.preventDefault();
    }
  });

  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    kept = null;
    if (!target || target.id !== "editor" || !e.detail.shouldSwap) return;
    var path = e.detail.pathInfo && e.detail.pathInfo.requestPath;
    var own = sourceForm(e);
    var refused = e.detail.xhr && e.detail.xhr.status >= 400;
    kept = {};
    dirtyForms(target).forEach(function (f) {
      if (f === own && !refused) return; // saved
      if (shifts(path) && f !== own) return;
      var vals = {};
      fields(f).forEach(function (el) { if (el.name) vals[fieldKey(f, el)] = valueOf(el); });
      if (rowList(f)) vals["#rows"] = rowList(f).children.length;
      kept[key(f)] = vals;
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    var editor = document.getElementById("editor");
    if (!kept || !editor) return;
    editor.querySelectorAll("form").forEach(function (f) {
      var vals = kept[key(f)];
      if (!vals) return;
      var changed = matchRows(f, vals["#rows"]);
      if (changed) f.setAttribute("data-rows-changed", "");
      fields(f).forEach(function (el) {
        var k = el.name && fieldKey(f, el);
        if (k && Object.prototype.hasOwnProperty.call(vals, k) && valueOf(el) !== vals[k]) {
          setValue(el, vals[k]);
          changed = true;
        }
      });
      if (changed && !f.querySelector(".unsaved-marker")) {
        var p = document.createElement("p");
        p.className = "note unsaved-marker";
        p.setAttribute("role", "status");
        p.textContent = "Not saved yet: your changes are kept here until you save them.";
        f.insertBefore(p, f.firstChild);
        f.classList.add("unsaved");
      }
    });
    kept = null;
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirtyForms(document.getElementById("editor")).length) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
})();

// A sender select (data-sender-for names the channel select of its form)
// offers only the senders of the chosen channel.
(function () {
  "use strict";
  function filter(sel) {
    var form = sel.form;
    var ch = form && form.elements[sel.dataset.senderFor];
    if (!ch) return;
    Array.prototype.forEach.call(sel.options, function (o) {
      if (!o.dataset.channel) return;
      var other = o.dataset.channel !== ch.value;
      o.hidden = other;
      o.disabled = other;
      if (other && o.selected) sel.value = "";
    });
  }
  function all() { document.querySelectorAll("select[data-sender-for]").forEach(filter); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSwap", all);
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.form && t.name) {
      t.form.querySelectorAll("select[data-sender-for='" + t.name + "']").forEach(filter);
    }
  });
})();

// The grace control: typing a custom grace picks "Custom…", picking a
// preset clears the custom field; the end time follows; the "close now"
// tick shows only for "None". The server parses and checks all of it
// again (lifecycle.ParseGrace); this only shows what it will read.
(function () {
  "use strict";
  var units = { s: 1, sec: 1, secs: 1, second: 1, seconds: 1, m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
    h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600, d: 86400, day: 86400, days: 86400 };
  function parse(text) {
    var s = text.toLowerCase().replace(/,/g, " ").replace(/\band\b/g, " ").trim();
    if (s === "" || s === "none" || s === "0") return 0;
    var re = /^\s*(\d+)\s*([a-z]+)/, total = 0, m, n = 0;
    while (s.trim() !== "") {
      m = re.exec(s);
      if (!m || !units[m[2]]) return NaN;
      total += parseInt(m[1], 10) * units[m[2]];
      s = s.slice(m[0].length);
      n++;
    }
    return n && total <= 30 * 86400 ? total : NaN;
  }
  var when = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
  function update(box) {
    var preset = box.querySelector("[data-grace-preset]"), custom = box.querySelector("[data-grace-custom]");
    var out = box.querySelector("[data-grace-end]"), tick = box.querySelector("[data-close-now]");
    var text = custom.value.trim() !== "" ? custom.value : preset.value === "custom" ? "" : preset.value;
    var secs = preset.value === "custom" && custom.value.trim() === "" ? NaN : parse(text);
    if (tick) tick.hidden = secs !== 0;
    if (isNaN(secs)) {
      out.textContent = preset.value === "custom" && custom.value.trim() === "" ? "Type a grace period, such as 90s, 15 minutes, 1h30m or 2 days."
        : "Not a grace period this reads: write whole numbers with units, such as 90s, 15 minutes, 1h30m (not 1.5h) or 2 days (at most 30 days).";
    } else if (secs === 0) {
      out.textContent = tick ? "No grace: tick below to close them now." : "No grace.";
    } else {
      out.textContent = "The grace would end " + when.format(new Date(Date.now() + secs * 1000)) + " if you confirm now.";
    }
  }
  function boxOf(el) { return el.closest && el.closest("[data-grace-control]"); }
  document.addEventListener("input", function (e) {
    var box = boxOf(e.target);
    if (!box) return;
    if (e.target.matches("[data-grace-custom]")) {
      box.querySelector("[data-grace-preset]").value = e.target.value.trim() === "" ? box.querySelector("[data-grace-preset] option[selected]") ? box.querySelector("[data-grace-preset] option[selected]").value : "none" : "custom";
    }
    update(box);
  });
  document.addEventListener("change", function (e) {
    var box = boxOf(e.target);
    if (!box) return;
    if (e.target.matches("[data-grace-preset]") && e.target.value !== "custom") box.querySelector("[data-grace-custom]").value = "";
    update(box);
  });
  function all() { document.querySelectorAll("[data-grace-control]").forEach(update); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSwap", all);
  setInterval(all, 30000);
})();

// Copy buttons: data-copy holds the text, data-copied says what was copied
// ("Copied the inbound key."). Without the Clipboard API (a page served
// over plain HTTP to another host) a hidden text area and execCommand do.
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest("[data-copy]");
  if (!b) return;
  var text = b.getAttribute("data-copy"), said = b.getAttribute("data-copied") || "Copied.";
  function done(ok) {
    document.dispatchEvent(new CustomEvent("toast", { detail: ok ? { kind: "ok", text: said } : { kind: "error", text: "Could not copy; select the text and copy it by hand." } }));
  }
  function fallback() {
    var t = document.createElement("textarea");
    t.value = text;
    t.setAttribute("readonly", "");
    t.style.position = "fixed";
    t.style.opacity = "0";
    document.body.appendChild(t);
    t.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    t.remove();
    done(ok);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
  } else {
    fallback();
  }
});

// One-time secrets (a new user's password) go away with the next action on
// the page: they are shown once, beside their row, and not kept around.
document.addEventListener("htmx:beforeRequest", function () {
  document.querySelectorAll("[data-once]").forEach(function (el) { el.remove(); });
});

// Analytics filters: a preset range sends no dates, so the address does
// not keep stale From/To after switching from custom to a preset.
document.addEventListener("htmx:configRequest", function (e) {
  var f = e.detail.elt;
  if (!f || !f.matches || !f.matches("form[data-analytics]")) return;
  var range = f.querySelector("select[name=range]");
  if (range && range.value !== "custom") {
    delete e.detail.parameters.from;
    delete e.detail.parameters.to;
  }
});

// The editor as a flow. A target select's "New dialog…" moves to the name
// field beside it (CSS shows that field); a keywords element's "Add
// branch" adds a row from its template and "Remove" drops one; after a
// save that added a dialog, the new dialog comes into view, focused.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.matches || !sel.matches(".dialog-pick select") || sel.value !== "+new") return;
    var name = sel.parentNode.querySelector(".new-dialog");
    if (name) name.focus();
  });
  document.addEventListener("click", function (e) {
    var add = e.target.closest && e.target.closest("[data-add-branch]");
    if (add) {
      var box = add.closest("fieldset");
      var rows = box.querySelector("[data-branch-rows]");
      var row = newRow(box.querySelector("template[data-branch-template]"), rows.children.length + 1);
      rows.appendChild(row);
      if (add.form) add.form.setAttribute("data-rows-changed", "");
      row.querySelector("input").focus();
      return;
    }
    var rm = e.target.closest && e.target.closest("[data-remove-branch]");
    if (rm) {
      var li = rm.closest("li");
      var list = li.parentNode;
      var next = li.nextElementSibling || li.previousElementSibling;
      if (list.children.length > 1) {
        li.remove();
        numberRows(list);
      } else {
        li.querySelectorAll("input, select").forEach(function (el) { el.value = ""; });
      }
      var form = list.closest("form");
      if (form) form.setAttribute("data-rows-changed", "");
      var focus = next && next.isConnected ? next.querySelector("input") : list.closest("fieldset").querySelector("[data-add-branch]");
      if (focus) focus.focus();
    }
  });
  function focusMarked() {
    var editor = document.getElementById("editor");
    var id = editor && editor.getAttribute("data-focus");
    if (!id) return;
    editor.removeAttribute("data-focus");
    var el = document.getElementById(id);
    if (!el) return;
    el.scrollIntoView({ block: "start" });
    el.focus({ preventScroll: true });
  }
  document.addEventListener("htmx:afterSwap", focusMarked);
})();

// The test chat: docked beside the editor on a wide screen, a drawer on a
// narrow one (its button opens and closes it). It keeps its conversation
// across saves; when a save changed the definition under a conversation
// on the draft, it says so and offers a restart. A trace step links to
// the element that answered.
(function () {
  "use strict";
  function dock() { return document.querySelector("[data-test-chat-dock]"); }
  function setOpen(open) {
    var d = dock();
    if (!d) return;
    d.classList.toggle("open", open);
    var b = d.querySelector("[data-test-chat-toggle]");
    if (b) b.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      // Shown again, the log starts at its latest turn.
      var log = d.querySelector("#test-chat-log");
      if (log) log.scrollTop = log.scrollHeight;
      var input = d.querySelector("input[name=text]");
      if (input) input.focus();
    }
  }
  function narrow() { return !window.matchMedia("(min-width: 1200px)").matches; }
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-test-chat-toggle], [data-test-chat-open], [data-test-chat-goto]");
    if (!t) return;
    if (t.hasAttribute("data-test-chat-toggle")) {
      setOpen(t.getAttribute("aria-expanded") !== "true");
    } else if (t.hasAttribute("data-test-chat-open")) {
      e.preventDefault();
      setOpen(true);
      if (!narrow()) dock().scrollIntoView({ block: "nearest" });
    } else if (narrow()) {
      setOpen(false); // the drawer would cover the element it links to
    }
  });
  function checkStale() {
    var editor = document.getElementById("editor");
    var hash = document.getElementById("test-chat-hash");
    var conv = document.getElementById("test-chat-conversation");
    var note = document.getElementById("test-chat-stale");
    var release = document.querySelector("#test-chat select[name=release]");
    if (!editor || !hash || !conv || !note) return;
    var onDraft = !release || release.value === "0";
    note.hidden = !(onDraft && conv.value && hash.value && hash.value !== editor.getAttribute("data-def-hash"));
  }
  document.addEventListener("htmx:afterSwap", checkStale);
  document.addEventListener("htmx:oobAfterSwap", checkStale);
  // Docked, the panel fits the screen from where it starts: under the
  // page's header at the top of the page, at the top once it sticks, so
  // that its message box is always in view. A log showing its latest turn
  // still shows it after.
  function fitDock() {
    var d = dock();
    if (!d || narrow()) return;
    var log = d.querySelector("#test-chat-log");
    var atEnd = log && log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    d.style.setProperty("--dock-top", Math.round(Math.max(8, d.getBoundingClientRect().top)) + "px");
    if (atEnd) log.scrollTop = log.scrollHeight;
  }
  var fitting = false;
  function fitSoon() {
    if (fitting) return;
    fitting = true;
    requestAnimationFrame(function () { fitting = false; fitDock(); });
  }
  window.addEventListener("scroll", fitSoon, { passive: true });
  window.addEventListener("resize", fitSoon);
  document.addEventListener("DOMContentLoaded", fitDock);
  document.addEventListener("htmx:afterSwap", fitSoon);
  // A turn answered the options shown before it: their buttons stay in the
  // log, as what was offered, but no longer send anything. A refused
  // message (an error notice) answers nothing, so they stay live then.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var t = e.detail.target;
    if (!t || t.id !== "test-chat-log" || !e.detail.shouldSwap || !e.detail.xhr || e.detail.xhr.status >= 400) return;
    t.querySelectorAll(".test-chat-choices button").forEach(function (b) { b.disabled = true; });
  });
})();

// The embedded web chat (/chat/<address>?embed=1 in a customer site's
// frame). Where the browser keeps no cookie for the frame, the signed
// visitor id the server names in X-Chat-Visitor stands in for it: kept in
// this frame's storage when the browser allows it, and always handed to
// the widget on the site (its own storage is first-party, so it keeps it
// even where a frame may keep nothing), which hands it back when the chat
// loads again. It goes back to the server with every request, and a
// reload asks for the conversation with it. The widget also asks for
// focus when its panel opens; Escape asks it to close the panel.
(function () {
  var body = document.body;
  var address = body && body.getAttribute("data-chat-embed");
  if (address === null || address === undefined) return;
  var key = "answers-chat-visitor:" + address;
  var visitor = null, site = null;
  try { visitor = localStorage.getItem(key); } catch (e) { /* storage refused: the widget keeps it */ }
  function keep(v) {
    visitor = v;
    try { localStorage.setItem(key, v); } catch (e) { /* likewise */ }
    if (site) window.parent.postMessage({ answersChatVisitor: v }, site);
  }
  function restore() {
    if (visitor && document.getElementById("chat-hint") && window.htmx) {
      window.htmx.ajax("GET", location.pathname + "?embed=1", { target: "#transcript", swap: "innerHTML" });
    }
  }
  document.addEventListener("htmx:configRequest", function (e) {
    if (visitor) e.detail.headers["X-Chat-Visitor"] = visitor;
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var v = e.detail.xhr && e.detail.xhr.getResponseHeader("X-Chat-Visitor");
    if (v) keep(v);
  });
  restore();
  // Only the sites the sender allows can frame this page, so the parent's
  // origin is one of them: replies go to exactly it.
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data) return;
    if (e.data.answersChat === "hello") {
      site = e.origin;
      if (!visitor && typeof e.data.visitor === "string" && e.data.visitor) {
        visitor = e.data.visitor;
        restore();
      } else if (visitor && visitor !== e.data.visitor) {
        window.parent.postMessage({ answersChatVisitor: visitor }, site);
      }
    } else if (e.data.answersChat === "focus") {
      var input = document.querySelector(".chat-form input[name=text]");
      if (input) input.focus();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && site) window.parent.postMessage({ answersChat: "close" }, site);
  });
})();

// The web chat's appearance on the Senders page: the preview follows the
// form as it is typed (CSS custom properties set through the CSSOM, which
// the page's policy allows; no style attribute is written).
(function () {
  function onAccent(hex) {
    var lum = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.05) ? "#ffffff" : "#000000";
  }
  document.addEventListener("input", function (e) {
    var el = e.target, kind = el.getAttribute && el.getAttribute("data-preview");
    var stage = kind && document.querySelector("[data-embed-preview]");
    if (!stage) return;
    var v = el.value;
    if (kind === "title") {
      v = v.trim() || "Chat with us";
      stage.querySelector("[data-preview-title]").textContent = v;
      stage.querySelector("[data-preview-launcher]").textContent = v;
    } else if (kind === "accent" && /^#[0-9a-f]{6}$/i.test(v)) {
      stage.style.setProperty("--answers-chat-accent", v);
      stage.style.setProperty("--answers-chat-on-accent", onAccent(v));
    } else if (kind === "avatar") {
      var img = stage.querySelector(".preview-avatar");
      if (/^https:\/\/[^\s]+$/.test(v.trim())) {
        if (!img) {
          img = document.createElement("img");
          img.className = "preview-avatar";
          img.alt = "";
          img.width = img.height = 32;
          stage.querySelector(".preview-head").prepend(img);
        }
        img.src = v.trim();
      } else if (img) {
        img.remove();
      }
    } else if (kind === "greeting") {
      var g = stage.querySelector("[data-preview-greeting]");
      g.textContent = v;
      g.hidden = !v.trim();
    } else if (kind === "position") {
      stage.setAttribute("data-position", v);
    }
  });
})();

// Live pages (the Conversations inbox, a conversation): an element with
// data-live-events opens that event stream; each "changed" event makes
// the element named by data-live-target fetch itself again (its hx-get,
// triggered by "live-changed"). EventSource reconnects by itself and
// sends the last version it saw.
(function () {
  "use strict";
  function follow(el) {
    if (el.liveEvents || !window.EventSource) return;
    var es = new EventSource(el.getAttribute("data-live-events"));
    el.liveEvents = es;
    es.addEventListener("changed", function () {
      var target = document.getElementById(el.getAttribute("data-live-target"));
      if (target && window.htmx) window.htmx.trigger(target, "live-changed");
    });
  }
  function all() { document.querySelectorAll("[data-live-events]").forEach(follow); }
  document.addEventListener("DOMContentLoaded", all);
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("[data-live-events]").forEach(function (el) {
      if (el.liveEvents) { el.liveEvents.close(); el.liveEvents = null; }
    });
  });
  window.addEventListener("pageshow", function (e) { if (e.persisted) all(); });
})();
