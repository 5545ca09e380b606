// Turns an in-page section nav ([data-tabs]) into accessible tabs. Without this file every
// section is shown one after another and the nav is a plain list of anchors.
(function () {
  "use strict";
  const nav = document.querySelector("[data-tabs]");
  if (!nav) return;
  const links = Array.from(nav.querySelectorAll("a[href^='#']"));
  const panels = links.map(function (a) { return document.getElementById(a.hash.slice(1)); });
  if (!links.length || panels.some(function (p) { return !p; })) return;
  const list = nav.querySelector("ul");
  list.setAttribute("role", "tablist");
  links.forEach(function (a, i) {
    a.parentElement.setAttribute("role", "presentation");
    a.setAttribute("role", "tab");
    a.id = "tab-" + panels[i].id;
    a.setAttribute("aria-controls", panels[i].id);
    panels[i].setAttribute("role", "tabpanel");
    panels[i].setAttribute("tabindex", "0");
  });
  nav.classList.add("tabs-active");

  // The hash changes only on the visitor's choice: writing one while the page is still loading
  // makes the browser jump to that section when loading ends.
  function select(index, focus, remember) {
    links.forEach(function (a, i) {
      const on = i === index;
      a.setAttribute("aria-selected", on ? "true" : "false");
      a.tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
    });
    if (focus) links[index].focus();
    if (remember !== false) {
      history.replaceState(history.state, "", location.pathname + location.search + "#" + panels[index].id);
    }
    panels[index].dispatchEvent(new CustomEvent("kf:shown", { bubbles: true }));
  }

  function indexOfHash(hash) {
    return panels.findIndex(function (p) { return "#" + p.id === hash; });
  }

  links.forEach(function (a, i) {
    a.addEventListener("click", function (event) { event.preventDefault(); select(i, false); });
    a.addEventListener("keydown", function (event) {
      const last = links.length - 1;
      const moves = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1, Home: 0, End: last };
      if (event.key in moves) { event.preventDefault(); select(moves[event.key], true); }
    });
  });
  // Other links to a section (the "Download" button, say) open its tab.
  document.addEventListener("click", function (event) {
    const a = event.target.closest("a[href^='#']");
    if (!a || nav.contains(a)) return;
    const index = indexOfHash(a.hash);
    if (index >= 0) { event.preventDefault(); select(index, false); links[index].scrollIntoView({ block: "start" }); }
  });
  window.addEventListener("hashchange", function () {
    const index = indexOfHash(location.hash);
    if (index >= 0) select(index, false);
  });
  const initial = indexOfHash(location.hash);
  select(initial >= 0 ? initial : 0, false, initial >= 0);
})();
