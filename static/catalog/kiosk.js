// Kiosk mode: rotate slides, touch to browse, back to the start after inactivity.
(function () {
  "use strict";
  const root = document.getElementById("kiosk");
  const slides = Array.from(root.querySelectorAll(".slide"));
  const counter = document.getElementById("kiosk-counter");
  const seconds = Math.max(3, parseInt(root.dataset.seconds || "8", 10));
  let current = 0, lastTouch = 0, startX = null;

  function show(index) {
    current = (index + slides.length) % slides.length;
    slides.forEach((slide, i) => slide.classList.toggle("active", i === current));
    counter.textContent = (current + 1) + " / " + slides.length;
  }
  function touched() { lastTouch = Date.now(); }
  function step(delta) { touched(); show(current + delta); }

  document.getElementById("kiosk-next").addEventListener("click", () => step(1));
  document.getElementById("kiosk-prev").addEventListener("click", () => step(-1));
  document.getElementById("kiosk-home").addEventListener("click", () => { touched(); show(0); });
  root.addEventListener("click", event => step(event.clientX < window.innerWidth / 3 ? -1 : 1));
  root.addEventListener("touchstart", event => { startX = event.touches[0].clientX; }, { passive: true });
  root.addEventListener("touchend", function (event) {
    if (startX === null) return;
    const dx = event.changedTouches[0].clientX - startX;
    startX = null;
    if (Math.abs(dx) > 60) { event.preventDefault(); step(dx < 0 ? 1 : -1); }
  });

  // While someone is browsing, stop rotating; after ``idle`` seconds untouched, go
  // back to the start and rotate again.
  setInterval(function () {
    const idle = (Date.now() - lastTouch) / 1000;
    if (lastTouch && idle >= parseInt(root.dataset.idle || "60", 10)) { lastTouch = 0; show(0); return; }
    if (!lastTouch && slides.length > 1) show(current + 1);
  }, seconds * 1000);
  window.DistrettoKiosk = { show: show, current: () => current };
})();
