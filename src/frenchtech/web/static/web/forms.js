// Move the focus to a form's error summary when the page shows one, so that a screen reader reads the
// problems first and each link leads to its field.
(function () {
  var box = document.getElementById("error-summary");
  if (!box) return;
  box.focus();
  box.querySelectorAll("a[href^='#']").forEach(function (a) {
    a.addEventListener("click", function (event) {
      var field = document.getElementById(a.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      field.scrollIntoView({block: "center"});
      field.focus();
    });
  });
})();
