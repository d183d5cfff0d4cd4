// Renders ECharts charts declared in templates: <div data-chart="kind" data-source="json-script-id">.
// Tooltips use renderMode "richText" (drawn on the canvas): HTML tooltips carry inline styles, which the
// Content Security Policy refuses.
(function () {
  function data(el) { return JSON.parse(document.getElementById(el.dataset.source).textContent); }
  function rate(v, p) { return v === null ? null : Math.round(1000 * v / p.max_total) / 10; }
  function progressOption(points, withMedian) {
    var dates = [];
    points.forEach(function (p) { if (dates.indexOf(p.date) < 0) { dates.push(p.date); } });
    dates.sort();
    var subjects = [];
    points.forEach(function (p) { if (subjects.indexOf(p.subject) < 0) { subjects.push(p.subject); } });
    var series = [];
    subjects.forEach(function (subject) {
      var own = dates.map(function () { return null; }), median = dates.map(function () { return null; });
      points.forEach(function (p) {
        if (p.subject !== subject) { return; }
        own[dates.indexOf(p.date)] = rate(p.total, p);
        median[dates.indexOf(p.date)] = rate(p.class_median, p);
      });
      series.push({ name: subject, type: "line", connectNulls: true, showSymbol: true, symbolSize: 8, data: own });
      if (withMedian) {
        series.push({ name: subject + "·班级中位数", type: "line", connectNulls: true, symbol: "none",
                      lineStyle: { type: "dashed", width: 1 }, data: median });
      }
    });
    return {
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { top: 40, left: 50, right: 20, bottom: 40 },
      xAxis: { type: "category", data: dates },
      yAxis: { type: "value", min: 0, max: 100, name: "得分率%" },
      series: series
    };
  }
  var renderers = {
    // Score rate over time, one line per subject (and the class median, dashed, on staff pages).
    trajectory: function (el, points) { return progressOption(points, true); },
    "own-progress": function (el, points) { return progressOption(points, false); }
  };
  function renderAll(root) {
    if (typeof echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var make = renderers[el.dataset.chart];
      if (!make || el.dataset.rendered) { return; }
      var chart = echarts.init(el);
      chart.setOption(make(el, data(el)));
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  window.yincaiCharts = { renderers: renderers, renderAll: renderAll };
  document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  document.addEventListener("htmx:afterSwap", function (e) { renderAll(e.target); });
})();
