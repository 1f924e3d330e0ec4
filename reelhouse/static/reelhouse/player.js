// Reelhouse player: hls.js where the browser has Media Source Extensions, native HLS otherwise.
// Starts its playback session with a POST (the page itself changes nothing), resumes where the profile stopped,
// reports progress by heartbeats while the page is open and ends the session when the page is left (a beacon),
// renews the signed stream prefix every playlist and segment request goes through, and adds what a viewer expects:
// quality/audio/subtitle choice (the profile's languages, kept on the server), keyboard shortcuts, up-next.
(function () {
  "use strict";
  const video = document.getElementById("video");
  if (!video) return;
  const $ = function (id) { return document.getElementById(id); };
  const message = $("player-message");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  let prefix = "";  // the signed stream prefix, from the start response and renewed by every heartbeat
  let session = null;  // {heartbeat_url, leave_url} of this page's playback session
  let resumeAt = 0;
  let stopped = false;
  const heartbeatMs = 1000 * parseFloat(video.dataset.heartbeatSeconds || "30");
  const streamRe = /\/stream\/[^/]+\/\d+\/[^/]+\/\d+\//;
  // With an nginx edge (docs/edge.md) the master lists the renditions under the edge's own signed prefix, renewed
  // by the same heartbeats: origin and token are replaced together (the edge is another origin).
  let edgePrefix = "";
  const edgeRe = /^[^?#]*?\/edge\/s\/[^/]+\/[^/]+\/\d+\/[^/]+\/\d+\/[^/]+\/[^/]+\//;
  // The profile's languages, from the server: audio "" is the title's default track, subtitles "" is off.
  const prefs = { audio: video.dataset.audioLang || "", subtitles: video.dataset.subtitleLang || "" };
  // What "c" turns on: the subtitles last chosen, else those in the interface language.
  let lastSubtitles = prefs.subtitles || document.documentElement.lang || "";
  const COUNTDOWN_S = 10, STILL_WATCHING_AFTER = 3;
  let hls = null;
  window.reelhouseStreamPrefix = function () { return prefix; };  // the seek previews fetch sprites through it

  // The error screen: the message, and a link to ask support with the title, the device and the errors filled in.
  function show(text) {
    message.textContent = text; message.hidden = false;
    if ($("player-report")) $("player-report").hidden = false;
  }
  // Errors are remembered on the server (support sees them beside a request); a failed report costs nothing.
  function report(code, detail) {
    if (!video.dataset.errorUrl) return Promise.resolve();
    const form = new FormData();
    form.append("csrfmiddlewaretoken", csrf);
    form.append("code", code); form.append("detail", detail || "");
    return fetch(video.dataset.errorUrl, { method: "POST", body: form, credentials: "same-origin" })
      .catch(function () { /* nothing to do: the viewer still sees the message */ });
  }
  // A choice in the menus becomes the profile's preference, on every device; a failed save only costs that.
  function savePrefs(field) {
    const form = new FormData();
    form.append("csrfmiddlewaretoken", csrf);
    form.append(field, prefs[field]);
    return fetch(video.dataset.preferencesUrl, { method: "POST", body: form, credentials: "same-origin" })
      .catch(function () { /* kept for this page; the next change tries again */ });
  }
  // "pt" matches a "pt-BR" track and the other way round; an exact tag wins; forced-only tracks come last.
  function trackFor(tracks, lang) {
    if (!lang) return -1;
    const want = lang.toLowerCase(), base = want.split("-")[0];
    let best = -1, bestScore = 0;
    tracks.forEach(function (t, i) {
      const have = (t.lang || "").toLowerCase();
      let score = have === want ? 4 : have.split("-")[0] === base ? 2 : 0;
      if (score && !t.forced) score += 1;
      if (score > bestScore) { best = i; bestScore = score; }
    });
    return best;
  }
  // Every request goes through the newest prefix, so a renewed token covers the rest of the stream.
  function current(url) {
    return edgePrefix && edgeRe.test(url) ? url.replace(edgeRe, edgePrefix) : url.replace(streamRe, prefix);
  }

  function option(select, value, label, selected) {
    const o = document.createElement("option");
    o.value = String(value); o.textContent = label; o.selected = !!selected;
    select.appendChild(o);
  }

  // hls.js lists a title's audio and subtitle tracks once the first variant loads (AUDIO/SUBTITLE_TRACKS_UPDATED),
  // and picks its initial tracks right after announcing them: the profile's languages are applied after that, so
  // "pt" still finds a "pt-BR" track that hls.js's exact audioPreference/subtitlePreference would miss.
  function fillQuality(_e, data) {
    const quality = $("quality");
    // No SUBTITLE_TRACKS_UPDATED comes for a title without subtitles: hide the menus it would have filled.
    $("subtitles").parentElement.hidden = !(data.subtitleTracks || []).length;
    $("audio").parentElement.hidden = (data.audioTracks || []).length < 2;
    hls.levels.map(function (l, i) { return [l.height, i]; }).sort(function (a, b) { return b[0] - a[0]; })
      .forEach(function ([h, i]) { option(quality, i, h + "p"); });
    quality.addEventListener("change", function () { hls.currentLevel = parseInt(quality.value, 10); });
  }
  function label(t, i) { return t.name || t.lang || ("#" + (i + 1)); }
  let audioApplied = false, subtitlesApplied = false;
  function fillAudio() {
    const audio = $("audio");
    audio.textContent = "";
    hls.audioTracks.forEach(function (t, i) { option(audio, i, label(t, i), i === hls.audioTrack); });
    audio.parentElement.hidden = hls.audioTracks.length < 2;
    if (audioApplied) return;
    audioApplied = true;
    Promise.resolve().then(function () {
      const a = trackFor(hls.audioTracks, prefs.audio);
      if (a >= 0 && a !== hls.audioTrack) hls.audioTrack = a;
      audio.value = String(hls.audioTrack);
    });
  }
  function fillSubtitles() {
    const subs = $("subtitles");
    subs.textContent = "";
    option(subs, -1, subs.dataset.off);
    hls.subtitleTracks.forEach(function (t, i) { option(subs, i, label(t, i)); });
    subs.parentElement.hidden = hls.subtitleTracks.length === 0;
    if (subtitlesApplied) { subs.value = String(hls.subtitleTrack); return; }
    subtitlesApplied = true;
    Promise.resolve().then(function () { showSubtitle(trackFor(hls.subtitleTracks, prefs.subtitles)); });
  }
  $("audio").addEventListener("change", function () {
    hls.audioTrack = parseInt($("audio").value, 10);
    hls.config.audioPreference = { lang: hls.audioTracks[hls.audioTrack].lang };
    prefs.audio = hls.audioTracks[hls.audioTrack].lang || ""; savePrefs("audio");
  });
  $("subtitles").addEventListener("change", function () { setSubtitle(parseInt($("subtitles").value, 10)); });

  function showSubtitle(i) {
    // Also what hls.js picks again should a variant switch bring another subtitle group.
    hls.config.subtitlePreference = i >= 0 ? { lang: hls.subtitleTracks[i].lang } : undefined;
    hls.subtitleTrack = i;
    hls.subtitleDisplay = i >= 0;
    $("subtitles").value = String(i);
  }
  function setSubtitle(i) {  // the viewer's choice: shown, and kept as the profile's preference
    showSubtitle(i);
    prefs.subtitles = i >= 0 ? (hls.subtitleTracks[i].lang || "") : "";
    if (prefs.subtitles) lastSubtitles = prefs.subtitles;
    savePrefs("subtitles");
  }

  // Safari plays HLS itself and shows its own menus: start it in the profile's languages, and keep what the
  // viewer picks there.
  function nativeLanguages() {
    const texts = Array.from(video.textTracks || []).filter(function (t) {
      return t.kind === "subtitles" || t.kind === "captions";
    });
    const want = trackFor(texts.map(function (t) { return { lang: t.language }; }), prefs.subtitles);
    texts.forEach(function (t, i) { t.mode = i === want ? "showing" : "disabled"; });
    const audios = Array.from(video.audioTracks || []);
    const a = trackFor(audios.map(function (t) { return { lang: t.language }; }), prefs.audio);
    if (a >= 0) audios.forEach(function (t, i) { t.enabled = i === a; });
    if (video.textTracks) {
      video.textTracks.addEventListener("change", function () {
        const on = texts.find(function (t) { return t.mode === "showing"; });
        const lang = on ? on.language || "" : "";
        if (lang !== prefs.subtitles) { prefs.subtitles = lang; savePrefs("subtitles"); }
      });
    }
  }

  // The session starts here, not when the page loads: a CSRF-checked POST, on this device (an earlier session of
  // this browser is taken over), answered with the stream prefix and where to resume.
  function begin() {
    const form = new FormData();
    form.append("csrfmiddlewaretoken", csrf);
    return fetch(video.dataset.startUrl, { method: "POST", body: form, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
      .then(function ([status, data]) {
        if (status !== 200) { stopped = true; show(data.reason || video.dataset.msgStopped); return false; }
        prefix = data.stream_prefix; edgePrefix = data.edge_prefix || ""; session = data; resumeAt = Math.max(data.resume_s || 0, leftHere()); stopped = false;
        message.hidden = true;
        video.dispatchEvent(new CustomEvent("reelhouse:started"));
        return true;
      })
      .catch(function () { show(video.dataset.msgStopped); return false; });
  }
  window.reelhouseSession = function () { return session; };

  function start() {
    const master = prefix + "master.m3u8";
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({
        startPosition: resumeAt > 0 ? resumeAt : -1,
        // Load the profile's audio from the first segment rather than switching after the default one started.
        audioPreference: prefs.audio ? { lang: prefs.audio } : undefined,
        subtitlePreference: prefs.subtitles ? { lang: prefs.subtitles } : undefined,
        xhrSetup: function (xhr, url) { xhr.open("GET", current(url), true); },
      });
      hls.on(window.Hls.Events.ERROR, function (_e, data) {
        if (!data.fatal) return;
        report(data.details || data.type || "hls", data.type + ": " + (data.details || "") +
               (data.response && data.response.code ? " (HTTP " + data.response.code + ")" : ""));
        // A refused request: the server says why (the session ended, the subscription or licence did...).
        heartbeat(false).then(function () {
          if (message.hidden) show(video.dataset.msgStopped + " (" + (data.details || data.type) + ")");
        });
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, fillQuality);
      hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, fillAudio);
      hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, fillSubtitles);
      hls.on(window.Hls.Events.AUDIO_TRACK_SWITCHING, function (_e, data) { $("audio").value = String(data.id); });
      hls.loadSource(master);
      hls.attachMedia(video);
      window.reelhouseHls = hls;
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = master;  // Safari: native HLS brings its own quality, audio and subtitle menus
      document.querySelector(".toolbar").hidden = true;
      video.addEventListener("loadedmetadata", function () {
        if (resumeAt > 0) video.currentTime = resumeAt;
        nativeLanguages();
      }, { once: true });
      // A native player fetches every file under the prefix it started with, so once that token expires a segment
      // is refused and the element errors: start again under the renewed prefix, where the viewer was.
      let nativePrefix = prefix;
      video.addEventListener("error", function () {
        if (stopped) return;
        if (prefix === nativePrefix) {
          report("media_error", video.error ? "MediaError " + video.error.code + " " + (video.error.message || "") : "");
          heartbeat(false).then(function () { if (message.hidden) show(video.dataset.msgStopped); });
          return;
        }
        const at = video.currentTime;
        nativePrefix = prefix;
        video.src = prefix + "master.m3u8";
        video.addEventListener("loadedmetadata", function () { video.currentTime = at; }, { once: true });
        video.play().catch(function () { /* the controls are there */ });
      });
    } else {
      report("no_hls", navigator.userAgent);
      show(video.dataset.msgNoHls);
      return;
    }
    video.play().catch(function () { /* autoplay may need a click; the controls are there */ });
  }

  function body(ended) {
    const form = new FormData();
    form.append("csrfmiddlewaretoken", csrf);
    form.append("position", String(video.currentTime || 0));
    form.append("duration", String(isFinite(video.duration) ? video.duration : 0));
    if (ended) form.append("ended", "1");
    return form;
  }

  // A session that went quiet too long (a sleeping laptop) is over; start a new one and carry on where we are.
  function resumeHere() {
    const at = video.currentTime;
    return begin().then(function (ok) {
      if (!ok) return;
      if (hls) { hls.startLoad(at); } else {
        video.src = prefix + "master.m3u8";
        video.addEventListener("loadedmetadata", function () { video.currentTime = at; }, { once: true });
      }
    });
  }

  function heartbeat(ended) {
    if (!session || stopped) return Promise.resolve();
    return fetch(session.heartbeat_url, { method: "POST", body: body(ended), credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
      .then(function ([status, data]) {
        if (status === 403 && data.code === "stale") return resumeHere();
        if (status === 403) { stopped = true; video.pause(); show(data.reason); }
        else if (data.stream_prefix) { prefix = data.stream_prefix; edgePrefix = data.edge_prefix || ""; }
      })
      .catch(function () { /* the next heartbeat retries */ });
  }

  // While the page is open the session is alive (paused too): it holds its slot until the page is left.
  setInterval(function () { heartbeat(false); }, heartbeatMs);
  video.addEventListener("pause", function () { heartbeat(false); });
  video.addEventListener("seeked", function () { heartbeat(false); });
  // Leaving the page (closing the tab, a reload, another page) ends the session at once and keeps the position: the
  // keepalive request outlives the page (the service worker sends it on) and carries the CSRF token like any POST.
  // The beacon can reach the server after the reloaded page has asked where to resume (a service worker answering
  // the reload first makes that likely), so the page also notes where it was left in this tab; the reloaded page
  // resumes from the later of the two (the server keeps the beacon's position either way).
  const leftKey = "reelhouse.leftAt:" + video.dataset.startUrl;
  function leftHere() {
    const note = JSON.parse(sessionStorage.getItem(leftKey) || "null");
    sessionStorage.removeItem(leftKey);
    return note && Date.now() - note.at < 60000 && isFinite(note.position) ? note.position : 0;
  }
  window.addEventListener("pagehide", function () {
    if (!session || stopped) return;
    sessionStorage.setItem(leftKey, JSON.stringify({ position: video.currentTime, at: Date.now() }));
    fetch(session.leave_url, { method: "POST", body: body(false), credentials: "same-origin", keepalive: true });
    session = null;
  });
  // Back from the back-forward cache: the session ended on leaving, so start another one where we were.
  window.addEventListener("pageshow", function (e) { if (e.persisted && !stopped) resumeHere(); });

  // Autoplay of the next episode: a visible countdown with cancel; after three in a row without the viewer
  // touching anything, ask "Still watching?" instead.
  const streakKey = "reelhouse.autoplayStreak";
  function interacted() { sessionStorage.setItem(streakKey, "0"); }
  ["keydown", "pointerdown"].forEach(function (e) { document.addEventListener(e, interacted, { passive: true }); });
  let countdown = null;
  function goNext() {
    sessionStorage.setItem(streakKey, String(parseInt(sessionStorage.getItem(streakKey) || "0", 10) + 1));
    window.location.assign(video.dataset.nextUrl);
  }
  function cancelCountdown() { clearInterval(countdown); countdown = null; $("up-next").hidden = true; }
  video.addEventListener("ended", function () {
    heartbeat(true).then(function () {
      if (!video.dataset.nextUrl) return;
      if (parseInt(sessionStorage.getItem(streakKey) || "0", 10) >= STILL_WATCHING_AFTER - 1) {
        $("still-watching").hidden = false; $("still-watching-yes").focus(); return;
      }
      let left = COUNTDOWN_S;
      $("up-next-seconds").textContent = String(left);
      $("up-next").hidden = false; $("up-next-play").focus();
      countdown = setInterval(function () {
        left -= 1; $("up-next-seconds").textContent = String(left);
        if (left <= 0) { cancelCountdown(); goNext(); }
      }, 1000);
    });
  });
  if ($("up-next")) {
    // These clicks are the viewer's answer, not "interaction" that resets the streak after it is counted.
    $("up-next-play").addEventListener("click", function () { cancelCountdown(); goNext(); });
    $("up-next-cancel").addEventListener("click", cancelCountdown);
    $("still-watching-yes").addEventListener("click", function () { interacted(); goNext(); });
  }

  // Skip intro / skip credits (or straight to the next episode): shown only while the playhead is inside the
  // marked stretch; a button, so Tab and Enter reach it, and "s" presses whichever is showing.
  const skips = ["skip-intro", "skip-credits"].map($).filter(Boolean);
  function skipShowing() { return skips.find(function (box) { return !box.hidden; }); }
  function updateSkips() {
    const t = video.currentTime;
    skips.forEach(function (box) {
      const b = box.querySelector("button");
      box.hidden = !(t >= parseFloat(b.dataset.start) && t < parseFloat(b.dataset.end) - 0.25);
    });
  }
  skips.forEach(function (box) {
    const b = box.querySelector("button");
    b.addEventListener("click", function () {
      box.hidden = true;
      if (b.dataset.next && video.dataset.nextUrl) { interacted(); window.location.assign(video.dataset.nextUrl); }
      else video.currentTime = Math.min(parseFloat(b.dataset.end), video.duration || Infinity);
    });
  });
  if (skips.length) { video.addEventListener("timeupdate", updateSkips); video.addEventListener("seeked", updateSkips); }
  // From the start of the credits the title counts as watched (the server decides): tell it right away, so a
  // viewer who closes the tab during the credits finds the title finished, not "continue at 41:12".
  const creditsButton = $("skip-credits") && $("skip-credits").querySelector("button");
  let creditsReported = false;
  if (creditsButton) {
    video.addEventListener("timeupdate", function () {
      if (!creditsReported && video.currentTime >= parseFloat(creditsButton.dataset.start)) {
        creditsReported = true; heartbeat(false);
      }
    });
  }

  // Full screen, picture in picture, keyboard shortcuts.
  const player = $("player");
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen(); else player.requestFullscreen().catch(function () {});
  }
  $("fullscreen").addEventListener("click", toggleFullscreen);
  if (document.pictureInPictureEnabled) {
    $("pip").hidden = false;
    $("pip").addEventListener("click", function () {
      if (document.pictureInPictureElement) document.exitPictureInPicture(); else video.requestPictureInPicture();
    });
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(e.target.tagName)) return;
    const k = e.key;
    if (k === " " || k === "k") { if (video.paused) video.play(); else video.pause(); }
    else if (k === "ArrowLeft") video.currentTime = Math.max(0, video.currentTime - 10);
    else if (k === "ArrowRight") video.currentTime = Math.min(video.duration || Infinity, video.currentTime + 10);
    else if (k === "ArrowUp") video.volume = Math.min(1, video.volume + 0.1);
    else if (k === "ArrowDown") video.volume = Math.max(0, video.volume - 0.1);
    else if (k === "f") toggleFullscreen();
    else if (k === "m") video.muted = !video.muted;
    else if (k === "s" && skipShowing()) skipShowing().querySelector("button").click();
    else if (k === "c" && hls && hls.subtitleTracks.length) {
      setSubtitle(hls.subtitleTrack >= 0 ? -1 : Math.max(0, trackFor(hls.subtitleTracks, lastSubtitles)));
    } else return;
    e.preventDefault();
  });
  begin().then(function (ok) { if (ok) start(); });
})();

