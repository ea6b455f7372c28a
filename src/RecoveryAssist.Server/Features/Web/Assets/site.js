// RecoveryAssist web console: the only script the pages load (CSP nonce). Pages work without it;
// it keeps live regions current (jobs, post-recovery steps) by fetching a small HTML fragment.
(function () {
  'use strict';
  function poll(region) {
    var url = region.getAttribute('data-poll');
    var every = parseInt(region.getAttribute('data-poll-ms') || '2000', 10);
    function tick() {
      fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text().then(function (t) { return { t: t, more: r.headers.get('X-Poll') !== 'done' }; }); })
        .then(function (x) { if (region.innerHTML !== x.t) { region.innerHTML = x.t; } if (x.more) { setTimeout(tick, every); } })
        .catch(function () { setTimeout(tick, every * 3); });
    }
    setTimeout(tick, every);
  }
  document.querySelectorAll('[data-poll]').forEach(poll);
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) { if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); } });
  });
})();
