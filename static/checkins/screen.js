// The venue's screen: fetch the current code when the shown one expires, swap code and QR.
(function () {
  "use strict";
  const root = document.getElementById("screen");
  if (!root) return;
  const code = document.getElementById("screen-code");
  const qr = document.getElementById("screen-qr");
  const countdown = document.getElementById("screen-countdown");
  let validUntil = new Date(root.dataset.validUntil);
  function refresh() {
    fetch(root.dataset.source, { credentials: "same-origin" })
      .then(r => r.json())
      .then(function (data) {
        if (!data.code) return;
        code.textContent = data.code;
        qr.src = data.qr_url;
        validUntil = new Date(data.valid_until);
      })
      .catch(function () { /* keep the last code; retry on the next tick */ });
  }
  window.setInterval(function () {
    const left = Math.round((validUntil - new Date()) / 1000);
    countdown.textContent = left > 0 ? left + " s" : "…";
    if (left <= 0 && left % 5 === 0) refresh();
  }, 1000);
})();
