// 每日五分钟口算: counts the five minutes down and posts each answer; the server checks it and sends the next
// item (the verdict and the timing are the server's). Also draws the speed/accuracy curves
// (<div data-drill-curve data-source="json-id">) with ECharts, tooltips in richText mode (CSP).
(function () {
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function drill(root) {
    var form = root.querySelector(".drill-form"), input = form.querySelector("input[name=response]");
    var idField = form.querySelector("input[name=answer_id]"), stem = root.querySelector(".drill-stem");
    var feedback = root.querySelector(".drill-feedback"), score = root.querySelector(".drill-score");
    var timer = root.querySelector(".drill-timer"), finish = root.querySelector(".drill-finish-form");
    var remaining = parseInt(root.dataset.remaining, 10), started = Date.now(), busy = false;
    function end() { finish.submit(); }
    function tick() {
      var left = Math.max(0, remaining - Math.floor((Date.now() - started) / 1000));
      timer.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      timer.classList.toggle("low", left <= 30);
      if (left <= 0) { end(); return; }
      window.setTimeout(tick, 250);
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy || !input.value.trim()) { return; }
      busy = true;
      var body = new FormData(form);
      fetch(form.action, { method: "POST", body: body, headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          busy = false;
          if (d.error) { feedback.textContent = d.error; feedback.className = "drill-feedback wrong"; }
          else {
            feedback.textContent = d.correct ? "✓ 答对了" : "✗ 答错了";
            feedback.className = "drill-feedback " + (d.correct ? "right" : "wrong");
            score.textContent = "已答 " + d.items + " 题，答对 " + d.right + " 题";
          }
          if (d.done || !d.next) { end(); return; }
          idField.value = d.next.id;
          stem.textContent = d.next.stem;
          input.value = "";
          input.focus();
        })
        .catch(function () { busy = false; feedback.textContent = "网络不稳定，请再点一次"; });
    });
    input.focus();
    tick();
  }
  function curve(el) {
    if (typeof echarts === "undefined") { return; }
    var pts = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { bottom: 0 },
      grid: { top: 30, left: 40, right: 44, bottom: 56 },
      xAxis: { type: "category", data: pts.map(function (p) { return p.date.slice(5); }) },
      yAxis: [{ type: "value", name: "题/分钟", min: 0, max: function (v) { return Math.ceil(v.max * 1.2) + 1; } }, { type: "value", name: "正确率%", min: 0, max: 100 }],
      series: [
        { name: "速度（每分钟答对）", type: "line", showSymbol: true, symbolSize: 9, data: pts.map(function (p) { return p.speed; }) },
        { name: "正确率", type: "line", yAxisIndex: 1, showSymbol: true, symbolSize: 9, lineStyle: { type: "dashed" },
          data: pts.map(function (p) { return p.accuracy; }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-drill]").forEach(drill);
    document.querySelectorAll("[data-drill-curve]").forEach(curve);
  });
})();
