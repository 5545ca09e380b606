// The dataset map: the rows' points (or geometries) over an offline SCHEMATIC layer of the
// demo city's districts. There is no boundary data offline and no tile server, so the layer
// is a set of labelled circles around hand-entered, APPROXIMATE district centres.
(function () {
  "use strict";
  const box = document.querySelector("[data-map]");
  if (!box || !window.L) return;
  const L = window.L;
  const status = document.querySelector("[data-map-status]");
  // Approximate seats of Taizhou's (3310) nine districts and county-level cities, to about
  // 0.05°. They place labels; they are not boundaries and must not be read as such.
  const CENTRES = {
    "3310": [
      ["椒江区", 28.68, 121.44], ["黄岩区", 28.65, 121.26], ["路桥区", 28.58, 121.37],
      ["三门县", 29.10, 121.40], ["天台县", 29.14, 121.01], ["仙居县", 28.85, 120.73],
      ["温岭市", 28.37, 121.38], ["临海市", 28.86, 121.14], ["玉环市", 28.14, 121.23],
    ],
  };
  const SCHEMATIC_RADIUS_M = 14000;
  let map = null;
  let points = null;

  function filters() {
    const params = new URLSearchParams(location.search);
    ["lang", "_sort", "_sort_desc", "_next", "_size", "_extra"].forEach(function (k) { params.delete(k); });
    return params;
  }

  function schematic() {
    const layer = L.layerGroup();
    (CENTRES[box.dataset.city] || []).forEach(function (c) {
      L.circle([c[1], c[2]], { radius: SCHEMATIC_RADIUS_M, color: "#5b6675", weight: 1, dashArray: "4 4",
        fillColor: "#dce9f7", fillOpacity: 0.45, interactive: false })
        .bindTooltip(c[0], { permanent: true, direction: "center", className: "district-label" })
        .addTo(layer);
    });
    return layer;
  }

  function legend() {
    const control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      const div = L.DomUtil.create("div", "map-legend");
      div.textContent = box.dataset.msgSchematic;
      return div;
    };
    return control;
  }

  const labels = window.kaifang.columnLabels();

  function popup(properties) {
    const dl = document.createElement("dl");
    dl.className = "map-popup";
    Object.keys(properties).slice(0, 8).forEach(function (k) {
      const dt = document.createElement("dt");
      window.kaifang.columnHeading(dt, k, labels);
      const dd = document.createElement("dd");
      const v = properties[k];
      dd.textContent = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
      dl.append(dt, dd);
    });
    return dl;
  }

  function marker(latlng) {
    return L.circleMarker(latlng, { radius: 4, color: "#08437f", weight: 1, fillColor: "#f5a623", fillOpacity: 0.85 });
  }

  async function fromRows() {
    const params = filters();
    params.set("_size", "1000");
    const response = await fetch(box.dataset.rowsUrl + "?" + params, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error("rows");
    const data = await response.json();
    const layer = L.featureGroup();
    (data.rows || []).forEach(function (row) {
      const lat = parseFloat(row[box.dataset.lat]);
      const lng = parseFloat(row[box.dataset.lng]);
      if (isFinite(lat) && isFinite(lng)) marker([lat, lng]).bindPopup(popup(row)).addTo(layer);
    });
    return layer;
  }

  // The map endpoint answers in WGS-84, converting GCJ-02/BD-09 data; the export is the fallback.
  async function fromGeoJSON() {
    const params = filters();
    if (box.dataset.mapUrl) params.set("_size", "1000");
    const url = box.dataset.mapUrl || box.dataset.geojsonUrl;
    const response = await fetch(url + "?" + params, { headers: { accept: "application/geo+json" } });
    if (!response.ok) throw new Error("geojson");
    const data = await response.json();
    return L.geoJSON(data, {
      pointToLayer: function (_feature, latlng) { return marker(latlng); },
      onEachFeature: function (feature, layer) { layer.bindPopup(popup(feature.properties || {})); },
      style: { color: "#0b5cad", weight: 2 },
    });
  }

  async function plot() {
    try {
      const layer = box.dataset.geometry || box.dataset.mapUrl ? await fromGeoJSON() : await fromRows();
      if (points) map.removeLayer(points);
      points = layer.addTo(map);
      const count = layer.getLayers().length;
      status.textContent = box.dataset.msgPoints.replace("{n}", count.toLocaleString());
      if (count) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 13 });
    } catch (e) {
      status.textContent = box.dataset.msgError;
    }
  }

  function start() {
    if (map) { map.invalidateSize(); return; }
    map = L.map(box, { zoomControl: true, attributionControl: false, minZoom: 6, maxZoom: 16, zoomSnap: 0.25 });
    const centres = CENTRES[box.dataset.city] || [];
    if (centres.length) map.fitBounds(L.latLngBounds(centres.map(function (c) { return [c[1], c[2]]; })).pad(0.15));
    else map.setView([30, 120], 6);
    schematic().addTo(map);
    legend().addTo(map);
    plot();
  }

  box.closest("section").addEventListener("kf:shown", start);
  document.addEventListener("kf:filters", function () { if (map) plot(); });
  if (box.offsetWidth > 0) start();
})();
