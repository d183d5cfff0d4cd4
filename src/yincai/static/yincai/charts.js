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
      series.push({ name: subject, type: "line", connectNulls: true, showSymbol: true, showAllSymbol: true, symbolSize: 8, data: own });
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
    "own-progress": function (el, points) { return progressOption(points, false); },
    // Tier counts per grade: 期初 (light) beside now (solid), one colour per tier.
    "tier-compare": function (el, d) {
      var series = [];
      d.series.forEach(function (s) {
        series.push({ name: s.name + "·期初", type: "bar", stack: "initial", data: s.initial, itemStyle: { opacity: 0.45 } });
        series.push({ name: s.name + "·当前", type: "bar", stack: "now", data: s.now });
      });
      return { tooltip: { trigger: "axis", renderMode: "richText" }, legend: { type: "scroll" }, grid: { left: 40, right: 10, top: 40, bottom: 30 },
               xAxis: { type: "category", data: d.grades }, yAxis: { type: "value", name: "人数" }, series: series };
    },
    // Confirmed tier transitions 期初 → 期中 → 期末.
    sankey: function (el, d) {
      return { tooltip: { trigger: "item", renderMode: "richText" },
               series: [{ type: "sankey", data: d.nodes, links: d.links, emphasis: { focus: "adjacency" },
                          nodeAlign: "left", label: { fontSize: 12 } }] };
    },
    // Hedges' g of an A/B study with its 95% interval, against 0 (no difference) and 0.2/0.5/0.8.
    "effect-interval": function (el, r) {
      var lo = Math.min(-1, r.low - 0.2), hi = Math.max(1, r.high + 0.2);
      return {
        grid: { left: 70, right: 20, top: 20, bottom: 30 },
        xAxis: { type: "value", min: Math.floor(lo * 10) / 10, max: Math.ceil(hi * 10) / 10, name: "g" },
        yAxis: { type: "category", data: ["效应量"] },
        tooltip: { trigger: "item", renderMode: "richText" },
        series: [
          { type: "line", data: [[r.low, "效应量"], [r.high, "效应量"]], lineStyle: { width: 4 }, symbol: "rect",
            name: "95%置信区间",
            markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed" },
                        data: [{ xAxis: 0, name: "无差异" }, { xAxis: 0.5, name: "中等" }] } },
          { type: "scatter", data: [[r.g, "效应量"]], symbolSize: 14, name: "g" }
        ]
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
