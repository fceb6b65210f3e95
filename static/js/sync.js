/* The sync page follows its runs: while a sync runs, poll its progress every few seconds; after "Sync now",
   wait for the queued run to start (data-queued-account: the account; data-queued-after: its latest run
   then). When a run ends, or the queued one starts or ends, show the page afresh (without the "queued"
   query, so a later reload does not wait again). */
(function () {
  "use strict";
  var root = document.querySelector("[data-sync-poll]");
  if (!root) return;
  var url = root.dataset.syncPoll;
  var page = root.dataset.syncPage || window.location.pathname;
  var queuedAccount = Number(root.dataset.queuedAccount || 0);
  var queuedAfter = Number(root.dataset.queuedAfter || 0);
  var following = document.querySelectorAll("[data-progress-run]").length > 0;
  if (!following && !queuedAccount) return;
  // A queued run nobody picks up (no worker) is not waited for forever.
  var giveUpAt = Date.now() + 30 * 60 * 1000;

  function show() { window.location.replace(page); }

  function showProgress(running) {
    var line = document.querySelector('[data-progress-run="' + running.id + '"]');
    if (!line) return false;
    var step = line.querySelector("[data-progress-step]");
    var text = line.querySelector("[data-progress-text]");
    var bar = line.querySelector("progress");
    if (step) step.textContent = running.step || "…";
    if (bar && running.total) {
      bar.max = running.total;
      bar.value = running.done;
    }
    if (text && running.total) text.textContent = running.done + " / " + running.total;
    return true;
  }

  function update(data) {
    var stillRunning = false;
    var queuedDone = false;
    (data.accounts || []).forEach(function (account) {
      if (queuedAccount && account.id === queuedAccount) {
        var started = account.running && account.running.id > queuedAfter;
        var ended = !account.running && account.last_run && account.last_run.id > queuedAfter;
        if (started || ended) queuedDone = true;
      }
      if (!account.running) return;
      stillRunning = true;
      // A run the page does not show yet (it started after the page was drawn): draw the page afresh.
      if (!showProgress(account.running)) queuedDone = true;
    });
    if (queuedDone || (following && !stillRunning)) {
      show();
      return;
    }
    if (!following && Date.now() > giveUpAt) return;
    window.setTimeout(poll, 3000);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(update)
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, following ? 3000 : 2000);
})();
