// The wallet's map of the district's shops where the card is accepted.
(function () {
  "use strict";
  const element = document.getElementById("map");
  if (!element) return;
  const map = DistrettoMaps.createMap(element);
  const layer = L.layerGroup().addTo(map);
  fetch(element.dataset.source).then(r => r.json()).then(function (data) {
    DistrettoMaps.plot(map, layer, data.features, {
      colourKey: p => p.category,
      popup: (p, esc) => "<strong>" + esc(p.name) + "</strong><br>" + esc(p.category_label) + "<br>" + esc(p.address),
    });
  });
})();
