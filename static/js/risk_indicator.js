// A risk indicator's profile: the cases per month as a line chart (from its JSON
// block: no inline script under CSP), a table instead on request, and each point
// opening that month's cases in the search.
(function () {
  "use strict";

  function draw(container) {
    const source = document.getElementById("chart-" + container.dataset.chart);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    const data = JSON.parse(source.textContent);
    const series = data.datasets[0];
    const rtl = document.documentElement.dir === "rtl";
    new Chart(container.querySelector("canvas"), {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: series.label,
          data: series.data,
          borderColor: "#0d6efd",
          backgroundColor: "#0d6efd",
          pointRadius: 3,
          tension: 0.2,
        }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { rtl: rtl } },
        scales: {
          x: { reverse: rtl },
          y: { beginAtZero: true, position: rtl ? "right" : "left", ticks: { precision: 0 } },
        },
        onClick: function (event, elements) {
          const link = elements.length ? series.links[elements[0].index] : "";
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
