/* Item bank pages: render $…$ formulae offline with the vendored KaTeX, live preview of the stem being typed,
   and the KP picker (search the tree, click a result to add its code). No inline scripts (CSP). */
(function () {
  "use strict";
  var DELIMITERS = [{ left: "$$", right: "$$", display: true }, { left: "$", right: "$", display: false }];

  function render(el) {
    if (window.renderMathInElement) {
      window.renderMathInElement(el, { delimiters: DELIMITERS, throwOnError: false });
    }
  }

  function renderAll() {
    document.querySelectorAll(".math").forEach(render);
    document.body.classList.add("math-ready");
  }

  function stemPreview() {
    var stem = document.getElementById("id_stem");
    var out = document.getElementById("stem-preview");
    if (!stem || !out) { return; }
    var update = function () { out.textContent = stem.value; render(out); };
    stem.addEventListener("input", update);
    update();
  }

  function kpPicker() {
    var box = document.getElementById("kp-search");
    var list = document.getElementById("kp-results");
    var field = document.getElementById("id_kp_text");
    if (!box || !list || !field) { return; }
    var timer = null;
    var search = function () {
      var grade = document.getElementById("id_grade_level");
      var url = box.dataset.url + "?q=" + encodeURIComponent(box.value) + "&grade=" + (grade ? grade.value : "");
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        list.textContent = "";
        data.results.forEach(function (k) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = "#";
          a.textContent = k.code + " " + k.name + "（" + k.grade + k.semester + "）";
          a.addEventListener("click", function (ev) {
            ev.preventDefault();
            var codes = field.value.split(/[、,，;；\s]+/).filter(Boolean);
            if (codes.indexOf(k.code) < 0) { codes.push(k.code); }
            field.value = codes.join("、");
          });
          li.appendChild(a);
          list.appendChild(li);
        });
      });
    };
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderAll();
    stemPreview();
    kpPicker();
  });
})();
