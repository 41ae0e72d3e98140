// The observatory page: the chart of one indicator over the months (one line per
// district, and the chamber) and the map of the districts coloured by an indicator.
(function () {
  "use strict";
  const lang = document.documentElement.lang || "it";
  function read(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function format(value, decimals) {
    if (value === null || value === undefined) return "–";
    return new Intl.NumberFormat(lang, { maximumFractionDigits: decimals, minimumFractionDigits: 0 }).format(value);
  }
  const palette = ["#0b6e4f", "#c8553d", "#2d7dd2", "#8e44ad", "#e0a100", "#16a085", "#34495e"];

  const chartData = read("chart-data");
  const picker = document.getElementById("chart-indicator");
  const canvas = document.getElementById("months-chart");
  let chart = null;
  function draw(code) {
    const indicator = chartData.indicators[code];
    if (!indicator || !window.Chart) return;
    const datasets = indicator.series.map(function (line, index) {
      return {
        label: line.label,
        data: line.data,
        borderColor: palette[index % palette.length],
        backgroundColor: palette[index % palette.length],
        borderWidth: index === 0 ? 3 : 2,
        spanGaps: false,
        tension: 0.2,
      };
    });
    if (chart) chart.destroy();
    chart = new Chart(canvas, {
      type: "line",
      data: { labels: chartData.months, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + format(ctx.parsed.y, indicator.decimals) + " " + indicator.unit; } } },
          legend: { position: "bottom" },
        },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: indicator.unit }, ticks: { callback: function (v) { return format(v, 2); } } },
        },
      },
    });
  }
  if (chartData && picker && canvas) {
    draw(picker.value);
    picker.addEventListener("change", function () { draw(picker.value); });
  }

  const mapData = read("map-data");
  const element = document.getElementById("map");
  if (mapData && element && window.L) {
    const map = L.map(element, { scrollWheelZoom: false });
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
    }
    const features = mapData.features.features;
    const known = features.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null; });
    const low = known.length ? Math.min.apply(null, known) : 0;
    const high = known.length ? Math.max.apply(null, known) : 0;
    const ramp = ["#d8eee4", "#9fd3bd", "#5fb592", "#2a8f68", "#0b6e4f"];
    function colour(value) {
      if (value === null) return "#b0b7bb";
      if (high === low) return ramp[2];
      return ramp[Math.min(ramp.length - 1, Math.floor((value - low) / (high - low) * ramp.length))];
    }
    const bounds = [];
    features.forEach(function (feature) {
      const p = feature.properties;
      const label = document.createElement("div");
      const title = document.createElement("strong");
      title.textContent = p.name;
      label.appendChild(title);
      label.appendChild(document.createElement("br"));
      label.appendChild(document.createTextNode(mapData.indicator + ": " + format(p.value, 2) + " " + mapData.unit));
      let layer;
      if (feature.geometry.type === "Point") {
        layer = L.circleMarker([p.centre[0], p.centre[1]], { radius: 14, weight: 2, color: "#fff", fillColor: colour(p.value), fillOpacity: 0.9 });
      } else {
        layer = L.geoJSON(feature, { style: { color: "#1d2a33", weight: 1, fillColor: colour(p.value), fillOpacity: 0.7 } });
      }
      layer.bindPopup(label);
      layer.addTo(map);
      bounds.push(p.centre);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [40, 40], maxZoom: 11, animate: false });
    else map.setView([42.5, 12.5], 6);
    const legend = document.getElementById("map-legend");
    if (legend && known.length) {
      ramp.forEach(function (shade, index) {
        const span = document.createElement("span");
        const dot = document.createElement("i");
        dot.style.background = shade;
        span.appendChild(dot);
        const from = low + (high - low) * index / ramp.length;
        span.appendChild(document.createTextNode("≥ " + format(from, 1)));
        legend.appendChild(span);
      });
    }
  }
})();
