// Tracks and preferences: quality, audio and subtitle menus for hls.js, the profile's languages applied to them
// (kept on the server: a choice in the menus becomes the profile's preference on every device); the saved file's
// subtitles (offline.js); what native.js shares for native HLS.

// A failed save only costs that: the choice is kept for this page, and the next change tries again.
export function savePrefs(p, field) {
  const form = new FormData();
  form.append("csrfmiddlewaretoken", p.csrf);
  form.append(field, p.prefs[field]);
  return fetch(p.video.dataset.preferencesUrl, { method: "POST", body: form, credentials: "same-origin" })
    .catch(function () { /* kept for this page; the next change tries again */ });
}

// "pt" matches a "pt-BR" track and the other way round; an exact tag wins; forced-only tracks come last.
export function trackFor(tracks, lang) {
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

export function option(select, value, label, selected) {
  const o = document.createElement("option");
  o.value = String(value); o.textContent = label; o.selected = !!selected;
  select.appendChild(o);
}

export function label(t, i) { return t.name || t.lang || ("#" + (i + 1)); }

function showSubtitle(p, i) {
  const hls = p.hls;
  // Also what hls.js picks again should a variant switch bring another subtitle group.
  hls.config.subtitlePreference = i >= 0 ? { lang: hls.subtitleTracks[i].lang } : undefined;
  hls.subtitleTrack = i;
  hls.subtitleDisplay = i >= 0;
  p.$("subtitles").value = String(i);
}

// The viewer's choice: shown, and kept as the profile's preference.
export function setSubtitle(p, i) {
  showSubtitle(p, i);
  p.prefs.subtitles = i >= 0 ? (p.hls.subtitleTracks[i].lang || "") : "";
  if (p.prefs.subtitles) p.lastSubtitles = p.prefs.subtitles;
  savePrefs(p, "subtitles");
}

// "c": subtitles off when on, else the last chosen (or those in the interface language).
export function subtitlesToggle(p) {
  const hls = p.hls;
  if (p.native) return p.native.toggle();
  if (!hls) return savedToggle(p);
  if (!hls.subtitleTracks.length) return false;
  setSubtitle(p, hls.subtitleTrack >= 0 ? -1 : Math.max(0, trackFor(hls.subtitleTracks, p.lastSubtitles)));
  return true;
}

export function menusListen(p) {
  p.$("audio").addEventListener("change", function () {
    const hls = p.hls;
    hls.audioTrack = parseInt(p.$("audio").value, 10);
    hls.config.audioPreference = { lang: hls.audioTracks[hls.audioTrack].lang };
    p.prefs.audio = hls.audioTracks[hls.audioTrack].lang || ""; savePrefs(p, "audio");
  });
  p.$("subtitles").addEventListener("change", function () { setSubtitle(p, parseInt(p.$("subtitles").value, 10)); });
}

// hls.js lists a title's audio and subtitle tracks once the first variant loads (AUDIO/SUBTITLE_TRACKS_UPDATED),
// and picks its initial tracks right after announcing them: the profile's languages are applied after that, so
// "pt" still finds a "pt-BR" track that hls.js's exact audioPreference/subtitlePreference would miss.
export function hlsTracksFollow(p) {
  const hls = p.hls, $ = p.$;
  let audioApplied = false, subtitlesApplied = false;
  function fillQuality(_e, data) {
    const quality = $("quality");
    // No SUBTITLE_TRACKS_UPDATED comes for a title without subtitles: hide the menus it would have filled.
    $("subtitles").parentElement.hidden = !(data.subtitleTracks || []).length;
    $("audio").parentElement.hidden = (data.audioTracks || []).length < 2;
    hls.levels.map(function (l, i) { return [l.height, i]; }).sort(function (a, b) { return b[0] - a[0]; })
      .forEach(function ([h, i]) { option(quality, i, h + "p"); });
    quality.addEventListener("change", function () { hls.currentLevel = parseInt(quality.value, 10); });
  }
  function fillAudio() {
    const audio = $("audio");
    audio.textContent = "";
    hls.audioTracks.forEach(function (t, i) { option(audio, i, label(t, i), i === hls.audioTrack); });
    audio.parentElement.hidden = hls.audioTracks.length < 2;
    if (audioApplied) return;
    audioApplied = true;
    Promise.resolve().then(function () {
      const a = trackFor(hls.audioTracks, p.prefs.audio);
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
    Promise.resolve().then(function () { showSubtitle(p, trackFor(hls.subtitleTracks, p.prefs.subtitles)); });
  }
  hls.on(window.Hls.Events.MANIFEST_PARSED, fillQuality);
  hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, fillAudio);
  hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, fillSubtitles);
  hls.on(window.Hls.Events.AUDIO_TRACK_SWITCHING, function (_e, data) { $("audio").value = String(data.id); });
}

// A saved file's subtitles (the app's offline player): <track> elements on the WebVTT files saved with it, offered
// in the same Subtitles menu, off until chosen. `tracks`: [{language, label, url}]; none hides the menu.
export function savedSubtitles(p, tracks) {
  const video = p.video, subs = p.$("subtitles");
  video.querySelectorAll("track").forEach(function (t) { t.remove(); });
  tracks.forEach(function (t) {
    const el = document.createElement("track");
    el.kind = "subtitles"; el.srclang = t.language; el.label = t.label || t.language; el.src = t.url;
    video.appendChild(el);
  });
  subs.textContent = "";
  option(subs, -1, subs.dataset.off, true);
  tracks.forEach(function (t, i) { option(subs, i, label({ name: t.label, lang: t.language }, i)); });
  subs.parentElement.hidden = tracks.length === 0;
  showSaved(p, -1);
  if (!subs.dataset.listening) {
    subs.dataset.listening = "1";
    subs.addEventListener("change", function () { showSaved(p, parseInt(subs.value, 10)); });
  }
}

function showSaved(p, i) {
  Array.from(p.video.textTracks).forEach(function (t, j) { t.mode = j === i ? "showing" : "disabled"; });
  p.$("subtitles").value = String(i);
  if (i >= 0) p.lastSubtitles = p.video.textTracks[i].language || p.lastSubtitles;
}

function savedToggle(p) {
  const texts = Array.from(p.video.textTracks || []);
  if (!texts.length || !p.$("subtitles")) return false;
  const on = texts.findIndex(function (t) { return t.mode === "showing"; });
  showSaved(p, on >= 0 ? -1 : Math.max(0, trackFor(texts.map(function (t) { return { lang: t.language }; }),
                                                    p.lastSubtitles)));
  return true;
}
