// Answers Console: the little the pages need beyond htmx.
(function () {
  "use strict";

  // Show <time datetime> values in the viewer's time zone.
  var fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  function localTimes(root) {
    root.querySelectorAll("time[datetime]:not([data-countdown])").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) el.textContent = fmt.format(d);
    });
  }

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
  function toast(kind, text) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "toast";
    p.setAttribute("role", "status");
    p.dataset.kind = kind || "ok";
    p.textContent = text;
    box.appendChild(p);
    setTimeout(function () { p.remove(); }, 6000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    countdowns();
    document.querySelectorAll("#toasts .toast").forEach(function (p) {
      setTimeout(function () { p.remove(); }, 6000);
    });
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
