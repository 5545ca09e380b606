// Progressive enhancement only: every page reads without this file.
(function () {
  "use strict";
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
