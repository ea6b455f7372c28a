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
// An installer ISO goes to the API as the request body, with a progress bar (fetch cannot report upload progress).
(function () {
  'use strict';
  var form = document.querySelector('form[data-upload]');
  if (!form) { return; }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var id = form.querySelector('[name=id]').value.trim();
    var file = form.querySelector('[type=file]').files[0];
    var bar = document.getElementById('upload-progress');
    var out = document.getElementById('upload-result');
    if (!id || !file) { return; }
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('data-upload').replace('{id}', encodeURIComponent(id)));
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    // A change of the API made with the sign-in cookie carries the session's CSRF token.
    xhr.setRequestHeader('X-CSRF-Token', form.getAttribute('data-csrf') || '');
    bar.hidden = false;
    xhr.upload.onprogress = function (p) { if (p.lengthComputable) { bar.value = Math.round(100 * p.loaded / p.total); } };
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) { out.textContent = 'Registered ' + id + '.'; window.location.reload(); return; }
      var detail = 'The upload was refused (' + xhr.status + ').';
      try { detail = JSON.parse(xhr.responseText).detail || detail; } catch (x) { /* not JSON */ }
      out.textContent = detail;
    };
    xhr.onerror = function () { out.textContent = 'The appliance did not answer.'; };
    xhr.send(file);
  });
})();
