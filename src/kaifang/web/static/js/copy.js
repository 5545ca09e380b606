// Copy buttons on code examples (shown only when the clipboard is available).
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    const code = button.parentElement.querySelector("pre");
    if (!code) return;
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent).then(function () {
        button.textContent = button.dataset.done || label;
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });
})();
