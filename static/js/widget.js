// Answers Console web chat for any site:
//   <script src="https://console.example/widget.js" data-sender="support" async></script>
// puts a launcher on the page that opens the chat in a panel; with
// data-mode="inline" data-target="#id" the chat fills that element
// instead. The chat itself is the console's own page in an iframe
// (/chat/<sender>?embed=1), so it keeps the console's strict policy; the
// launcher's look comes from /chat/<sender>/theme.css. No dependencies.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var sender = script.getAttribute("data-sender") || "";
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(sender)) {
    console.error("Answers web chat: data-sender must name a livechat sender, such as data-sender=\"support\".");
    return;
  }
  var origin = new URL(script.src, location.href).origin;
  var base = origin + "/chat/" + sender;
  var inline = script.getAttribute("data-mode") === "inline";
  var targetSel = script.getAttribute("data-target");

  // The visitor's signed id, for browsers that keep no cookie (nor any
  // storage) for the chat's frame: the chat hands it over, this page's
  // own storage keeps it, and the chat gets it back when it loads.
  var key = "answers-chat-visitor:" + origin + "/" + sender;
  function stored() {
    try { return localStorage.getItem(key) || ""; } catch (e) { return ""; }
  }
  function frame(title, onClose) {
    var f = document.createElement("iframe");
    f.src = base + "?embed=1";
    f.title = title;
    f.addEventListener("load", function () {
      f.contentWindow.postMessage({ answersChat: "hello", visitor: stored() }, origin);
    });
    window.addEventListener("message", function (e) {
      if (e.source !== f.contentWindow || e.origin !== origin || !e.data) return;
      if (typeof e.data.answersChatVisitor === "string") {
        try { localStorage.setItem(key, e.data.answersChatVisitor); } catch (err) { /* the chat's own cookie must do */ }
      } else if (e.data.answersChat === "close" && onClose) {
        onClose();
      }
    });
    return f;
  }

  // The chat's title, from the theme's --answers-chat-title (a CSS
  // string), so the launcher says what the console set.
  function title(el) {
    var v = getComputedStyle(el).getPropertyValue("--answers-chat-title").trim();
    try {
      v = JSON.parse(v);
    } catch (e) {
      v = "";
    }
    return typeof v === "string" && v ? v : "Chat with us";
  }

  function start() {
    if (inline) {
      var target = targetSel && document.querySelector(targetSel);
      if (!target) {
        console.error("Answers web chat: data-target " + targetSel + " matches no element.");
        return;
      }
      var f = frame(title(target));
      f.className = "answers-chat-inline";
      target.appendChild(f);
      return;
    }
    var id = "answers-chat-" + sender;
    var launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "answers-chat-launcher";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", id);
    document.body.appendChild(launcher);
    var name = title(launcher);
    launcher.textContent = name;

    var panel = document.createElement("div");
    panel.className = "answers-chat-panel";
    panel.id = id;
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", name);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "answers-chat-close";
    close.setAttribute("aria-label", "Close chat");
    close.textContent = "\u00d7";
    document.body.appendChild(panel);
    var iframe = null;

    function open() {
      if (!iframe) {
        iframe = frame(name, shut);
        panel.appendChild(iframe);
        panel.appendChild(close);
        // Focus goes into the chat once it has loaded.
        iframe.addEventListener("load", function () {
          if (!panel.hidden) focusChat();
        });
      }
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      focusChat();
    }
    function focusChat() {
      iframe.focus();
      if (iframe.contentWindow) iframe.contentWindow.postMessage({ answersChat: "focus" }, origin);
    }
    function shut() {
      if (panel.hidden) return;
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }
    launcher.addEventListener("click", function () {
      if (panel.hidden) open();
      else shut();
    });
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") shut();
    });
  }

  // The theme first, so the launcher never shows unstyled; if the site's
  // policy refuses the stylesheet, the launcher still works, plainly.
  var ready = false;
  function go() {
    if (ready) return;
    ready = true;
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
  var link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = base + "/theme.css";
  link.addEventListener("load", go);
  link.addEventListener("error", go);
  document.head.appendChild(link);
  setTimeout(go, 3000);
})();
