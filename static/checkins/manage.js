// The manager's map: venues as circles sized by their accepted check-ins.
(function () {
  "use strict";
  const element = document.getElementById("venue-map");
  if (!element) return;
  const map = DistrettoMaps.createMap(element);
  const layer = L.layerGroup().addTo(map);
  fetch(element.dataset.source).then(r => r.json()).then(function (data) {
    const bounds = [];
    data.features.forEach(function (feature) {
      const [lon, lat] = feature.geometry.coordinates;
      const p = feature.properties;
      const share = p.accepted + p.rejected ? p.rejected / (p.accepted + p.rejected) : 0;
      const marker = L.circleMarker([lat, lon], {
        radius: 6 + Math.min(18, Math.sqrt(p.accepted) * 2), weight: 2, color: "#fff",
        fillColor: share > 0.3 ? "#c8553d" : "#0b6e4f", fillOpacity: 0.85, className: "distretto-marker",
      });
      const div = document.createElement("div");
      const name = document.createElement("strong");
      name.textContent = p.name;
      div.appendChild(name);
      div.appendChild(document.createElement("br"));
      div.appendChild(document.createTextNode(
        p.accepted + " " + element.dataset.accepted + " · " + p.rejected + " " + element.dataset.rejected));
      marker.bindPopup(div).addTo(layer);
      bounds.push([lat, lon]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15, animate: false });
  });
})();
