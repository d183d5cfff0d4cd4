// Chart renderers of the diagnosis pages, registered into yincai's chart shell (static/yincai/charts.js).
(function () {
  function register() {
    if (!window.yincaiCharts) { return false; }
    var r = window.yincaiCharts.renderers;
    r.radar = function (el, all) {
      var dims = all[el.dataset.key] || [];
      return {
        tooltip: { renderMode: "richText" },
        radar: { indicator: dims.map(function (d) { return { name: d.label, max: 100 }; }), radius: "65%" },
        series: [{ type: "radar", areaStyle: { opacity: 0.25 },
          data: [{ name: "得分率%", value: dims.map(function (d) { return Math.round(d.value * 1000) / 10; }) }] }]
      };
    };
    r.distribution = function (el, d) {
      return {
        tooltip: { renderMode: "richText" }, xAxis: { type: "category", data: d.bins || [] }, yAxis: { type: "value", name: "人数", minInterval: 1 },
        series: [{ type: "bar", data: d.counts || [], itemStyle: { color: "#2563eb" } }]
      };
    };
    r.heatmap = function (el, h) {
      return {
        tooltip: { renderMode: "richText", formatter: function (p) { return h.students[p.value[1]] + " · " + h.kps[p.value[0]] + "：" + Math.round(p.value[2] * 100) + "%"; } },
        grid: { left: 80, right: 20, top: 10, bottom: 110 },
        xAxis: { type: "category", data: h.kps, axisLabel: { rotate: 40, interval: 0, fontSize: 10 } },
        yAxis: { type: "category", data: h.students, axisLabel: { fontSize: 10 } },
        visualMap: { min: 0, max: 1, calculable: true, orient: "horizontal", left: "center", bottom: 0,
          inRange: { color: ["#fee2e2", "#fde68a", "#bbf7d0", "#15803d"] } },
        series: [{ type: "heatmap", data: h.cells }]
      };
    };
    r.items = function (el, d) {
      return {
        tooltip: { trigger: "axis", renderMode: "richText" }, legend: { data: ["得分率", "区分度D"] },
        xAxis: { type: "category", data: d.labels, name: "题号" }, yAxis: { type: "value", min: -0.2, max: 1 },
        series: [{ name: "得分率", type: "bar", data: d.difficulty },
                 { name: "区分度D", type: "line", data: d.discrimination, markLine: { data: [{ yAxis: 0.2, name: "0.2" }] } }]
      };
    };
    window.yincaiCharts.renderAll(document);
    return true;
  }
  if (!register()) { document.addEventListener("DOMContentLoaded", register); }
})();
