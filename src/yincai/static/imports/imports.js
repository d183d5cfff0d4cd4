// Import pages: the new-assessment fields of the score upload and the KP questions of a blueprint preview.
(function () {
  var fields = document.getElementById("new-assessment-fields");
  if (fields) {
    fields.addEventListener("change", function () {
      document.getElementById("scores-assessment").value = "";  // filling these means: a new assessment
    });
  }
  document.querySelectorAll("#kp-form .kp-question").forEach(function (box) {
    var filter = box.querySelector(".kp-filter"), select = box.querySelector(".kp-select"), many = box.querySelector(".kp-many");
    if (!filter || !select) { return; }
    filter.addEventListener("input", function () {
      var words = filter.value.trim().toLowerCase();
      select.querySelectorAll("option").forEach(function (o) {
        o.hidden = words !== "" && !o.selected && o.textContent.toLowerCase().indexOf(words) < 0 && o.parentNode.label.toLowerCase().indexOf(words) < 0;
      });
    });
    select.addEventListener("change", function () { if (many) { many.checked = true; } });
  });
})();
