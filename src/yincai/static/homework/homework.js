// 分层作业 pages: the one-tap marking grid, the grade's stacked load chart, the print button. No inline scripts.
(function () {
  var ORDER = ["", "right", "half", "wrong"];
  var LABEL = { "": "·", right: "对", half: "半对", wrong: "错" };
  function reasonLabel(form, code) {
    var input = form.querySelector('.brush input[value="' + code + '"]');
    return input ? input.nextElementSibling.textContent.slice(0, 2) : "";
  }
  function paint(form, cell) {
    var mark = cell.dataset.mark || "", reason = cell.dataset.reason || "";
    cell.textContent = LABEL[mark];
    if (reason && (mark === "half" || mark === "wrong")) {
      var small = document.createElement("small");
      small.textContent = reasonLabel(form, reason);
      cell.appendChild(small);
    }
  }
  function setupMarking(form) {
    form.classList.add("js");
    form.querySelectorAll(".cell").forEach(function (cell) {
      var key = cell.dataset.key;
      var markSel = form.querySelector('select[name="m-' + key + '"]');
      var reasonSel = form.querySelector('select[name="r-' + key + '"]');
      paint(form, cell);
      cell.addEventListener("click", function () {
        var next = ORDER[(ORDER.indexOf(cell.dataset.mark || "") + 1) % ORDER.length];
        var brush = form.querySelector(".brush input:checked");
        cell.dataset.mark = next;
        cell.dataset.reason = (next === "half" || next === "wrong") && brush ? brush.value : "";
        markSel.value = next;
        reasonSel.value = cell.dataset.reason;
        paint(form, cell);
      });
    });
  }
  function loadChart(el) {
    var d = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var series = d.series.map(function (s) { return { name: s.name, type: "bar", stack: "day", data: s.data }; });
    if (series.length) {
      series[0].markLine = { symbol: "none", lineStyle: { color: "#b91c1c", type: "dashed" },
                             label: { position: "insideEndTop", formatter: "上限 " + d.limit + " 分钟" }, data: [{ yAxis: d.limit }] };
    }
    var chart = window.echarts.init(el);
    chart.setOption({ tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 40, bottom: 30 },
                      xAxis: { type: "category", data: d.classes },
                      yAxis: { type: "value", name: "分钟", max: function (v) { return Math.max(v.max, d.limit) + 10; } },
                      series: series });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("mark-form");
    if (form) { setupMarking(form); }
    document.querySelectorAll("[data-hwchart=load]").forEach(function (el) { if (window.echarts) { loadChart(el); } });
    document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  });
})();
