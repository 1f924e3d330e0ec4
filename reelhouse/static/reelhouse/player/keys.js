// Full screen, picture in picture, keyboard shortcuts.
import { subtitlesToggle } from "./tracks.js";

// `skipShowing()`: the skip box on screen, if any ("s" presses its button).
export function keysListen(p, skipShowing) {
  const video = p.video, $ = p.$;
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
    else if (k === "c" && subtitlesToggle(p)) { /* toggled */ }
    else return;
    e.preventDefault();
  });
}
