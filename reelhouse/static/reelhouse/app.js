// The installable app: register the service worker (served at /sw.js so its scope is the whole site), and on the
// offline screen, reload by itself once the server answers again (asked every few seconds: the browser's
// "online" event alone misses a network that is up while the server is still out of reach).
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* not installable here */ });
  }
  if (!document.getElementById("offline-retry")) return;
  var RETRY_MS = 5000;
  function tryAgain() {
    fetch("/healthz", {cache: "no-store"})
      .then(function (response) { if (response.ok) window.location.reload(); else later(); })
      .catch(later);
  }
  function later() { window.setTimeout(tryAgain, RETRY_MS); }
  window.addEventListener("online", tryAgain);
  later();
})();
