// Data-item editor: add and remove rows. Without this file the form offers empty rows instead.
(function () {
  "use strict";
  const table = document.querySelector("[data-items-editor]");
  const template = document.querySelector("[data-row-template]");
  const add = document.querySelector("[data-add-row]");
  if (!table || !template || !add) return;
  const body = table.tBodies[0];

  // Row numbers in the accessible names follow the rows as they are added and removed.
  function renumber() {
    Array.from(body.rows).forEach(function (row, i) {
      row.querySelectorAll("[data-row-label]").forEach(function (el) {
        el.setAttribute("aria-label", el.dataset.rowLabel + " " + (i + 1));
      });
    });
  }

  function changed() { table.closest("form").dispatchEvent(new Event("input", { bubbles: true })); }

  function wire(row) {
    const remove = row.querySelector("[data-remove-row]");
    remove.hidden = false;
    remove.addEventListener("click", function () {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      changed();
      const target = next ? next.querySelector("input") : add;
      target.focus();
    });
  }

  Array.from(body.rows).forEach(wire);
  add.hidden = false;
  add.addEventListener("click", function () {
    const row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    wire(row);
    renumber();
    row.querySelector("input").focus();
  });
})();
