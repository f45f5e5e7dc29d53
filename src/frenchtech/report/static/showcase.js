// Map tooltips and colouring, directory filters. Plain JavaScript, nothing loaded from elsewhere.
(function () {
  "use strict";
  var tip = document.getElementById("map-tooltip");
  function show(el, evt) {
    if (!tip) return;
    tip.textContent = el.getAttribute("data-details");
    tip.hidden = false;
    var box = tip.parentNode.getBoundingClientRect();
    var r = el.getBoundingClientRect();
    var x = evt && evt.clientX ? evt.clientX : r.left + r.width / 2;
    var y = evt && evt.clientY ? evt.clientY : r.top + r.height / 2;
    tip.style.left = (x - box.left + 12) + "px";
    tip.style.top = (y - box.top + 12) + "px";
  }
  function hide() { if (tip) tip.hidden = true; }
  document.querySelectorAll("svg.map .territory").forEach(function (el) {
    el.addEventListener("mousemove", function (e) { show(el, e); });
    el.addEventListener("mouseleave", hide);
    el.addEventListener("focus", function () { show(el); });
    el.addEventListener("blur", hide);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  document.querySelectorAll('input[name="colour"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      var mode = radio.value;
      document.querySelectorAll("svg.map .territory path").forEach(function (p) {
        p.setAttribute("fill", p.getAttribute("data-fill-" + mode));
      });
      document.documentElement.setAttribute("data-colour", mode);
    });
  });
  function filter(kind) {
    var q = function (c) { return document.querySelector("." + c + '[data-for="' + kind + '"]'); };
    var text = (q("f-text").value || "").toLowerCase(), terr = q("f-territory").value, k = q("f-kind").value;
    var lab = q("f-labelled").checked, shown = 0;
    document.querySelectorAll("#table-" + kind + " tbody tr").forEach(function (tr) {
      var ok = (!text || tr.textContent.toLowerCase().indexOf(text) >= 0) &&
        (!terr || tr.getAttribute("data-territory") === terr) && (!k || tr.getAttribute("data-kind") === k) &&
        (!lab || tr.getAttribute("data-labelled") === "1");
      tr.hidden = !ok; if (ok) shown++;
    });
    var out = q("count"); out.textContent = shown + out.textContent.replace(/^\d+/, "");
  }
  // The filters apply as one types: the form is never sent.
  document.querySelectorAll("form.filters").forEach(function (form) {
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  });
  document.querySelectorAll("button.print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll(".filters [data-for]").forEach(function (el) {
    ["input", "change"].forEach(function (ev) { el.addEventListener(ev, function () { filter(el.getAttribute("data-for")); }); });
  });
})();
