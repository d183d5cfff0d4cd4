// Survey result bars: <div data-chart="survey-bar" data-source="json-script-id" data-question="id">.
// Registered before charts.js renders on DOMContentLoaded (this script runs during parsing).
(function () {
  function register() {
    if (!window.yincaiCharts) { return; }
    window.yincaiCharts.renderers["survey-bar"] = function (el, all) {
      var q = all.filter(function (c) { return String(c.id) === el.dataset.question; })[0] || { labels: [], counts: [] };
      return {
        tooltip: { trigger: "item", renderMode: "richText" },
        grid: { left: 8, right: 30, top: 10, bottom: 10, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: q.labels, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
        series: [{ type: "bar", data: q.counts, label: { show: true, position: "right" } }]
      };
    };
  }
  document.addEventListener("DOMContentLoaded", register);
})();
