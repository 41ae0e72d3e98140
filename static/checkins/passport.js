// The passport: remember the card on this phone for the check-in page; stamps on a map.
(function () {
  "use strict";
  const root = document.getElementById("passport");
  if (!root) return;
  try { window.localStorage.setItem("distretto.cardToken", root.dataset.token); } catch (e) { /* private mode */ }
  const element = document.getElementById("stamp-map");
  const map = L.map(element, { scrollWheelZoom: false });
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  }
  map.setView([parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)], parseInt(element.dataset.zoom, 10));
  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  fetch(element.dataset.source).then(r => r.json()).then(function (data) {
    const bounds = [];
    data.features.forEach(function (feature) {
      const [lon, lat] = feature.geometry.coordinates;
      const p = feature.properties;
      L.circleMarker([lat, lon], {
        radius: p.stamped ? 11 : 8, weight: 2, color: "#fff",
        fillColor: p.stamped ? "#0b6e4f" : "#9aa5ab", fillOpacity: 0.95,
        className: p.stamped ? "stamp stamp-collected" : "stamp stamp-missing",
      }).bindPopup("<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(p.comune) + "<br>" +
        escapeHtml(p.stamped ? element.dataset.stamped : element.dataset.missing) +
        '<br><a href="' + escapeHtml(p.url) + '">' + escapeHtml(element.dataset.checkin) + "</a>").addTo(map);
      bounds.push([lat, lon]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15, animate: false });
  });
})();
