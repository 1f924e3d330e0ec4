// Downloads inside the installed app. A title saved here is one server download (same slot, quality, licence and
// term rules): its MP4 goes into Cache Storage ("reelhouse-downloads", keyed /app-media/<id>.mp4), with its subtitle
// tracks and seek thumbnails beside it (/app-media/<id>/subs/en.vtt, /app-media/<id>/trickplay/..., deleted with
// it), and its description (title, end of term, resume position, subtitle tracks) into localStorage. The Downloads page lists them, plays them
// from the cache with no network, and deletes any whose term has passed (that page every time it opens, any other
// page once per launch); when online it also asks the server
// whether each still stands (revoked, licence ended, subscription over) and deletes those that do not, after
// sending where the offline player left each one (it becomes the profile's resume point unless newer).
(function () {
  "use strict";
  var STORE = "reelhouse.downloads";
  var CACHE = "reelhouse-downloads";

  function saved() { try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; } }
  function keep(all) { localStorage.setItem(STORE, JSON.stringify(all)); }
  // A download whose term has passed is never listed nor played, online or not, even before prune() deletes it.
  function ended(d) { return new Date(d.expires_at).getTime() <= Date.now(); }
  function mediaKey(id) { return "/app-media/" + id + ".mp4"; }
  function extraKey(id, name) { return "/app-media/" + id + "/" + name; }

  // Storage: what the browser lets this site keep (navigator.storage.estimate) in the page's language, and a request
  // that it keep saved titles even when the device runs low on space (navigator.storage.persist).
  function freeBytes() {
    if (!navigator.storage || !navigator.storage.estimate) return Promise.resolve(Infinity);
    return navigator.storage.estimate().then(function (e) { return Math.max(0, e.quota - e.usage); });
  }
  function size(bytes) {
    var giga = bytes >= 1e9;
    return new Intl.NumberFormat(document.documentElement.lang || undefined,
      {style: "unit", unit: giga ? "gigabyte" : "megabyte", maximumFractionDigits: 1}).format(bytes / (giga ? 1e9 : 1e6));
  }
  function persist() {
    if (!navigator.storage || !navigator.storage.persist) return Promise.resolve(false);
    return navigator.storage.persisted().then(function (kept) { return kept || navigator.storage.persist(); });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The files first, then the entry: a removal cut short (the page reloaded or closed half-way) leaves the entry, so
  // the next launch finds it and finishes; the other order left files that no entry named, kept past their term.
  function remove(id) {
    return removeFiles(id).then(function () {
      var all = saved();
      delete all[id];
      keep(all);
    });
  }

  // The video and every file saved beside it.
  function removeFiles(id) {
    return caches.open(CACHE).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.filter(function (r) {
          var path = new URL(r.url).pathname;
          return path === mediaKey(id) || path.indexOf(extraKey(id, "")) === 0;
        }).map(function (r) { return cache.delete(r); }));
      });
    });
  }

  // The download's video, then its subtitles and seek thumbnails (small; each only while the download stands).
  function saveFiles(cache, download, failed) {
    return fetch(download.url, {credentials: "same-origin"}).then(function (file) {
      if (!file.ok) throw new Error(failed);
      return cache.put(mediaKey(download.id), new Response(file.body, {headers: {"Content-Type": "video/mp4"}}));
    }).then(function () {
      return Promise.all((download.extras || []).map(function (extra) {
        return fetch(extra.url, {credentials: "same-origin"}).then(function (r) {
          if (!r.ok) throw new Error(failed);
          return cache.put(extraKey(download.id, extra.name), r);
        });
      }));
    });
  }

  // "Save in the app" on a title's page.
  var button = document.getElementById("save-offline");
  if (button && "caches" in window) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var status = document.getElementById("save-offline-status");
      var option = form.querySelector("select[name=label]").selectedOptions[0];
      var need = Number(option && option.dataset.bytes) || 0;
      button.disabled = true;
      status.textContent = button.dataset.saving;
      persist();
      freeBytes()
        .then(function (free) {
          // Refused before a download slot is taken: a file that cannot fit would fail half-way.
          if (need > free) throw new Error(button.dataset.tooBig.replace("%(need)s", size(need)).replace("%(free)s", size(free)));
          return fetch(button.dataset.url, {method: "POST", body: new FormData(form), credentials: "same-origin"});
        })
        .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
        .then(function (answer) {
          if (!answer[0]) throw new Error(answer[1].message);
          var download = answer[1];
          return caches.open(CACHE).then(function (cache) {
            return saveFiles(cache, download, button.dataset.failed);
          }).catch(function (error) {
            // Nothing half-saved stays behind.
            return removeFiles(download.id).then(function () {
              if (error.name !== "QuotaExceededError") throw error;
              // The device had less room than it said: give the slot back rather than hold it for the whole term.
              return fetch(download.release_url, {method: "POST", credentials: "same-origin",
                                                  headers: {"X-CSRFToken": csrfToken()}}).then(function () {
                throw new Error(button.dataset.noRoom.replace("%(need)s", size(need)));
              });
            });
          }).then(function () {
            var all = saved();
            all[download.id] = {id: download.id, title: download.title, label: download.label,
                                expires_at: download.expires_at, status_url: download.status_url,
                                progress_url: download.progress_url, position: 0,
                                extras: (download.extras || []).map(function (x) {
                                  return {name: x.name, kind: x.kind, language: x.language, label: x.label};
                                })};
            keep(all);
            status.textContent = button.dataset.saved;
          });
        })
        .catch(function (error) { status.textContent = error.message || button.dataset.failed; button.disabled = false; });
    });
  }

  // The Downloads page.
  var list = document.getElementById("downloads-list");
  if (!list) {
    // Any other page: the same checks once per launch (a browsing session), so an app opened straight to its home
    // also drops what has ended and sends offline progress.
    if (Object.keys(saved()).length && !sessionStorage.getItem("reelhouse.downloads.checked")) {
      sessionStorage.setItem("reelhouse.downloads.checked", "1");
      prune();
    }
    return;
  }
  var video = document.getElementById("video");
  var playing = null;

  function render() {
    var all = saved();
    var ids = Object.keys(all).filter(function (id) { return !ended(all[id]); });
    list.textContent = "";
    document.getElementById("downloads-empty").hidden = ids.length > 0;
    ids.forEach(function (id) {
      var d = all[id];
      var li = document.createElement("li");
      var title = document.createElement("strong");
      title.textContent = d.title + " (" + d.label + "p)";
      var until = document.createElement("span");
      until.className = "meta";
      until.textContent = " " + list.dataset.until + " " + new Date(d.expires_at).toLocaleDateString() + " ";
      var play = document.createElement("button");
      play.type = "button"; play.className = "primary"; play.textContent = list.dataset.play;
      play.setAttribute("aria-label", list.dataset.play + " " + d.title);
      play.addEventListener("click", function () { start(id); });
      var del = document.createElement("button");
      del.type = "button"; del.className = "secondary"; del.textContent = list.dataset.delete;
      del.setAttribute("aria-label", list.dataset.delete + " " + d.title);
      del.addEventListener("click", function () { remove(id).then(render).then(showStorage); });
      li.append(title, until, play, del);
      list.append(li);
    });
  }

  function start(id) {
    var d = saved()[id];
    if (!d || ended(d)) { remove(id).then(render); return; }
    caches.open(CACHE).then(function (cache) { return cache.match(mediaKey(id)); })
      .then(function (response) {
        if (!response) { remove(id).then(render); return; }  // the file is gone from storage: so is the entry
        return Promise.all([response.blob(), savedExtras(id)]).then(function (files) {
          playing = id;
          // Played by the site's player (player/offline.js), from where this app left it, with the subtitles and
          // seek thumbnails saved beside it (blobs; the player makes and revokes their object URLs).
          var position = saved()[id].position || 0;
          video.dispatchEvent(new CustomEvent("reelhouse:play-saved",
                                              {detail: {blob: files[0], position: position, extras: files[1]}}));
        });
      });
  }

  // [{name, kind, language, label, blob}] of the files saved beside the video (a missing one is left out).
  function savedExtras(id) {
    var extras = saved()[id].extras || [];
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(extras.map(function (x) {
        return cache.match(extraKey(id, x.name)).then(function (r) {
          return r ? r.blob().then(function (blob) { return Object.assign({blob: blob}, x); }) : null;
        });
      }));
    }).then(function (files) { return files.filter(Boolean); });
  }

  video.addEventListener("timeupdate", function () {
    var all = saved();
    if (!playing || !all[playing]) return;
    all[playing].position = video.currentTime;
    all[playing].duration = video.duration || 0;
    all[playing].watched_at = Date.now();
    all[playing].unsent = true;  // sent to the server (the profile's resume point) once online
    keep(all);
  });

  function sendProgress(d) {
    if (!d.unsent || !d.progress_url) return Promise.resolve();
    var body = new URLSearchParams({position_s: d.position, duration_s: d.duration || 0, watched_at: d.watched_at});
    return fetch(d.progress_url, {method: "POST", body: body, credentials: "same-origin",
                                  headers: {"X-CSRFToken": csrfToken()}})
      .then(function (r) {
        if (!r.ok) return;
        var all = saved();
        if (all[d.id] && all[d.id].watched_at === d.watched_at) { all[d.id].unsent = false; keep(all); }
      });
  }

  function prune() {
    var all = saved();
    var checks = Object.keys(all).map(function (id) {
      if (ended(all[id])) return remove(id);  // term over: even offline
      if (!navigator.onLine) return Promise.resolve();
      return sendProgress(all[id]).then(function () { return fetch(all[id].status_url, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) {
          if (r.status === 404) return remove(id);
          if (!r.ok) return null;  // signed out or a server error: keep it until the server can say
          return r.json().then(function (s) { return s.valid ? null : remove(id); });
        }); })
        .catch(function () { /* offline after all */ });
    });
    return Promise.all(checks);
  }

  function showStorage() {
    var line = document.getElementById("downloads-storage");
    var kept = document.getElementById("downloads-persisted");
    if (!navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (e) {
      line.textContent = line.dataset.template.replace("%(used)s", size(e.usage))
        .replace("%(free)s", size(Math.max(0, e.quota - e.usage)));
      line.hidden = false;
    });
    persist().then(function (granted) {
      kept.textContent = granted ? kept.dataset.persisted : kept.dataset.bestEffort;
      kept.hidden = false;
    });
  }

  // Ended terms are deleted as the page opens, offline too: local work only (no network, no permission prompt), so
  // unlike the server's checks below it does not wait for the page's idle callback.
  function removeEnded() {
    var all = saved();
    return Promise.all(Object.keys(all).filter(function (id) { return ended(all[id]); }).map(function (id) {
      return remove(id);
    }));
  }

  function refresh() { return prune().then(render).then(showStorage); }
  // The list is drawn at once from what this browser keeps; the server's checks and the storage figures (IPC to the
  // browser, and a permission decision for persist()) wait until the page has loaded and the main thread is idle,
  // so they never hold up its first paint or input (Lighthouse measured a 249-ms task in this page's load on a phone).
  render();
  removeEnded();
  function whenIdle() {
    if (window.requestIdleCallback) window.requestIdleCallback(refresh, {timeout: 2000});
    else window.setTimeout(refresh, 200);
  }
  if (document.readyState === "complete") whenIdle(); else window.addEventListener("load", whenIdle);
  window.addEventListener("online", refresh);
})();
