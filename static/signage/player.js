// The totem player: plays the manifest in a loop, follows the server's event stream,
// keeps playing from Cache Storage through outages, queues proof of play while offline.
(function () {
  "use strict";
  const root = document.getElementById("player");
  const stage = document.getElementById("stage");
  const statusDot = document.getElementById("status");
  const API = root.dataset.api;
  const HEARTBEAT_MS = parseInt(root.dataset.heartbeat || "30", 10) * 1000;
  const PLAYER_VERSION = root.dataset.version;
  const TOKEN_KEY = "signage.token", MANIFEST_KEY = "signage.manifest", PLAYS_KEY = "signage.plays";
  const DATA_CACHE = "signage-data", MEDIA_CACHE = "signage-media";
  const STALL_MS = 45000; // no byte (not even a keep-alive) for this long: reconnect

  const state = { manifest: null, current: null, startedAt: null, timer: null, shown: 0,
    online: false, connections: 0 };
  window.signagePlayer = state;

  function readToken() {
    const match = location.hash.match(/token=([^&]+)/);
    if (match) {
      localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname);
    }
    return localStorage.getItem(TOKEN_KEY);
  }
  const token = readToken();
  // Pairing (again) on a running page: take the new token and start over with it.
  window.addEventListener("hashchange", () => {
    if (/token=/.test(location.hash)) { readToken(); location.reload(); }
  });
  const auth = { Authorization: "Bearer " + token };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const uuid = () => (self.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : Date.now().toString(36) + Math.random().toString(36).slice(2);

  function setOnline(online) {
    state.online = online;
    statusDot.className = "status " + (online ? "online" : "offline");
  }

  // --- Rendering ----------------------------------------------------------------------
  const dateFormats = {};
  function dateBanner(slide, zone) {
    const day = el("div", "day"), clock = el("div", "clock");
    slide.append(day, clock);
    const key = zone || "Europe/Rome";
    dateFormats[key] = dateFormats[key] || {
      day: new Intl.DateTimeFormat("it-IT", { timeZone: key, weekday: "long", day: "numeric", month: "long", year: "numeric" }),
      time: new Intl.DateTimeFormat("it-IT", { timeZone: key, hour: "2-digit", minute: "2-digit" }),
    };
    const paint = () => {
      const now = new Date();
      day.textContent = dateFormats[key].day.format(now);
      clock.textContent = dateFormats[key].time.format(now);
    };
    const tick = () => {
      if (!slide.isConnected) return; // the slide left the screen
      paint();
      setTimeout(tick, 1000);
    };
    paint();
    setTimeout(tick, 1000);
  }

  function render(item) {
    const slide = el("div", "slide kind-" + item.kind);
    slide.dataset.contentId = item.id;
    slide.style.background = item.background || "#0b6e4f";
    slide.style.color = item.foreground || "#fff";
    const data = item.data || {};
    if (item.kind === "image") {
      slide.classList.add("media");
      const img = el("img");
      img.src = item.media_url; img.alt = item.title;
      slide.append(img);
    } else if (item.kind === "video") {
      slide.classList.add("media");
      const video = el("video");
      video.src = item.media_url; video.muted = true; video.autoplay = true;
      video.loop = true; video.playsInline = true;
      slide.append(video);
    } else if (item.kind === "web" || item.kind === "html") {
      slide.classList.add("web");
      const frame = el("iframe");
      frame.setAttribute("sandbox", "allow-scripts");
      if (item.kind === "web") frame.src = item.url; else frame.srcdoc = item.body;
      frame.title = item.title;
      slide.append(frame);
    } else if (item.kind === "campaigns") {
      slide.append(el("h1", null, item.title || root.dataset.textCampaigns));
      const list = el("ul");
      (data.campaigns || []).forEach((c) => {
        const li = el("li");
        const gain = c.multiplier ? "×" + Number(c.multiplier).toLocaleString("it-IT")
          : (c.bonus_points ? "+" + c.bonus_points + " " + root.dataset.textPoints : "");
        li.append(el("span", null, c.name + (gain ? " · " + gain : "")),
          el("small", null, root.dataset.textUntil + " " + c.ends_on.split("-").reverse().join("/")));
        list.append(li);
      });
      slide.append(list);
    } else if (item.kind === "events") {
      slide.append(el("h1", null, item.title || root.dataset.textEvents));
      const list = el("ul");
      (data.events || []).forEach((ev) => {
        const li = el("li");
        const when = new Date(ev.starts_at).toLocaleString("it-IT", { timeZone: data.time_zone || "Europe/Rome",
          weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
        li.append(el("span", null, ev.title + (ev.place ? " · " + ev.place : "")), el("small", null, when));
        list.append(li);
      });
      slide.append(list);
    } else if (item.kind === "date") {
      slide.classList.add("date");
      dateBanner(slide, data.time_zone);
    } else {
      slide.append(el("h1", "title", item.title));
      if (item.body) slide.append(el("p", "body", item.body));
    }
    if (item.priority === "emergency") slide.classList.add("emergency");
    if (item.owner) slide.append(el("div", "owner", item.owner));
    return slide;
  }

  function showSlide(slide) {
    const old = Array.from(stage.children);
    stage.append(slide);
    requestAnimationFrame(() => requestAnimationFrame(() => slide.classList.add("visible")));
    old.forEach((node) => {
      node.classList.remove("visible");
      setTimeout(() => node.remove(), 700);
    });
  }

  // --- Playback loop ------------------------------------------------------------------
  function finishPlay() {
    if (!state.current || !state.startedAt) return;
    const seconds = (Date.now() - state.startedAt.getTime()) / 1000;
    if (seconds >= 0.5) {
      const queue = JSON.parse(localStorage.getItem(PLAYS_KEY) || "[]");
      queue.push({ id: uuid(), content: state.current.id, started_at: state.startedAt.toISOString(),
        duration_s: Math.round(seconds * 10) / 10 });
      localStorage.setItem(PLAYS_KEY, JSON.stringify(queue.slice(-5000)));
    }
  }

  function show(item) {
    finishPlay();
    clearTimeout(state.timer);
    state.current = item;
    state.startedAt = new Date();
    state.shown += 1;
    document.body.dataset.contentId = String(item.id);
    showSlide(render(item));
    state.timer = setTimeout(next, Math.max(1, item.duration_s) * 1000);
  }

  function showIdle() {
    finishPlay();
    clearTimeout(state.timer);
    state.current = null;
    state.startedAt = null;
    delete document.body.dataset.contentId;
    const slide = el("div", "slide idle");
    slide.append(el("h1", null, token ? root.dataset.textIdle : root.dataset.textPairing));
    showSlide(slide);
    state.timer = setTimeout(next, 5000);
  }

  function next() {
    const items = (state.manifest && state.manifest.items) || [];
    if (!items.length) { showIdle(); return; }
    let index = 0;
    if (state.current) {
      const at = items.findIndex((item) => item.id === state.current.id);
      index = at >= 0 ? (at + 1) % items.length : 0;
    }
    show(items[index]);
  }

  // A new manifest: interrupt at once for an emergency or when the item on screen
  // changed or went away; otherwise carry on and pick the new list up at the next item.
  function apply(manifest, persist) {
    if (!manifest || !Array.isArray(manifest.items)) return;
    if (state.manifest && state.manifest.version === manifest.version) return;
    state.manifest = manifest;
    if (persist !== false) persistManifest(manifest);
    preload(manifest);
    const current = state.current;
    if (!current) { next(); return; }
    const same = manifest.items.find((item) => item.id === current.id);
    const emergency = manifest.items.some((item) => item.priority === "emergency");
    if (same && JSON.stringify(same) !== JSON.stringify(current)) { show(same); return; }
    if (!same || (emergency && current.priority !== "emergency")) {
      finishPlay();
      state.current = null;
      next();
    }
  }

  function persistManifest(manifest) {
    const text = JSON.stringify(manifest);
    try { localStorage.setItem(MANIFEST_KEY, text); } catch (err) { /* storage full */ }
    if (self.caches) {
      caches.open(DATA_CACHE).then((cache) => cache.put(API + "/manifest",
        new Response(text, { headers: { "Content-Type": "application/json" } }))).catch(() => {});
    }
  }

  function preload(manifest) {
    if (!self.caches) return;
    caches.open(MEDIA_CACHE).then((cache) => {
      manifest.items.forEach((item) => {
        if (!item.media_url) return;
        cache.match(item.media_url, { ignoreVary: true }).then((hit) => hit || cache.add(item.media_url)).catch(() => {});
      });
    });
  }

  async function fetchManifest() {
    const headers = Object.assign({}, auth);
    if (state.manifest) headers["If-None-Match"] = '"' + state.manifest.version + '"';
    try {
      const response = await fetch(API + "/manifest", { headers: headers, cache: "no-store" });
      if (response.status === 200) apply(await response.json());
      return response.status;
    } catch (err) {
      return 0;
    }
  }

  // --- Event stream with reconnect and backoff --------------------------------------------
  function handleBlock(block) {
    let name = "message", data = "";
    block.split("\n").forEach((line) => {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
    });
    if (name !== "manifest" || !data) return;
    const manifest = JSON.parse(data);
    if (Array.isArray(manifest.items)) apply(manifest); else fetchManifest();
  }

  async function listen() {
    let delay = 1000;
    for (;;) {
      const controller = new AbortController();
      let watchdog = null;
      const arm = () => { clearTimeout(watchdog); watchdog = setTimeout(() => controller.abort(), STALL_MS); };
      try {
        arm();
        const response = await fetch(API + "/events", { headers: auth, cache: "no-store", signal: controller.signal });
        if (!response.ok || !response.body) throw new Error("events " + response.status);
        setOnline(true);
        state.connections += 1;
        delay = 1000;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          arm();
          buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            handleBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (err) { /* server or network down: keep playing, retry below */ }
      clearTimeout(watchdog);
      setOnline(false);
      await sleep(delay + Math.random() * delay * 0.3);
      delay = Math.min(delay * 2, 30000);
    }
  }

  // --- Heartbeat and proof of play ------------------------------------------------------
  async function heartbeat() {
    try {
      await fetch(API + "/heartbeat", {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json" }, auth),
        body: JSON.stringify({ status: state.online ? "playing" : "playing from cache",
          version: state.manifest ? state.manifest.version : "", player_version: PLAYER_VERSION }),
      });
    } catch (err) { /* offline: the next one will tell */ }
  }

  async function flushPlays() {
    const queue = JSON.parse(localStorage.getItem(PLAYS_KEY) || "[]");
    if (!queue.length) return;
    const batch = queue.slice(0, 500);
    try {
      const response = await fetch(API + "/plays", {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json" }, auth),
        body: JSON.stringify({ records: batch }),
      });
      if (!response.ok && response.status !== 422) return;
      const sent = new Set(batch.map((record) => record.id));
      const left = JSON.parse(localStorage.getItem(PLAYS_KEY) || "[]").filter((r) => !sent.has(r.id));
      localStorage.setItem(PLAYS_KEY, JSON.stringify(left));
    } catch (err) { /* offline: kept for later */ }
  }

  // --- Start ------------------------------------------------------------------------------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: location.pathname })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        // A worker that activated while this page was loading claimed the pages open
        // then, not this one: ask it again, or this page would stay uncontrolled (and
        // its manifest and media uncached) until the next reload.
        if (!navigator.serviceWorker.controller && registration.active) {
          registration.active.postMessage("claim");
        }
      })
      .catch(() => {});
  }
  if (!token) { showIdle(); return; }
  try {
    const saved = JSON.parse(localStorage.getItem(MANIFEST_KEY) || "null");
    if (saved) apply(saved, false);
  } catch (err) { /* a damaged copy: wait for the server */ }
  if (!state.manifest) showIdle();
  fetchManifest();
  listen();
  heartbeat();
  setInterval(heartbeat, HEARTBEAT_MS);
  setInterval(flushPlays, 15000);
  setInterval(fetchManifest, 5 * 60 * 1000); // a safety net beside the stream
})();
