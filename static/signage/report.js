// Proof of play: plays per day as a bar chart (data from the page's json_script).
(function () {
  "use strict";
  const source = document.getElementById("plays-chart-data");
  const canvas = document.getElementById("plays-chart");
  if (!source || !canvas || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const numbers = new Intl.NumberFormat(document.documentElement.lang || "it");
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.plays, backgroundColor: "#0b6e4f" }] },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: false } },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: data.label },
          ticks: { callback: (value) => numbers.format(value) } },
      },
    },
  });
})();
