// Reelhouse player: hls.js where the browser has Media Source Extensions, native HLS otherwise.
// Resumes where the profile stopped, reports progress by heartbeats (and on leaving the page), and
// renews the signed stream prefix that every playlist and segment request goes through.
(function () {
  "use strict";
  const video = document.getElementById("video");
  if (!video) return;
  const message = document.getElementById("player-message");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  let prefix = video.dataset.streamPrefix;
  const resumeAt = parseFloat(video.dataset.resume || "0");
  const heartbeatMs = 1000 * parseFloat(video.dataset.heartbeatSeconds || "30");
  const streamRe = /\/stream\/[^/]+\/\d+\/[^/]+\/\d+\//;

  function show(text) { message.textContent = text; message.hidden = false; }

  // Every request goes through the newest prefix, so a renewed token covers the rest of the stream.
  function current(url) { return url.replace(streamRe, prefix); }

  function start() {
    const master = prefix + "master.m3u8";
    if (window.Hls && window.Hls.isSupported()) {
      const hls = new window.Hls({
        startPosition: resumeAt > 0 ? resumeAt : -1,
        xhrSetup: function (xhr, url) { xhr.open("GET", current(url), true); },
      });
      hls.on(window.Hls.Events.ERROR, function (_e, data) {
        if (data.fatal) show("Playback stopped: " + (data.details || data.type));
      });
      hls.loadSource(master);
      hls.attachMedia(video);
      window.reelhouseHls = hls;
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = master;
      video.addEventListener("loadedmetadata", function () { if (resumeAt > 0) video.currentTime = resumeAt; },
        { once: true });
    } else {
      show("This browser cannot play HLS video.");
      return;
    }
    video.play().catch(function () { /* autoplay may need a click; the controls are there */ });
  }

  function body(extra) {
    const form = new FormData();
    form.append("csrfmiddlewaretoken", csrf);
    form.append("position", String(video.currentTime || 0));
    form.append("duration", String(isFinite(video.duration) ? video.duration : 0));
    if (extra) form.append("ended", "1");
    return form;
  }

  let lastSent = -1;
  function heartbeat(ended) {
    lastSent = video.currentTime;
    return fetch(video.dataset.heartbeatUrl, { method: "POST", body: body(ended), credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
      .then(function ([status, data]) {
        if (status === 403) { video.pause(); show(data.reason); }
        else if (data.stream_prefix) prefix = data.stream_prefix;
      })
      .catch(function () { /* the next heartbeat retries */ });
  }

  setInterval(function () { if (!video.paused || video.currentTime !== lastSent) heartbeat(false); }, heartbeatMs);
  video.addEventListener("pause", function () { heartbeat(false); });
  video.addEventListener("seeked", function () { heartbeat(false); });
  video.addEventListener("ended", function () {
    heartbeat(true).then(function () { if (video.dataset.nextUrl) window.location.assign(video.dataset.nextUrl); });
  });
  // Leaving the page (closing the tab, navigating away): the beacon survives the page.
  window.addEventListener("pagehide", function () {
    navigator.sendBeacon(video.dataset.heartbeatUrl, body(false));
  });
  start();
})();
