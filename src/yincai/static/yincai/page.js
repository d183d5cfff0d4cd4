// Page helpers that replace inline styles and handlers (the Content Security Policy forbids both):
// sizes and positions come from data-* attributes and are set through the CSSOM, which CSP allows.
//   data-height="320" [data-min-height="300"]  → height in px (charts must have it before charts.js runs)
//   data-left="12" data-width="30"             → left / width in %
//   data-action="print"                        → prints the page
(function () {
  function apply(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var nodes = Array.prototype.slice.call(scope.querySelectorAll("[data-height], [data-left], [data-width]"));
    if (scope !== document && scope.matches && scope.matches("[data-height], [data-left], [data-width]")) nodes.push(scope);
    nodes.forEach(function (el) {
      var d = el.dataset;
      if (d.height) el.style.height = Math.max(+d.height, +(d.minHeight || 0)) + "px";
      if (d.left) el.style.left = d.left + "%";
      if (d.width) el.style.width = d.width + "%";
    });
  }
  apply(document);
  document.addEventListener("htmx:load", function (e) { apply(e.detail && e.detail.elt); });
  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target.closest("[data-action=print]") : null;
    if (target) { e.preventDefault(); window.print(); }
  });
})();
