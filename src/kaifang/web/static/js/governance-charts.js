// Governance charts: each element with data-chart carries the figures its table shows, as JSON;
// the vendored ECharts draws them. Without JavaScript the tables remain.
(function () {
  "use strict";
  if (!window.echarts) return;
  const COLORS = ["#0b5cad", "#f5a623", "#1a7f37", "#b42318", "#6b3fa0"];

  function label(el, name) { return el.getAttribute("data-label-" + name) || name; }

  function progressOption(el, data) {
    const rows = data.league;
    return {
      color: COLORS, animation: false, tooltip: { trigger: "axis" },
      grid: { left: 48, right: 24, top: 32, bottom: 96 },
      legend: { top: 0 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { rotate: 40, interval: 0 } },
      yAxis: { type: "value", max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } },
      series: [
        { type: "bar", name: label(el, "share"), data: rows.map(function (r) { return r.share; }) },
        { type: "line", name: label(el, "expected"), data: rows.map(function () { return data.expected; }), symbol: "none" },
      ],
    };
  }

  function usageOption(el, rows) {
    const months = rows.map(function (r) { return r.period; });
    function series(key) { return { type: "line", name: label(el, key), data: rows.map(function (r) { return r[key]; }) }; }
    return {
      color: COLORS, animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 56, right: 24, top: 32, bottom: 32 },
      xAxis: { type: "category", data: months }, yAxis: { type: "value" },
      series: [series("views"), series("downloads"), series("api_calls")],
    };
  }

  function indexOption(el, rows) {
    const layers = ["readiness", "platform", "data", "use"];
    return {
      color: COLORS, animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 160, right: 24, top: 32, bottom: 24 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }) },
      series: layers.map(function (layer) {
        return { type: "bar", stack: "total", name: label(el, layer), data: rows.map(function (r) { return r.layers[layer]; }) };
      }),
    };
  }

  function layersOption(el, rows) {
    return {
      color: COLORS, animation: false, tooltip: {},
      radar: { indicator: rows.map(function (r) { return { name: r.name_zh, max: 100 }; }) },
      series: [{ type: "radar", data: [{ value: rows.map(function (r) { return r.score; }), name: label(el, "score") }] }],
    };
  }

  const BUILDERS = { progress: progressOption, usage: usageOption, index: indexOption, layers: layersOption };
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const spec = JSON.parse(el.getAttribute("data-chart"));
    const build = BUILDERS[spec.kind];
    if (!build) return;
    el.classList.add("chart-box");
    const chart = window.echarts.init(el);
    chart.setOption(build(el, spec.data));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
