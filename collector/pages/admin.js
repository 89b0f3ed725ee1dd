/* admin.js -- the coordinator's console (/admin): progress of the campaign, people and their tokens, posters and
 * links, paper sheets, questionnaire versions, data stewardship and the audit trail, all through the API.
 *
 * Signing in: the coordinator types a token once per device; the page POSTs it to /api/v1/session, which answers
 * with an HttpOnly session cookie and a CSRF secret. The token is then forgotten: it is never put in the address,
 * in storage or in a cookie the page can read (only a "signed in here" hint, no secret, is kept in storage). On
 * load, GET /api/v1/session says whether this device holds a
 * session and gives the CSRF secret back; the page keeps it in memory only and sends it as X-CSRF-Token on every
 * request that changes something. A 401 anywhere (session expired, ended, its token revoked) brings the sign-in
 * back with a message.
 *
 * Analyst sessions are read-only: every control that changes something is left out of the page (the server
 * refuses them anyway). Every refusal shows the server's own French message. The sections are reached from a
 * menu of buttons (each one a Tab stop); the chosen one is in the address fragment (#avancement…) so that a
 * reload stays there. Bars and charts are SVG drawn with attributes, never style attributes (hash-only CSP).
 * ES2017, no dependencies, no inline handlers. */
(function () {
  'use strict';
  var doc = document;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  function $(id) { return doc.getElementById(id); }
  /* el('p', {text: 'x', class: 'y', on: {click: f}}, [children]): an element; attributes false or null are left
   * out, true gives an empty attribute. */
  function el(tag, attrs, kids) {
    var n = doc.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') n.textContent = attrs[k];
      else if (k === 'on') for (var ev in attrs.on) n.addEventListener(ev, attrs.on[ev]);
      else if (attrs[k] !== false && attrs[k] != null) n.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    (kids || []).forEach(function (c) {
      if (c == null || c === '' || c === false) return;
      n.appendChild(typeof c === 'string' || typeof c === 'number' ? doc.createTextNode(String(c)) : c);
    });
    return n;
  }
  function svg(tag, attrs, kids) {
    var n = doc.createElementNS(SVG_NS, tag);
    for (var k in attrs || {}) {
      if (k === 'text') n.textContent = attrs[k];
      else n.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (c) { if (c) n.appendChild(c); });
    return n;
  }

  /* ---- the page's own words, in French: forms/pages.json ("admin"), embedded by the collector ---- */
  var UI = JSON.parse($('ui').textContent).strings.fr;
  /* t(key, {n: 3}): the text of key with its {placeholders} replaced. */
  function t(key, vars) {
    var s = UI[key] != null ? UI[key] : key;
    for (var k in vars || {}) s = s.split('{' + k + '}').join(String(vars[k]));
    return s;
  }
  function fatal(msg) {
    var f = $('fatal');
    f.textContent = t('error') + ' ' + msg;
    f.hidden = false;
  }
  window.addEventListener('error', function (e) { fatal(e.message || String(e)); });
  window.addEventListener('unhandledrejection', function (e) {
    if (e.reason && e.reason.unauthorized) { e.preventDefault(); return; }
    fatal(String(e.reason && e.reason.message || e.reason));
  });

  /* ---- the forms and territories the collector serves ---- */
  var DEFS = JSON.parse($('forms').textContent);
  if (!Array.isArray(DEFS)) DEFS = [DEFS];
  var TERR = JSON.parse($('territories').textContent) || [];
  /* A text of the forms: a string, or a map by language (French first). */
  function tx(map) {
    if (map == null) return '';
    if (typeof map === 'string') return map;
    return map.fr || map[Object.keys(map)[0]] || '';
  }
  function formTitle(id) {
    for (var i = 0; i < DEFS.length; i++) if (DEFS[i].id === id) return tx(DEFS[i].title);
    return id;
  }
  var langNames = null;
  try { langNames = new Intl.DisplayNames(['fr'], { type: 'language' }); } catch (e) { /* old browser: codes */ }
  function langName(code) {
    var n = null;
    try { n = langNames && langNames.of(code); } catch (e) { n = null; }
    return n && n !== code ? n.charAt(0).toUpperCase() + n.slice(1) + ' (' + code + ')' : code;
  }
  function num(n) { return n == null ? '—' : Number(n).toLocaleString('fr-FR'); }
  function pct(x) { return x == null ? '—' : (Math.round(x * 1000) / 10).toLocaleString('fr-FR') + ' %'; }
  /* "2025-03-04T10:11:12Z" -> "04/03/2025 10:11" in local time; anything else as it is. */
  function when(s) {
    if (!s) return '—';
    var d = new Date(s);
    if (isNaN(d.getTime())) return String(s);
    function p(x) { return (x < 10 ? '0' : '') + x; }
    return p(d.getDate()) + '/' + p(d.getMonth() + 1) + '/' + d.getFullYear() + ' ' + p(d.getHours()) + ':' + p(d.getMinutes());
  }

  /* ---- API ---- */
  var session = null;          /* {role, name, token_id, csrf, expires_at} while signed in */
  function Unauthorized() { this.unauthorized = true; }
  /* Resolves {status, body}. opts.raw: a Blob/ArrayBuffer body sent as opts.type; opts.quiet: a 401 is returned
   * rather than signing out. A 401 otherwise brings back the sign-in and rejects with an Unauthorized. */
  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = {};
    var payload;
    if (opts.raw !== undefined) {
      headers['Content-Type'] = opts.type;
      payload = opts.raw;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (method !== 'GET' && method !== 'HEAD' && session && session.csrf) headers['X-CSRF-Token'] = session.csrf;
    return fetch(path, { method: method, headers: headers, body: payload, credentials: 'same-origin',
      cache: 'no-store', referrerPolicy: 'no-referrer' }).then(function (r) {
      return r.text().then(function (text) {
        var j = {};
        try { j = text ? JSON.parse(text) : {}; } catch (e) { j = { message: text.slice(0, 300) }; }
        if (r.status === 401 && !opts.quiet) {
          ended(t('expired'));
          throw new Unauthorized();
        }
        return { status: r.status, body: j || {} };
      });
    }, function (e) {
      throw new Error(t('noServer', { x: e && e.message || e }));
    });
  }
  /* The server's message of a refused request, in French, with its status. */
  function refusal(r) {
    return t('refused', { status: r.status, x: r.body && r.body.message || r.body && r.body.code || '' });
  }
  /* Shows what went wrong with a request (nothing for a 401: the sign-in is back already). */
  function failed(e) {
    if (e && e.unauthorized) return;
    say(e && e.message || String(e), 'err');
  }
  function readOnly() { return !session || session.role !== 'admin'; }

  /* ---- status line, shared by every section ---- */
  var statusEl = $('status');
  function say(text, kind) {
    statusEl.textContent = text;
    statusEl.className = 'status' + (kind ? ' ' + kind : '');
  }
  function ask(key, vars) { return window.confirm(t(key, vars)); }

  /* ---- sign-in ---- */
  /* A hint, not a secret (the cookie is HttpOnly): whether this device signed in, so that a first visit does not
   * ask GET /api/v1/session for a 401 that the browser would log as an error. Shared with entry.js and signin.js. */
  var SIGNED_KEY = 'diagsante-session';
  function hint(on) {
    try { if (on) localStorage.setItem(SIGNED_KEY, '1'); else localStorage.removeItem(SIGNED_KEY); } catch (e) { /* storage off */ }
  }
  function hinted() {
    try { return localStorage.getItem(SIGNED_KEY) === '1'; } catch (e) { return true; /* storage off: ask */ }
  }
  function signinScreen(message) {
    session = null;
    hint(false);
    $('menu').hidden = true;
    $('who').hidden = true;
    $('signout').hidden = true;
    var screen = $('screen');
    screen.textContent = '';
    var err = el('p', { class: 'err', id: 'token-err', text: message || '' });
    var input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
      required: true, 'aria-describedby': 'token-help token-err' });
    var form = el('form', { class: 'card signin', id: 'signin-form', novalidate: true }, [
      el('h1', { text: t('title') }),
      el('p', { class: 'hint', text: t('signinIntro') }),
      el('label', { for: 'token', text: t('token') }),
      input,
      el('p', { class: 'hint', id: 'token-help', text: t('tokenHelp') }),
      err,
      el('div', { class: 'actions' }, [el('button', { type: 'submit', class: 'primary', id: 'signin', text: t('signin') })]),
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var token = input.value.trim();
      if (!token) { err.textContent = t('noToken'); input.focus(); return; }
      err.textContent = '';
      say(t('checking'));
      api('POST', '/api/v1/session', { token: token }, { quiet: true }).then(function (r) {
        input.value = '';
        if (r.status === 200) {
          hint(true);
          if (r.body.role === 'mediator') {
            say(t('mediatorHere'), 'warn');
            location.assign('/entry');
            return;
          }
          session = r.body;
          say(t('signedIn', { name: session.name }), 'ok');
          consoleScreen();
        } else {
          say('');
          err.textContent = r.status === 401 ? t('tokenRefused') : refusal(r);
          input.focus();
        }
      }).catch(function (e) { say(''); err.textContent = e.message || String(e); });
    });
    screen.appendChild(form);
    if (message) say(message, 'warn');
  }
  /* The server ended the session (or the user did): back to the sign-in with a message. */
  function ended(message) {
    signinScreen(message);
  }
  function signOut() {
    api('DELETE', '/api/v1/session', undefined, { quiet: true }).then(function () {
      signinScreen(t('signedOut'));
      say(t('signedOut'), 'ok');
    }).catch(failed);
  }

  /* ---- the console: menu and sections ---- */
  var SECTIONS = [
    { id: 'avancement', key: 'secProgress', show: progressSection },
    { id: 'personnes', key: 'secPeople', show: peopleSection },
    { id: 'affiches', key: 'secLinks', show: linksSection },
    { id: 'papier', key: 'secPaper', show: paperSection },
    { id: 'questionnaires', key: 'secForms', show: formsSection },
    { id: 'donnees', key: 'secData', show: dataSection },
    { id: 'journal', key: 'secAudit', show: auditSection },
  ];
  var current = null;

  function consoleScreen() {
    $('who').textContent = t('who', { name: session.name, role: roleName(session.role) });
    $('who').hidden = false;
    $('signout').hidden = false;
    var menu = $('menu');
    menu.textContent = '';
    menu.setAttribute('aria-label', t('menu'));
    SECTIONS.forEach(function (s) {
      menu.appendChild(el('button', { type: 'button', id: 'nav-' + s.id, text: t(s.key),
        on: { click: function () { open(s.id, true); } } }));
    });
    menu.hidden = false;
    var want = location.hash.replace(/^#/, '');
    open(SECTIONS.some(function (s) { return s.id === want; }) ? want : 'avancement', false);
  }

  /* Shows section id (its data fetched afresh); focus moves to its heading when the user chose it. */
  function open(id, focus) {
    var s = SECTIONS.filter(function (x) { return x.id === id; })[0];
    current = id;
    SECTIONS.forEach(function (x) {
      var b = $('nav-' + x.id);
      if (x.id === id) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
    });
    if (location.hash !== '#' + id) history.replaceState(null, '', '#' + id);
    var screen = $('screen');
    screen.textContent = '';
    var h = el('h1', { id: 'heading', tabindex: '-1', text: t(s.key) });
    var body = el('div', { id: 'sec-' + id, class: 'section', 'aria-busy': 'true' }, [el('p', { class: 'hint', text: t('loading') })]);
    screen.appendChild(banner());
    screen.appendChild(h);
    if (readOnly()) screen.appendChild(el('p', { class: 'note', id: 'readonly', text: t('readOnly') }));
    screen.appendChild(body);
    if (focus) h.focus();
    Promise.resolve().then(function () { return s.show(body); }).then(function () {
      body.removeAttribute('aria-busy');
    }, function (e) {
      body.removeAttribute('aria-busy');
      if (e && e.unauthorized) return;
      body.textContent = '';
      body.appendChild(el('p', { class: 'err', text: e && e.message || String(e) }));
    });
  }
  function reopen() { if (current) open(current, false); }

  /* The test-mode banner: shown above every section while the campaign is in test mode. */
  var testMode = false;
  function banner() {
    var b = el('p', { id: 'test-banner', class: 'banner', text: t('testBanner') });
    b.hidden = !testMode;
    return b;
  }
  function setTestMode(on) {
    testMode = !!on;
    var b = $('test-banner');
    if (b) b.hidden = !testMode;
  }

  function roleName(r) { return t({ mediator: 'roleMediator', analyst: 'roleAnalyst', admin: 'roleAdmin' }[r] || 'roleOther'); }

  /* A card: a <section> with its heading (h2) and children. */
  function card(title, kids, attrs) {
    var id = 'c' + (++card.n);
    return el('section', Object.assign({ class: 'card', 'aria-labelledby': id }, attrs || {}),
      [el('h2', { id: id, text: title })].concat(kids));
  }
  card.n = 0;
  /* A table: head is a list of column titles, rows a list of <tr>. caption names it for screen readers. */
  function table(caption, head, rows, attrs) {
    return el('div', { class: 'scroll' }, [el('table', attrs || {}, [
      el('caption', { class: 'sr', text: caption }),
      el('thead', {}, [el('tr', {}, head.map(function (hd) { return el('th', { scope: 'col', text: hd }); }))]),
      el('tbody', {}, rows),
    ])]);
  }
  /* A horizontal bar of value out of max, width pixels wide (160 by default), drawn with SVG attributes (no style
   * attributes). */
  function bar(value, max, reached, width) {
    var w = width || 160, fill = max > 0 ? Math.max(0, Math.min(w, Math.round(w * value / max))) : 0;
    return svg('svg', { width: w, height: 14, viewBox: '0 0 ' + w + ' 14', class: 'gauge', 'aria-hidden': 'true',
      focusable: 'false' }, [
      svg('rect', { class: 'bar-bg', x: 0, y: 0, width: w, height: 14 }),
      svg('rect', { class: reached ? 'bar-fg done' : 'bar-fg', x: 0, y: 0, width: fill, height: 14 }),
    ]);
  }
  function td(text, cls) { return el('td', { class: cls || 'n', text: text }); }

  /* ================================================================================================
   * Avancement: GET /api/v1/progress.
   */
  function progressSection(body) {
    return api('GET', '/api/v1/progress').then(function (r) {
      if (r.status !== 200) throw new Error(refusal(r));
      var p = r.body;
      setTestMode(p.test_mode);
      body.textContent = '';
      body.appendChild(el('p', { class: 'hint', id: 'prog-apart', text: t('progApart', { tests: num(p.tests),
        excluded: num(p.excluded) }) }));
      (p.forms || []).forEach(function (f) { body.appendChild(progressForm(f)); });
      body.appendChild(card(t('byMediator'), [mediatorTable(p.mediators || [], 'prog-mediators')]));
    });
  }
  function progressForm(f) {
    var target = f.target || 0;
    var kids = [el('p', { class: 'total' }, [
      el('strong', { class: 'prog-total', text: num(f.total) }), ' ',
      target ? t('ofTarget', { target: num(target), pct: pct(f.total / target) }) : t('noTarget'),
    ]), bar(f.total, target || f.total, target && f.total >= target, 320)];
    var terr = (f.territories || []).map(function (x) {
      var reached = x.target > 0 && x.n >= x.target;
      return el('tr', { 'data-territory': x.code }, [
        el('th', { scope: 'row', text: x.name || t('noTerritory') }), td(num(x.n), 'n count'), td(x.target ? num(x.target) : '—'),
        td(x.target ? pct(x.n / x.target) : '—'),
        el('td', { class: 'barcell' }, [bar(x.n, x.target || maxOf(f.territories, 'n'), reached)]),
      ]);
    });
    if (terr.length)
      kids.push(el('h3', { text: t('byTerritory') }),
        table(t('byTerritoryOf', { form: f.title }), [t('colTerritory'), t('colAnswers'), t('colTarget'), t('colPct'), t('colBar')],
          terr, { class: 'prog-terr' }));
    var ch = f.channels || {}, langs = f.languages || {};
    var chTotal = sum(ch), lTotal = sum(langs);
    kids.push(el('div', { class: 'cols' }, [
      el('div', {}, [el('h3', { text: t('byChannel') }), table(t('byChannelOf', { form: f.title }), [t('colChannel'), t('colAnswers'), t('colBar')],
        Object.keys(ch).map(function (k) {
          return el('tr', { 'data-channel': k }, [el('th', { scope: 'row', text: t('ch_' + k) === 'ch_' + k ? k : t('ch_' + k) }),
            td(num(ch[k]), 'n count'), el('td', { class: 'barcell' }, [bar(ch[k], chTotal, false)])]);
        }), { class: 'prog-channels' })]),
      el('div', {}, [el('h3', { text: t('byLanguage') }), table(t('byLanguageOf', { form: f.title }), [t('colLanguage'), t('colAnswers'), t('colBar')],
        Object.keys(langs).map(function (k) {
          return el('tr', { 'data-lang': k }, [el('th', { scope: 'row', text: langName(k) }), td(num(langs[k]), 'n count'),
            el('td', { class: 'barcell' }, [bar(langs[k], lTotal, false)])]);
        }), { class: 'prog-langs' })]),
    ]));
    kids.push(el('h3', { text: t('byDay') }), dayChart(f));
    return card(f.title || formTitle(f.id), kids, { id: 'prog-' + f.id, 'data-form': f.id });
  }
  function sum(o) { var s = 0; for (var k in o) s += Number(o[k]) || 0; return s; }
  function maxOf(list, key) { var m = 0; (list || []).forEach(function (x) { m = Math.max(m, x[key] || 0); }); return m; }
  /* Answers per day as SVG columns, with the numbers in the image's accessible name and a <title> per column. */
  function dayChart(f) {
    var days = f.days || [];
    if (!days.length) return el('p', { class: 'hint', text: t('noDays') });
    var shown = days.slice(-60), max = maxOf(shown, 'n') || 1;
    var cw = 12, gap = 3, h = 90, w = shown.length * (cw + gap) + gap;
    var label = t('dayChart', { form: f.title, list: shown.map(function (d) { return d.day + ' : ' + d.n; }).join(', ') });
    var kids = [svg('title', { text: label }), svg('line', { class: 'axis', x1: 0, y1: h, x2: w, y2: h })];
    shown.forEach(function (d, i) {
      var bh = Math.max(d.n > 0 ? 2 : 0, Math.round((h - 14) * d.n / max));
      kids.push(svg('rect', { class: 'col', x: gap + i * (cw + gap), y: h - bh, width: cw, height: bh, 'data-day': d.day }, [
        svg('title', { text: d.day + ' : ' + d.n })]));
    });
    kids.push(svg('text', { class: 'lbl', x: gap, y: 10, text: t('dayMax', { n: max }) }));
    return el('div', { class: 'scroll' }, [svg('svg', { class: 'days', role: 'img', 'aria-label': label, width: Math.max(w, 160),
      height: h + 2, viewBox: '0 0 ' + Math.max(w, 160) + ' ' + (h + 2) }, kids),
    el('p', { class: 'hint', text: t('dayRange', { first: shown[0].day, last: shown[shown.length - 1].day, n: num(sum(shown.map(function (d) { return d.n; }))) }) })]);
  }
  function mediatorTable(list, id) {
    if (!list.length) return el('p', { class: 'hint', text: t('noMediators') });
    return table(t('byMediator'), [t('colName'), t('colTyped'), t('colSecond'), t('colDisagree'), t('colRate')],
      list.map(function (m) {
        return el('tr', { 'data-token': m.token_id }, [el('th', { scope: 'row', text: m.name }), td(num(m.sheets_typed)),
          td(num(m.second_entries)), td(num(m.disagreements)), td(pct(m.disagreement_rate))]);
      }), { id: id });
  }

  /* ================================================================================================
   * Personnes: GET/POST /api/v1/tokens, revoke, new one-time link.
   */
  var tokenNames = {};         /* token id -> name, for the paper section */
  function loadTokens() {
    return api('GET', '/api/v1/tokens').then(function (r) {
      if (r.status !== 200) throw new Error(refusal(r));
      (r.body.tokens || []).forEach(function (x) { tokenNames[x.id] = x.name; });
      return r.body.tokens || [];
    });
  }
  function peopleSection(body) {
    return loadTokens().then(function (tokens) {
      body.textContent = '';
      var result = el('div', { id: 'created', class: 'created', tabindex: '-1', hidden: true });
      if (!readOnly()) body.appendChild(createForm(result));
      body.appendChild(result);
      var rows = tokens.map(function (x) {
        var actions = el('td', { class: 'actions-cell' });
        if (!readOnly() && !x.revoked_at) {
          actions.appendChild(el('button', { type: 'button', class: 'small danger revoke', text: t('revoke'),
            'aria-label': t('revokeWho', { name: x.name }), on: { click: function () { revoke(x); } } }));
          if (x.role === 'mediator')
            actions.appendChild(el('button', { type: 'button', class: 'small newlink', text: t('newLink'),
              'aria-label': t('newLinkWho', { name: x.name }), on: { click: function () { newLink(x, result); } } }));
        }
        return el('tr', { 'data-id': x.id, class: x.revoked_at ? 'revoked' : '' }, [td(String(x.id)),
          el('th', { scope: 'row', text: x.name }), td(roleName(x.role), 'txt'), td(when(x.created_at), 'txt'),
          td(x.revoked_at ? t('revokedAt', { at: when(x.revoked_at) }) : t('active'), 'txt'), actions]);
      });
      body.appendChild(card(t('peopleList'), [rows.length ? table(t('peopleList'), [t('colId'), t('colName'), t('colRole'),
        t('colCreated'), t('colState'), t('colActions')], rows, { id: 'tokens' }) : el('p', { class: 'hint', text: t('noPeople') })]));
    });
  }
  function createForm(result) {
    var name = el('input', { id: 'new-name', name: 'name', type: 'text', maxlength: '80', required: true, autocomplete: 'off' });
    var role = el('select', { id: 'new-role', name: 'role' }, ['mediator', 'analyst', 'admin'].map(function (r) {
      return el('option', { value: r, text: roleName(r) });
    }));
    var err = el('p', { class: 'err', id: 'new-err' });
    var form = el('form', { id: 'create-form', novalidate: true }, [
      el('p', { class: 'hint', text: t('createHelp') }),
      el('div', { class: 'row' }, [
        el('div', { class: 'fld' }, [el('label', { for: 'new-name', text: t('personName') }), name]),
        el('div', { class: 'fld' }, [el('label', { for: 'new-role', text: t('personRole') }), role]),
        el('button', { type: 'submit', class: 'primary', id: 'create', text: t('create') }),
      ]), err]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      err.textContent = '';
      var n = name.value.trim();
      if (!n) { err.textContent = t('nameRequired'); name.focus(); return; }
      say(t('sending'));
      api('POST', '/api/v1/tokens', { role: role.value, name: n }).then(function (r) {
        if (r.status !== 201) { say(''); err.textContent = refusal(r); return; }
        say(t('created', { name: r.body.name }), 'ok');
        return peopleSection($('sec-personnes')).then(function () {
          showCreated($('created'), r.body, r.body.link);
        });
      }).catch(failed);
    });
    return card(t('createTitle'), [form]);
  }
  /* Shows a new token's secret (once) and, for a mediator, its one-time link and QR code, in box. */
  function showCreated(box, tok, link) {
    box.textContent = '';
    box.hidden = false;
    var kids = [el('h2', { text: tok.secret ? t('createdTitle', { name: tok.name }) : t('linkTitle', { name: tok.name }) })];
    if (tok.secret) kids.push(
      el('p', { class: 'hint', text: t('secretOnce') }),
      el('label', { for: 'secret', text: t('secretLabel') }),
      el('input', { id: 'secret', type: 'text', readonly: true, value: tok.secret, class: 'mono', spellcheck: 'false' }));
    if (link) {
      kids.push(el('p', { class: 'hint', text: t('linkHelp', { at: when(link.expires_at) }) }),
        el('label', { for: 'link-url', text: t('linkLabel') }),
        el('input', { id: 'link-url', type: 'text', readonly: true, value: link.url, class: 'mono', spellcheck: 'false' }));
      if (link.qr_svg)
        kids.push(el('img', { id: 'link-qr', class: 'qr', alt: t('qrAlt', { name: tok.name }),
          src: 'data:image/svg+xml;base64,' + b64(link.qr_svg), width: '240' }));
    }
    kids.push(el('div', { class: 'actions' }, [el('button', { type: 'button', class: 'small', id: 'created-close', text: t('hide'),
      on: { click: function () { box.textContent = ''; box.hidden = true; } } })]));
    kids.forEach(function (k) { box.appendChild(k); });
    box.focus();
  }
  /* Base64 of a text's UTF-8 bytes. */
  function b64(s) {
    var bytes = new TextEncoder().encode(s), bin = '';
    for (var i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }
  function revoke(x) {
    if (!ask('confirmRevoke', { name: x.name, role: roleName(x.role) })) return;
    api('POST', '/api/v1/tokens/' + x.id + '/revoke', {}).then(function (r) {
      if (r.status !== 200) { say(refusal(r), 'err'); return; }
      say(t('revoked', { name: x.name }), 'ok');
      return peopleSection($('sec-personnes'));
    }).catch(failed);
  }
  function newLink(x, box) {
    api('POST', '/api/v1/tokens/' + x.id + '/link', {}).then(function (r) {
      if (r.status !== 201) { say(refusal(r), 'err'); return; }
      say(t('linkMade', { name: x.name }), 'ok');
      showCreated(box, { name: x.name }, r.body);
    }).catch(failed);
  }

  /* ================================================================================================
   * Affiches et liens: GET /api/v1/links, a poster per form and territory in the chosen languages.
   */
  function linksSection(body) {
    return api('GET', '/api/v1/links').then(function (r) {
      if (r.status !== 200) throw new Error(refusal(r));
      body.textContent = '';
      body.appendChild(el('p', { class: 'hint', text: t('linksHelp') }));
      var byForm = {};
      (r.body.links || []).forEach(function (l) { (byForm[l.form] = byForm[l.form] || []).push(l); });
      Object.keys(byForm).forEach(function (fid) { body.appendChild(linksForm(fid, byForm[fid])); });
      if (!Object.keys(byForm).length) body.appendChild(el('p', { class: 'hint', text: t('noLinks') }));
    });
  }
  function linksForm(fid, links) {
    var def = DEFS.filter(function (d) { return d.id === fid; })[0];
    var langs = def && def.languages && def.languages.length ? def.languages : ['fr'];
    var boxes = langs.map(function (code) {
      var id = 'lang-' + fid + '-' + code;
      return el('span', { class: 'check' }, [el('input', { type: 'checkbox', id: id, value: code, name: 'lang-' + fid,
        checked: code === 'fr' || langs.length === 1, on: { change: update } }), el('label', { for: id, text: langName(code) })]);
    });
    var fs = el('fieldset', { class: 'langs' }, [el('legend', { text: t('posterLangs') })].concat(boxes));
    var note = el('p', { class: 'hint', 'aria-live': 'polite' });
    var posters = [];
    var rows = links.map(function (l) {
      var a = el('a', { class: 'poster', href: l.poster, target: '_blank', rel: 'noopener', 'data-territory': l.territory,
        'aria-label': t('posterOf', { territory: l.territory_name }) }, [t('poster'), el('span', { class: 'sr', text: ' ' + t('newTab') })]);
      posters.push({ a: a, base: l.poster });
      return el('tr', { 'data-territory': l.territory }, [el('th', { scope: 'row', text: l.territory_name }),
        el('td', { class: 'txt' }, [el('a', { href: l.url, class: 'mono link' }, [l.url])]), el('td', { class: 'txt' }, [a])]);
    });
    function update() {
      var chosen = Array.prototype.filter.call(fs.querySelectorAll('input'), function (i) { return i.checked; })
        .map(function (i) { return i.value; });
      note.textContent = chosen.length ? t('posterLangsChosen', { list: chosen.map(langName).join(', ') }) : t('posterNoLang');
      if (!chosen.length) chosen = ['fr'];
      posters.forEach(function (p) { p.a.href = p.base + '?lang=' + chosen.join(','); });
    }
    update();
    return card(links[0].form_title || formTitle(fid), [fs, note,
      table(t('linksOf', { form: links[0].form_title || fid }), [t('colTerritory'), t('colLink'), t('colPoster')], rows,
        { class: 'links' })], { id: 'links-' + fid });
  }

  /* ================================================================================================
   * Papier: sheets of each form, those waiting for a second entry, disagreements, who typed what.
   */
  var SHEET_STATUS = ['single', 'awaiting_second', 'verified', 'discrepant', 'reconciled'];
  function paperSection(body) {
    var names = loadTokens().catch(function () { return []; });
    var prog = api('GET', '/api/v1/progress').then(function (r) { return r.status === 200 ? r.body : null; });
    return Promise.all([names, prog].concat(DEFS.map(function (d) {
      var base = '/api/v1/forms/' + encodeURIComponent(d.id) + '/paper';
      return Promise.all([api('GET', base + '/sheets'), api('GET', base + '/discrepancies')]);
    }))).then(function (all) {
      body.textContent = '';
      body.appendChild(el('p', { class: 'hint' }, [t('paperHelp') + ' ', el('a', { href: '/entry', id: 'to-entry', text: t('toEntry') })]));
      DEFS.forEach(function (d, i) { body.appendChild(paperForm(d, all[2 + i][0], all[2 + i][1])); });
      if (all[1]) body.appendChild(card(t('whoTyped'), [mediatorTable(all[1].mediators || [], 'paper-mediators')]));
    });
  }
  function who(id) { return id == null ? '—' : tokenNames[id] || t('tokenNo', { id: id }); }
  function paperForm(d, rs, rd) {
    var kids = [];
    if (rs.status !== 200) {
      kids.push(el('p', { class: 'err', text: refusal(rs) }));
      return card(tx(d.title), kids, { id: 'paper-' + d.id });
    }
    var sheets = rs.body.sheets || [], count = {};
    sheets.forEach(function (s) { count[s.status] = (count[s.status] || 0) + 1; });
    kids.push(el('ul', { class: 'counts' }, SHEET_STATUS.map(function (s) {
      return el('li', { 'data-status': s }, [el('strong', { text: num(count[s] || 0) }), ' ', t('st_' + s)]);
    }).concat([el('li', {}, [t('doubleRate', { pct: pct(rs.body.double_rate) })])])));
    var waiting = sheets.filter(function (s) { return s.status === 'awaiting_second'; });
    kids.push(el('h3', { text: t('awaitingTitle', { n: waiting.length }) }));
    kids.push(waiting.length ? el('ul', { class: 'ids', id: 'awaiting-' + d.id }, waiting.map(function (s) {
      return el('li', { class: 'mono', text: s.paper_id });
    })) : el('p', { class: 'hint', text: t('noneWaiting') }));
    var disc = rd.status === 200 ? rd.body.sheets || [] : [];
    kids.push(el('h3', { text: t('discTitle', { n: disc.length }) }));
    if (rd.status !== 200) kids.push(el('p', { class: 'err', text: refusal(rd) }));
    else if (!disc.length) kids.push(el('p', { class: 'hint', text: t('noneDisc') }));
    else kids.push(table(t('discOf', { form: tx(d.title) }), [t('colSheet'), t('colDiffs'), t('colEntry1'), t('colEntry2')],
      disc.map(function (s) {
        var by = {};
        (s.entries || []).forEach(function (e) { by[e.entry] = e.entered_by; });
        return el('tr', { 'data-sheet': s.paper_id }, [el('th', { scope: 'row', class: 'mono', text: s.paper_id }),
          td(num((s.differences || []).length)), td(who(by[1]), 'txt'), td(who(by[2]), 'txt')]);
      }), { id: 'disc-' + d.id }));
    if (rd.status === 200 && (rd.body.typed_by_you || []).length)
      kids.push(el('p', { class: 'hint', text: t('typedByYou', { list: rd.body.typed_by_you.join(', ') }) }));
    return card(tx(d.title), kids, { id: 'paper-' + d.id });
  }

  /* ================================================================================================
   * Questionnaires: versions with their answers, .xlsx downloads, upload (check, then publish).
   */
  var XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  function formsSection(body) {
    return Promise.all(DEFS.map(function (d) {
      return api('GET', '/api/v1/forms/' + encodeURIComponent(d.id) + '/versions');
    })).then(function (all) {
      body.textContent = '';
      if (!readOnly()) body.appendChild(uploadCard());
      DEFS.forEach(function (d, i) { body.appendChild(versionsCard(d, all[i])); });
    });
  }
  function versionsCard(d, r) {
    if (r.status !== 200) return card(tx(d.title), [el('p', { class: 'err', text: refusal(r) })], { id: 'versions-' + d.id });
    var rows = (r.body.versions || []).map(function (v) {
      var href = '/api/v1/forms/' + encodeURIComponent(d.id) + '/versions/' + encodeURIComponent(v.version) + '.xlsx';
      return el('tr', { 'data-version': v.version, class: v.current ? 'current' : '' }, [
        el('th', { scope: 'row', class: 'mono', text: v.version }), td(tx(v.title) || '—', 'txt'), td(num(v.answers), 'n answers'),
        td(num(v.counted)), td(when(v.first_answer_at), 'txt'),
        td(v.current ? t('current') : v.in_folder ? t('inFolder') : t('archived'), 'txt'),
        el('td', { class: 'txt' }, [el('a', { href: href, download: d.id + '-' + v.version + '.xlsx', class: 'xlsx',
          'aria-label': t('downloadOf', { version: v.version }) }, [t('download')])]),
      ]);
    });
    return card(tx(d.title) + ' (' + d.id + ')', [table(t('versionsOf', { form: tx(d.title) }), [t('colVersion'), t('colTitle'),
      t('colAnswers'), t('colCounted'), t('colFirst'), t('colState'), t('colXlsx')], rows)], { id: 'versions-' + d.id });
  }
  function uploadCard() {
    var file = el('input', { id: 'xlsx', type: 'file', accept: '.xlsx,' + XLSX, 'aria-describedby': 'xlsx-help' });
    var out = el('div', { id: 'upload-result', class: 'result' });
    var check = el('button', { type: 'submit', class: 'primary', id: 'check', text: t('check') });
    var form = el('form', { id: 'upload-form', novalidate: true }, [
      el('p', { class: 'hint', id: 'xlsx-help', text: t('uploadHelp') }),
      el('label', { for: 'xlsx', text: t('xlsxLabel') }), file,
      el('div', { class: 'actions' }, [check]), out]);
    var bytes = null;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      out.textContent = '';
      var f = file.files && file.files[0];
      if (!f) { out.appendChild(el('p', { class: 'err', text: t('noFile') })); file.focus(); return; }
      say(t('checking'));
      f.arrayBuffer().then(function (buf) {
        bytes = buf;
        return send(true);
      }).catch(failed);
    });
    function send(dry) {
      return api('POST', '/api/v1/forms/import' + (dry ? '?dry_run=1' : ''), undefined, { raw: bytes, type: XLSX }).then(function (r) {
        out.textContent = '';
        if (r.status !== 200) {
          say(refusal(r), 'err');
          out.appendChild(el('p', { class: 'err', id: 'upload-err', text: refusal(r) }));
          var errs = r.body.errors || [];
          if (errs.length) out.appendChild(el('ul', { class: 'errs', id: 'upload-errors' }, errs.map(function (e) {
            return el('li', {}, [el('span', { class: 'mono where', text: where(e.where) }), ' ', e.message]);
          })));
          return;
        }
        var b = r.body;
        var kids = [el('p', { class: dry ? 'note' : 'okmsg', id: 'upload-ok', text: dry ? t('dryOk', { form: b.form, version: b.version })
          : t('published', { form: b.form, version: b.version }) })];
        var w = b.warnings || [], c = b.changes || [];
        kids.push(el('h3', { text: t('warnings', { n: w.length }) }));
        if (w.length) kids.push(el('ul', { id: 'upload-warnings' }, w.map(function (x) {
          return el('li', {}, [el('span', { class: 'mono where', text: where(x.where) }), ' ', x.message]);
        })));
        kids.push(el('h3', { text: t('changes', { n: c.length }) }));
        if (c.length) kids.push(el('ul', { id: 'upload-changes' }, c.map(function (x) {
          return el('li', { class: x.meaning ? 'meaning' : '', text: typeof x === 'string' ? x : x.text || x.question }, []);
        })));
        if (dry) kids.push(el('div', { class: 'actions' }, [el('button', { type: 'button', class: 'primary', id: 'publish',
          text: t('publish', { form: b.form, version: b.version }), on: { click: function () {
            if (!ask('confirmPublish', { form: b.form, version: b.version })) return;
            say(t('sending'));
            send(false).catch(failed);
          } } })]));
        kids.forEach(function (k) { out.appendChild(k); });
        say(dry ? t('dryOk', { form: b.form, version: b.version }) : t('published', { form: b.form, version: b.version }), 'ok');
        if (!dry) {
          /* The list of versions of the form, with the new one. */
          api('GET', '/api/v1/forms/' + encodeURIComponent(b.form) + '/versions').then(function (rv) {
            var old = $('versions-' + b.form), d = DEFS.filter(function (x) { return x.id === b.form; })[0] || { id: b.form, title: b.form };
            var fresh = versionsCard(d, rv);
            if (old) old.replaceWith(fresh); else $('sec-questionnaires').appendChild(fresh);
          }).catch(failed);
        }
      });
    }
    return card(t('uploadTitle'), [form], { id: 'upload-card' });
  }
  /* A place in a workbook: "survey!B12", or an object {sheet, cell} / {file, path} the server may give. */
  function where(w) {
    if (w == null) return '';
    if (typeof w === 'string') return w;
    if (w.sheet) return w.sheet + (w.cell ? '!' + w.cell : '');
    return [w.file, w.path].filter(Boolean).join(' ');
  }

  /* ================================================================================================
   * Données: a submission by uuid (answers, history, correction, exclusion, deletion), erasure by receipt,
   * test mode and purge.
   */
  function dataSection(body) {
    var campaign = api('GET', '/api/v1/campaign');
    return campaign.then(function (rc) {
      body.textContent = '';
      body.appendChild(findCard());
      if (!readOnly()) body.appendChild(erasureCard());
      body.appendChild(campaignCard(rc));
    });
  }
  function findCard() {
    var input = el('input', { id: 'uuid', name: 'uuid', type: 'text', autocomplete: 'off', spellcheck: 'false',
      class: 'mono', 'aria-describedby': 'uuid-help' });
    var out = el('div', { id: 'submission' });
    var form = el('form', { id: 'find-form', novalidate: true }, [
      el('label', { for: 'uuid', text: t('uuidLabel') }),
      el('div', { class: 'row' }, [input, el('button', { type: 'submit', class: 'primary', id: 'find', text: t('find') })]),
      el('p', { class: 'hint', id: 'uuid-help', text: t('uuidHelp') })]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var u = input.value.trim().toLowerCase();
      if (!u) { say(t('uuidRequired'), 'err'); input.focus(); return; }
      showSubmission(out, u);
    });
    return card(t('findTitle'), [form, out], { id: 'find-card' });
  }
  function showSubmission(out, uuid) {
    say(t('loading'));
    return api('GET', '/api/v1/submissions/' + encodeURIComponent(uuid)).then(function (r) {
      out.textContent = '';
      if (r.status !== 200) {
        say(refusal(r), 'err');
        out.appendChild(el('p', { class: 'err', id: 'submission-err', text: refusal(r) }));
        return;
      }
      say('');
      renderSubmission(out, r.body);
    }).catch(failed);
  }
  function statusName(s) { return t('sub_' + s) === 'sub_' + s ? s : t('sub_' + s); }
  function show(v) { return v === undefined ? '—' : JSON.stringify(v); }
  function renderSubmission(out, s) {
    var dl = el('dl', { class: 'facts', id: 'sub-facts' });
    function fact(key, value, id) {
      dl.appendChild(el('dt', { text: t(key) }));
      dl.appendChild(el('dd', { id: id || null, text: value == null || value === '' ? '—' : String(value) }));
    }
    fact('fUuid', s.uuid);
    fact('fForm', formTitle(s.form_id) + ' (' + s.form_id + ')');
    fact('fVersion', s.form_version, 'sub-version');
    fact('fChannel', t('ch_' + s.channel) === 'ch_' + s.channel ? s.channel : t('ch_' + s.channel), 'sub-channel');
    fact('fLang', s.lang ? langName(s.lang) : null);
    fact('fTerritory', s.territory);
    fact('fReceived', when(s.received_at));
    fact('fStatus', statusName(s.status), 'sub-status');
    if (s.excluded) fact('fExcluded', t('excludedWhy', { at: when(s.excluded.at), reason: s.excluded.reason }));
    if (s.paper) fact('fPaper', t('paperFact', { sheet: s.paper.paper_id, entry: s.paper.entry, status: t('st_' + s.paper.sheet_status) }));
    var answers = s.answers || {};
    var keys = Object.keys(answers).sort(qOrder(s.form_id));
    var ro = readOnly();
    var rows = keys.map(function (k, i) {
      var id = 'ans-' + i;
      var label = qLabel(s.form_id, k);
      return el('tr', { 'data-q': k }, [el('th', { scope: 'row' }, [ro ? el('span', { class: 'mono', text: k })
        : el('label', { for: id, class: 'mono', text: k }), label ? el('span', { class: 'qlabel', text: label }) : null]),
        el('td', { class: 'txt' }, ro ? [el('span', { class: 'mono', text: JSON.stringify(answers[k]) })] : [
          el('input', { id: id, class: 'mono in', type: 'text', value: JSON.stringify(answers[k]), 'data-q': k,
            'aria-describedby': id + '-err', spellcheck: 'false' }),
          el('p', { class: 'err', id: id + '-err' })]),
      ]);
    });
    var kids = [el('h3', { text: t('facts') }), dl, el('h3', { text: t('answers', { n: keys.length }) })];
    var editor = null;
    if (ro) kids.push(table(t('answers', { n: keys.length }), [t('colQuestion'), t('colValue')], rows, { id: 'answers' }));
    else {
      editor = correctionForm(s, answers, rows);
      kids.push(editor);
    }
    kids.push(el('h3', { text: t('history') }), historyList(s.history || []));
    if (!ro) kids.push(stewardForm(s));
    var box = el('section', { class: 'sub', id: 'sub-' + s.uuid, 'aria-label': t('subTitle', { uuid: s.uuid }) }, kids);
    out.appendChild(box);
  }
  /* Sorts question ids in the order of the form's definition, unknown ones last. */
  function qOrder(formId) {
    var order = {}, n = 0;
    DEFS.forEach(function (d) {
      if (d.id !== formId) return;
      (d.sections || []).forEach(function (sec) { (sec.questions || []).forEach(function (q) { order[q.id] = ++n; }); });
    });
    return function (a, b) {
      var x = order[a.split('.')[0]] || 1e9, y = order[b.split('.')[0]] || 1e9;
      return x - y || (a < b ? -1 : a > b ? 1 : 0);
    };
  }
  /* The French wording of question id ("R07", or "R23.pmi" for a grid row: the question's) in form formId, or ''. */
  function qLabel(formId, id) {
    var qid = id.split('.')[0], out = '';
    DEFS.forEach(function (d) {
      if (d.id !== formId) return;
      (d.sections || []).forEach(function (sec) {
        (sec.questions || []).forEach(function (q) { if (q.id === qid) out = tx(q.label); });
      });
    });
    return out;
  }
  /* A value typed in the editor: JSON when it parses (["a","b"], 3, "texte"), the text itself otherwise; empty
   * removes the answer (null). */
  function typed(s) {
    s = s.trim();
    if (s === '') return null;
    try { return JSON.parse(s); } catch (e) { return s; }
  }
  function correctionForm(s, answers, rows) {
    var newQ = el('input', { id: 'add-q', type: 'text', class: 'mono in', spellcheck: 'false', autocomplete: 'off' });
    var newV = el('input', { id: 'add-v', type: 'text', class: 'mono in', spellcheck: 'false', 'aria-describedby': 'add-err' });
    var addErr = el('p', { class: 'err', id: 'add-err' });
    var reason = el('textarea', { id: 'correct-reason', rows: '2', maxlength: '500', class: 'in', required: true,
      'aria-describedby': 'correct-err' });
    var err = el('p', { class: 'err', id: 'correct-err' });
    var form = el('form', { id: 'correct-form', novalidate: true }, [
      el('p', { class: 'hint', text: t('correctHelp') }),
      table(t('answersEdit'), [t('colQuestion'), t('colValue')], rows, { id: 'answers' }),
      el('div', { class: 'row' }, [el('div', { class: 'fld' }, [el('label', { for: 'add-q', text: t('addQ') }), newQ]),
        el('div', { class: 'fld grow' }, [el('label', { for: 'add-v', text: t('addV') }), newV, addErr])]),
      el('label', { for: 'correct-reason', text: t('reasonCorrect') }), reason, err,
      el('div', { class: 'actions' }, [el('button', { type: 'submit', class: 'primary', id: 'correct', text: t('correct') })]),
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      Array.prototype.forEach.call(form.querySelectorAll('p.err'), function (p) { p.textContent = ''; });
      var change = {}, n = 0;
      Array.prototype.forEach.call(form.querySelectorAll('input[data-q]'), function (i) {
        var q = i.getAttribute('data-q'), v = typed(i.value);
        if (JSON.stringify(v) !== JSON.stringify(answers[q])) { change[q] = v; n++; }
      });
      var q = newQ.value.trim();
      if (q) { change[q] = typed(newV.value); n++; }
      if (!n) { err.textContent = t('noChange'); return; }
      if (!reason.value.trim()) { err.textContent = t('reasonRequired'); reason.focus(); return; }
      say(t('sending'));
      api('PATCH', '/api/v1/submissions/' + encodeURIComponent(s.uuid), { answers: change, reason: reason.value.trim() }).then(function (r) {
        if (r.status === 200) {
          say(t('correctedN', { n: (r.body.changes || []).length }), 'ok');
          return showSubmission($('submission'), s.uuid).then(function () { say(t('correctedN', { n: (r.body.changes || []).length }), 'ok'); });
        }
        say(refusal(r), 'err');
        err.textContent = refusal(r);
        (r.body.errors || []).forEach(function (e) {
          var target = form.querySelector('input[data-q="' + cssEsc(e.question) + '"]') ? $(form.querySelector('input[data-q="' +
            cssEsc(e.question) + '"]').id + '-err') : e.question === q ? addErr : null;
          var line = (e.row ? e.question + '.' + e.row + ' : ' : '') + e.message;
          if (target) target.textContent = (target.textContent ? target.textContent + ' ' : '') + line;
          else err.appendChild(el('span', { class: 'line', text: e.question + ' : ' + e.message }));
        });
      }).catch(failed);
    });
    return form;
  }
  function cssEsc(s) { return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&'); }
  function historyList(h) {
    if (!h.length) return el('p', { class: 'hint', id: 'history', text: t('noHistory') });
    return el('ol', { class: 'history', id: 'history' }, h.map(function (x) {
      var changes = Array.isArray(x.changes) ? x.changes : [];
      return el('li', { 'data-action': x.action }, [
        el('p', {}, [el('strong', { text: t('act_' + x.action) === 'act_' + x.action ? x.action : t('act_' + x.action) }), ' ',
          t('histBy', { at: when(x.at), who: x.actor_name || x.actor || '—' })]),
        x.reason ? el('p', { class: 'why', text: t('histWhy', { reason: x.reason }) }) : null,
        changes.length ? el('ul', { class: 'changes' }, changes.map(function (c) {
          return el('li', { class: 'mono', 'data-q': c.question, text: c.question + ' : ' + show(c.before) + ' → ' + show(c.after) });
        })) : null,
      ]);
    }));
  }
  function stewardForm(s) {
    var reason = el('input', { id: 'steward-reason', type: 'text', maxlength: '500', class: 'in', 'aria-describedby': 'steward-err' });
    var err = el('p', { class: 'err', id: 'steward-err' });
    var excluded = s.status === 'excluded';
    function act(kind) {
      var why = reason.value.trim();
      err.textContent = '';
      if (!why) { err.textContent = t('reasonRequired'); reason.focus(); return; }
      var path = '/api/v1/submissions/' + encodeURIComponent(s.uuid), method = 'POST';
      if (kind === 'delete') {
        if (!ask('confirmDelete', { uuid: s.uuid })) return;
        method = 'DELETE';
      } else path += '/' + kind;
      say(t('sending'));
      api(method, path, { reason: why }).then(function (r) {
        if (r.status !== 200) { say(refusal(r), 'err'); err.textContent = refusal(r); return; }
        if (kind === 'delete') {
          var box = $('submission');
          box.textContent = '';
          box.appendChild(el('p', { class: 'okmsg', id: 'deleted', text: t('deleted', { uuid: s.uuid }) }));
          say(t('deleted', { uuid: s.uuid }), 'ok');
          return;
        }
        return showSubmission($('submission'), s.uuid).then(function () {
          say(t(kind === 'exclude' ? 'excludedDone' : 'includedDone'), 'ok');
        });
      }).catch(failed);
    }
    return el('div', { class: 'steward' }, [el('h3', { text: t('stewardTitle') }),
      el('label', { for: 'steward-reason', text: t('reasonSteward') }), reason, err,
      el('div', { class: 'actions' }, [
        excluded ? el('button', { type: 'button', class: 'small', id: 'include', text: t('include'), on: { click: function () { act('include'); } } })
          : el('button', { type: 'button', class: 'small', id: 'exclude', text: t('exclude'), on: { click: function () { act('exclude'); } } }),
        el('button', { type: 'button', class: 'small danger', id: 'delete', text: t('delete'), on: { click: function () { act('delete'); } } }),
      ])]);
  }
  function erasureCard() {
    var receipt = el('input', { id: 'receipt', type: 'text', class: 'mono', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'receipt-help receipt-err' });
    var reason = el('input', { id: 'erase-reason', type: 'text', maxlength: '500', placeholder: t('erasureDefault') });
    var err = el('p', { class: 'err', id: 'receipt-err' });
    var form = el('form', { id: 'erase-form', novalidate: true }, [
      el('p', { class: 'hint', id: 'receipt-help', text: t('erasureHelp') }),
      el('div', { class: 'row' }, [
        el('div', { class: 'fld' }, [el('label', { for: 'receipt', text: t('receiptLabel') }), receipt]),
        el('div', { class: 'fld grow' }, [el('label', { for: 'erase-reason', text: t('erasureReason') }), reason]),
        el('button', { type: 'submit', class: 'primary danger', id: 'erase', text: t('erase') })]), err]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      err.textContent = '';
      var r = receipt.value.trim().toUpperCase();
      if (!r) { err.textContent = t('receiptRequired'); receipt.focus(); return; }
      if (!ask('confirmErase', { receipt: r })) return;
      var body = { receipt: r };
      if (reason.value.trim()) body.reason = reason.value.trim();
      say(t('sending'));
      api('POST', '/api/v1/erasure', body).then(function (x) {
        if (x.status !== 200) { say(refusal(x), 'err'); err.textContent = refusal(x); return; }
        receipt.value = '';
        reason.value = '';
        say(t('erased', { receipt: r }), 'ok');
      }).catch(failed);
    });
    return card(t('erasureTitle'), [form], { id: 'erasure' });
  }
  function campaignCard(rc) {
    if (rc.status !== 200) return card(t('campaignTitle'), [el('p', { class: 'err', text: refusal(rc) })], { id: 'campaign' });
    var c = rc.body;
    setTestMode(c.test_mode);
    var kids = [el('p', { id: 'campaign-state', 'data-test-mode': c.test_mode ? 'on' : 'off',
      text: c.test_mode ? t('testOn') : t('testOff') }),
    el('p', { class: 'hint', id: 'campaign-counts', text: t('campaignCounts', { tests: num(c.tests), excluded: num(c.excluded) }) })];
    if (!readOnly()) {
      kids.push(el('p', { class: 'hint', text: t('testHelp') }), el('div', { class: 'actions' }, [
        el('button', { type: 'button', class: 'primary', id: 'test-toggle', text: c.test_mode ? t('testStop') : t('testStart'),
          on: { click: function () {
            if (!ask(c.test_mode ? 'confirmTestOff' : 'confirmTestOn')) return;
            api('POST', '/api/v1/campaign/test', { on: !c.test_mode }).then(function (r) {
              if (r.status !== 200) { say(refusal(r), 'err'); return; }
              setTestMode(r.body.test_mode);
              say(r.body.test_mode ? t('testOn') : t('testOff'), 'ok');
              return refreshCampaign();
            }).catch(failed);
          } } }),
        el('button', { type: 'button', class: 'small danger', id: 'purge', text: t('purge', { n: num(c.tests) }), disabled: !c.tests,
          on: { click: function () {
            if (!ask('confirmPurge', { n: num(c.tests) })) return;
            api('POST', '/api/v1/campaign/purge-tests', {}).then(function (r) {
              if (r.status !== 200) { say(refusal(r), 'err'); return; }
              return refreshCampaign().then(function () { say(t('purged', { n: num(r.body.purged) }), 'ok'); });
            }).catch(failed);
          } } }),
      ]));
    }
    return card(t('campaignTitle'), kids, { id: 'campaign' });
  }
  function refreshCampaign() {
    return api('GET', '/api/v1/campaign').then(function (rc) {
      var old = $('campaign');
      if (old) old.replaceWith(campaignCard(rc));
    });
  }

  /* ================================================================================================
   * Journal: GET /api/v1/audit, newest first; the whole trail as CSV.
   */
  var AUDIT_SHOWN = 300;
  function auditSection(body) {
    return api('GET', '/api/v1/audit').then(function (r) {
      if (r.status !== 200) throw new Error(refusal(r));
      var list = (r.body.entries || []).slice().sort(function (a, b) { return b.id - a.id; });
      body.textContent = '';
      body.appendChild(el('p', { class: 'hint' }, [t('auditCount', { n: num(list.length), shown: num(Math.min(list.length, AUDIT_SHOWN)) }), ' ',
        el('a', { href: '/api/v1/audit.csv', download: 'journal.csv', id: 'audit-csv', text: t('auditCsv') })]));
      var rows = list.slice(0, AUDIT_SHOWN).map(function (x) {
        var detail = x.detail == null ? '' : typeof x.detail === 'string' ? x.detail : JSON.stringify(x.detail);
        return el('tr', { 'data-id': x.id, 'data-action': x.action }, [td(String(x.id)), td(when(x.at), 'txt'),
          td(x.actor_name || '—', 'txt'), el('th', { scope: 'row', text: t('act_' + x.action) === 'act_' + x.action ? x.action : t('act_' + x.action) }),
          td(x.target || '—', 'txt mono'), td(x.reason || '', 'txt'), td(detail, 'txt mono small')]);
      });
      body.appendChild(rows.length ? table(t('auditTitle'), [t('colId'), t('colWhen'), t('colWho'), t('colAction'), t('colObject'),
        t('colReason'), t('colDetail')], rows, { id: 'audit' }) : el('p', { class: 'hint', text: t('noAudit') }));
    });
  }

  /* ---- start ---- */
  $('signout').textContent = t('signout');
  $('signout').addEventListener('click', signOut);
  if (!hinted()) signinScreen('');
  else api('GET', '/api/v1/session', undefined, { quiet: true }).then(function (r) {
    if (r.status === 200 && r.body.role && r.body.role !== 'mediator') {
      session = r.body;
      consoleScreen();
    } else if (r.status === 200) {
      signinScreen(t('mediatorSession'));
    } else {
      signinScreen('');
    }
  }).catch(function (e) {
    signinScreen(e.message || String(e));
  });
})();
