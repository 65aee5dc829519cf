// Add and remove rows of Django inline formsets (templates/seizures/_formset.html).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".js-formset").forEach((formset) => {
    const prefix = formset.dataset.prefix;
    const total = formset.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const rows = formset.querySelector(".js-formset-rows");
    const template = formset.querySelector(".js-formset-template");

    formset.querySelector(".js-formset-add").addEventListener("click", () => {
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const row = rows.lastElementChild;
      const first = row.querySelector("input, select, textarea");
      if (first) first.focus();
    });

    // A row added in the browser is simply taken out; renumbering keeps the
    // indexes contiguous as Django expects.
    rows.addEventListener("click", (event) => {
      const button = event.target.closest(".js-formset-remove");
      if (!button) return;
      button.closest(".formset-row").remove();
      const initial = parseInt(formset.querySelector(`input[name="${prefix}-INITIAL_FORMS"]`).value, 10);
      Array.from(rows.children).forEach((row, index) => {
        if (index < initial) return;
        row.querySelectorAll("[name], [id], [for]").forEach((element) => {
          ["name", "id", "for"].forEach((attribute) => {
            const value = element.getAttribute(attribute);
            if (value) {
              element.setAttribute(attribute, value.replace(new RegExp(`${prefix}-\\d+-`), `${prefix}-${index}-`));
            }
          });
        });
      });
      total.value = String(rows.children.length);
    });
  });
});
