// Reelhouse player: the browser's own HLS where it has it (Chromium, Safari), else hls.js, fetched only then (Firefox:
// Media Source Extensions). Native ES modules (no build step), one per concern; they share the one player object
// made here, never globals:
//   session.js    playback and tokens: the session's start (a POST), the signed prefix, the stream through hls.js
//   native.js     the stream through native HLS, with menus from the master (narrowed on the server as chosen)
//   heartbeat.js  heartbeats, resuming a stale session, leaving the page (a keepalive beacon)
//   tracks.js     quality, audio and subtitle menus and the profile's language preferences
//   upnext.js     up-next countdown, "Still watching?", skip intro/credits
//   seek.js       the scrub bar's trickplay previews
//   keys.js       keyboard shortcuts, full screen, picture in picture
import { heartbeat, heartbeatsKeep, leftHere } from "./heartbeat.js";
import { keysListen } from "./keys.js";
import { seekPreviews } from "./seek.js";
import { nativeStart } from "./native.js";
import { begin, start } from "./session.js";
import { menusListen } from "./tracks.js";
import { upNext } from "./upnext.js";

const video = document.getElementById("video");
if (video) {
  const p = {
    video,
    $: function (id) { return document.getElementById(id); },
    message: document.getElementById("player-message"),
    csrf: document.querySelector("input[name=csrfmiddlewaretoken]").value,
    prefix: "",  // the signed stream prefix, from the start response and renewed by every heartbeat
    edgePrefix: "",  // the nginx edge's signed prefix when there is one, renewed with it
    session: null,  // {heartbeat_url, leave_url} of this page's playback session
    resumeAt: 0,
    stopped: false,
    hls: null,  // hls.js, when it plays the stream
    native: null,  // native.js's state, when the browser plays it
    // The profile's languages, from the server: audio "" is the title's default track, subtitles "" is off.
    prefs: { audio: video.dataset.audioLang || "", subtitles: video.dataset.subtitleLang || "" },
    // What "c" turns on: the subtitles last chosen, else those in the interface language.
    lastSubtitles: video.dataset.subtitleLang || document.documentElement.lang || "",
    // The error screen: the message, and a link to ask support with the title, the device and the errors filled in.
    show: function (text) {
      p.message.textContent = text; p.message.hidden = false;
      if (p.$("player-report")) p.$("player-report").hidden = false;
    },
  };
  // Hooks for the browser tests and a curious viewer's console; the modules never read them.
  window.reelhouseStreamPrefix = function () { return p.prefix; };
  window.reelhouseSession = function () { return p.session; };
  menusListen(p);
  heartbeatsKeep(p);
  const skips = upNext(p);
  keysListen(p, skips);
  window.reelhouseSeekCues = seekPreviews(p);
  begin(p, leftHere).then(function (ok) {
    if (!ok) return;
    const refused = function () { return heartbeat(p, false); };
    // "maybe" from Chromium (its own HLS player) and Safari; "" where only hls.js can play it.
    const played = video.canPlayType("application/vnd.apple.mpegurl") ? nativeStart(p, refused) : start(p, refused);
    played.then(function () { if (p.hls) window.reelhouseHls = p.hls; });
  });
}
