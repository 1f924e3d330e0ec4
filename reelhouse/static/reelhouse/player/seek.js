// Seek previews: a scrub bar under the video (a range input, so Tab, arrows, Home/End work) that shows the
// trickplay thumbnail for the time under the pointer, or the time the keyboard moved to, and seeks on release.

function seconds(stamp) {
  return stamp.split(":").reduce(function (acc, part) { return acc * 60 + parseFloat(part); }, 0);
}

function clock(t) {
  t = Math.max(0, Math.floor(t));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
}

function parse(text) {
  const out = [];
  const blocks = text.replace(/\r/g, "").split(/\n\n+/);
  blocks.forEach(function (block) {
    const lines = block.split("\n");
    const i = lines.findIndex(function (l) { return l.indexOf("-->") >= 0; });
    if (i < 0 || !lines[i + 1]) return;
    const [a, b] = lines[i].split("-->").map(function (x) { return seconds(x.trim().split(" ")[0]); });
    const m = lines[i + 1].trim().match(/^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/);
    if (m) out.push({ start: a, end: b, file: m[1], x: +m[2], y: +m[3], w: +m[4], h: +m[5] });
  });
  return out;
}

// Returns a function giving the cues loaded (for the tests), or nothing on a page without a scrub bar.
export function seekPreviews(p) {
  const video = p.video;
  const scrub = document.getElementById("scrub");
  if (!scrub) return undefined;
  const seek = document.getElementById("seek");
  const preview = document.getElementById("seek-preview");
  const previewTime = document.getElementById("seek-preview-time");
  let cues = [], dragging = false;

  function cueAt(t) {
    return cues.find(function (c) { return t >= c.start && t < c.end; }) || cues[cues.length - 1];
  }
  function showAt(t, fraction) {
    previewTime.textContent = clock(t);
    const c = cues.length ? cueAt(t) : null;
    if (c) {
      // Sprites go through the newest stream prefix (each heartbeat renews it), or the saved copies offline.
      preview.style.width = c.w + "px"; preview.style.height = c.h + "px";
      preview.style.backgroundImage = "url(\"" + (p.spriteUrl ? p.spriteUrl(c.file) : p.prefix + "trickplay/" + c.file) + "\")";
      preview.style.backgroundPosition = (-c.x) + "px " + (-c.y) + "px";
    }
    preview.hidden = false;
    const half = preview.offsetWidth / 2, width = seek.offsetWidth;
    preview.style.left = Math.min(Math.max(fraction * width - half, 0), Math.max(width - 2 * half, 0)) + "px";
  }
  function hide() { if (!dragging && document.activeElement !== seek) preview.hidden = true; }

  // `p.thumbnailsUse(text)`: the cues of another thumbnails track (the offline player's saved one, or none: "").
  p.thumbnailsUse = function (text) { cues = parse(text || ""); };
  video.addEventListener("reelhouse:started", function () {
    if (cues.length) return;
    fetch(p.prefix + "trickplay/thumbnails.vtt", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(p.thumbnailsUse)
      .catch(function () { /* no thumbnails: the bar still seeks and shows the time */ });
  });

  function ready() {
    if (!isFinite(video.duration) || video.duration <= 0) return;
    seek.max = String(video.duration);
    scrub.hidden = false;
  }
  video.addEventListener("loadedmetadata", ready);
  video.addEventListener("durationchange", ready);
  video.addEventListener("timeupdate", function () {
    if (dragging || document.activeElement === seek) return;
    seek.value = String(video.currentTime);
    seek.setAttribute("aria-valuetext", clock(video.currentTime));
  });
  seek.addEventListener("pointermove", function (e) {
    const rect = seek.getBoundingClientRect();
    const fraction = Math.min(Math.max((e.clientX - rect.left) / rect.width, 0), 1);
    showAt(fraction * parseFloat(seek.max || "0"), fraction);
  });
  seek.addEventListener("pointerdown", function () { dragging = true; });
  seek.addEventListener("pointerleave", hide);
  document.addEventListener("pointerup", function () { dragging = false; });
  seek.addEventListener("input", function () {
    const t = parseFloat(seek.value), max = parseFloat(seek.max) || 1;
    seek.setAttribute("aria-valuetext", clock(t));
    showAt(t, t / max);
  });
  seek.addEventListener("change", function () { video.currentTime = parseFloat(seek.value); });
  seek.addEventListener("focus", function () {
    const t = parseFloat(seek.value), max = parseFloat(seek.max) || 1;
    showAt(t, t / max);
  });
  seek.addEventListener("blur", function () { preview.hidden = true; });
  return function () { return cues; };
}
