// The check-up and impact charts. Each <canvas data-chart="KIND" data-source="ID">
// names the json_script element holding its data; labels come from data- attributes.
(function () {
  "use strict";
  const lang = document.documentElement.lang;
  const number = new Intl.NumberFormat(lang);
  const builders = {
    radar: (rows, canvas) => ({
      type: "radar",
      data: { labels: rows.map(r => r.label), datasets: [{ label: canvas.dataset.label, data: rows.map(r => parseFloat(r.score)),
        backgroundColor: "rgba(31,95,168,.25)", borderColor: "#1f5fa8" }] },
      options: { animation: false, scales: { r: { min: 0, max: 100, ticks: { stepSize: 20 } } }, plugins: { legend: { display: false } } },
    }),
    line: (data) => ({
      type: "line",
      data: { labels: data.labels, datasets: data.series.map((s, i) => ({ label: s.label, data: s.data,
        borderWidth: i === data.series.length - 1 ? 4 : 1.5 })) },
      options: { animation: false, scales: { y: { min: 0, max: 100 } } },
    }),
    bar: (data, canvas) => ({
      type: "bar",
      data: { labels: data.months, datasets: data.types },
      options: { animation: false, responsive: true, scales: { x: { stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: canvas.dataset.yTitle },
          ticks: { callback: value => number.format(value) } } } },
    }),
  };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const data = JSON.parse(document.getElementById(canvas.dataset.source).textContent);
    new Chart(canvas, builders[canvas.dataset.chart](data, canvas));
  });
})();
