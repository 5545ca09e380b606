// The chart builder: groups the (filtered) rows through the aggregate API and draws them with
// the vendored ECharts; the same figures are written to a table for screen readers.
(function () {
  "use strict";
  const form = document.querySelector("[data-chart-form]");
  if (!form || !window.echarts) return;
  const box = document.querySelector("[data-chart]");
  const status = document.querySelector("[data-chart-status]");
  const tableBody = document.querySelector("[data-chart-table] tbody");
  const COLORS = ["#0b5cad", "#f5a623", "#1a7f37", "#b42318", "#6b3fa0", "#1f7ad6", "#9a6700", "#2f9e9e"];
  const MAX_GROUPS = 30;
  const labels = window.kaifang.columnLabels();
  const groupHeading = document.querySelector("[data-group-heading]");
  const valueHeading = document.querySelector("[data-value-heading]");
  let chart = null;
  let drawn = false;

  // "Sum of 票价" rather than "Sum": the measure names its column by the item's label.
  function seriesName(agg, value) {
    const measure = form.elements.namedItem("agg").selectedOptions[0].textContent;
    return agg === "count" || !value ? measure : measure + " · " + (labels[value] || value);
  }

  function filters() {
    const params = new URLSearchParams(location.search);
    ["lang", "_sort", "_sort_desc", "_next", "_size", "_extra"].forEach(function (k) { params.delete(k); });
    return params;
  }

  function option(type, rows, seriesName, axisName) {
    const keys = rows.map(function (r) { return r.key === null || r.key === undefined ? "∅" : String(r.key); });
    const values = rows.map(function (r) { return r.value; });
    const base = { color: COLORS, tooltip: { trigger: type === "pie" ? "item" : "axis" }, animation: false };
    if (type === "pie") {
      return Object.assign(base, { series: [{ type: "pie", name: seriesName, radius: ["35%", "70%"],
        data: keys.map(function (k, i) { return { name: k, value: values[i] }; }) }] });
    }
    return Object.assign(base, {
      grid: { left: 56, right: 24, top: 24, bottom: 80 },
      xAxis: { type: "category", name: axisName, nameLocation: "middle", nameGap: keys.length > 8 ? 64 : 32, data: keys, axisLabel: { rotate: keys.length > 8 ? 40 : 0, interval: 0 } },
      yAxis: { type: "value", name: seriesName },
      series: [{ type: type, name: seriesName, data: values, smooth: type === "line" }],
    });
  }

  function fillTable(rows) {
    const body = document.createDocumentFragment();
    rows.forEach(function (r) {
      const tr = document.createElement("tr");
      [r.key, r.value].forEach(function (v) {
        const td = document.createElement("td");
        td.textContent = v === null || v === undefined ? "∅" : String(v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    tableBody.replaceChildren(body);
  }

  async function draw() {
    const params = filters();
    const agg = form.elements.namedItem("agg").value;
    const value = form.elements.namedItem("value").value;
    params.set("group_by", form.elements.namedItem("group_by").value);
    params.set("agg", agg);
    if (agg !== "count") {
      if (!value) { form.elements.namedItem("value").focus(); return; }
      params.set("value", value);
    }
    status.textContent = "";
    try {
      const response = await fetch(form.dataset.aggregateUrl + "?" + params, { headers: { accept: "application/json" } });
      const data = await response.json().catch(function () { return null; });
      if (!response.ok || !data) { status.textContent = form.dataset.msgError; return; }
      const rows = (data.rows || []).slice(0, MAX_GROUPS);
      if (!rows.length) status.textContent = form.dataset.msgEmpty;
      if (!chart) chart = window.echarts.init(box, null, { renderer: "canvas" });
      const type = form.elements.namedItem("type").value;
      const name = seriesName(agg, value);
      chart.setOption(option(type, rows, name, labels[params.get("group_by")] || params.get("group_by")), true);
      window.kaifang.columnHeading(groupHeading, params.get("group_by"), labels);
      valueHeading.textContent = name;
      fillTable(data.rows || []);
      drawn = true;
    } catch (e) {
      status.textContent = form.dataset.msgError;
    }
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); draw(); });
  document.addEventListener("kf:filters", function () { if (drawn) draw(); });
  box.closest("section").addEventListener("kf:shown", function () {
    if (!drawn) draw(); else if (chart) chart.resize();
  });
  window.addEventListener("resize", function () { if (chart) chart.resize(); });
  if (box.offsetWidth > 0) draw();
})();
