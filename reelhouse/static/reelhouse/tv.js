// TV mode: a 10-foot layout driven by a remote's arrow keys, Enter and Back only. Arrow keys move the focus
// to the nearest focusable element in that direction (spatial navigation); Back (Escape, Backspace or the
// remote's BrowserBack) goes back. Switched on with ?tv=1 (remembered), off with ?tv=0.
// Remembered in a cookie (reelhouse_tv=1 or 0), so the server renders <html class="tv"> and this script loads
// deferred instead of blocking the first paint of every page. Browsers that remembered it in localStorage before
// are asked once (a first localStorage access can take a long while on a slow device, so not on every page).
(function () {
  "use strict";
  const params = new URLSearchParams(window.location.search);
  const remembered = (document.cookie.match(/(?:^|; )reelhouse_tv=([01])(?:;|$)/) || [])[1];
  let on;
  if (params.has("tv")) on = params.get("tv") === "1";
  else if (remembered) on = remembered === "1";
  else on = localStorage.getItem("reelhouse.tv") === "1";
  if ((on ? "1" : "0") !== remembered) {
    document.cookie = "reelhouse_tv=" + (on ? "1" : "0") + "; max-age=31536000; path=/; samesite=lax";
  }
  document.documentElement.classList.toggle("tv", on);
  if (!on) return;
  const FOCUSABLE = "a[href], button:not([disabled]), select, input:not([type=hidden]), video, [tabindex='0']";
  const DIRS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

  function visible(el) {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !el.closest("[hidden]") && getComputedStyle(el).visibility !== "hidden";
  }
  function firstInMain() {
    const main = document.querySelector("main");
    return main && Array.from(main.querySelectorAll(FOCUSABLE)).find(visible);
  }
  function centre(r) { return [r.left + r.width / 2, r.top + r.height / 2]; }

  // The best candidate lies in the direction of travel among elements in line with the focused one: the same
  // row for left/right (a row's end is a wall, as on a TV), the same column for up/down, else the nearest one
  // below or above. Distance along the direction counts, sideways drift counts double.
  function next(from, [dx, dy]) {
    const a = from.getBoundingClientRect(), [ax, ay] = centre(a);
    const candidates = Array.from(document.querySelectorAll(FOCUSABLE)).filter(function (el) {
      return el !== from && visible(el);
    }).map(function (el) {
      const r = el.getBoundingClientRect(), [bx, by] = centre(r);
      const along = (bx - ax) * dx + (by - ay) * dy;
      // Sideways distance is the gap between the two boxes (0 when they overlap), not between their centres:
      // a full-width row right below is nearer than a small button further down in line with the centre.
      const across = dx ? Math.max(0, r.top - a.bottom, a.top - r.bottom)
        : Math.max(0, r.left - a.right, a.left - r.right);
      const inLine = dx ? r.top < a.bottom && r.bottom > a.top : r.left < a.right && r.right > a.left;
      return { el: el, along: along, across: across, inLine: inLine };
    }).filter(function (c) { return c.along > 1; });
    const pool = candidates.filter(function (c) { return c.inLine; });
    const pick = (pool.length || dx ? pool : candidates)
      .sort(function (p, q) { return (p.along + 2 * p.across) - (q.along + 2 * q.across); })[0];
    return pick ? pick.el : null;
  }

  document.addEventListener("keydown", function (e) {
    const video = document.getElementById("video");
    const inVideo = document.activeElement === video;
    if (e.key in DIRS) {
      // On the player, left/right seek (the player handles them); up/down leave the video.
      if (inVideo && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return;
      if (document.activeElement && document.activeElement.tagName === "SELECT" && !e.altKey) {
        if (e.key === "ArrowUp" || e.key === "ArrowDown") return;  // choosing an option
      }
      const from = document.activeElement && document.activeElement !== document.body ? document.activeElement
        : null;
      const target = from ? next(from, DIRS[e.key]) : firstInMain();
      if (target) { target.focus(); target.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      e.preventDefault();
      e.stopPropagation();
    } else if (e.key === "Escape" || e.key === "Backspace" || e.key === "BrowserBack" || e.key === "GoBack") {
      if (/^(INPUT|TEXTAREA)$/.test(e.target.tagName) && e.key === "Backspace") return;
      e.preventDefault();
      window.history.back();
    } else if (e.key === "Enter" && inVideo) {
      if (video.paused) video.play(); else video.pause();
      e.preventDefault();
    }
  }, true);

  // Start with something focused, so the first arrow press is visible.
  window.addEventListener("DOMContentLoaded", function () {
    const video = document.getElementById("video");
    const first = video || document.querySelector("main .tile") || firstInMain();  // content first, as on a TV
    if (first) { if (video) video.tabIndex = 0; first.focus(); }
  });
})();
