// Up-next and markers: autoplay of the next episode (a visible countdown with cancel; after three in a row without
// the viewer touching anything, "Still watching?" instead), and skip intro / skip credits while the playhead is
// inside the marked stretch.
import { heartbeat } from "./heartbeat.js";

const COUNTDOWN_S = 10, STILL_WATCHING_AFTER = 3;
const streakKey = "reelhouse.autoplayStreak";

function interacted() { sessionStorage.setItem(streakKey, "0"); }

// Returns the skip boxes' "which one is showing" for the keys ("s" presses it).
export function upNext(p) {
  const video = p.video, $ = p.$;
  ["keydown", "pointerdown"].forEach(function (e) { document.addEventListener(e, interacted, { passive: true }); });
  let countdown = null;
  function goNext() {
    sessionStorage.setItem(streakKey, String(parseInt(sessionStorage.getItem(streakKey) || "0", 10) + 1));
    window.location.assign(video.dataset.nextUrl);
  }
  function cancelCountdown() { clearInterval(countdown); countdown = null; $("up-next").hidden = true; }
  video.addEventListener("ended", function () {
    heartbeat(p, true).then(function () {
      if (!video.dataset.nextUrl) return;
      if (parseInt(sessionStorage.getItem(streakKey) || "0", 10) >= STILL_WATCHING_AFTER - 1) {
        $("still-watching").hidden = false; $("still-watching-yes").focus(); return;
      }
      let left = COUNTDOWN_S;
      $("up-next-seconds").textContent = String(left);
      $("up-next").hidden = false; $("up-next-play").focus();
      countdown = setInterval(function () {
        left -= 1; $("up-next-seconds").textContent = String(left);
        if (left <= 0) { cancelCountdown(); goNext(); }
      }, 1000);
    });
  });
  if ($("up-next")) {
    // These clicks are the viewer's answer, not "interaction" that resets the streak after it is counted.
    $("up-next-play").addEventListener("click", function () { cancelCountdown(); goNext(); });
    $("up-next-cancel").addEventListener("click", cancelCountdown);
    $("still-watching-yes").addEventListener("click", function () { interacted(); goNext(); });
  }

  // Skip buttons: a button, so Tab and Enter reach it.
  const skips = ["skip-intro", "skip-credits"].map($).filter(Boolean);
  function updateSkips() {
    const t = video.currentTime;
    skips.forEach(function (box) {
      const b = box.querySelector("button");
      box.hidden = !(t >= parseFloat(b.dataset.start) && t < parseFloat(b.dataset.end) - 0.25);
    });
  }
  skips.forEach(function (box) {
    const b = box.querySelector("button");
    b.addEventListener("click", function () {
      box.hidden = true;
      if (b.dataset.next && video.dataset.nextUrl) { interacted(); window.location.assign(video.dataset.nextUrl); }
      else video.currentTime = Math.min(parseFloat(b.dataset.end), video.duration || Infinity);
    });
  });
  if (skips.length) { video.addEventListener("timeupdate", updateSkips); video.addEventListener("seeked", updateSkips); }
  // From the start of the credits the title counts as watched (the server decides): tell it right away, so a
  // viewer who closes the tab during the credits finds the title finished, not "continue at 41:12".
  const creditsButton = $("skip-credits") && $("skip-credits").querySelector("button");
  let creditsReported = false;
  if (creditsButton) {
    video.addEventListener("timeupdate", function () {
      if (!creditsReported && video.currentTime >= parseFloat(creditsButton.dataset.start)) {
        creditsReported = true; heartbeat(p, false);
      }
    });
  }
  return function skipShowing() { return skips.find(function (box) { return !box.hidden; }); };
}
