// Annual summary: the cases-by-month chart, this year beside last year (each bar
// opens that month's search), and the print button. No inline script: CSP.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    const container = document.querySelector("[data-annual-chart]");
    const source = document.getElementById("annual-months");
    if (!container || !source || typeof Chart === "undefined") {
      return;
    }
    const data = JSON.parse(source.textContent);
    const rtl = document.documentElement.dir === "rtl";
    const colours = ["#2c7fb8", "#a1dab4"];
    new Chart(container.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (dataset, index) {
          return { label: dataset.label, data: dataset.data, backgroundColor: colours[index] };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { rtl: rtl }, tooltip: { rtl: rtl } },
        scales: {
          x: { reverse: rtl },
          y: { position: rtl ? "right" : "left", beginAtZero: true, ticks: { precision: 0 } },
        },
        onClick: function (event, elements) {
          if (elements.length && data.links[elements[0].index]) {
            window.location.assign(data.links[elements[0].index]);
          }
        },
      },
    });
  });
})();
