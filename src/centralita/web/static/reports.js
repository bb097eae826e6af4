// Report pages: draw each <canvas data-chart='{...}'> with Chart.js (series from the server).
"use strict";

(function () {
  const COLORS = ["#1f5fbf", "#c0392b", "#e0a800", "#2e9d5b", "#8e44ad", "#6c757d", "#2c7be5"];

  function draw(canvas) {
    const spec = JSON.parse(canvas.dataset.chart);
    const scale = spec.percent ? 100 : 1;
    const datasets = Object.entries(spec.series).map(([label, values], i) => ({
      label,
      data: values.map((v) => (v === null ? null : v * scale)),
      backgroundColor: COLORS[i % COLORS.length],
      borderColor: COLORS[i % COLORS.length],
      spanGaps: true,
      pointRadius: 2,
    }));
    const stacked = spec.type === "stacked";
    const value = { stacked, beginAtZero: true };
    if (spec.percent) Object.assign(value, { max: 100, ticks: { callback: (v) => v + " %" } });
    const category = { stacked };
    canvas._chart = new Chart(canvas, {
      type: spec.type === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: spec.horizontal ? { x: value, y: category } : { x: category, y: value },
        plugins: { legend: { position: "bottom" } },
      },
    });
    canvas.dataset.drawn = "1";
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
