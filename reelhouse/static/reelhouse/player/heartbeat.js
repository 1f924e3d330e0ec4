// Heartbeats and resume: while the page is open the session is alive (paused too) and reports the position; a
// session gone stale (a sleeping laptop) starts again where the viewer is; leaving the page ends it at once.
import { begin } from "./session.js";

function body(p, ended) {
  const video = p.video;
  const form = new FormData();
  form.append("csrfmiddlewaretoken", p.csrf);
  form.append("position", String(video.currentTime || 0));
  form.append("duration", String(isFinite(video.duration) ? video.duration : 0));
  if (ended) form.append("ended", "1");
  return form;
}

// The beacon can reach the server after the reloaded page has asked where to resume (a service worker answering
// the reload first makes that likely), so the page also notes where it was left in this tab; the reloaded page
// resumes from the later of the two (the server keeps the beacon's position either way).
function leftKey(p) { return "reelhouse.leftAt:" + p.video.dataset.startUrl; }

export function leftHere(p) {
  const note = JSON.parse(sessionStorage.getItem(leftKey(p)) || "null");
  sessionStorage.removeItem(leftKey(p));
  return note && Date.now() - note.at < 60000 && isFinite(note.position) ? note.position : 0;
}

// A session that went quiet too long is over; start a new one and carry on where we are.
function resumeHere(p) {
  const at = p.video.currentTime;
  return begin(p, leftHere).then(function (ok) {
    if (!ok) return;
    if (p.hls) p.hls.startLoad(at); else if (p.native) p.native.reload(at);
  });
}

export function heartbeat(p, ended) {
  if (!p.session || p.stopped) return Promise.resolve();
  return fetch(p.session.heartbeat_url, { method: "POST", body: body(p, ended), credentials: "same-origin" })
    .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
    .then(function ([status, data]) {
      if (status === 403 && data.code === "stale") return resumeHere(p);
      if (status === 403) { p.stopped = true; p.video.pause(); p.show(data.reason); }
      else if (data.stream_prefix) { p.prefix = data.stream_prefix; p.edgePrefix = data.edge_prefix || ""; }
    })
    .catch(function () { /* the next heartbeat retries */ });
}

export function heartbeatsKeep(p) {
  const video = p.video;
  const heartbeatMs = 1000 * parseFloat(video.dataset.heartbeatSeconds || "30");
  setInterval(function () { heartbeat(p, false); }, heartbeatMs);
  video.addEventListener("pause", function () { heartbeat(p, false); });
  video.addEventListener("seeked", function () { heartbeat(p, false); });
  // Leaving the page (closing the tab, a reload, another page) ends the session at once and keeps the position: the
  // keepalive request outlives the page (the service worker sends it on) and carries the CSRF token like any POST.
  window.addEventListener("pagehide", function () {
    if (!p.session || p.stopped) return;
    sessionStorage.setItem(leftKey(p), JSON.stringify({ position: video.currentTime, at: Date.now() }));
    fetch(p.session.leave_url, { method: "POST", body: body(p, false), credentials: "same-origin", keepalive: true });
    p.session = null;
  });
  // Back from the back-forward cache: the session ended on leaving, so start another one where we were.
  window.addEventListener("pageshow", function (e) { if (e.persisted && !p.stopped) resumeHere(p); });
}
