// Energy charts (Chart.js, vendored). What to draw comes embedded in the page as JSON
// (json_script elements); the words on the axes come from #energy-words, in the
// page's language. One measure per chart, every axis titled.
(() => {
  const palette = ["#1f6f8b", "#a0620a", "#3a7d44", "#b3261e", "#6b4c9a", "#5d6d7e", "#0e7c86", "#8c4a2f"];
  const lang = document.documentElement.lang || "it";

  function data(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // A period of the data ("2026-01-05", "2026-01-05T10:00:00+01:00") in local words.
  function when(t, granularity) {
    if (t.length <= 10) {
      const day = new Date(`${t}T00:00:00`);
      return granularity === "month"
        ? day.toLocaleDateString(lang, {month: "short", year: "numeric"})
        : day.toLocaleDateString(lang, {day: "numeric", month: "short"});
    }
    const moment = new Date(t.slice(0, 19));  // the site's wall-clock time, as sent
    return moment.toLocaleString(lang, {day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"});
  }

  function axis(title, extra) {
    return Object.assign({title: {display: true, text: title}}, extra || {});
  }

  function draw(canvas, config) {
    if (!canvas) return null;
    config.options = Object.assign({animation: false, maintainAspectRatio: false, locale: lang}, config.options);
    return new Chart(canvas, config);
  }

  // One chart of consumption over time: series of one measure, in one unit.
  function consumption(canvas, chart, granularity, words) {
    const all = new Set();
    chart.series.forEach((s) => s.points.forEach((p) => all.add(p.t)));
    const labels = [...all].sort();
    const datasets = chart.series.map((s, i) => {
      const byT = Object.fromEntries(s.points.map((p) => [p.t, p.value]));
      return {label: s.label, data: labels.map((t) => byT[t] ?? null), borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length], pointRadius: 0, borderWidth: 1.5, tension: 0.2, spanGaps: true};
    });
    return draw(canvas, {type: "line", data: {labels: labels.map((t) => when(t, granularity)), datasets},
      options: {interaction: {mode: "index", intersect: false},
        scales: {x: axis(words.period, {ticks: {maxTicksLimit: 8}}), y: axis(chart.unit, {beginAtZero: true})},
        plugins: {legend: {position: "bottom"}}}});
  }

  function consumptionCharts(charts, granularity, words) {
    document.querySelectorAll("canvas[data-consumption]").forEach((canvas) => {
      consumption(canvas, charts[Number(canvas.dataset.consumption)], granularity, words);
    });
  }

  function site(charts, words) {
    consumptionCharts(charts.consumption, charts.granularity, words);
    document.querySelectorAll("canvas[data-ranking]").forEach((canvas) => {
      const chart = charts.ranking[Number(canvas.dataset.ranking)];
      draw(canvas, {type: "bar",
        data: {labels: chart.units.map((u) => u.name), datasets: [{label: `${chart.unit} ${words.perM2}`,
          data: chart.units.map((u) => u.per_m2), backgroundColor: chart.units.map((u) => u.kind === "shop" ? palette[1] : palette[0])}]},
        options: {indexAxis: "y", plugins: {legend: {display: false}},
          scales: {x: axis(`${chart.unit} ${words.perM2}`, {beginAtZero: true}), y: {ticks: {autoSkip: false}}}}});
    });
    const days = charts.degree_days;
    draw(document.getElementById("degree-day-chart"), {type: "bar",
      data: {labels: days.map((d) => when(d.day, "day")), datasets: [
        {label: words.degreeDays, data: days.map((d) => d.degree_days), backgroundColor: "#9fc5d8", yAxisID: "dd"},
        {label: words.heat, data: days.map((d) => d.heat_kwh), type: "line", borderColor: palette[3], pointRadius: 0, yAxisID: "heat"}]},
      options: {scales: {x: axis(words.day, {ticks: {maxTicksLimit: 8}}),
        dd: axis(words.degreeDays, {position: "left", beginAtZero: true}),
        heat: axis("kWh", {position: "right", beginAtZero: true, grid: {drawOnChartArea: false}})},
      plugins: {legend: {position: "bottom"}}}});
    const profile = charts.load_profile.profile;
    draw(document.getElementById("load-profile-chart"), {type: "bar",
      data: {labels: profile.map((p) => `${p.hour}:00`), datasets: [{label: words.averageKw, data: profile.map((p) => p.average), backgroundColor: palette[2]}]},
      options: {plugins: {legend: {display: false}}, scales: {x: axis(words.hour), y: axis("kW", {beginAtZero: true})}}});
  }

  function unit(charts, words) {
    consumptionCharts(charts.consumption, charts.granularity, words);
    const comparison = charts.comparison;
    draw(document.getElementById("comparison-chart"), {type: "bar",
      data: {labels: [words.thisSeason, words.lastSeason, words.similar], datasets: [{
        data: [comparison.this_season_per_m2, comparison.last_season_per_m2, comparison.similar_units_average_per_m2],
        backgroundColor: [palette[0], "#9fc5d8", palette[1]]}]},
      options: {plugins: {legend: {display: false}}, scales: {y: axis(`${charts.measure} ${words.perM2}`, {beginAtZero: true})}}});
  }

  function meter(readings, words) {
    draw(document.getElementById("meter-chart"), {type: "line",
      data: {labels: readings.labels.map((t) => when(t, "hour")), datasets: [{label: readings.unit, data: readings.values,
        borderColor: palette[0], pointRadius: 0, borderWidth: 1.5, stepped: true}]},
      options: {scales: {x: axis(words.time, {ticks: {maxTicksLimit: 8}}), y: axis(readings.unit)},
        plugins: {legend: {display: false}}}});
  }

  function start() {
    const words = data("energy-words");
    if (!words || typeof Chart === "undefined") return;
    const siteCharts = data("site-charts");
    if (siteCharts) site(siteCharts, words);
    const unitCharts = data("unit-charts");
    if (unitCharts) unit(unitCharts, words);
    const readings = data("meter-readings");
    if (readings) meter(readings, words);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
