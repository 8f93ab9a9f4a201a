// The web chat's live conversation: with EventSource, messages arrive from
// GET /chat/<address>/events (Server-Sent Events) — the chatbot's replies,
// the visitor's own messages from another tab, and later a person's — on
// whichever replica the page reached. Each carries its id; a message
// already on the page (data-seq) is not shown twice. Without JavaScript,
// or without EventSource, the form posts and the page shows the answer
// as before.
//
// EventSource sends the cookie but no header: in a frame whose browser
// keeps no cookie for it, the embedded page's signed visitor id (the
// X-Chat-Visitor header its requests carry, see app.js) goes in the
// stream's visitor parameter instead. A new visitor's first answer names
// the id of its last message (X-Chat-Seq), and the stream opened after it
// starts there (?after=), so a stream that drops before its first event
// resumes from there.
(function () {
  "use strict";
  var log = document.getElementById("transcript");
  if (!log || !log.dataset.events || !window.EventSource) return;
  var form = document.querySelector("form.chat-form");
  var source = null;
  var live = false;
  var visitor = "";     // the header-borne visitor id, once the page's requests show it
  var openedWith = "";  // the visitor id the open stream was given
  var answered = 0;     // the last message id an answer named (X-Chat-Seq)

  function lastSeq() {
    var last = answered;
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
    var params = new URLSearchParams();
    var last = lastSeq();
    if (last) params.set("after", last);
    if (visitor) params.set("visitor", visitor);
    var query = params.toString();
    openedWith = visitor;
    var s = source = new EventSource(log.dataset.events + (query ? "?" + query : ""));
    s.onopen = function () { live = true; };
    s.addEventListener("message", function (e) {
      try { show(JSON.parse(e.data)); } catch (err) { /* not an event of ours */ }
    });
    s.onerror = function () {
      if (s !== source) return;
      live = false;
      // A visitor without a conversation yet gets 204, and EventSource
      // gives up: the stream opens again after the first message, or at
      // once if the page learnt its visitor id meanwhile.
      if (s.readyState === EventSource.CLOSED) {
        source = null;
        if (visitor && visitor !== openedWith) open();
      }
    };
  }

  // What the page's requests show: the visitor id they carried or were
  // given (the embedded chat's header), the id of a first answer's last
  // message. It reports whether the visitor id is new.
  function learn(detail) {
    var xhr = detail.xhr;
    var seq = xhr ? parseInt(xhr.getResponseHeader("X-Chat-Seq"), 10) : NaN;
    if (seq > answered) answered = seq;
    var headers = detail.requestConfig && detail.requestConfig.headers;
    var v = (xhr && xhr.getResponseHeader("X-Chat-Visitor")) || (headers && headers["X-Chat-Visitor"]) || "";
    if (!v || v === visitor) return false;
    visitor = v;
    return true;
  }

  // While the stream is open, the post's answer is what the stream sends
  // too: the stream shows it (once, in order, in every tab). Refusals
  // (not 200) are still shown from the answer.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var verb = e.detail.requestConfig && e.detail.requestConfig.verb;
    if (e.detail.target !== log || !live || e.detail.xhr.status !== 200 || verb !== "post") return;
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
    var known = learn(e.detail);
    if (e.detail.successful && !source && (e.detail.elt === form || known)) open();
  });
  open();
})();
