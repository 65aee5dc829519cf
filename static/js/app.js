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
  // Forms that change something irreversible ask first.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
