// The totem player. It lays the screen out in the zones of the manifest's layout and
// plays each zone from its cache: the main and side zones as slideshows, the ticker
// as scrolling text, the clock. It follows the server's event stream (new manifests,
// remote commands), blanks the screen in its screen-off hours, and keeps proof of play
// in IndexedDB while offline (a week of a busy totem and more), sending it when it can.
// A player with no token shows a pairing code and waits to be paired.
(function () {
  "use strict";
  const root = document.getElementById("player");
  const statusDot = document.getElementById("status");
  const API = root.dataset.api;
  const HEARTBEAT_MS = parseInt(root.dataset.heartbeat || "30", 10) * 1000;
  const VIDEO_STALL_MS = parseInt(root.dataset.videoStall || "15", 10) * 1000;
  const PLAYER_VERSION = root.dataset.version;
  const TOKEN_KEY = "signage.token", MANIFEST_KEY = "signage.manifest";
  const PAIRING_KEY = "signage.pairing", DONE_KEY = "signage.commands";
  const DATA_CACHE = "signage-data", MEDIA_CACHE = "signage-media";
  const STALL_MS = 45000; // no byte (not even a keep-alive) for this long: reconnect
  const BATCH = 500;
  const MAX_QUEUED = 300000; // > 7 days of a busy totem: a play every 5 s in two zones
  const MAX_REFUSED = 1000;
  const text = (name) => root.dataset["text" + name] || "";

  const state = { manifest: null, online: false, connections: 0, shown: 0, zones: {},
    layoutKey: null, screenOff: false, commands: [], flushing: false };
  window.signagePlayer = state;

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = content;
    return node;
  }
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const uuid = () => (self.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : Date.now().toString(36) + Math.random().toString(36).slice(2);

  function readToken() {
    const match = location.hash.match(/token=([^&]+)/);
    if (match) {
      localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname);
    }
    return localStorage.getItem(TOKEN_KEY);
  }
  let token = readToken();
  window.addEventListener("hashchange", () => {
    if (/token=/.test(location.hash)) { readToken(); location.reload(); }
  });
  const auth = () => ({ Authorization: "Bearer " + token });
  const jsonHeaders = () => Object.assign({ "Content-Type": "application/json" }, auth());

  function setOnline(online) {
    state.online = online;
    statusDot.className = "status " + (online ? "online" : "offline");
  }

  // --- Proof of play: a queue in IndexedDB ------------------------------------------------
  const queue = (function () {
    let dbPromise = null;
    function open() {
      if (!self.indexedDB) return Promise.reject(new Error("no IndexedDB"));
      if (!dbPromise) {
        dbPromise = new Promise((resolve, reject) => {
          const request = indexedDB.open("signage-player", 1);
          request.onupgradeneeded = () => {
            const db = request.result;
            db.createObjectStore("plays", { keyPath: "seq", autoIncrement: true });
            db.createObjectStore("refused", { keyPath: "seq", autoIncrement: true });
          };
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      }
      return dbPromise;
    }
    function run(store, mode, work) {
      return open().then((db) => new Promise((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const result = work(tx.objectStore(store));
        tx.oncomplete = () => resolve(result && result.value !== undefined ? result.value : result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      }));
    }
    function count(store) {
      return run(store, "readonly", (s) => { const out = {}; s.count().onsuccess = (e) => { out.value = e.target.result; }; return out; });
    }
    function trim(store, limit) {
      // Over the limit: drop the oldest (the lowest keys).
      return count(store).then((n) => n <= limit ? 0 : run(store, "readwrite", (s) => {
        let left = n - limit;
        s.openCursor().onsuccess = (e) => {
          const cursor = e.target.result;
          if (cursor && left > 0) { cursor.delete(); left -= 1; cursor.continue(); }
        };
      }));
    }
    return {
      add(record) {
        return run("plays", "readwrite", (s) => { s.add({ record: record }); })
          .catch(() => { /* storage refused: the play is lost, playback goes on */ });
      },
      first(limit) {
        return run("plays", "readonly", (s) => {
          const out = { value: [] };
          s.openCursor().onsuccess = (e) => {
            const cursor = e.target.result;
            if (cursor && out.value.length < limit) { out.value.push(cursor.value); cursor.continue(); }
          };
          return out;
        });
      },
      settle(entries, refused) {
        // Remove what the server answered; keep the refused ones apart, with their reason.
        return open().then((db) => new Promise((resolve, reject) => {
          const tx = db.transaction(["plays", "refused"], "readwrite");
          entries.forEach((entry) => tx.objectStore("plays").delete(entry.seq));
          refused.forEach((item) => tx.objectStore("refused").add(item));
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        })).then(() => trim("refused", MAX_REFUSED));
      },
      count: () => count("plays"),
      refusedCount: () => count("refused"),
      trim: () => trim("plays", MAX_QUEUED),
    };
  })();
  window.signageQueue = queue;

  function recordPlay(item, startedAt) {
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    if (seconds < 0.5 || !token) return;
    queue.add({ id: uuid(), content: item.id, started_at: startedAt.toISOString(),
      duration_s: Math.round(seconds * 10) / 10 });
  }

  // --- Rendering one item -----------------------------------------------------------------
  const dateFormats = {};
  function formatsFor(zone) {
    const key = zone || "Europe/Rome";
    dateFormats[key] = dateFormats[key] || {
      day: new Intl.DateTimeFormat("it-IT", { timeZone: key, weekday: "long", day: "numeric", month: "long", year: "numeric" }),
      time: new Intl.DateTimeFormat("it-IT", { timeZone: key, hour: "2-digit", minute: "2-digit" }),
      parts: new Intl.DateTimeFormat("en-GB", { timeZone: key, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
    };
    return dateFormats[key];
  }

  function clockInto(node, zone) {
    const day = el("div", "day"), clock = el("div", "clock");
    node.append(day, clock);
    const f = formatsFor(zone);
    const paint = () => {
      const now = new Date();
      day.textContent = f.day.format(now);
      clock.textContent = f.time.format(now);
    };
    const tick = () => { if (node.isConnected) { paint(); setTimeout(tick, 1000); } };
    paint();
    setTimeout(tick, 1000);
  }

  function render(item, zoneKey) {
    const slide = el("div", "slide kind-" + item.kind);
    slide.dataset.contentId = item.id;
    slide.style.background = item.background || "#0b6e4f";
    slide.style.color = item.foreground || "#fff";
    const data = item.data || {};
    slide.ready = Promise.resolve();
    if (item.kind === "image") {
      slide.classList.add("media");
      const img = el("img");
      img.alt = item.title;
      img.src = item.media_url;
      slide.append(img);
      // Shown only once decoded: no empty frame between two images.
      slide.ready = (img.decode ? img.decode() : Promise.resolve()).catch(() => null);
    } else if (item.kind === "video") {
      slide.classList.add("media");
      const video = el("video");
      video.muted = true; video.autoplay = true; video.loop = true; video.playsInline = true;
      video.preload = "auto";
      video.src = item.media_url;
      slide.append(video);
      slide.video = video;
      slide.ready = new Promise((resolve) => {
        if (video.readyState >= 2) { resolve(); return; }
        video.addEventListener("loadeddata", resolve, { once: true });
        video.addEventListener("error", resolve, { once: true });
        setTimeout(resolve, VIDEO_STALL_MS); // never wait forever: the watchdog skips it
      });
    } else if (item.kind === "web" || item.kind === "html") {
      slide.classList.add("web");
      const frame = el("iframe");
      frame.setAttribute("sandbox", "allow-scripts");
      if (item.kind === "web") frame.src = item.url; else frame.srcdoc = item.body;
      frame.title = item.title;
      slide.append(frame);
    } else if (item.kind === "campaigns") {
      slide.append(el("h1", null, item.title || text("Campaigns")));
      const list = el("ul");
      (data.campaigns || []).forEach((c) => {
        const li = el("li");
        const gain = c.multiplier ? "×" + Number(c.multiplier).toLocaleString("it-IT")
          : (c.bonus_points ? "+" + c.bonus_points.toLocaleString("it-IT") + " " + text("Points") : "");
        li.append(el("span", null, c.name + (gain ? " · " + gain : "")),
          el("small", null, text("Until") + " " + c.ends_on.split("-").reverse().join("/")));
        list.append(li);
      });
      slide.append(list);
    } else if (item.kind === "events") {
      slide.append(el("h1", null, item.title || text("Events")));
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
      clockInto(slide, data.time_zone);
    } else {
      slide.append(el("h1", "title", item.title));
      if (item.body) slide.append(el("p", "body", item.body));
    }
    if (item.priority === "emergency") slide.classList.add("emergency");
    if (item.owner && zoneKey === "main") slide.append(el("div", "owner", item.owner));
    return slide;
  }

  // The new slide fades in above the old one, which stays fully visible under it
  // until the new one covers it: never a frame with neither (no black flash).
  function showSlide(box, slide) {
    const old = Array.from(box.children);
    if (!old.length) { box.append(slide); return; } // the first one: nothing to cover
    slide.classList.add("entering");
    box.append(slide);
    slide.ready.then(() => {
      if (!slide.isConnected) return;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        slide.classList.add("visible");
        setTimeout(() => {
          slide.classList.remove("entering");
          old.forEach((node) => { if (node.video) node.video.pause(); node.remove(); });
        }, 700);
      }));
    });
  }

  // --- A zone that plays a playlist -----------------------------------------------------------
  class SlideZone {
    constructor(key, box) {
      this.key = key; this.box = box; this.items = []; this.current = null;
      this.startedAt = null; this.timer = null; this.watchdog = null;
    }
    setItems(items) {
      this.items = items || [];
      const current = this.current;
      if (!current) { this.next(); return; }
      const same = this.items.find((item) => item.id === current.id);
      const emergency = this.items.some((item) => item.priority === "emergency");
      if (same && JSON.stringify(same) !== JSON.stringify(current)) { this.show(same); return; }
      if (!same || (emergency && current.priority !== "emergency")) this.next(true);
    }
    finish() {
      if (this.current && this.startedAt && !state.screenOff) recordPlay(this.current, this.startedAt);
      this.startedAt = null;
    }
    show(item) {
      this.finish();
      clearTimeout(this.timer);
      clearInterval(this.watchdog);
      this.current = item;
      this.startedAt = new Date();
      if (this.key === "main") {
        state.shown += 1;
        document.body.dataset.contentId = String(item.id);
      }
      const slide = render(item, this.key);
      showSlide(this.box, slide);
      this.timer = setTimeout(() => this.next(), Math.max(1, item.duration_s) * 1000);
      if (slide.video) this.watch(slide.video, item);
    }
    // A video that does not move for VIDEO_STALL_MS (a file that stopped arriving, a
    // decoder that hung) is skipped; one that fails is skipped at once.
    watch(video, item) {
      let last = -1, since = Date.now();
      const skip = (why) => {
        if (this.current !== item) return;
        state.skipped = (state.skipped || 0) + 1;
        state.lastSkip = why;
        this.next(true);
      };
      video.addEventListener("error", () => skip("error"), { once: true });
      this.watchdog = setInterval(() => {
        if (this.current !== item) { clearInterval(this.watchdog); return; }
        if (video.currentTime !== last) { last = video.currentTime; since = Date.now(); return; }
        if (Date.now() - since >= VIDEO_STALL_MS) { clearInterval(this.watchdog); skip("stalled"); }
      }, 1000);
    }
    next(skipCurrent) {
      const items = this.items;
      if (!items.length) { this.idle(); return; }
      let index = 0;
      if (this.current) {
        const at = items.findIndex((item) => item.id === this.current.id);
        index = at >= 0 ? (at + 1) % items.length : 0;
        if (skipCurrent && items.length === 1 && at >= 0) index = 0;
      }
      this.show(items[index]);
    }
    idle() {
      this.finish();
      clearTimeout(this.timer);
      clearInterval(this.watchdog);
      this.current = null;
      if (this.key === "main") {
        delete document.body.dataset.contentId;
        const slide = el("div", "slide idle");
        slide.append(el("h1", null, text("Idle")));
        slide.ready = Promise.resolve();
        showSlide(this.box, slide);
      } else {
        this.box.replaceChildren();
      }
      this.timer = setTimeout(() => this.next(), 5000);
    }
    stop() {
      this.finish();
      clearTimeout(this.timer);
      clearInterval(this.watchdog);
      this.current = null;
    }
  }

  // The ticker: its text items one after the other, scrolling right to left.
  class TickerZone {
    constructor(key, box) {
      this.key = key; this.box = box; this.items = []; this.startedAt = null; this.signature = "";
      this.track = el("div", "ticker-track");
      box.append(this.track);
      this.speed = 0.12; // of the zone's width per second
    }
    setItems(items) {
      const signature = JSON.stringify((items || []).map((i) => [i.id, i.title, i.body]));
      this.items = items || [];
      if (signature === this.signature) return;
      this.signature = signature;
      this.restart();
    }
    restart() {
      this.finish();
      this.track.replaceChildren();
      this.track.style.animation = "none";
      if (!this.items.length) return;
      this.items.forEach((item) => {
        const span = el("span", "ticker-item", item.body ? item.title + " — " + item.body : item.title);
        span.dataset.contentId = item.id;
        this.track.append(span);
      });
      this.startedAt = new Date();
      const width = this.track.scrollWidth + this.box.clientWidth;
      const seconds = Math.max(8, width / (this.box.clientWidth * this.speed));
      this.track.style.setProperty("--ticker-from", this.box.clientWidth + "px");
      this.track.style.setProperty("--ticker-to", -this.track.scrollWidth + "px");
      void this.track.offsetWidth; // restart the animation
      this.track.style.animation = "ticker " + seconds + "s linear infinite";
      clearInterval(this.lap);
      this.lap = setInterval(() => this.lapDone(), seconds * 1000);
    }
    lapDone() {
      this.finish();
      this.startedAt = new Date();
    }
    finish() {
      // One play per item for each pass of the ticker.
      if (this.startedAt && !state.screenOff) {
        const share = (Date.now() - this.startedAt.getTime()) / Math.max(1, this.items.length);
        this.items.forEach((item) => recordPlay(item, new Date(Date.now() - share)));
      }
      this.startedAt = null;
    }
    stop() { this.finish(); clearInterval(this.lap); }
  }

  class ClockZone {
    constructor(key, box) { this.key = key; this.box = box; this.zone = null; }
    setTimeZone(zone) {
      if (zone === this.zone) return;
      this.zone = zone;
      this.box.replaceChildren();
      clockInto(this.box, zone);
    }
    stop() {}
  }

  // --- Layout -------------------------------------------------------------------------------
  const stage = document.getElementById("stage");

  function buildLayout(layout) {
    Object.values(state.zones).forEach((zone) => zone.stop());
    state.zones = {};
    stage.replaceChildren();
    stage.dataset.layout = layout.slug;
    root.dataset.orientation = layout.orientation;
    layout.zones.forEach((zone) => {
      const box = el("div", "zone zone-" + zone.key);
      box.dataset.zone = zone.key;
      box.style.left = zone.x + "%"; box.style.top = zone.y + "%";
      box.style.width = zone.w + "%"; box.style.height = zone.h + "%";
      stage.append(box);
      if (zone.key === "ticker") state.zones.ticker = new TickerZone(zone.key, box);
      else if (zone.key === "clock") state.zones.clock = new ClockZone(zone.key, box);
      else state.zones[zone.key] = new SlideZone(zone.key, box);
    });
  }

  function play(manifest) {
    const layout = manifest.layout || { slug: "landscape-full", orientation: "landscape",
      zones: [{ key: "main", x: 0, y: 0, w: 100, h: 100 }] };
    const key = JSON.stringify(layout);
    if (key !== state.layoutKey) { buildLayout(layout); state.layoutKey = key; }
    const items = manifest.items || [];
    root.classList.toggle("takeover", items.some((item) => item.priority === "emergency"));
    Object.values(state.zones).forEach((zone) => {
      if (zone.key === "main") zone.setItems(items);
      else if (zone.key === "clock") zone.setTimeZone(manifest.time_zone);
      else zone.setItems((manifest.zones || {})[zone.key] || []);
    });
    checkPower();
  }

  // --- Screen power ---------------------------------------------------------------------------
  const WEEKDAY = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
  function isScreenOff(manifest, now) {
    const parts = (manifest && manifest.screen_off) || [];
    if (!parts.length) return false;
    const p = {};
    formatsFor(manifest.time_zone).parts.formatToParts(now).forEach((x) => { p[x.type] = x.value; });
    const day = WEEKDAY[p.weekday];
    const minutes = parseInt(p.hour, 10) * 60 + parseInt(p.minute, 10);
    const at = (hhmm) => { const [h, m] = hhmm.split(":"); return parseInt(h, 10) * 60 + parseInt(m, 10); };
    return parts.some((part) => part.weekdays.includes(day) && at(part.start) <= minutes
      && (part.end === "24:00" || minutes < at(part.end)));
  }
  function checkPower() {
    const off = isScreenOff(state.manifest, new Date());
    if (off === state.screenOff) return;
    if (off) Object.values(state.zones).forEach((zone) => zone.finish && zone.finish());
    state.screenOff = off;
    root.classList.toggle("screen-off", off);
    document.querySelectorAll("video").forEach((v) => { if (off) v.pause(); else v.play().catch(() => {}); });
    if (!off) Object.values(state.zones).forEach((zone) => { if (zone.current) zone.startedAt = new Date(); });
  }

  // --- Manifests ------------------------------------------------------------------------------
  function apply(manifest, persist) {
    if (!manifest || !Array.isArray(manifest.items)) return;
    if (state.manifest && state.manifest.version === manifest.version) return;
    state.manifest = manifest;
    if (persist !== false) persistManifest(manifest);
    preload(manifest);
    play(manifest);
    heartbeat(); // tell the server at once which version plays now
  }

  function persistManifest(manifest) {
    const body = JSON.stringify(manifest);
    try { localStorage.setItem(MANIFEST_KEY, body); } catch (err) { /* storage full */ }
    if (self.caches) {
      caches.open(DATA_CACHE).then((cache) => cache.put(API + "/manifest",
        new Response(body, { headers: { "Content-Type": "application/json" } }))).catch(() => {});
    }
  }

  function allItems(manifest) {
    return (manifest.items || []).concat(...Object.values(manifest.zones || {}));
  }

  function preload(manifest) {
    if (!self.caches) return;
    caches.open(MEDIA_CACHE).then((cache) => {
      allItems(manifest).forEach((item) => {
        if (!item.media_url) return;
        cache.match(item.media_url, { ignoreVary: true }).then((hit) => hit || cache.add(item.media_url)).catch(() => {});
      });
    });
  }

  async function fetchManifest(force) {
    const headers = auth();
    if (state.manifest && !force) headers["If-None-Match"] = '"' + state.manifest.version + '"';
    try {
      const response = await fetch(API + "/manifest", { headers: headers, cache: "no-store" });
      if (response.status === 200) {
        const manifest = await response.json();
        if (force) state.manifest = null;
        apply(manifest);
      }
      return response.status;
    } catch (err) {
      return 0;
    }
  }

  // --- Remote commands -----------------------------------------------------------------------
  function doneIds() {
    try { return JSON.parse(localStorage.getItem(DONE_KEY) || "[]"); } catch (err) { return []; }
  }
  function markDone(id) {
    const ids = doneIds().filter((x) => x !== id).concat([id]).slice(-100);
    localStorage.setItem(DONE_KEY, JSON.stringify(ids));
  }
  function ack(command, ok, detail) {
    markDone(command.id);
    state.commands.push({ id: command.id, kind: command.kind, ok: ok });
    return fetch(API + "/commands/" + command.id + "/ack", { method: "POST", headers: jsonHeaders(),
      body: JSON.stringify({ ok: ok, detail: detail || "" }) }).catch(() => {});
  }

  function identify(command) {
    const overlay = el("div", "identify");
    overlay.append(el("div", "identify-name", command.name || ""), el("div", "identify-hint", text("Identify")));
    root.append(overlay);
    setTimeout(() => overlay.remove(), (command.seconds || 30) * 1000);
  }

  async function screenshot(command) {
    if (!window.modernScreenshot) throw new Error("no capture library");
    const scale = Math.min(1, 960 / Math.max(root.clientWidth, root.clientHeight));
    const image = await window.modernScreenshot.domToJpeg(root, { quality: 0.8, scale: scale,
      backgroundColor: "#000" });
    const response = await fetch(API + "/screenshot", { method: "POST", headers: jsonHeaders(),
      body: JSON.stringify({ image: image, command: command.id }) });
    if (!response.ok) throw new Error("upload " + response.status);
    markDone(command.id);
    state.commands.push({ id: command.id, kind: command.kind, ok: true });
  }

  async function clearCache() {
    if (self.caches) await Promise.all([caches.delete(DATA_CACHE), caches.delete(MEDIA_CACHE)]);
    localStorage.removeItem(MANIFEST_KEY);
    await fetchManifest(true);
  }

  async function handleCommand(command) {
    if (doneIds().includes(command.id)) { ack(command, true, "already done"); return; }
    try {
      if (command.kind === "reload") { await ack(command, true); location.reload(); return; }
      if (command.kind === "clear_cache") { await clearCache(); await ack(command, true); return; }
      if (command.kind === "identify") { identify(command); await ack(command, true); return; }
      if (command.kind === "screenshot") { await screenshot(command); return; }
      await ack(command, false, "unknown command");
    } catch (err) {
      await ack(command, false, String(err && err.message || err).slice(0, 200));
    }
  }

  // --- Event stream with reconnect and backoff ------------------------------------------------
  function handleBlock(block) {
    let name = "message", data = "";
    block.split("\n").forEach((line) => {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
    });
    if (!data) return;
    if (name === "command") { handleCommand(JSON.parse(data)); return; }
    if (name !== "manifest") return;
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
        const response = await fetch(API + "/events", { headers: auth(), cache: "no-store", signal: controller.signal });
        if (!response.ok || !response.body) throw new Error("events " + response.status);
        setOnline(true);
        state.connections += 1;
        delay = 1000;
        flushPlays();
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

  // --- Heartbeat and proof of play ----------------------------------------------------------
  async function heartbeat() {
    try {
      const refused = await queue.refusedCount().catch(() => 0);
      await fetch(API + "/heartbeat", {
        method: "POST",
        headers: jsonHeaders(),
        body: JSON.stringify({ status: state.screenOff ? "screen off" : (state.online ? "playing" : "playing from cache"),
          version: state.manifest ? state.manifest.version : "", player_version: PLAYER_VERSION,
          refused_plays: refused }),
      });
    } catch (err) { /* offline: the next one will tell */ }
  }

  // Sends the queue in batches until it is empty or the server cannot be reached.
  async function flushPlays() {
    if (state.flushing || !token) return;
    state.flushing = true;
    try {
      for (;;) {
        const entries = await queue.first(BATCH);
        if (!entries.length) return;
        let response;
        try {
          response = await fetch(API + "/plays", { method: "POST", headers: jsonHeaders(),
            body: JSON.stringify({ records: entries.map((e) => e.record) }) });
        } catch (err) { state.lastFlush = "offline"; return; } // offline: kept for later
        state.lastFlush = response.status;
        if (!response.ok) return; // kept: a later try, or a server that answers again
        const answer = await response.json();
        const byId = {};
        (answer.results || []).forEach((result) => { byId[result.id] = result; });
        const refused = entries.filter((e) => (byId[e.record.id] || {}).status === "refused")
          .map((e) => ({ record: e.record, reason: byId[e.record.id].reason }));
        await queue.settle(entries, refused);
        state.sent = (state.sent || 0) + entries.length - refused.length;
      }
    } finally {
      state.flushing = false;
    }
  }

  // --- Pairing by code ------------------------------------------------------------------------
  async function pairingScreen() {
    const box = el("div", "pairing");
    const code = el("div", "pairing-code");
    const hint = el("p", "pairing-hint", text("PairingHint"));
    const expiry = el("p", "pairing-expiry");
    box.append(el("h1", null, text("PairingTitle")), code, hint, expiry);
    stage.replaceChildren(box);
    const clock = new Intl.DateTimeFormat("it-IT", { hour: "2-digit", minute: "2-digit" });
    for (;;) {
      let pairing = null;
      try { pairing = JSON.parse(localStorage.getItem(PAIRING_KEY) || "null"); } catch (err) { pairing = null; }
      if (!pairing || new Date(pairing.expires_at) <= new Date()) {
        try {
          const response = await fetch(API + "/pairing", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
          if (!response.ok) { code.textContent = "······"; await sleep(response.status === 429 ? 60000 : 10000); continue; }
          pairing = await response.json();
          localStorage.setItem(PAIRING_KEY, JSON.stringify(pairing));
        } catch (err) { code.textContent = "······"; await sleep(10000); continue; }
      }
      code.textContent = pairing.code.slice(0, 3) + " " + pairing.code.slice(3);
      root.dataset.pairingCode = pairing.code;
      expiry.textContent = text("PairingExpiry") + " " + clock.format(new Date(pairing.expires_at));
      await sleep((pairing.poll_s || 3) * 1000);
      try {
        const response = await fetch(API + "/pairing/status", { method: "POST",
          headers: { "Content-Type": "application/json" }, body: JSON.stringify({ claim: pairing.claim }) });
        if (!response.ok) continue;
        const answer = await response.json();
        if (answer.status === "paired") {
          localStorage.setItem(TOKEN_KEY, answer.token);
          localStorage.removeItem(PAIRING_KEY);
          location.reload();
          return;
        }
        if (answer.status === "expired") localStorage.removeItem(PAIRING_KEY);
      } catch (err) { /* offline: try again */ }
    }
  }

  // --- Start --------------------------------------------------------------------------------
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
  if (!token) { pairingScreen(); return; }
  try {
    const saved = JSON.parse(localStorage.getItem(MANIFEST_KEY) || "null");
    if (saved) apply(saved, false);
  } catch (err) { /* a damaged copy: wait for the server */ }
  if (!state.manifest) play({ items: [], zones: {} });
  // Plays queued in localStorage by an older player move to IndexedDB.
  try {
    const legacy = JSON.parse(localStorage.getItem("signage.plays") || "[]");
    legacy.forEach((record) => queue.add(record));
    localStorage.removeItem("signage.plays");
  } catch (err) { /* nothing to move */ }
  fetchManifest();
  listen();
  setInterval(heartbeat, HEARTBEAT_MS);
  setInterval(flushPlays, 15000);
  setInterval(() => queue.trim().catch(() => {}), 10 * 60 * 1000);
  setInterval(checkPower, 15000);
  setInterval(fetchManifest, 5 * 60 * 1000); // a safety net beside the stream
})();
