// Live metadata-completeness hint: the same rules as the server's score, read from the
// checklist's data attributes, re-evaluated as the officer types.
(function () {
  "use strict";
  const panel = document.querySelector("[data-completeness]");
  if (!panel) return;
  const form = document.getElementById(panel.dataset.form);
  if (!form) return;
  const checks = Array.from(panel.querySelectorAll("[data-check]"));
  const score = panel.querySelector("[data-score]");
  const meter = panel.querySelector("[data-meter]");

  function fields(name) {
    return Array.from(form.elements).filter(function (el) { return el.name === name; });
  }

  function measure(name, kind) {
    const els = fields(name);
    if (!els.length) return 0;
    const first = els[0];
    if (first.tagName === "SELECT" && first.multiple) return first.selectedOptions.length;
    if (first.type === "checkbox") return els.filter(function (el) { return el.checked; }).length;
    if (kind === "count") return els.filter(function (el) { return el.value.trim(); }).length;
    const value = first.value.trim();
    if (kind === "tokens") return value.split(/[,，、;；\s]+/).filter(Boolean).length;
    return value.length;
  }

  function evaluate() {
    let passed = 0;
    checks.forEach(function (li) {
      let ok = measure(li.dataset.field, li.dataset.measure) >= Number(li.dataset.min || 1);
      const any = (li.dataset.any || "").split(" ").filter(Boolean);
      if (ok && any.length) ok = any.some(function (name) { return measure(name, "length") > 0; });
      li.classList.toggle("done", ok);
      if (ok) passed += 1;
    });
    const value = checks.length ? Math.round((100 * passed) / checks.length) : 0;
    score.textContent = value;
    meter.value = value;
  }

  form.addEventListener("input", evaluate);
  form.addEventListener("change", evaluate);
  evaluate();
})();
