// Renders ECharts charts declared in templates: <div data-chart="kind" data-source="json-script-id">.
(function () {
  function data(el) { return JSON.parse(document.getElementById(el.dataset.source).textContent); }
  var renderers = {
    trajectory: function (el, points) {
      var rate = function (v, p) { return v === null ? null : Math.round(1000 * v / p.max_total) / 10; };
      return {
        tooltip: { trigger: "axis" }, legend: { data: ["本人得分率", "班级中位数"] },
        xAxis: { type: "category", data: points.map(function (p) { return p.date + " " + p.name; }), axisLabel: { rotate: 20 } },
        yAxis: { type: "value", min: 0, max: 100, name: "得分率%" },
        series: [
          { name: "本人得分率", type: "line", connectNulls: false, data: points.map(function (p) { return rate(p.total, p); }) },
          { name: "班级中位数", type: "line", lineStyle: { type: "dashed" }, data: points.map(function (p) { return rate(p.class_median, p); }) }
        ]
      };
    },
    "own-progress": function (el, points) {
      return {
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: points.map(function (p) { return p.date + " " + p.name; }), axisLabel: { rotate: 20 } },
        yAxis: { type: "value", min: 0, max: 100, name: "得分率%" },
        series: [{ name: "得分率", type: "line", areaStyle: {}, data: points.map(function (p) {
          return p.total === null ? null : Math.round(1000 * p.total / p.max_total) / 10; }) }]
      };
    }
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
