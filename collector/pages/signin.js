/* signin.js -- where a one-time sign-in link lands (/signin#SECRET): a mediator's phone scans the QR code of the
 * console, and is signed in without typing a token.
 *
 * The secret is in the fragment, which a browser never sends to a server (so it is in no access log) and which
 * this page removes from the address bar and the history at once, before anything else. The page POSTs it to
 * /api/v1/session as {"link": …}; the server answers with a session cookie (HttpOnly: this page never sees it)
 * and the role, and the page goes on to /entry (mediator) or /admin. A link serves once and for 15 minutes: a
 * used or expired one gets a plain French message saying what to do.
 * ES2017, no dependencies, no inline handlers or style attributes (hash-only CSP). */
(function () {
  'use strict';
  var doc = document;
  var UI = JSON.parse(doc.getElementById('ui').textContent).strings.fr;
  function t(key, vars) {
    var s = UI[key] || key;
    return s.replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? vars[k] : m; });
  }
  var msg = doc.getElementById('msg');
  function say(text, err) {
    msg.textContent = text;
    msg.className = err ? 'err' : '';
    msg.setAttribute('role', err ? 'alert' : 'status');
  }
  function offer(path, label) {
    var a = doc.getElementById('next-link');
    a.href = path;
    a.textContent = label;
    doc.getElementById('next').hidden = false;
  }

  var secret = location.hash.replace(/^#/, '');
  /* Out of the address bar and the history before anything else: the secret must not outlive this page. */
  if (location.hash) history.replaceState(null, '', location.pathname);
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) {
    say(t('noLink'), true);
    return;
  }
  say(t('signingIn'));
  fetch('/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ link: secret }),
    credentials: 'same-origin', cache: 'no-store', referrerPolicy: 'no-referrer'
  }).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (j) {
      if (r.status === 200) {
        var to = j.role === 'mediator' ? '/entry' : '/admin';
        /* entry.js asks for the session on load when it finds this hint (not a secret: the cookie is HttpOnly) */
        try { localStorage.setItem('diagsante-session', '1'); } catch (e) { /* storage off: signs in again */ }
        say(t('signedIn', { name: j.name || '' }));
        offer(to, t(j.role === 'mediator' ? 'goEntry' : 'goAdmin'));
        location.replace(to);
      } else if (r.status === 401) {
        say(t('linkUsed'), true);
      } else if (r.status === 429) {
        say(t('tooMany'), true);
      } else {
        say(t('failed', { status: r.status, x: j.message || '' }), true);
      }
    });
  }, function (e) {
    say(t('noServer', { x: e && e.message || e }), true);
  });
})();
