// Progressive enhancement only: every page reads without this file.
(function () {
  "use strict";
  // Chinese labels of the dataset's data items by field name (a JSON block on dataset pages).
  window.kaifang = window.kaifang || {};
  window.kaifang.columnLabels = function () {
    const el = document.getElementById("column-labels");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  };
  // A column heading: the label, with the field name underneath when they differ.
  window.kaifang.columnHeading = function (target, name, labels) {
    const label = document.createElement("span");
    label.className = "col-label";
    label.textContent = labels[name] || name;
    target.replaceChildren(label);
    if (labels[name] && labels[name] !== name) {
      const field = document.createElement("span");
      field.className = "col-name";
      field.textContent = name;
      target.appendChild(field);
    }
  };
  function debounce(fn, ms) { let t; return function () { const a = arguments; clearTimeout(t); t = setTimeout(() => fn.apply(null, a), ms); }; }
  document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
    const list = document.createElement("ul");
    list.className = "autocomplete"; list.setAttribute("role", "listbox"); list.hidden = true;
    input.setAttribute("aria-autocomplete", "list");
    input.parentNode.style.position = "relative";
    input.parentNode.appendChild(list);
    input.addEventListener("input", debounce(async function () {
      const q = input.value.trim();
      if (!q) { list.hidden = true; return; }
      try {
        const res = await fetch(input.dataset.autocomplete + "?q=" + encodeURIComponent(q));
        if (!res.ok) return;
        const data = await res.json();
        list.replaceChildren();
        (data.suggestions || []).forEach(function (s) {
          const li = document.createElement("li"); const a = document.createElement("a");
          a.href = s.url; a.textContent = s.title; li.appendChild(a); list.appendChild(li);
        });
        list.hidden = list.children.length === 0;
      } catch (e) { list.hidden = true; }
    }, 150));
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 200); });
  });
})();
