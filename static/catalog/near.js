// Places near me: the browser's position, then the nearest venues with their services.
(function () {
  "use strict";
  const config = document.getElementById("near-config").dataset;
  const labels = JSON.parse(document.getElementById("service-labels").textContent);
  const status = document.getElementById("near-status");
  const list = document.getElementById("near-list");
  const km = new Intl.NumberFormat(document.documentElement.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  function render(items) {
    list.textContent = "";
    status.textContent = items.length ? items.length + " " + config.found : config.none;
    items.forEach(function (v) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = v.url;
      link.textContent = v.name;
      const where = document.createElement("span");
      where.className = "muted";
      where.textContent = " " + km.format(v.distance_km) + " km · " + (v.comune || v.address);
      li.appendChild(link);
      li.appendChild(where);
      if (v.services.length) {
        const services = document.createElement("div");
        services.className = "muted";
        services.textContent = v.services.map(code => labels[code] || code).join(" · ");
        li.appendChild(services);
      }
      list.appendChild(li);
    });
  }
  function load(lat, lon) {
    const params = new URLSearchParams({ lat: lat, lon: lon, radius: config.radius, limit: 30 });
    fetch(config.api + "?" + params).then(r => r.json()).then(data => render(data.items || []))
      .catch(function () { status.textContent = config.denied; });
  }
  function locate() {
    if (!navigator.geolocation) { status.textContent = config.denied; return; }
    status.textContent = config.locating;
    navigator.geolocation.getCurrentPosition(
      p => load(p.coords.latitude, p.coords.longitude),
      () => { status.textContent = config.denied; },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  }
  document.getElementById("locate").addEventListener("click", locate);
  locate();
})();
