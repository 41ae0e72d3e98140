// The public district page: its businesses on a map, filterable by category.
(function () {
  "use strict";
  const element = document.getElementById("map");
  const map = DistrettoMaps.createMap(element);
  const boundary = JSON.parse(document.getElementById("district-boundary").textContent);
  if (boundary) L.geoJSON(boundary, { style: { color: "#0b6e4f", weight: 2, fillOpacity: 0.05 } }).addTo(map);
  const layer = L.layerGroup().addTo(map);
  const select = document.getElementById("category-filter");
  const count = document.getElementById("marker-count");
  function load() {
    const url = element.dataset.source + (select.value ? "?category=" + encodeURIComponent(select.value) : "");
    fetch(url).then(r => r.json()).then(function (data) {
      const shown = DistrettoMaps.plot(map, layer, data.features, {
        colourKey: p => p.category,
        popup: (p, esc) => "<strong>" + esc(p.name) + "</strong><br>" + esc(p.category_label) + "<br>" + esc(p.address),
      });
      count.textContent = shown.toLocaleString(document.documentElement.lang) + " " + count.dataset.suffix;
      DistrettoMaps.legend(document.getElementById("legend"),
        data.features.map(f => ({ key: f.properties.category, label: f.properties.category_label })));
    });
  }
  select.addEventListener("change", load);
  load();
})();
