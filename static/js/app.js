// CEN Suite behaviour that needs script; the pages work without it.
document.addEventListener("DOMContentLoaded", () => {
  // The language switcher submits on change; its button is for browsers without script.
  document.querySelectorAll(".js-language-form").forEach((form) => {
    form.querySelectorAll(".js-hide-with-js").forEach((button) => button.classList.add("d-none"));
    form.querySelector("select").addEventListener("change", () => form.submit());
  });
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  // A panel's "Table" button shows its numbers in place of its chart, and back.
  document.querySelectorAll("[data-table-toggle]").forEach((button) => {
    button.addEventListener("click", () => {
      const name = button.dataset.tableToggle;
      document
        .querySelectorAll(`[data-table="${name}"], [data-chart="${name}"]`)
        .forEach((element) => element.classList.toggle("d-none"));
      button.classList.toggle("active");
      button.setAttribute("aria-pressed", button.classList.contains("active"));
    });
  });
  // Forms that change something irreversible ask first.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
