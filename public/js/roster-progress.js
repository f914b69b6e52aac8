// Progressive enhancement for the roster import page: polls the import's JSON status and moves
// the bar. Without this script the page refreshes itself (<noscript> meta refresh).
(function () {
  var box = document.querySelector('[data-import-status-url]');
  if (!box || !window.fetch) return;
  var url = box.getAttribute('data-import-status-url');
  var shown = box.getAttribute('data-import-status');
  var bar = box.querySelector('progress');
  var processed = box.querySelector('[data-processed]');
  var total = box.querySelector('[data-total]');

  function later(ms) {
    window.setTimeout(poll, ms);
  }

  function poll() {
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('status ' + res.status);
        return res.json();
      })
      .then(function (s) {
        // A new phase or the end brings new words and perhaps the table of problems: the server renders those.
        if (s.status !== shown) {
          window.location.reload();
          return;
        }
        if (bar && typeof s.percent === 'number') {
          bar.value = s.percent;
          bar.textContent = s.percent + '%';
        }
        if (processed) processed.textContent = String(s.processedRows);
        if (total) total.textContent = String(s.totalRows);
        later(1000);
      })
      .catch(function () {
        // A dropped connection or a restart: keep trying, more slowly.
        later(5000);
      });
  }

  later(1000);
})();
