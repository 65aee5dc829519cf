// Statistics page: draws each panel's chart from its JSON block (no inline script:
// CSP is script-src 'self'), toggles its table, and opens the matching search when
// a bar is clicked.
(function () {
  "use strict";

  const PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997",
    "#ffc107", "#6c757d", "#d63384", "#0dcaf0"];

  function draw(container) {
    const name = container.dataset.chart;
    const source = document.getElementById("chart-" + name);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    const data = JSON.parse(source.textContent);
    const rtl = document.documentElement.dir === "rtl";
    const datasets = data.datasets.map(function (dataset, index) {
      return {
        label: dataset.label,
        data: dataset.data,
        links: dataset.links,
        backgroundColor: PALETTE[index % PALETTE.length],
      };
    });
    new Chart(container.querySelector("canvas"), {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: data.stacked ? "x" : "y",
        animation: false,
        responsive: true,
        plugins: {
          legend: { display: data.stacked, rtl: rtl },
          tooltip: { rtl: rtl },
        },
        scales: {
          x: { stacked: data.stacked, reverse: rtl && !data.stacked },
          y: { stacked: data.stacked, position: rtl ? "right" : "left" },
        },
        onClick: function (event, elements) {
          if (!elements.length) {
            return;
          }
          const element = elements[0];
          const link = datasets[element.datasetIndex].links[element.index];
          if (link) {
            window.location.assign(link);
          }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
