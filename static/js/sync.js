/* While a sync runs, poll its progress every few seconds and reload the page when it ends. */
(function () {
  "use strict";
  var root = document.querySelector("[data-sync-poll]");
  if (!root || document.querySelectorAll("[data-progress-run]").length === 0) return;
  var url = root.dataset.syncPoll;

  function update(data) {
    var stillRunning = false;
    (data.accounts || []).forEach(function (account) {
      if (!account.running) return;
      stillRunning = true;
      var line = document.querySelector('[data-progress-run="' + account.running.id + '"]');
      if (!line) return;
      var step = line.querySelector("[data-progress-step]");
      var text = line.querySelector("[data-progress-text]");
      var bar = line.querySelector("progress");
      if (step) step.textContent = account.running.step || "…";
      if (bar && account.running.total) {
        bar.max = account.running.total;
        bar.value = account.running.done;
      }
      if (text && account.running.total) text.textContent = account.running.done + " / " + account.running.total;
    });
    if (!stillRunning) {
      window.location.reload();
      return;
    }
    window.setTimeout(poll, 3000);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(update)
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
