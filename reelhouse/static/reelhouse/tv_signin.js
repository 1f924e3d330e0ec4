// The TV's sign-in page: ask the token endpoint every `interval` seconds whether the code was approved
// (RFC 8628 §3.4-3.5). Pending: ask again; slow_down: wait 5 s longer from now on; approved: this browser's session
// is now signed in, go home; denied or expired: say so and offer a new code.
(function () {
  "use strict";
  var box = document.getElementById("tv-signin");
  if (!box) return;
  var status = document.getElementById("tv-status");
  var interval = Number(box.dataset.interval) * 1000;
  var body = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    device_code: box.dataset.deviceCode,
  });

  function stop(message) {
    status.textContent = message;
    document.getElementById("tv-new-code").focus();
  }

  function poll() {
    fetch(box.dataset.tokenUrl, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.signed_in) { window.location.assign(answer.next); return; }
        if (answer.error === "slow_down") interval += 5000;
        if (answer.error === "authorization_pending" || answer.error === "slow_down") {
          window.setTimeout(poll, interval);
        } else if (answer.error === "access_denied") {
          stop(status.dataset.denied);
        } else {
          stop(status.dataset.expired);
        }
      })
      .catch(function () { window.setTimeout(poll, interval); });  // the network came and went: keep asking
  }
  window.setTimeout(poll, interval);
})();
