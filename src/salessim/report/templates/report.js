/* SalesSim report: episode list, filters and drill-down.
   Every piece of run text is inserted with textContent or as an attribute value of a created
   element; this script never parses data as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("salessim-data").textContent);
  var episodes = data.episodes || [];
  var runs = data.runs || [];
  var products = data.products || {};
  var images = data.images || {};
  var personas = data.personas || {};

  function el(tag, opts, children) {
    var node = document.createElement(tag);
    opts = opts || {};
    if (opts.cls) node.className = opts.cls;
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    if (opts.title) node.title = String(opts.title);
    if (opts.attrs) Object.keys(opts.attrs).forEach(function (k) { node.setAttribute(k, String(opts.attrs[k])); });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function fmt(v) {
    if (v === null || v === undefined || typeof v !== "number" || !isFinite(v)) return "-";
    return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Math.round(v * 1000) / 1000);
  }
  function runLabel(i) { var r = runs[i]; return r ? (i + 1) + ": " + r.label : String(i + 1); }

  // ---- filters -------------------------------------------------------------------------------
  var fRun = document.getElementById("f-run");
  var fFail = document.getElementById("f-failure");
  var fCat = document.getElementById("f-category");
  var fArch = document.getElementById("f-archetype");
  var fSearch = document.getElementById("f-search");
  var count = document.getElementById("ep-count");

  function addOptions(select, values, label) {
    values.forEach(function (v) {
      var o = el("option", { text: label ? label(v) : v });
      o.value = String(v);
      select.appendChild(o);
    });
  }
  function distinct(key) {
    var seen = {};
    episodes.forEach(function (e) { if (e[key] !== undefined && e[key] !== "") seen[e[key]] = 1; });
    return Object.keys(seen).sort();
  }
  addOptions(fRun, runs.map(function (_, i) { return i; }), runLabel);
  addOptions(fFail, distinct("fail"));
  addOptions(fCat, distinct("cat"));
  addOptions(fArch, distinct("arch"));

  // search text, built once per episode
  episodes.forEach(function (e) {
    var parts = [e.id, e.persona, e.pname, e.cat, e.arch, e.dec, e.pid, e.fail, e.term];
    (e.msgs || []).forEach(function (m) { parts.push(m.text); if (m.act && m.act.reason) parts.push(m.act.reason); });
    e._search = parts.filter(function (p) { return p; }).join("\n").toLowerCase();
  });

  // ---- episode table -------------------------------------------------------------------------
  var tbody = document.querySelector("#episode-table tbody");
  var rows = [];
  episodes.forEach(function (e, i) {
    var alignment = (e.da === null || e.da === undefined) ? "-" : fmt(e.da);
    var decision = e.dec + (e.pid ? " " + e.pid : "");
    var swatch = el("span", { cls: "swatch", attrs: { style: "background:" + ((runs[e.r] || {}).color || "#999") } });
    var tr = el("tr", { attrs: { "data-index": i, "data-run": e.r, "data-failure": e.fail, "data-category": e.cat,
                                 "data-archetype": e.arch, tabindex: "0" } }, [
      el("td", { cls: "num" }, [swatch, document.createTextNode(String(e.r + 1))]),
      el("td", { text: e.id }),
      el("td", { text: e.pname || e.persona, title: e.persona }),
      el("td", { text: e.cat }),
      el("td", { text: e.arch }),
      el("td", { text: decision }),
      el("td", { text: e.fail }),
      el("td", { cls: "num", text: alignment })
    ]);
    tr.classList.add("episode-row");
    tr.addEventListener("click", function () { show(i); });
    tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); show(i); } });
    tbody.appendChild(tr);
    rows.push(tr);
  });

  function apply() {
    var r = fRun.value, f = fFail.value, c = fCat.value, a = fArch.value;
    var q = fSearch.value.trim().toLowerCase();
    var shown = 0;
    episodes.forEach(function (e, i) {
      var ok = (r === "" || String(e.r) === r) && (f === "" || e.fail === f) && (c === "" || e.cat === c) &&
               (a === "" || e.arch === a) && (q === "" || e._search.indexOf(q) !== -1);
      rows[i].hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + " of " + episodes.length + " episodes shown";
  }
  [fRun, fFail, fCat, fArch].forEach(function (s) { s.addEventListener("change", apply); });
  fSearch.addEventListener("input", apply);
  document.getElementById("f-reset").addEventListener("click", function () {
    fRun.value = ""; fFail.value = ""; fCat.value = ""; fArch.value = ""; fSearch.value = ""; apply();
  });
  apply();

  // ---- drill-down ----------------------------------------------------------------------------
  var detail = document.getElementById("episode-detail");

  function dl(pairs) {
    var d = el("dl");
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "") return;
      d.appendChild(el("dt", { text: p[0] }));
      d.appendChild(el("dd", { text: p[1] }));
    });
    return d;
  }

  function messageNode(m) {
    var box = el("div", { cls: "msg " + m.role });
    var who = m.role === "tool" ? "tool result" + (m.caller ? " (to " + m.caller + ")" : "") : m.role;
    box.appendChild(el("div", { cls: "who", text: who }));
    if (m.act && (m.act.type !== "say" || !m.text)) {
      var a = m.act.type + (m.act.product_id ? " " + m.act.product_id : "") + (m.act.reason ? " \u2014 " + m.act.reason : "");
      box.appendChild(el("span", { cls: "badge action", text: "action: " + a }));
    }
    (m.flags || []).forEach(function (f) { box.appendChild(el("span", { cls: "badge flag", text: f })); });
    if (m.text) box.appendChild(el("div", { cls: "text", text: m.text }));
    (m.calls || []).forEach(function (c) {
      box.appendChild(el("div", { cls: "call" }, [el("span", { cls: "badge", text: "calls " + c.name }), el("code", { text: c.args })]));
    });
    if (m.res) {
      var head = "result of " + m.res.name + (m.res.error ? " (error)" : "") + (m.res.img ? " + product image" : "");
      box.appendChild(el("details", {}, [el("summary", { text: head }), el("pre", { text: m.res.content })]));
    }
    if (m.pres && m.pres.length) box.appendChild(el("div", { cls: "legend-row", text: "presents: " + m.pres.join(", ") }));
    if (m.reasoning) box.appendChild(el("details", {}, [el("summary", { text: "model reasoning (stripped)" }), el("pre", { text: m.reasoning })]));
    return box;
  }

  function productCard(pid, e) {
    var p = products[pid];
    var card = el("div", { cls: "product-card", attrs: { "data-product": pid } });
    var url = images[pid];
    if (typeof url === "string" && url.indexOf("data:image/") === 0) {
      var img = el("img", { attrs: { alt: (p && p.name) || pid, loading: "eager" } });
      img.src = url;
      card.appendChild(img);
    }
    card.appendChild(el("div", { cls: "pname", text: p ? p.name : pid }));
    card.appendChild(el("div", { cls: "legend-row", text: pid }));
    if (e.pid === pid) card.appendChild(el("span", { cls: "badge " + (e.fail === "aligned" ? "good" : "bad"), text: "bought" }));
    if ((e.aligned || []).indexOf(pid) !== -1) card.appendChild(el("span", { cls: "badge good", text: "aligned choice" }));
    if ((e.viewed || []).indexOf(pid) !== -1) card.appendChild(el("span", { cls: "badge", text: "viewed" }));
    if (!p) { card.appendChild(el("div", { cls: "help", text: "not in the catalog" })); return card; }
    var t = el("table");
    (p.attrs || []).forEach(function (a) {
      var name = el("td", { text: a[0] });
      if (a[2]) name.appendChild(el("span", { cls: "badge visual", text: "visual only", title: "shown only in the product image, withheld from text tools" }));
      var tr = el("tr", { cls: a[2] ? "visual-only" : "" }, [name, el("td", { text: a[1] })]);
      t.appendChild(tr);
    });
    card.appendChild(t);
    return card;
  }

  function personaNode(e) {
    var p = personas[e.pkey];
    if (!p) return el("p", { cls: "help", text: "Persona details unavailable (persona file not found)." });
    var box = el("div");
    box.appendChild(dl([["name", p.name + (p.age ? ", " + p.age : "")], ["background", p.background],
                        ["goal", p.goal], ["knowledge", p.knowledge], ["speaking style", p.style],
                        ["emotion", p.emotion], ["Big Five", p.big_five], ["feasible", p.feasible]]));
    var ul = el("ul");
    (p.criteria || []).forEach(function (c) {
      ul.appendChild(el("li", {}, [el("span", { cls: "badge " + (c[1] === "dealbreaker" ? "bad" : ""), text: c[1] }), document.createTextNode(c[0])]));
    });
    box.appendChild(ul);
    return box;
  }

  function metricsNode(e) {
    var t = el("table", { cls: "metrics" });
    t.appendChild(el("tr", {}, [el("th", { text: "metric" }), el("th", { cls: "num", text: "value" }), el("th", { text: "explanation" })]));
    (e.metrics || []).forEach(function (m) {
      var expl = el("td", { cls: "explanation", text: m.explanation || "" });
      if (m.details) expl.appendChild(el("details", { cls: "metric-details" }, [el("summary", { text: "details" }), el("pre", { text: m.details })]));
      t.appendChild(el("tr", {}, [el("td", { text: m.name + (m.version ? " v" + m.version : "") }), el("td", { cls: "num", text: fmt(m.value) }), expl]));
    });
    return t;
  }

  function show(i) {
    var e = episodes[i];
    rows.forEach(function (r) { r.classList.remove("selected"); });
    rows[i].classList.add("selected");
    detail.replaceChildren();
    detail.appendChild(el("h3", { text: "Episode " + e.id }));
    detail.appendChild(dl([["run", runLabel(e.r)], ["persona", e.persona], ["category", e.cat], ["archetype", e.arch],
                           ["decision", e.dec + (e.pid ? " " + e.pid : "")], ["failure kind", e.fail],
                           ["decision alignment", fmt(e.da)], ["termination", e.term], ["turns", e.turns]]));
    detail.appendChild(el("h3", { text: "Persona" }));
    detail.appendChild(personaNode(e));
    detail.appendChild(el("h3", { text: "Transcript" }));
    var tr = el("div", { cls: "transcript" });
    (e.msgs || []).forEach(function (m) { tr.appendChild(messageNode(m)); });
    if (!(e.msgs || []).length) tr.appendChild(el("p", { cls: "help", text: "(no messages)" }));
    detail.appendChild(tr);
    detail.appendChild(el("h3", { text: "Products presented (" + (e.prods || []).length + ")" }));
    var ps = el("div", { cls: "products" });
    (e.prods || []).forEach(function (pid) { ps.appendChild(productCard(pid, e)); });
    if (!(e.prods || []).length) ps.appendChild(el("p", { cls: "help", text: "No product was presented in this episode." }));
    detail.appendChild(ps);
    detail.appendChild(el("h3", { text: "Metrics" }));
    detail.appendChild(metricsNode(e));
    detail.scrollTop = 0;
  }
  window.salessimShowEpisode = show;
})();
