// Shared map helpers: a Leaflet map with optional tiles and coloured circle markers.
(function () {
  "use strict";
  const palette = ["#0b6e4f", "#c8553d", "#2d7dd2", "#8e44ad", "#e0a100", "#16a085",
    "#d35400", "#34495e", "#c0392b", "#27ae60", "#7f8c8d", "#f39c12"];
  const colours = {};
  function colourFor(key) {
    if (!(key in colours)) colours[key] = palette[Object.keys(colours).length % palette.length];
    return colours[key];
  }
  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function createMap(element) {
    const map = L.map(element, { scrollWheelZoom: false });
    const tiles = element.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
    }
    const lat = parseFloat(element.dataset.lat || "42.5"), lon = parseFloat(element.dataset.lon || "12.5");
    map.setView([lat, lon], parseInt(element.dataset.zoom || "6", 10));
    return map;
  }
  function plot(map, layer, features, options) {
    layer.clearLayers();
    const bounds = [];
    features.forEach(function (feature) {
      if (!feature.geometry) return;
      const [lon, lat] = feature.geometry.coordinates;
      const key = options.colourKey(feature.properties);
      const marker = L.circleMarker([lat, lon], {
        radius: 8, weight: 2, color: "#fff", fillColor: colourFor(key), fillOpacity: 0.9,
        className: "distretto-marker",
      });
      marker.bindPopup(options.popup(feature.properties, escapeHtml));
      marker.addTo(layer);
      bounds.push([lat, lon]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17, animate: false });
    return bounds.length;
  }
  // Fill ``element`` with one swatch per distinct key: [{key, label}] in first-seen order.
  function legend(element, entries) {
    element.textContent = "";
    const seen = new Set();
    entries.forEach(function (entry) {
      if (seen.has(entry.key)) return;
      seen.add(entry.key);
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = colourFor(entry.key);
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry.label));
      element.appendChild(item);
    });
  }
  window.DistrettoMaps = { createMap: createMap, plot: plot, colourFor: colourFor, legend: legend };
})();
