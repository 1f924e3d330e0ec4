// Playback and tokens: the session starts with a CSRF-checked POST (the page itself changes nothing), answered with
// the signed stream prefix every playlist and segment request goes through and where to resume; then the stream
// plays through hls.js, or natively in Safari.
import { hlsTracksFollow, nativeLanguages } from "./tracks.js";

const streamRe = /\/stream\/[^/]+\/\d+\/[^/]+\/\d+\//;
// With an nginx edge (docs/edge.md) the master lists the renditions under the edge's own signed prefix, renewed
// by the same heartbeats: origin and token are replaced together (the edge is another origin).
const edgeRe = /^[^?#]*?\/edge\/s\/[^/]+\/[^/]+\/\d+\/[^/]+\/\d+\/[^/]+\/[^/]+\//;

// Every request goes through the newest prefix, so a renewed token covers the rest of the stream.
function current(p, url) {
  return p.edgePrefix && edgeRe.test(url) ? url.replace(edgeRe, p.edgePrefix) : url.replace(streamRe, p.prefix);
}

// Errors are remembered on the server (support sees them beside a request); a failed report costs nothing.
function report(p, code, detail) {
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

// `refused()`: ask the server why a request was refused (a heartbeat: it shows the reason); resolves when done.
export function start(p, refused) {
  const video = p.video;
  const master = p.prefix + "master.m3u8";
  if (window.Hls && window.Hls.isSupported()) {
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
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = master;  // Safari: native HLS brings its own quality, audio and subtitle menus
    document.querySelector(".toolbar").hidden = true;
    video.addEventListener("loadedmetadata", function () {
      if (p.resumeAt > 0) video.currentTime = p.resumeAt;
      nativeLanguages(p);
    }, { once: true });
    // A native player fetches every file under the prefix it started with, so once that token expires a segment
    // is refused and the element errors: start again under the renewed prefix, where the viewer was.
    let nativePrefix = p.prefix;
    video.addEventListener("error", function () {
      if (p.stopped) return;
      if (p.prefix === nativePrefix) {
        report(p, "media_error", video.error ? "MediaError " + video.error.code + " " + (video.error.message || "") : "");
        refused().then(function () { if (p.message.hidden) p.show(video.dataset.msgStopped); });
        return;
      }
      const at = video.currentTime;
      nativePrefix = p.prefix;
      video.src = p.prefix + "master.m3u8";
      video.addEventListener("loadedmetadata", function () { video.currentTime = at; }, { once: true });
      video.play().catch(function () { /* the controls are there */ });
    });
  } else {
    report(p, "no_hls", navigator.userAgent);
    p.show(video.dataset.msgNoHls);
    return;
  }
  video.play().catch(function () { /* autoplay may need a click; the controls are there */ });
}
