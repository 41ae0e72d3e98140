// The public map of the multiservice network: one marker per shop, a popup with the
// place served, its services and the hours of each.
(function () {
  "use strict";
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  function hours(openingHours, text, esc) {
    const open = DAYS.filter(d => (openingHours || {})[d] && openingHours[d].length);
    if (!open.length) return "";
    return open.map(d => esc(text.days[d]) + " " +
      openingHours[d].map(r => esc(r[0]) + "–" + esc(r[1])).join(", ")).join("; ");
  }
  function popup(p, text, esc) {
    let html = "<strong>" + esc(p.name) + "</strong><br>" + esc(p.place);
    if (p.population) html += " · " + esc(p.population) + " " + esc(text.residents);
    if (p.altitude_m !== null) html += " · " + esc(p.altitude_m) + " m";
    const shopHours = hours(p.opening_hours, text, esc);
    if (shopHours) html += "<br><em>" + esc(text.hours) + ":</em> " + shopHours;
    if (p.services.length) {
      html += "<br><em>" + esc(text.services) + ":</em><ul class=\"popup-services\">";
      p.services.forEach(function (s) {
        const own = JSON.stringify(s.opening_hours) !== JSON.stringify(p.opening_hours);
        html += "<li>" + esc(s.label) + (own ? " <small>(" + hours(s.opening_hours, text, esc) + ")</small>" : "") + "</li>";
      });
      html += "</ul>";
    }
    return html;
  }
  function show(element, text) {
    const map = DistrettoMaps.createMap(element);
    const layer = L.layerGroup().addTo(map);
    fetch(element.dataset.source).then(r => r.json()).then(function (data) {
      DistrettoMaps.plot(map, layer, data.features, {
        colourKey: p => p.comune,
        popup: (p, esc) => popup(p, text, esc),
      });
    });
  }
  window.MultiserviceNetwork = { show: show };
})();

// The network page declares its map and texts: <div id="map" data-texts="json-id">.
(function () {
  "use strict";
  const element = document.getElementById("map");
  if (element && element.dataset.texts) {
    window.MultiserviceNetwork.show(element, JSON.parse(document.getElementById(element.dataset.texts).textContent));
  }
})();
