// What-if panel of the deliberation page: every change of a control sends the settings that differ from
// the audit's to the server, which re-runs the audit's index, decisions and uncertainty; the table is
// redrawn with the decisions that would change marked. Scenarios are saved by name and compared.
(function () {
  "use strict";
  var panel = document.getElementById("whatif");
  if (!panel) return;
  var form = document.getElementById("whatif-form");
  var table = document.getElementById("whatif-table");
  var status = document.getElementById("whatif-status");
  var error = document.getElementById("whatif-error");
  var controls = Array.prototype.slice.call(form.querySelectorAll("[data-key]"));
  var lang = document.documentElement.lang || "fr";
  var score = new Intl.NumberFormat(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1});
  var whole = new Intl.NumberFormat(lang, {maximumFractionDigits: 0});
  var percent = new Intl.NumberFormat(lang, {style: "percent", maximumFractionDigits: 0});
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var sent = 0;   // requests sent; an answer older than the last one shown is dropped

  function msg(name, n) { return (panel.dataset["msg" + name] || "").replace("%(n)s", n); }

  function initial(el) {
    if (el.tagName === "SELECT") {
      var opt = Array.prototype.find.call(el.options, function (o) { return o.defaultSelected; });
      return opt ? opt.value : el.options[0].value;
    }
    return el.defaultValue;
  }

  function typed(el, value) {
    if (el.dataset.text) return value;
    return el.dataset.integer ? parseInt(value, 10) : parseFloat(value);
  }

  // The settings that differ from the audit's (an emptied number field keeps the audit's value).
  function settings() {
    var out = {};
    controls.forEach(function (el) {
      if (el.value === "" || el.value === initial(el)) return;
      var v = typed(el, el.value);
      if (!el.dataset.text && (isNaN(v) || v === typed(el, initial(el)))) return;
      out[el.dataset.key] = v;
    });
    return out;
  }

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                       headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}})
      .then(function (r) {
        return r.json().catch(function () { return {error: r.status + " " + r.statusText}; })
          .then(function (data) { if (!r.ok) throw new Error(data.error || r.statusText); return data; });
      });
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function interval(r) {
    return r.rank_p05 === null ? "—" : whole.format(r.rank_p05) + "–" + whole.format(r.rank_p95);
  }

  function draw(data) {
    var body = table.tBodies[0];
    var rows = document.createDocumentFragment();
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.territory = r.territory;
      if (r.changed) tr.className = "changed";
      cell(tr, whole.format(r.rank), "num");
      cell(tr, r.audit_rank === null ? "—" : whole.format(r.audit_rank), "num");
      cell(tr, r.name);
      cell(tr, score.format(r.score), "num");
      cell(tr, interval(r), "num");
      cell(tr, r.p_labelled === null ? "—" : percent.format(r.p_labelled), "num");
      var d = cell(tr, "", "decision");
      var strong = document.createElement("strong");
      strong.textContent = r.decision_label;
      d.appendChild(strong);
      if (r.changed) {
        var mark = document.createElement("span");
        mark.className = "change-mark";
        mark.textContent = " ≠";
        d.appendChild(mark);
      }
      cell(tr, r.audit_label);
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
    status.textContent = (data.changed ? msg("Changed", data.changed) : msg("None")) + " " +
      msg("Replications", whole.format(data.replications));
    table.dataset.round = String(Number(table.dataset.round) + 1);
  }

  function fail(e) {
    error.textContent = e.message;
    error.hidden = false;
    status.textContent = "";
  }

  function update() {
    var mine = ++sent;
    var started = performance.now();
    status.textContent = msg("Computing");
    table.setAttribute("aria-busy", "true");
    return post(panel.dataset.runUrl, {settings: settings()}).then(function (data) {
      if (mine !== sent) return;
      error.hidden = true;
      draw(data);
      table.removeAttribute("aria-busy");
      panel.dispatchEvent(new CustomEvent("whatif:updated", {detail: {ms: performance.now() - started}}));
    }).catch(function (e) {
      if (mine !== sent) return;
      table.removeAttribute("aria-busy");
      fail(e);
      panel.dispatchEvent(new CustomEvent("whatif:failed", {detail: {message: e.message}}));
    });
  }

  function apply(keys) {
    controls.forEach(function (el) {
      el.value = Object.prototype.hasOwnProperty.call(keys, el.dataset.key) ? keys[el.dataset.key] : initial(el);
    });
    return update();
  }

  form.addEventListener("change", update);
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  document.getElementById("whatif-reset").addEventListener("click", function () { apply({}); });

  // -- scenarios ----------------------------------------------------------------------------------
  var list = document.getElementById("whatif-scenarios");

  function describe(keys) {
    var parts = Object.keys(keys).map(function (k) { return k + " = " + keys[k]; });
    return parts.join(", ");
  }

  function addScenario(s) {
    var li = document.createElement("li");
    li.dataset.keys = JSON.stringify(s.keys);
    var box = document.createElement("input");
    box.type = "checkbox";
    box.id = "wi-compare-" + s.id;
    box.className = "wi-compare";
    var label = document.createElement("label");
    label.htmlFor = box.id;
    label.textContent = s.name;
    var hint = document.createElement("span");
    hint.className = "hint";
    hint.textContent = " " + s.author + ", " + s.created + " — " + describe(s.keys);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "wi-apply link";
    button.textContent = msg("Apply");
    li.append(box, label, hint, button);
    list.prepend(li);
  }

  list.addEventListener("click", function (e) {
    if (!e.target.classList.contains("wi-apply")) return;
    apply(JSON.parse(e.target.closest("li").dataset.keys));
  });

  document.getElementById("whatif-save").addEventListener("submit", function (e) {
    e.preventDefault();
    var name = document.getElementById("whatif-name");
    post(panel.dataset.saveUrl, {name: name.value, settings: settings()}).then(function (s) {
      error.hidden = true;
      addScenario(s);
      name.value = "";
      status.textContent = msg("Saved");
    }).catch(fail);
  });

  // Compare: the rank and decision of every territory under each ticked scenario, beside the audit's.
  document.getElementById("whatif-compare").addEventListener("click", function () {
    var picked = Array.prototype.filter.call(list.querySelectorAll(".wi-compare"), function (b) { return b.checked; });
    if (!picked.length) { fail(new Error(msg("Pick"))); return; }
    var names = picked.map(function (b) { return b.labels[0].textContent; });
    Promise.all(picked.map(function (b) {
      return post(panel.dataset.runUrl, {settings: JSON.parse(b.closest("li").dataset.keys)});
    })).then(function (results) {
      error.hidden = true;
      drawComparison(names, results);
    }).catch(fail);
  });

  function drawComparison(names, results) {
    var out = document.getElementById("whatif-comparison");
    var head = document.createElement("tr");
    [table.tHead.rows[0].cells[2].textContent, msg("Audit")].concat(names).forEach(function (n) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = n;
      head.appendChild(th);
    });
    out.tHead.replaceChildren(head);
    var byTerritory = results.map(function (res) {
      var m = {};
      res.rows.forEach(function (r) { m[r.territory] = r; });
      return m;
    });
    var body = document.createDocumentFragment();
    results[0].rows.slice().sort(function (a, b) { return a.audit_rank - b.audit_rank; }).forEach(function (r0) {
      var tr = document.createElement("tr");
      cell(tr, r0.name);
      cell(tr, (r0.audit_rank === null ? "—" : whole.format(r0.audit_rank)) + " · " + r0.audit_label);
      byTerritory.forEach(function (m) {
        var r = m[r0.territory];
        cell(tr, whole.format(r.rank) + " · " + r.decision_label, r.changed ? "changed" : "");
      });
      body.appendChild(tr);
    });
    out.tBodies[0].replaceChildren(body);
    out.hidden = false;
  }

  update();
})();
