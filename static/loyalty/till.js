// Web till: fill the card number from the camera. Browsers with a QR-capable
// BarcodeDetector use it; every other current browser (Firefox, Safari on iOS,
// Chrome on desktop) decodes the frames with the vendored jsQR. A refused or missing
// camera says what to do instead.
(function () {
  "use strict";
  const button = document.getElementById("scan");
  const stop = document.getElementById("scan-stop");
  const video = document.getElementById("camera");
  const input = document.getElementById("card");
  const status = document.getElementById("scan-status");
  const texts = button.dataset;
  let stream = null;

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    button.hidden = true;
    status.textContent = texts.unsupported;
    return;
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function finish() {
    if (stream) stream.getTracks().forEach(t => t.stop());
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    button.hidden = false;
  }

  async function qrDetector() {
    if ("BarcodeDetector" in window) {
      const formats = await window.BarcodeDetector.getSupportedFormats().catch(() => []);
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async () => {
          const codes = await detector.detect(video).catch(() => []);
          return codes.length ? codes[0].rawValue : null;
        };
      }
    }
    await loadJsQR();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async () => {
      if (!video.videoWidth) return null;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return code ? code.data : null;
    };
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = texts.decoder;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function cameraProblem(error) {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") return texts.refused;
    if (name === "NotFoundError" || name === "OverconstrainedError") return texts.nocamera;
    if (name === "NotReadableError") return texts.busy;
    return texts.failed;
  }

  button.addEventListener("click", async function () {
    say(texts.starting, false);
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      say(cameraProblem(error), true);
      return;
    }
    let decode;
    try {
      decode = await qrDetector();
    } catch (error) {
      finish();
      say(texts.failed, true);
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    stop.hidden = false;
    button.hidden = true;
    await video.play().catch(() => {});
    say(texts.looking, false);
    async function look() {
      if (!stream) return;
      const text = await decode();
      const digits = text ? text.replace(/\D/g, "") : "";
      if (digits.length === 12) {
        input.value = digits;
        finish();
        say(texts.found, false);
        document.getElementById("amount").focus();
        return;
      }
      requestAnimationFrame(look);
    }
    look();
  });
  stop.addEventListener("click", function () {
    finish();
    say("", false);
  });
})();
