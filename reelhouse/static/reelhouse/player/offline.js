// The site's player for a title saved in the app (the Downloads page, with or without a network): the watch page's
// controls, keyboard shortcuts and scrub bar on the saved MP4. Only the sources differ: the file, its subtitle tracks
// and its seek thumbnails from Cache Storage (handed over by downloads.js, which also keeps the resume point and
// sends it once online) instead of the HLS stream, its session and tokens. No quality or audio menus (the file has
// one of each).
import { keysListen } from "./keys.js";
import { seekPreviews } from "./seek.js";
import { savedSubtitles } from "./tracks.js";

const video = document.getElementById("video");
if (video) {
  const p = {
    video,
    $: function (id) { return document.getElementById(id); },
    message: document.getElementById("player-message"),
    prefix: "", session: null, stopped: false, hls: null,
    lastSubtitles: document.documentElement.lang || "",
    show: function (text) { p.message.textContent = text; p.message.hidden = false; },
  };
  let urls = [];  // the object URLs of the title playing, revoked when another starts
  keysListen(p, function () { return undefined; });  // no skip boxes: a saved file has no markers here
  window.reelhouseSeekCues = seekPreviews(p);
  // The source adapter: `reelhouse:play-saved` with {blob, position, extras} from downloads.js plays that file from
  // there, with the subtitles and thumbnails saved beside it (extras: [{name, kind, language, label, blob}]).
  video.addEventListener("reelhouse:play-saved", function (e) {
    urls.forEach(function (u) { URL.revokeObjectURL(u); });
    function url(blob) { const u = URL.createObjectURL(blob); urls.push(u); return u; }
    const extras = e.detail.extras || [];
    const sprites = {};
    extras.filter(function (x) { return x.kind === "sprite"; }).forEach(function (x) {
      sprites[x.name.split("/").pop()] = url(x.blob);
    });
    p.spriteUrl = function (file) { return sprites[file] || ""; };
    const thumbnails = extras.find(function (x) { return x.kind === "thumbnails"; });
    p.thumbnailsUse("");
    if (thumbnails) thumbnails.blob.text().then(p.thumbnailsUse);
    savedSubtitles(p, extras.filter(function (x) { return x.kind === "subtitles"; }).map(function (x) {
      return { language: x.language, label: x.label, url: url(x.blob) };
    }));
    video.src = url(e.detail.blob);
    p.$("player").hidden = false;
    // The whole player on screen (its video is sized to fit one), not partly under the list above it: once the
    // video has its size.
    video.addEventListener("loadedmetadata", function () { p.$("player").scrollIntoView({ block: "start" }); },
                           { once: true });
    video.currentTime = e.detail.position || 0;
    video.play().catch(function () { /* paused before it started: the controls still work */ });
  });
}
