// The site's player for a title saved in the app (the Downloads page, with or without a network): the watch page's
// controls, keyboard shortcuts and scrub bar on the saved MP4. Only the source differs: the file from Cache Storage
// (handed over by downloads.js, which also keeps the resume point and sends it once online) instead of the HLS stream,
// its session and tokens. No seek thumbnails (their sprites are not saved) and no track menus (the file has one
// audio track and no subtitle tracks).
import { keysListen } from "./keys.js";
import { seekPreviews } from "./seek.js";

const video = document.getElementById("video");
if (video) {
  const p = {
    video,
    $: function (id) { return document.getElementById(id); },
    message: document.getElementById("player-message"),
    prefix: "", session: null, stopped: false, hls: null,
    show: function (text) { p.message.textContent = text; p.message.hidden = false; },
  };
  keysListen(p, function () { return undefined; });  // no skip boxes: a saved file has no markers here
  window.reelhouseSeekCues = seekPreviews(p);
  // The source adapter: `reelhouse:play-saved` with {blob, position} from downloads.js plays that file from there.
  video.addEventListener("reelhouse:play-saved", function (e) {
    if (video.src) URL.revokeObjectURL(video.src);
    video.src = URL.createObjectURL(e.detail.blob);
    p.$("player").hidden = false;
    video.currentTime = e.detail.position || 0;
    video.play().catch(function () { /* paused before it started: the controls still work */ });
  });
}
