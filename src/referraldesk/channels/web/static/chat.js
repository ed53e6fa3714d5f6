// The referraldesk web chat: talks to /api/conversations and shows the agent's turns.
// Plain JavaScript, no framework; the page's CSP allows only this origin.
"use strict";

(function () {
  const root = document.getElementById("chat");
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const messages = document.getElementById("messages");
  const optionsBox = document.getElementById("options");
  const notice = document.getElementById("notice");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const restart = document.getElementById("restart");
  let lang = root.dataset.lang === "es" ? "es" : "en";
  let conversationId = null;
  let busy = false;

  function text(key) {
    return strings[lang][key];
  }

  function addMessage(who, body) {
    const item = document.createElement("li");
    item.className = "message " + who;
    const speaker = document.createElement("span");
    speaker.className = "visually-hidden";
    speaker.textContent = (who === "caller" ? text("you") : text("agent")) + ": ";
    const words = document.createElement("p");
    words.textContent = body;
    item.append(speaker, words);
    messages.append(item);
    item.scrollIntoView({ block: "end" });
  }

  function showNotice(message) {
    notice.textContent = message;
    notice.hidden = !message;
  }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    input.setAttribute("aria-busy", String(value));
  }

  function renderOptions(options) {
    optionsBox.replaceChildren();
    for (const option of options || []) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "option";
      button.textContent = option.label;
      button.addEventListener("click", function () {
        say(option.label);
      });
      optionsBox.append(button);
    }
  }

  function finish(message) {
    form.hidden = true;
    optionsBox.replaceChildren();
    restart.hidden = false;
    showNotice(message);
    conversationId = null;
  }

  // The page's own words follow the conversation's language, as the agent's do.
  function relabel() {
    const other = lang === "es" ? "en" : "es";
    const toggle = document.getElementById("switch");
    document.documentElement.lang = lang;
    document.getElementById("heading").textContent = text("heading");
    document.getElementById("intro").textContent = text("intro");
    document.getElementById("message-label").textContent = text("label");
    optionsBox.setAttribute("aria-label", text("label"));
    input.placeholder = text("placeholder");
    send.textContent = text("send");
    restart.textContent = text("restart");
    toggle.textContent = text("switch");
    toggle.href = "/chat?lang=" + other;
    toggle.lang = other;
    toggle.hreflang = other;
  }

  function showTurn(turn) {
    if ((turn.language === "es" || turn.language === "en") && turn.language !== lang) {
      lang = turn.language;
      relabel();
    }
    addMessage("agent", turn.reply);
    renderOptions(turn.options);
    const types = (turn.actions || []).map(function (action) { return action.type; });
    if (types.includes("transfer")) {
      showNotice(text("transfer"));
    }
    if (types.includes("end")) {
      finish(text("ended"));
    }
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const message = data.error && data.error.message ? data.error.message : text("error");
      throw new Error(message);
    }
    return data;
  }

  async function start() {
    messages.replaceChildren();
    form.hidden = false;
    restart.hidden = true;
    showNotice("");
    setBusy(true);
    try {
      const data = await post("/api/conversations", { channel: "chat", language: lang });
      conversationId = data.id;
      showTurn(data.turn);
    } catch (error) {
      showNotice(error.message);
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  async function say(words) {
    const message = words.trim();
    if (!message || busy || !conversationId) {
      return;
    }
    addMessage("caller", message);
    renderOptions([]);
    input.value = "";
    setBusy(true);
    try {
      const data = await post("/api/conversations/" + conversationId + "/messages", { text: message });
      showTurn(data.turn);
    } catch (error) {
      showNotice(error.message);
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say(input.value);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      say(input.value);
    }
  });

  restart.addEventListener("click", start);

  // Tell the server the caller left, so the conversation gets its outcome now.
  window.addEventListener("pagehide", function () {
    if (conversationId) {
      navigator.sendBeacon("/api/conversations/" + conversationId + "/end");
    }
  });

  start();
})();
