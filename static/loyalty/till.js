// Web till: fill the card number from the camera when the browser can read QR codes.
(function () {
  "use strict";
  const button = document.getElementById("scan");
  const video = document.getElementById("camera");
  const input = document.getElementById("card");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", async function () {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    async function look() {
      const codes = await detector.detect(video).catch(() => []);
      const digits = codes.length ? codes[0].rawValue.replace(/\D/g, "") : "";
      if (digits.length === 12) {
        input.value = digits;
        stream.getTracks().forEach(t => t.stop());
        video.hidden = true;
        document.getElementById("amount").focus();
        return;
      }
      requestAnimationFrame(look);
    }
    look();
  });
})();
