// Native HLS (Chromium's own HLS player since about version 141, Safari): the <video> element plays the signed master
// itself, and hls.js is never fetched. Chromium exposes neither video.audioTracks nor the subtitle renditions as text
// tracks, and has no way to pick a rung, so the menus are built here from the master playlist:
//   quality, audio  the same master narrowed on the server (?quality=<height>&audio=<folder>, playback/views.py),
//                   played from where the viewer was, playing or paused as they were; "Auto" is the whole master
//   subtitles       <track> elements on the package's WebVTT files (fetched under the newest signed prefix when
//                   first shown), or the browser's own subtitle tracks where it lists them (Safari)
// The profile's languages apply from the start (the first master already carries its audio), and a choice in a menu
// becomes the profile's preference, as with hls.js.
import { edgeRe, report, streamRe } from "./session.js";
import { label, option, savePrefs, trackFor } from "./tracks.js";

const ATTRIBUTE = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;

function attributes(line) {
  const out = {};
  for (const m of line.slice(line.indexOf(":") + 1).matchAll(ATTRIBUTE)) out[m[1]] = m[2].replace(/^"|"$/g, "");
  return out;
}

// A URI of the master inside the package (the master lists them under the edge's prefix when there is one).
function inPackage(uri) { return uri.replace(edgeRe, "").replace(streamRe, ""); }

// {heights (tallest first), audio: [{folder, lang, name, def}], subtitles: [{lang, name, forced, vtt}]}
export function masterRead(text) {
  const heights = new Set(), audio = [], subtitles = [];
  text.split(/\r?\n/).forEach(function (line) {
    const a = attributes(line);
    if (line.startsWith("#EXT-X-STREAM-INF:")) {
      const size = /^(\d+)x(\d+)$/.exec(a.RESOLUTION || "");
      if (size) heights.add(Math.min(+size[1], +size[2]));
    } else if (line.startsWith("#EXT-X-MEDIA:") && a.URI) {
      const uri = inPackage(a.URI);
      if (a.TYPE === "AUDIO") {
        audio.push({ folder: uri.split("/")[0], lang: a.LANGUAGE || "", name: a.NAME || "", def: a.DEFAULT === "YES" });
      } else if (a.TYPE === "SUBTITLES") {
        // media/transcode/subtitles.py: each rendition is one WebVTT file beside its one-segment playlist.
        subtitles.push({ lang: a.LANGUAGE || "", name: a.NAME || "", forced: a.FORCED === "YES",
                         vtt: uri.replace(/\.m3u8$/, ".vtt") });
      }
    }
  });
  return { heights: Array.from(heights).sort(function (x, y) { return y - x; }), audio, subtitles };
}

function masterUrl(p) {
  const q = new URLSearchParams();
  if (p.native.quality) q.set("quality", p.native.quality);
  if (p.native.audio) q.set("audio", p.native.audio);
  return p.prefix + "master.m3u8" + (q.toString() ? "?" + q : "");
}

// (Re)load the master as chosen, under the newest prefix, from `at` seconds; playing again if it was.
function load(p, at, playing) {
  const video = p.video;
  p.native.prefix = p.prefix;
  video.src = masterUrl(p);
  if (at > 0) {
    video.addEventListener("loadedmetadata", function () {
      // Not past the last picture: Chromium's demuxer fails a seek to the very end (the viewer was at the end).
      video.currentTime = isFinite(video.duration) ? Math.min(at, Math.max(0, video.duration - 0.5)) : at;
    }, { once: true });
  }
  if (playing) video.play().catch(function () { /* autoplay may need a click; the controls are there */ });
}

function swap(p) { load(p, p.video.currentTime, !p.video.paused); }

function showText(p, i) {
  p.native.texts.forEach(function (t, j) {
    // A <track> loads its file once shown; under the prefix of that moment (an earlier token may have expired).
    if (j === i && t.el && t.el.readyState !== 2) t.el.src = p.prefix + t.vtt;
    t.track.mode = j === i ? "showing" : "disabled";
  });
  p.$("subtitles").value = String(i);
}

function setText(p, i) {
  showText(p, i);
  p.prefs.subtitles = i >= 0 ? p.native.texts[i].lang : "";
  if (p.prefs.subtitles) p.lastSubtitles = p.prefs.subtitles;
  savePrefs(p, "subtitles");
}

// "c": subtitles off when on, else the last chosen (or those in the interface language).
function toggle(p) {
  const texts = p.native.texts;
  if (!texts.length) return false;
  const on = texts.findIndex(function (t) { return t.track.mode === "showing"; });
  setText(p, on >= 0 ? -1 : Math.max(0, trackFor(texts, p.lastSubtitles)));
  return true;
}

