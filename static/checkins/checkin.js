// The visitor's check-in: best position from the Geolocation API (high accuracy),
// progress and accuracy shown, denied permission explained, the venue code as fallback.
(function () {
  "use strict";
  const root = document.getElementById("checkin");
  if (!root) return;
  const strings = JSON.parse(document.getElementById("checkin-strings").textContent);
  const STORE = "distretto.cardToken";
  const progress = document.getElementById("checkin-progress");
  const resultBox = document.getElementById("checkin-result");
  const errorBox = document.getElementById("checkin-error");
  const codeInput = document.getElementById("checkin-code");
  const codeBox = document.getElementById("code-box");
  const button = document.getElementById("checkin-button");
  const codeButton = document.getElementById("code-button");
  const missing = document.getElementById("card-missing");

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_m, key) => (key in values ? values[key] : ""));
  }
  function token() {
    try { return window.localStorage.getItem(STORE); } catch (e) { return null; }
  }
  function tokenFrom(text) {
    const match = /\/(?:p|w)\/([A-Za-z0-9_\-]+)\/?/.exec(text || "");
    if (match) return match[1];
    return /^lcw_[A-Za-z0-9_\-]+$/.test((text || "").trim()) ? text.trim() : null;
  }
  function showCardState() {
    const known = !!token();
    missing.hidden = known;
    button.disabled = !known;
    codeButton.disabled = !known;
  }
  document.getElementById("card-save").addEventListener("click", function () {
    const found = tokenFrom(document.getElementById("card-link").value);
    if (found) {
      window.localStorage.setItem(STORE, found);
      showCardState();
    }
  });
  function say(text) { progress.textContent = text; }
  function showError(code, message) {
    resultBox.hidden = true;
    errorBox.hidden = false;
    errorBox.dataset.code = code;
    errorBox.querySelector("p").textContent = message;
    if (["code_required", "invalid_code", "low_accuracy"].includes(code)) {
      codeBox.open = true;
      codeInput.focus();
    }
  }
  function showAccepted(body) {
    errorBox.hidden = true;
    resultBox.hidden = false;
    resultBox.querySelector("p").textContent = format(strings.accepted, {
      points: body.points_awarded, balance: body.balance,
    });
    const list = document.getElementById("checkin-badges");
    list.textContent = "";
    body.badges_earned.forEach(function (badge) {
      const item = document.createElement("li");
      item.textContent = format(strings.badge, { name: badge.name });
      list.appendChild(item);
    });
    document.getElementById("passport-link").href = root.dataset.passport.replace("TOKEN", token());
  }
  function send(position) {
    say(strings.sending);
    const body = { point: parseInt(root.dataset.point, 10) };
    if (position) {
      body.lat = position.coords.latitude;
      body.lon = position.coords.longitude;
      body.accuracy_m = position.coords.accuracy;
    }
    const code = codeInput.value.replace(/\s/g, "");
    if (code) body.code = code;
    fetch(root.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) { return [response.status, data]; });
    }).then(function ([status, data]) {
      say("");
      if (status === 201) showAccepted(data);
      else if (status === 401) { window.localStorage.removeItem(STORE); showCardState(); showError("unauthenticated", strings.no_card); }
      else showError(data.error.code, data.error.message);
    }).catch(function () { say(""); showError("network", strings.failed); });
  }
  // Watch the position for a few seconds and keep the most accurate fix: the first
  // one a phone reports is often coarse (cell towers) before GPS settles.
  function locate() {
    if (!navigator.geolocation) { showError("unsupported", strings.unsupported); codeBox.open = true; return; }
    say(strings.locating);
    errorBox.hidden = true;
    let best = null;
    let done = false;
    let watch = null;
    function finish() {
      if (done) return;
      done = true;
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      if (best) send(best);
    }
    watch = navigator.geolocation.watchPosition(function (position) {
      if (!best || position.coords.accuracy < best.coords.accuracy) best = position;
      say(format(strings.accuracy, { m: Math.round(best.coords.accuracy) }));
      if (best.coords.accuracy <= 25) finish();
    }, function (error) {
      if (best) { finish(); return; }
      done = true;
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      say("");
      codeBox.open = true;
      showError("geolocation", error.code === error.PERMISSION_DENIED ? strings.denied : strings.unavailable);
    }, { enableHighAccuracy: true, maximumAge: 0, timeout: 20000 });
    window.setTimeout(finish, 8000);
  }
  button.addEventListener("click", locate);
  codeButton.addEventListener("click", function () { send(null); });
  showCardState();
})();
