// Scripts of the support pages (moved out of the templates: the Content Security Policy allows no inline
// scripts). Each block does nothing on pages without its elements.
// grouping.html
(function () {
  var board = document.getElementById("board");
  if (!board) return;
  function means() {
    board.querySelectorAll(".bcol").forEach(function (col) {
      var s = Array.prototype.map.call(col.querySelectorAll(".chip"), function (c) { return parseFloat(c.dataset.score); });
      col.querySelector(".mean").textContent = s.length ? "均分 " + (s.reduce(function (a, b) { return a + b; }, 0) / s.length).toFixed(1) + " · " + s.length + "人" : "空";
    });
  }
  function place(id, g) {
    var chip = board.querySelector('.chip[data-student="' + id + '"]');
    var col = board.querySelector('.bcol[data-group="' + g + '"]');
    if (chip && col) col.appendChild(chip);
    var input = document.querySelector('input.gno[data-student="' + id + '"]');
    if (input) input.value = g;
    document.querySelector('input[name=method]').value = "manual";
    means();
  }
  board.addEventListener("dragstart", function (e) { e.dataTransfer.setData("text/plain", e.target.dataset.student); });
  board.querySelectorAll(".bcol").forEach(function (col) {
    col.addEventListener("dragover", function (e) { e.preventDefault(); col.classList.add("over"); });
    col.addEventListener("dragleave", function () { col.classList.remove("over"); });
    col.addEventListener("drop", function (e) { e.preventDefault(); col.classList.remove("over"); place(e.dataTransfer.getData("text/plain"), col.dataset.group); });
  });
  document.querySelectorAll("input.gno").forEach(function (input) {
    input.addEventListener("change", function () { place(input.dataset.student, input.value); });
  });
  means();
})();

// plan.html
(function () {
  var el = document.getElementById("goal-chart");
  if (!el || !window.echarts) return;
  var goals = JSON.parse(document.getElementById("goal-chart-data").textContent);
  var dates = Array.from(new Set([].concat.apply([], goals.map(function (g) { return g.points.map(function (p) { return p[0]; }); })))).sort();
  var series = [];
  goals.forEach(function (g) {
    var byDate = {}; g.points.forEach(function (p) { byDate[p[0]] = p[1]; });
    series.push({ name: g.name, type: "line", connectNulls: true, data: dates.map(function (d) { return d in byDate ? byDate[d] : null; }),
                  markLine: g.target ? { silent: true, symbol: "none", label: { formatter: "目标 " + g.target + "%" }, data: [{ yAxis: g.target }] } : undefined });
  });
  var chart = echarts.init(el);
  chart.setOption({ tooltip: { trigger: "axis", renderMode: "richText" }, legend: { top: 0 }, grid: { left: 40, right: 60, top: 40, bottom: 30 },
                    xAxis: { type: "category", data: dates }, yAxis: { type: "value", min: 0, max: 100, name: "得分率%" }, series: series });
  window.addEventListener("resize", function () { chart.resize(); });
})();
