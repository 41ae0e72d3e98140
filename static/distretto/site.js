// Behaviour every page shares, declared in the markup (no inline handlers, so the
// Content-Security-Policy can forbid inline script):
//   <select data-autosubmit>            submits its form when changed;
//   <form data-confirm="question">      asks once before an irreversible action;
//   <button data-confirm="question">    the same for one button of a form;
//   <button data-set="field=value">     sets a hidden field of its form before sending.
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
})();
