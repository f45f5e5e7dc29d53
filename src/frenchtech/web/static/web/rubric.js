// Live weighted total of the rubric (n/a criteria are left out of the maximum).
(function () {
  var form = document.getElementById("review-form");
  if (!form) return;
  var selects = form.querySelectorAll("select.score");
  var out = document.getElementById("live-total"), pct = document.getElementById("live-percent");
  var fmt = new Intl.NumberFormat(document.documentElement.lang || "fr", {maximumFractionDigits: 1});
  function update() {
    var got = 0, max = 0;
    selects.forEach(function (s) {
      var w = parseFloat(s.dataset.weight) || 1;
      if (s.value === "" || s.value === "na") return;
      got += w * parseInt(s.value, 10); max += w * 5;
    });
    // Nothing scored yet (or all n/a): say so rather than "0 / 0".
    out.textContent = max ? fmt.format(got) + " / " + fmt.format(max) : (out.dataset.empty || "");
    pct.textContent = max ? "(" + fmt.format(100 * got / max) + " %)" : "";
  }
  selects.forEach(function (s) { s.addEventListener("change", update); });
  update();
})();
