// Totem pages: the map of totems (green online, red offline, refreshed with the table),
// the layout previews, confirmations and filters that submit themselves.
(function () {
  "use strict";

  document.querySelectorAll(".layout-preview span").forEach((zone) => {
    zone.style.left = zone.dataset.x + "%";
    zone.style.top = zone.dataset.y + "%";
    zone.style.width = zone.dataset.w + "%";
    zone.style.height = zone.dataset.h + "%";
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  document.querySelectorAll("[data-autosubmit]").forEach((field) => {
    field.addEventListener("change", () => field.form.submit());
  });

  document.querySelectorAll(".code-input").forEach((field) => {
    field.addEventListener("input", () => { field.value = field.value.toUpperCase(); });
  });

  const element = document.getElementById("display-map");
  if (!element || !window.L) return;
  const map = DistrettoMaps.createMap(element);
  const layer = L.layerGroup().addTo(map);
  let fitted = false;
  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function load() {
    fetch(element.dataset.geojson, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((data) => {
        layer.clearLayers();
        const bounds = [];
        data.features.forEach((feature) => {
          const [lon, lat] = feature.geometry.coordinates;
          const p = feature.properties;
          L.circleMarker([lat, lon], {
            radius: 9, weight: 2, color: "#fff", fillOpacity: 0.95,
            fillColor: p.online ? "#2e7d32" : "#c62828", className: "totem-marker",
          }).bindPopup('<a href="' + p.url + '">' + escapeHtml(p.name) + "</a><br>" + escapeHtml(p.groups))
            .addTo(layer);
          bounds.push([lat, lon]);
        });
        if (bounds.length && !fitted) {
          map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16, animate: false });
          fitted = true;
        }
      })
      .catch(() => {});
  }
  load();
  setInterval(load, 10000);
})();
