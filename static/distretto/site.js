// Behaviour every page shares, without inline handlers (the Content-Security-Policy
// allows scripts from this site only): a <select data-autosubmit> sends its form
// as soon as it changes.
"use strict";
document.addEventListener("change", function (event) {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
