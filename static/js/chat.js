// The web chat's live conversation: with EventSource, messages arrive from
// GET /chat/<address>/events (Server-Sent Events) — the chatbot's replies,
// the visitor's own messages from another tab, and later a person's — on
// whichever replica the page reached. Each carries its id; a message
// already on the page (data-seq) is not shown twice. Without JavaScript,
// or without EventSource, the form posts and the page shows the answer
// as before.
(function () {
  "use strict";
  var log = document.getElementById("transcript");
  if (!log || !log.dataset.events || !window.EventSource) return;
  var form = document.querySelector("form.chat-form");
  var source = null;
  var live = false;

  function lastSeq() {
    var last = 0;
    log.querySelectorAll("[data-seq]").forEach(function (li) {
      var n = parseInt(li.getAttribute("data-seq"), 10);
      if (n > last) last = n;
    });
    return last;
  }

  function line(text, seq) {
    var li = document.createElement("li");
    li.className = "chat-notice";
    li.setAttribute("role", "status");
    if (seq) li.setAttribute("data-seq", seq);
    li.textContent = text;
    return li;
  }

  function show(m) {
    if (log.querySelector('[data-seq="' + m.seq + '"]')) return;
    var hint = document.getElementById("chat-hint");
    if (hint) hint.remove();
    var li;
    if (m.notice) {
      li = line(m.text, m.seq);
      li.setAttribute("data-system", "");
    } else {
      li = document.createElement("li");
      li.className = "bubble";
      li.setAttribute("data-direction", m.direction);
      li.setAttribute("data-seq", m.seq);
      var who = document.createElement("span");
      who.className = "visually-hidden";
      who.textContent = m.direction === "in" ? "You:" : m.direction === "person" ? (m.author || "Support") + ":" : "Chatbot:";
      var text = document.createElement("span");
      text.className = "bubble-text";
      text.textContent = m.text;
      li.append(who, " ", text);
    }
    log.append(li);
    if (m.ended) log.append(line("The conversation has ended. Write again to start a new one."));
    li.scrollIntoView({ block: "nearest" });
  }

  function open() {
    if (source) return;
    var url = log.dataset.events;
    var last = lastSeq();
    if (last) url += "?after=" + last;
    source = new EventSource(url);
    source.onopen = function () { live = true; };
    source.addEventListener("message", function (e) {
      try { show(JSON.parse(e.data)); } catch (err) { /* not an event of ours */ }
    });
    source.onerror = function () {
      live = false;
      // A visitor without a conversation yet gets 204, and EventSource
      // gives up: the stream opens again after the first message.
      if (source.readyState === EventSource.CLOSED) source = null;
    };
  }

  // While the stream is open, the post's answer is what the stream sends
  // too: the stream shows it (once, in order, in every tab). Refusals
  // (not 200) are still shown from the answer.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target !== log || !live || e.detail.xhr.status !== 200) return;
    e.detail.shouldSwap = false;
    // The stream carries the messages, not the options of the last reply
    // (buttons): those still come from the answer (#chat-choices).
    var t = document.createElement("template");
    t.innerHTML = e.detail.serverResponse;
    var fresh = t.content.getElementById("chat-choices");
    var old = document.getElementById("chat-choices");
    if (!fresh || !old) return;
    fresh.removeAttribute("data-hx-swap-oob");
    old.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt === form && e.detail.successful && !source) open();
  });
  open();
})();
