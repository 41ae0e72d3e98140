// Information point: a light map of one or more venues (Leaflet, vendored).
(function () {
  "use strict";
  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function points(element, list, zoom) {
    if (!element || !list.length) return null;
    const map = L.map(element, { scrollWheelZoom: false });
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
    }
    const bounds = [];
    list.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], { radius: 9, weight: 2, color: "#fff", fillColor: "#0b6e4f", fillOpacity: 0.9 })
        .bindPopup('<a href="' + escapeHtml(p.url) + '">' + escapeHtml(p.name) + "</a><br>" + escapeHtml(p.address))
        .addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length === 1) map.setView(bounds[0], zoom || 14);
    else map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14, animate: false });
    return map;
  }
  window.CatalogMaps = { points: points, escapeHtml: escapeHtml };
})();

// A map declared in the page: <div id="map" data-points="json-script-id" data-zoom="14">.
(function () {
  "use strict";
  const element = document.getElementById("map");
  if (!element || !element.dataset.points) return;
  let points = JSON.parse(document.getElementById(element.dataset.points).textContent);
  if (!Array.isArray(points)) points = [points];
  window.CatalogMaps.points(element, points, parseInt(element.dataset.zoom || "14", 10));
})();
