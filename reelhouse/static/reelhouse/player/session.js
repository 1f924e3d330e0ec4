// Playback and tokens: the session starts with a CSRF-checked POST (the page itself changes nothing), answered with
// the signed stream prefix every playlist and segment request goes through and where to resume; then the stream
// plays natively where the browser can (native.js), else through hls.js, fetched only then (Firefox).
import { hlsTracksFollow } from "./tracks.js";

export const streamRe = /\/stream\/[^/]+\/\d+\/[^/]+\/\d+\//;
// With an nginx edge (docs/edge.md) the master lists the renditions under the edge's own signed prefix, renewed
// by the same heartbeats: origin and token are replaced together (the edge is another origin).
export const edgeRe = /^[^?#]*?\/edge\/s\/[^/]+\/[^/]+\/\d+\/[^/]+\/\d+\/[^/]+\/[^/]+\//;

// Every request goes through the newest prefix, so a renewed token covers the rest of the stream.
function current(p, url) {
  return p.edgePrefix && edgeRe.test(url) ? url.replace(edgeRe, p.edgePrefix) : url.replace(streamRe, p.prefix);
}

// Errors are remembered on the server (support sees them beside a request); a failed report costs nothing.
export function report(p, code, detail) {
  if (!p.video.dataset.errorUrl) return Promise.resolve();
  const form = new FormData();
  form.append("csrfmiddlewaretoken", p.csrf);
  form.append("code", code); form.append("detail", detail || "");
  return fetch(p.video.dataset.errorUrl, { method: "POST", body: form, credentials: "same-origin" })
    .catch(function () { /* nothing to do: the viewer still sees the message */ });
}

// On this device (an earlier session of this browser is taken over). `leftHere(p)`: where this tab left the player,
// if it just did (the session resumes from the later of that and the server's resume point).
export function begin(p, leftHere) {
  const video = p.video;
  const form = new FormData();
  form.append("csrfmiddlewaretoken", p.csrf);
  return fetch(video.dataset.startUrl, { method: "POST", body: form, credentials: "same-origin" })
    .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
    .then(function ([status, data]) {
      if (status !== 200) { p.stopped = true; p.show(data.reason || video.dataset.msgStopped); return false; }
      p.prefix = data.stream_prefix; p.edgePrefix = data.edge_prefix || ""; p.session = data;
      p.resumeAt = Math.max(data.resume_s || 0, leftHere(p)); p.stopped = false;
      p.message.hidden = true;
      video.dispatchEvent(new CustomEvent("reelhouse:started"));
      return true;
    })
    .catch(function () { p.show(video.dataset.msgStopped); return false; });
}

// hls.js (624 KB) is only fetched and evaluated where it is needed: a browser without native HLS but with Media
// Source Extensions. Resolves to whether it is there.
function hlsLoaded(p) {
  if (window.Hls) return Promise.resolve(true);
  if (!(window.MediaSource || window.ManagedMediaSource) || !p.video.dataset.hlsSrc) return Promise.resolve(false);
  return new Promise(function (resolve) {
    const script = document.createElement("script");
    script.src = p.video.dataset.hlsSrc;
    script.onload = function () { resolve(!!window.Hls); };
    script.onerror = function () { resolve(false); };
    document.head.appendChild(script);
  });
}

// `refused()`: ask the server why a request was refused (a heartbeat: it shows the reason); resolves when done.
export function start(p, refused) {
  const video = p.video;
  return hlsLoaded(p).then(function (loaded) {
    if (!loaded || !window.Hls.isSupported()) {
      report(p, "no_hls", navigator.userAgent);
      p.show(video.dataset.msgNoHls);
      return;
    }
    hlsStart(p, refused);
    video.play().catch(function () { /* autoplay may need a click; the controls are there */ });
  });
}

function hlsStart(p, refused) {
  const video = p.video;
  const master = p.prefix + "master.m3u8";
  const hls = p.hls = new window.Hls({
    startPosition: p.resumeAt > 0 ? p.resumeAt : -1,
    // Load the profile's audio from the first segment rather than switching after the default one started.
    audioPreference: p.prefs.audio ? { lang: p.prefs.audio } : undefined,
    subtitlePreference: p.prefs.subtitles ? { lang: p.prefs.subtitles } : undefined,
    xhrSetup: function (xhr, url) { xhr.open("GET", current(p, url), true); },
  });
  hls.on(window.Hls.Events.ERROR, function (_e, data) {
    if (!data.fatal) return;
    report(p, data.details || data.type || "hls", data.type + ": " + (data.details || "") +
           (data.response && data.response.code ? " (HTTP " + data.response.code + ")" : ""));
    // A refused request: the server says why (the session ended, the subscription or licence did...).
    refused().then(function () {
      if (p.message.hidden) p.show(video.dataset.msgStopped + " (" + (data.details || data.type) + ")");
    });
  });
  hlsTracksFollow(p);
  hls.loadSource(master);
  hls.attachMedia(video);
}
