// The page of `salessim play`. Plain JavaScript, no build step. Every text from the server is
// inserted with textContent (never as HTML); the access token travels in a header.
"use strict";
(() => {
  const token = document.querySelector('meta[name="salessim-token"]').content;
  const role = document.querySelector('meta[name="salessim-role"]').content;
  if (location.search.indexOf("token=") >= 0) {
    history.replaceState(null, "", location.pathname); // keep the token out of the address bar and history
  }
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const money = (v) => (typeof v === "number" ? "$" + v.toLocaleString("en-US") : "");
  let state = null;
  let busy = false;
  let pollTimer = null;
  let revealed = false;
  let filtersBuilt = false;

  function showError(text) { $("error").textContent = text || ""; }

  async function call(method, path, body) {
    const opts = { method, headers: { "X-SalesSim-Token": token }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      showError("the server does not answer: is `salessim play` still running?");
      return null;
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = { error: "unexpected answer (HTTP " + res.status + ")" }; }
    if (!res.ok) {
      if (data && data.state) render(data.state);
      showError(data && data.error ? data.error : "HTTP " + res.status);
      return null;
    }
    showError("");
    return data;
  }

  async function act(payload) {
    if (busy) return;
    busy = true;
    setEnabled(false);
    $("status").textContent = "Waiting for the other side\u2026";
    const s = await call("POST", "/api/action", payload);
    busy = false;
    if (s) render(s); else if (state) render(state);
  }

  function productName(id) {
    const p = state && state.products ? state.products[id] : null;
    return p ? p.name : id;
  }

  function attrTable(attrs) {
    const table = el("table");
    Object.keys(attrs || {}).forEach((k) => {
      const tr = el("tr");
      tr.appendChild(el("td", null, k.replace(/_/g, " ")));
      const v = attrs[k];
      tr.appendChild(el("td", null, Array.isArray(v) ? v.join(", ") : String(v)));
      table.appendChild(tr);
    });
    return table;
  }

  // ------------------------------------------------------------------ persona card (shopper)
  function renderPersona(p) {
    $("persona").hidden = !p;
    if (!p) return;
    $("persona-name").textContent = p.name + ", " + p.age;
    $("persona-background").textContent = p.background;
    $("persona-goal").textContent = p.goal;
    $("persona-uses").textContent = (p.uses || []).join("; ");
    $("persona-uses-line").hidden = !(p.uses || []).length;
    $("dealbreakers-title").textContent = p.headings.dealbreaker;
    $("dealbreakers-help").textContent = p.headings.dealbreaker_help;
    $("preferences-title").textContent = p.headings.preference;
    $("preferences-help").textContent = p.headings.preference_help;
    const dbs = $("dealbreakers");
    dbs.replaceChildren(...(p.dealbreakers.length ? p.dealbreakers : ["(none)"]).map((t) => el("li", null, t)));
    const prefs = $("preferences");
    prefs.replaceChildren(...(p.preferences.length ? p.preferences : [{ text: "(none)" }]).map((x) =>
      el("li", null, x.weight !== undefined ? x.text + " (weight " + x.weight + ")" : x.text)));
    $("reveal").textContent = (revealed ? "Hide: " : "Show: ") + p.hidden.intro;
    const dl = $("hidden");
    const rows = [["Knowledge", p.hidden.knowledge_level], ["Speaking style", p.hidden.speaking_style],
                  ["Mood", p.hidden.emotion],
                  ["Personality", Object.entries(p.hidden.big_five).map(([k, v]) => k + ": " + v).join("; ")]];
    dl.replaceChildren();
    rows.forEach(([k, v]) => { dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); });
    dl.hidden = !revealed;
  }

  // ------------------------------------------------------------------ transcript
  function message(cls, who, text) {
    const m = el("div", "msg " + cls);
    m.appendChild(el("span", "who", who));
    m.appendChild(el("span", "text", text));
    return m;
  }

  function toolResultText(m) {
    const c = m.content || {};
    if (m.error) return "Error: " + (c.error || "the tool failed");
    if (m.name === "search_products") {
      const lines = [(c.total_matches || 0) + " match(es)" + (c.note ? " \u2014 " + c.note : "")];
      (c.results || []).forEach((r) => lines.push(r.id + " \u00b7 " + r.name + " \u00b7 " + money(r.price)));
      return lines.join("\n");
    }
    if (m.name === "get_product") {
      const lines = [c.id + " \u00b7 " + c.name + " \u00b7 " + money(c.price), c.description || ""];
      Object.entries(c.attributes || {}).forEach(([k, v]) => lines.push(k.replace(/_/g, " ") + ": " + v));
      return lines.join("\n");
    }
    if (m.name === "lookup_buying_guide") {
      const secs = (c.sections || []).map((s) => s.title + ": " + s.text);
      return secs.length ? secs.join("\n\n") : (c.note || "nothing found");
    }
    return JSON.stringify(c);
  }

  function renderTranscript(msgs) {
    const box = $("transcript");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.replaceChildren();
    (msgs || []).forEach((m) => {
      let node;
      if (role === "shopper") {
        if (m.who === "you") {
          let text = m.text;
          if (m.action === "buy") text = (text ? text + "\n" : "") + "(you bought " + productName(m.product_id) + ")";
          if (m.action === "leave") text = (text ? text + "\n" : "") + "(you left)";
          node = message("you", "You", text);
        } else if (m.who === "agent") {
          node = message("agent", "Sales agent", m.text);
          if ((m.products || []).length) node.appendChild(el("div", "shown", "Shown: " + m.products.map(productName).join("; ")));
        } else if (m.who === "view") {
          node = message("view", "You looked", m.error ? "That product could not be shown." : productName(m.product_id));
        }
      } else {
        if (m.who === "shopper") {
          let text = m.text;
          if (m.action === "buy") text = (text ? text + "\n" : "") + "(the shopper bought " + productName(m.product_id) + ")";
          if (m.action === "leave") text = (text ? text + "\n" : "") + "(the shopper left)";
          node = message("shopper", "Shopper", text);
        } else if (m.who === "shopper_view") {
          node = message("shopper_view", "Shopper", "looked at " + productName(m.product_id));
        } else if (m.who === "you") {
          node = message("you", "You", m.text);
          if ((m.products || []).length) node.appendChild(el("div", "shown", "Presented: " + m.products.map(productName).join("; ")));
        } else if (m.who === "tool_call") {
          node = message("tool", "You used a tool", m.name + " " + JSON.stringify(m.arguments));
        } else if (m.who === "tool_result") {
          node = message("tool", "Result of " + m.name, "");
          node.appendChild(el("pre", "result", toolResultText(m)));
        }
      }
      if (node) box.appendChild(node);
    });
    if (nearBottom || busy) box.scrollTop = box.scrollHeight;
  }

  // ------------------------------------------------------------------ products
  function renderProducts(s) {
    const list = $("products");
    list.replaceChildren();
    const products = s.products || {};
    const ids = Object.keys(products);
    $("products-title").textContent = role === "shopper" ? "Products shown to you" : "Products you looked up";
    $("picture-note").textContent = role === "shopper" ? (s.picture_note || "") : "Tick the ones to present with your reply.";
    if (!ids.length) list.appendChild(el("p", "help", role === "shopper" ? "None yet." : "Search the store first."));
    const yourTurn = s.status === "your_turn";
    ids.forEach((id) => {
      const p = products[id];
      const card = el("div", "product");
      card.dataset.id = id;
      card.appendChild(el("div", "name", p.name));
      card.appendChild(el("div", "price", money(p.price) + " \u00b7 " + id));
      const actions = el("div", "actions");
      if (role === "shopper") {
        if (p.viewed) {
          const img = el("img");
          img.alt = "Picture of " + p.name;
          img.src = "/api/image/" + encodeURIComponent(id);
          card.appendChild(img);
          if (p.description) card.appendChild(el("p", "help", p.description));
          card.appendChild(attrTable(p.attributes));
        }
        const view = el("button", "secondary view", p.viewed ? "Viewed" : "View");
        view.type = "button";
        view.disabled = !yourTurn || p.viewed || s.views_left <= 0;
        view.addEventListener("click", () => act({ type: "view", product_id: id }));
        const buy = el("button", "buy", "Buy");
        buy.type = "button";
        buy.disabled = !yourTurn;
        buy.addEventListener("click", () => act({ type: "buy", product_id: id, text: $("message").value }));
        actions.appendChild(view);
        actions.appendChild(buy);
      } else {
        card.appendChild(attrTable(p.attributes));
        const label = el("label");
        const box = el("input", "present");
        box.type = "checkbox";
        box.value = id;
        box.disabled = !yourTurn;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" present with my reply"));
        actions.appendChild(label);
      }
      card.appendChild(actions);
      list.appendChild(card);
    });
  }

  // ------------------------------------------------------------------ agent tools
  function addFilterRow(keys) {
    const row = el("div", "filter-row");
    const select = el("select", "filter-key");
    select.appendChild(el("option", null, "(filter)")).value = "";
    keys.forEach((k) => { const o = el("option", null, k); o.value = k; select.appendChild(o); });
    const input = el("input", "filter-value");
    input.type = "text";
    input.maxLength = 200;
    input.placeholder = "value, e.g. 900 or Windows";
    row.appendChild(select);
    row.appendChild(input);
    $("filter-rows").appendChild(row);
  }

  function renderTools(s) {
    $("tools").hidden = role !== "agent";
    if (role !== "agent") return;
    if (!filtersBuilt && s.filter_keys) {
      addFilterRow(s.filter_keys);
      filtersBuilt = true;
    }
    $("lookups-left").textContent = s.lookups_left !== undefined ? "Tool uses left this turn: " + s.lookups_left : "";
  }

  // ------------------------------------------------------------------ the whole page
  function setEnabled(on) {
    document.querySelectorAll("#compose textarea, #compose button, #tools button, .product button, .product input")
      .forEach((e) => { e.disabled = !on; });
  }

  function render(s) {
    state = s;
    $("role-label").textContent = "\u2014 you are the " + (role === "shopper" ? "shopper" : "sales agent");
    $("intro").textContent = s.intro || "";
    const prog = s.progress || {};
    $("progress").textContent = "Played " + prog.played + " of " + prog.planned + " persona(s).";
    const ep = s.episode;
    $("episode-label").textContent = ep ? ep.category_name + " \u00b7 turn " + Math.min(ep.turn + 1, ep.max_turns) + " of " + ep.max_turns : "";
    renderPersona(role === "shopper" ? s.persona : null);
    renderTools(s);
    renderTranscript(s.messages);
    renderProducts(s);
    const yourTurn = s.status === "your_turn";
    setEnabled(yourTurn && !busy);
    $("reveal").disabled = false;
    $("next").disabled = false;
    const statusText = {
      your_turn: "Your turn.",
      waiting: "Waiting for the other side\u2026",
      finished: "This conversation is over.",
      all_done: "Every persona of this run is played. Thank you!",
      idle: "",
    };
    $("status").textContent = statusText[s.status] || "";
    const fin = $("finished");
    fin.hidden = !(s.status === "finished" || s.status === "all_done");
    if (s.status === "finished" && ep) {
      let outcome = "Saved as episode " + ep.id + ": ";
      if (ep.decision && ep.decision.type === "buy") outcome += "bought " + productName(ep.decision.product_id) + ".";
      else if (ep.decision && ep.decision.type === "leave") outcome += "left without buying.";
      else outcome += "ended (" + ep.termination + ").";
      if (ep.problem) outcome += " The other side failed (" + ep.problem + ").";
      if (!ep.saved) outcome = "This conversation could not be saved: see the terminal.";
      $("outcome").textContent = outcome;
      $("next").hidden = !s.next_available;
    } else if (s.status === "all_done") {
      $("outcome").textContent = "Every persona of this run is played.";
      $("next").hidden = true;
    }
    clearTimeout(pollTimer);
    if (s.status === "waiting") pollTimer = setTimeout(refresh, 1000);
  }

  async function refresh() {
    const s = await call("GET", "/api/state");
    if (s) render(s);
  }

  // ------------------------------------------------------------------ events
  $("compose").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("message").value;
    if (role === "shopper") {
      act({ type: "say", text }).then(() => { if (!$("error").textContent) $("message").value = ""; });
    } else {
      const present = Array.from(document.querySelectorAll("input.present:checked")).map((b) => b.value);
      act({ type: "reply", text, present }).then(() => { if (!$("error").textContent) $("message").value = ""; });
    }
  });
  $("message").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); $("send").click(); }
  });
  $("leave").addEventListener("click", () => act({ type: "leave", text: $("message").value }));
  $("reveal").addEventListener("click", () => { revealed = !revealed; if (state) renderPersona(state.persona); });
  $("next").addEventListener("click", async () => {
    const s = await call("POST", "/api/next", {});
    if (s) { $("message").value = ""; render(s); }
  });
  $("add-filter").addEventListener("click", () => { if (state && state.filter_keys) addFilterRow(state.filter_keys); });
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const filters = Array.from(document.querySelectorAll(".filter-row"))
      .map((r) => ({ key: r.querySelector(".filter-key").value, value: r.querySelector(".filter-value").value }))
      .filter((f) => f.key && f.value.trim());
    act({ type: "search", query: $("search-query").value, filters, limit: Number($("search-limit").value) || 5 });
  });
  $("details-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act({ type: "details", product_id: $("details-id").value });
  });
  $("guide-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    act({ type: "guide", query: $("guide-query").value });
  });

  refresh();
})();
