// Live population of the dossier's perimeter, and an EPCI name search (no library, no CDN).
(function () {
  var box = document.getElementById("perimeter");
  if (!box) return;
  var epci = document.getElementById("id_epci"), communes = document.getElementById("id_communes");
  var out = document.getElementById("population"), count = document.getElementById("perimeter-communes");
  var err = document.getElementById("perimeter-error"), search = document.getElementById("id_epci_search");
  var list = document.getElementById("epci-results");
  var fmt = new Intl.NumberFormat(document.documentElement.lang || "fr");
  var timer = null;
  function refresh() {
    var q = "?vintage=" + box.dataset.vintage + "&epci=" + encodeURIComponent(epci.value) +
            "&communes=" + encodeURIComponent(communes.value);
    fetch(box.dataset.url + q, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      out.textContent = fmt.format(d.population);
      count.textContent = d.ok ? d.communes + " communes" : "";
      err.textContent = d.ok ? "" : d.error;
    });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 250); }
  epci.addEventListener("input", later);
  communes.addEventListener("input", later);
  search.addEventListener("input", function () {
    var value = search.value, m = value.match(/\((\d{9})\)$/);
    if (m) {  // a suggestion was picked: add its SIREN to the perimeter
      if ((" " + epci.value + " ").indexOf(" " + m[1] + " ") < 0) epci.value = (epci.value + " " + m[1]).trim();
      search.value = ""; refresh(); return;
    }
    if (value.length < 2) return;
    fetch(box.dataset.search + "?q=" + encodeURIComponent(value)).then(function (r) { return r.json(); }).then(function (d) {
      list.innerHTML = "";
      d.results.forEach(function (e) {
        var o = document.createElement("option"); o.value = e.name + " (" + e.siren + ")"; list.appendChild(o);
      });
    });
  });
  refresh();
})();