function subtitlesOffer(p, subtitles) {
  const video = p.video, subs = p.$("subtitles");
  const own = Array.from(video.textTracks).filter(function (t) { return t.kind === "subtitles" || t.kind === "captions"; });
  if (own.length) {  // the browser lists the renditions itself (Safari)
    p.native.texts = own.map(function (t) { return { lang: t.language, name: t.label, track: t }; });
  } else {
    p.native.texts = subtitles.map(function (s) {
      const el = document.createElement("track");
      el.kind = "subtitles"; el.srclang = s.lang; el.label = s.name;
      video.appendChild(el);
      // A mode set by a script is left alone by the browser's automatic choice (Chromium would otherwise turn on
      // the track in the browser's language after ours); "disabled" to "disabled" would not count as set.
      el.track.mode = "hidden";
      return { lang: s.lang, name: s.name, forced: s.forced, vtt: s.vtt, el, track: el.track };
    });
  }
  subs.textContent = "";
  option(subs, -1, subs.dataset.off, true);
  p.native.texts.forEach(function (t, i) { option(subs, i, label(t, i)); });
  subs.parentElement.hidden = p.native.texts.length === 0;
  showText(p, trackFor(p.native.texts, p.prefs.subtitles));
  // The browser's own subtitles menu (in its controls) is the viewer's choice too.
  video.textTracks.addEventListener("change", function () {
    const on = p.native.texts.findIndex(function (t) { return t.track.mode === "showing"; });
    subs.value = String(on);
    const lang = on >= 0 ? p.native.texts[on].lang : "";
    if (lang !== p.prefs.subtitles) setText(p, on);
  });
}

function menus(p, offer) {
  const $ = p.$, quality = $("quality"), audio = $("audio");
  offer.heights.forEach(function (h) { option(quality, h, h + "p"); });
  quality.parentElement.hidden = offer.heights.length < 2;
  quality.addEventListener("change", function () {
    p.native.quality = quality.value === "-1" ? "" : quality.value;
    swap(p);
  });
  const playing = Math.max(0, offer.audio.findIndex(function (t) {
    return p.native.audio ? t.folder === p.native.audio : t.def;
  }));
  offer.audio.forEach(function (t, i) { option(audio, i, label(t, i), i === playing); });
  audio.parentElement.hidden = offer.audio.length < 2;
  audio.addEventListener("change", function () {
    const t = offer.audio[parseInt(audio.value, 10)];
    p.native.audio = t.def ? "" : t.folder;
    p.prefs.audio = t.lang; savePrefs(p, "audio");
    swap(p);
  });
  $("subtitles").addEventListener("change", function () { setText(p, parseInt($("subtitles").value, 10)); });
}

// `refused()`: ask the server why a request was refused (a heartbeat: it shows the reason); resolves when done.
export function nativeStart(p, refused) {
  const video = p.video;
  p.native = { quality: "", audio: "", prefix: p.prefix, texts: [],
               toggle: function () { return toggle(p); },
               reload: function (at) { load(p, at, !video.paused); } };
  return fetch(p.prefix + "master.m3u8", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.text() : r.status; })
    .catch(function () { return 0; })
    .then(function (text) {
      if (typeof text !== "string") {  // reported in hls.js's words, so support reads one vocabulary
        report(p, "manifestLoadError", "networkError: manifestLoadError" + (text ? " (HTTP " + text + ")" : ""));
        refused().then(function () {
          if (p.message.hidden) p.show(video.dataset.msgStopped + " (manifestLoadError)");
        });
        return;
      }
      const offer = masterRead(text);
      // The profile's audio from the first segment: a master whose only audio is that track.
      const a = trackFor(offer.audio, p.prefs.audio);
      if (a >= 0 && !offer.audio[a].def) p.native.audio = offer.audio[a].folder;
      menus(p, offer);
      video.addEventListener("loadedmetadata", function () { subtitlesOffer(p, offer.subtitles); }, { once: true });
      // A native player fetches every file under the prefix it started with, so once that token expires a segment
      // is refused and the element errors: start again under the renewed prefix, where the viewer was.
      video.addEventListener("error", function () {
        if (p.stopped || !video.error) return;
        if (p.prefix === p.native.prefix) {
          report(p, "media_error", "MediaError " + video.error.code + " " + (video.error.message || ""));
          refused().then(function () { if (p.message.hidden) p.show(video.dataset.msgStopped); });
          return;
        }
        load(p, video.currentTime, true);
      });
      load(p, p.resumeAt, true);
    });
}
