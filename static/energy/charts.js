// Energy charts (Chart.js, vendored). Data comes embedded in the page as JSON.
const energyCharts = (() => {
  const palette = ["#1f6f8b", "#c27c0e", "#3a7d44", "#b3261e", "#6b4c9a", "#5d6d7e", "#0e9aa7"];
  const kindNames = {hca: "HCA", heat: "kWh", fuel: "Sm³", electricity: "kWh el.", chp_electric: "CHP el.",
    chp_thermal: "CHP th.", water: "m³"};

  function labelsOf(series) {
    const all = new Set();
    series.forEach((s) => s.points.forEach((p) => all.add(p.t)));
    return [...all].sort();
  }

  function shortLabel(t) { return t.length > 10 ? t.slice(0, 16).replace("T", " ") : t; }

  function lineChart(canvas, series, nameOf) {
    if (!canvas) return;
    const labels = labelsOf(series);
    const datasets = series.map((s, i) => {
      const byT = Object.fromEntries(s.points.map((p) => [p.t, p.value]));
      return {label: nameOf(s), data: labels.map((t) => byT[t] ?? null), borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length], pointRadius: 0, borderWidth: 1.5, tension: 0.2,
        yAxisID: s.kind === "hca" ? "hca" : "y", spanGaps: true};
    });
    const scales = {x: {ticks: {maxTicksLimit: 12}}, y: {beginAtZero: true, position: "left"}};
    if (series.some((s) => s.kind === "hca")) scales.hca = {beginAtZero: true, position: "right", grid: {drawOnChartArea: false}};
    new Chart(canvas, {type: "line", data: {labels: labels.map(shortLabel), datasets},
      options: {animation: false, maintainAspectRatio: false, interaction: {mode: "index", intersect: false}, scales,
        plugins: {legend: {position: "bottom"}}}});
  }

  function site(charts, text) {
    lineChart(document.getElementById("consumption-chart"), charts.consumption,
      (s) => `${kindNames[s.kind] || s.kind} · ${s.label}`);
    const ranked = charts.ranking.units.filter((u) => u.per_m2 !== null);
    new Chart(document.getElementById("ranking-chart"), {type: "bar",
      data: {labels: ranked.map((u) => u.name), datasets: [{label: `${ranked.length ? ranked[0].measure : ""} ${text.perM2}`,
        data: ranked.map((u) => u.per_m2), backgroundColor: ranked.map((u) => u.kind === "shop" ? palette[1] : palette[0])}]},
      options: {animation: false, maintainAspectRatio: false, indexAxis: "y", plugins: {legend: {display: false}}}});
    const days = charts.degree_days;
    new Chart(document.getElementById("degree-day-chart"), {type: "bar",
      data: {labels: days.map((d) => d.day), datasets: [
        {label: text.dd, data: days.map((d) => d.degree_days), backgroundColor: "#9fc5d8", yAxisID: "dd"},
        {label: text.heat, data: days.map((d) => d.heat_kwh), type: "line", borderColor: palette[3], pointRadius: 0, yAxisID: "heat"}]},
      options: {animation: false, maintainAspectRatio: false, scales: {x: {ticks: {maxTicksLimit: 10}}, dd: {position: "left", beginAtZero: true},
        heat: {position: "right", beginAtZero: true, grid: {drawOnChartArea: false}}}, plugins: {legend: {position: "bottom"}}}});
    const profile = charts.load_profile.profile;
    new Chart(document.getElementById("load-profile-chart"), {type: "bar",
      data: {labels: profile.map((p) => `${p.hour}:00`), datasets: [{label: text.average, data: profile.map((p) => p.average), backgroundColor: palette[2]}]},
      options: {animation: false, maintainAspectRatio: false, plugins: {legend: {display: false}}}});
  }

  function unit(series, comparison, text) {
    lineChart(document.getElementById("unit-chart"), series, (s) => `${kindNames[s.kind] || s.kind} · ${s.label}`);
    new Chart(document.getElementById("comparison-chart"), {type: "bar",
      data: {labels: [text.thisSeason, text.lastSeason, text.similar], datasets: [{
        data: [comparison.this_season_per_m2, comparison.last_season_per_m2, comparison.similar_units_average_per_m2],
        backgroundColor: [palette[0], "#9fc5d8", palette[1]]}]},
      options: {animation: false, maintainAspectRatio: false, plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true}}}});
  }

  function meter(readings, unitOfMeasure) {
    new Chart(document.getElementById("meter-chart"), {type: "line",
      data: {labels: readings.labels, datasets: [{label: unitOfMeasure, data: readings.values, borderColor: palette[0], pointRadius: 0, borderWidth: 1.5, stepped: true}]},
      options: {animation: false, maintainAspectRatio: false, scales: {x: {ticks: {maxTicksLimit: 12}}}, plugins: {legend: {display: false}}}});
  }

  return {site, unit, meter};
})();