// Seek previews: a scrub bar under the video (a range input, so Tab, arrows, Home/End work) that shows the
// trickplay thumbnail for the time under the pointer, or the time the keyboard moved to, and seeks on release.
(function () {
  "use strict";
  const video = document.getElementById("video");
  const scrub = document.getElementById("scrub");
  if (!video || !scrub) return;
  const seek = document.getElementById("seek");
  const preview = document.getElementById("seek-preview");
  const previewTime = document.getElementById("seek-preview-time");
  let cues = [], dragging = false;

  // The player renews the stream prefix with each heartbeat; sprites go through the newest one.
  function prefix() { return window.reelhouseStreamPrefix(); }
  function seconds(stamp) {
    return stamp.split(":").reduce(function (acc, part) { return acc * 60 + parseFloat(part); }, 0);
  }
  function clock(t) {
    t = Math.max(0, Math.floor(t));
    const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }
  function parse(text) {
    const out = [];
    const blocks = text.replace(/\r/g, "").split(/\n\n+/);
    blocks.forEach(function (block) {
      const lines = block.split("\n");
      const i = lines.findIndex(function (l) { return l.indexOf("-->") >= 0; });
      if (i < 0 || !lines[i + 1]) return;
      const [a, b] = lines[i].split("-->").map(function (x) { return seconds(x.trim().split(" ")[0]); });
      const m = lines[i + 1].trim().match(/^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/);
      if (m) out.push({ start: a, end: b, file: m[1], x: +m[2], y: +m[3], w: +m[4], h: +m[5] });
    });
    return out;
  }
  function cueAt(t) {
    return cues.find(function (c) { return t >= c.start && t < c.end; }) || cues[cues.length - 1];
  }
  function showAt(t, fraction) {
    previewTime.textContent = clock(t);
    const c = cues.length ? cueAt(t) : null;
    if (c) {
      preview.style.width = c.w + "px"; preview.style.height = c.h + "px";
      preview.style.backgroundImage = "url(\"" + prefix() + "trickplay/" + c.file + "\")";
      preview.style.backgroundPosition = (-c.x) + "px " + (-c.y) + "px";
    }
    preview.hidden = false;
    const half = preview.offsetWidth / 2, width = seek.offsetWidth;
    preview.style.left = Math.min(Math.max(fraction * width - half, 0), Math.max(width - 2 * half, 0)) + "px";
  }
  function hide() { if (!dragging && document.activeElement !== seek) preview.hidden = true; }

  video.addEventListener("reelhouse:started", function () {
    if (cues.length) return;
    fetch(prefix() + "trickplay/thumbnails.vtt", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) { cues = parse(text); })
      .catch(function () { /* no thumbnails: the bar still seeks and shows the time */ });
  });

  function ready() {
    if (!isFinite(video.duration) || video.duration <= 0) return;
    seek.max = String(video.duration);
    scrub.hidden = false;
  }
  video.addEventListener("loadedmetadata", ready);
  video.addEventListener("durationchange", ready);
  video.addEventListener("timeupdate", function () {
    if (dragging || document.activeElement === seek) return;
    seek.value = String(video.currentTime);
    seek.setAttribute("aria-valuetext", clock(video.currentTime));
  });
  seek.addEventListener("pointermove", function (e) {
    const rect = seek.getBoundingClientRect();
    const fraction = Math.min(Math.max((e.clientX - rect.left) / rect.width, 0), 1);
    showAt(fraction * parseFloat(seek.max || "0"), fraction);
  });
  seek.addEventListener("pointerdown", function () { dragging = true; });
  seek.addEventListener("pointerleave", hide);
  document.addEventListener("pointerup", function () { dragging = false; });
  seek.addEventListener("input", function () {
    const t = parseFloat(seek.value), max = parseFloat(seek.max) || 1;
    seek.setAttribute("aria-valuetext", clock(t));
    showAt(t, t / max);
  });
  seek.addEventListener("change", function () { video.currentTime = parseFloat(seek.value); });
  seek.addEventListener("focus", function () {
    const t = parseFloat(seek.value), max = parseFloat(seek.max) || 1;
    showAt(t, t / max);
  });
  seek.addEventListener("blur", function () { preview.hidden = true; });
  window.reelhouseSeekCues = function () { return cues; };
})();
