// The public map of revitalisation projects, filterable by axis, comune and year,
// with the matching projects listed under the map.
(function () {
  "use strict";
  const element = document.getElementById("map");
  const map = DistrettoMaps.createMap(element);
  const layer = L.layerGroup().addTo(map);
  const form = document.getElementById("project-filters");
  const count = document.getElementById("marker-count");
  const list = document.getElementById("project-list");
  const text = list.dataset;
  const axisLabels = JSON.parse(document.getElementById("axis-labels").textContent);
  const lang = document.documentElement.lang;
  const euro = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
  const budget = value => (value ? euro.format(Number(value)) : "");
  function cell(row, value) {
    const td = document.createElement("td");
    td.textContent = value;
    row.appendChild(td);
  }
  function load() {
    const params = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...params.entries()]) if (!value) params.delete(key);
    fetch(element.dataset.source + "?" + params).then(r => r.json()).then(function (data) {
      DistrettoMaps.plot(map, layer, data.features, {
        colourKey: p => p.axes[0],
        popup: (p, esc) => "<strong>" + esc(p.title) + "</strong><br>" + esc(p.comune || "") + " · " + esc(p.year) +
          (p.budget ? "<br>" + esc(budget(p.budget)) : "") + (p.url ? '<br><a href="' + esc(p.url) + '">' + esc(text.link) + "</a>" : ""),
      });
      count.textContent = data.features.length.toLocaleString(lang) + " " + text.projects;
      DistrettoMaps.legend(document.getElementById("legend"),
        data.features.map(f => ({ key: f.properties.axes[0], label: axisLabels[f.properties.axes[0]] })));
      list.textContent = "";
      if (!data.features.length) {
        const empty = document.createElement("div");
        empty.className = "empty";
        empty.textContent = text.none;
        list.appendChild(empty);
        return;
      }
      const table = document.createElement("table");
      const head = table.createTHead().insertRow();
      [text.title, text.comune, text.year, text.axes, text.budget].forEach(function (label) {
        const th = document.createElement("th");
        th.textContent = label;
        head.appendChild(th);
      });
      const body = document.createElement("tbody");
      data.features.forEach(function (f) {
        const p = f.properties, row = document.createElement("tr");
        [p.title, p.comune || "", String(p.year), p.axes.map(a => axisLabels[a]).join(", "), budget(p.budget)]
          .forEach(value => cell(row, value));
        body.appendChild(row);
      });
      table.appendChild(body);
      list.appendChild(table);
    });
  }
  form.addEventListener("change", load);
  load();
})();
