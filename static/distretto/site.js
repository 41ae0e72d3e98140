// Behaviour every page shares, declared in the markup (no inline handlers, so the
// Content-Security-Policy can forbid inline script):
//   <select data-autosubmit>            submits its form when changed;
//   <form data-confirm="question">      asks once before an irreversible action;
//   <button data-confirm="question">    the same for one button of a form;
//   <button data-set="field=value">     sets a hidden field of its form before sending.
// A table wider than a phone scrolls inside itself (site.css); while it does, it takes
// the keyboard focus so that it can be scrolled without a mouse.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("button[data-set]");
    if (!button || !button.form) return;
    const [name, value] = button.dataset.set.split("=");
    if (button.form.elements[name]) button.form.elements[name].value = value;
  });
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
  let pending = false;
  function markScrollableTables() {
    pending = false;
    document.querySelectorAll("main table").forEach(function (table) {
      const scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.dataset.scrollFocus = "";
      } else if (!scrolls && table.dataset.scrollFocus !== undefined) {
        table.removeAttribute("tabindex");
        delete table.dataset.scrollFocus;
      }
    });
  }
  function soon() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(markScrollableTables);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    markScrollableTables();
    new MutationObserver(soon).observe(document.querySelector("main") || document.body,
      { childList: true, subtree: true });
  });
  window.addEventListener("load", markScrollableTables);
  window.addEventListener("resize", soon);
})();
