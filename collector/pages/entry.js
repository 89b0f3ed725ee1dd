/* entry.js -- the mediators' keyboard data-entry page for paper questionnaires, EpiData-style.
 *
 * Sign in ONCE per device: the mediator types a token (or opens a one-time link, signin.js) and the page POSTs it
 * to /api/v1/session, which answers with an HttpOnly session cookie and a CSRF secret. The token is then
 * forgotten: the page keeps nothing secret in storage, only a "signed in here" hint in localStorage so that a
 * fresh load asks GET /api/v1/session (which gives the CSRF secret back) instead of showing the sign-in. Every
 * API call carries the cookie, and the POSTs the X-CSRF-Token header; a 401 (session expired, ended, or its
 * token revoked) brings back the sign-in with a message; « Se déconnecter » ends the session (DELETE
 * /api/v1/session). Choose the form. Then one
 * compact field per answer, in the order of the paper: the sheet number first, then every question (one field
 * per grid row). Typing a choice's PAPER NUMBER fills it, shows its label beside the field ("2 → Non") and, when
 * no other number starts the same way, moves on; several choices are typed as numbers separated by spaces or
 * commas, then Enter; numbers, dates (JJMMAAAA or JJ/MM/AAAA) and texts are typed as they are. Questions that
 * skip logic hides, given what was typed, are greyed and jumped over. Enter, Tab or ↓ go to the next field,
 * Maj+Tab or ↑ to the previous one; a value the form refuses stays, with the form's message, and the focus
 * stays too. Enter on « Enregistrer », or Ctrl+Entrée anywhere, sends the sheet (POST /api/v1/forms/{id}/paper,
 * one uuid per sheet so that a retry is safe) and starts a fresh sheet. The reconciliation view lists the sheets
 * whose two entries differ and that this token did not type (the server shows no other; the sheets it typed are
 * named with the reason): for each difference, 1 keeps the first entry's value, 2 the second's, = followed by a
 * value types another one, which needs a reason; the decided answers and the reasons go to
 * …/paper/{paper_id}/reconcile. The sheet's language is a field of the sheet (a select, Alt+L; at first the form's
 * first language, then the previous sheet's); two entries that disagree on it show it as one more difference,
 * decided by the language's number (=2: the form's second language). Ctrl+Entrée (Cmd+Entrée on a Mac) validates
 * every screen wherever the focus is: the sign-in, the form chosen, the sheet, the sheet being reconciled. Under
 * the entry screen, the sheets this person typed today (GET …/paper/mine) with where each one stands.
 * ES2017, no dependencies, no inline handlers or style attributes (hash-only CSP). */
(function () {
  'use strict';
  var E = window.FormEngine;
  var doc = document;
  function $(id) { return doc.getElementById(id); }
  function el(tag, attrs, kids) {
    var n = doc.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') n.textContent = attrs[k];
      else if (k === 'on') for (var ev in attrs.on) n.addEventListener(ev, attrs.on[ev]);
      else if (attrs[k] !== false && attrs[k] != null) n.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    (kids || []).forEach(function (c) {
      if (c == null || c === '') return;
      n.appendChild(typeof c === 'string' || typeof c === 'number' ? doc.createTextNode(String(c)) : c);
    });
    return n;
  }
  /* ---- the page's own words, in French: forms/pages.json ("entry"), embedded by the collector ---- */
  var PAGES = JSON.parse($('ui').textContent), UI = PAGES.strings.fr;
  /* A language's own name ("العربية"), from pages.json. */
  function langName(l) { return PAGES.languages && PAGES.languages[l] && PAGES.languages[l].name || l; }
  /* t('key', {n: 3}): the text of key with its {placeholders} replaced. */
  function t(key, vars) {
    var s = UI[key] != null ? UI[key] : key;
    for (var k in vars || {}) s = s.split('{' + k + '}').join(String(vars[k]));
    return s;
  }
  /* The text of key as nodes: "[[Ctrl+Entrée]]" becomes a <kbd> element, the rest text. */
  function rich(key, vars) {
    return t(key, vars).split(/\[\[|\]\]/).map(function (part, i) { return i % 2 ? el('kbd', { text: part }) : part; });
  }
  function fatal(msg) {
    var f = $('fatal');
    f.textContent = t('error') + ' ' + msg;
    f.hidden = false;
  }
  window.addEventListener('error', function (e) { fatal(e.message || String(e)); });
  window.addEventListener('unhandledrejection', function (e) { fatal(String(e.reason && e.reason.message || e.reason)); });

  /* ---- the forms ---- */
  var DEFS = JSON.parse($('forms').textContent);
  var TERR = JSON.parse($('territories').textContent);
  if (!Array.isArray(DEFS)) DEFS = [DEFS];
  var FORMS = DEFS.map(function (def) { return setup(def); });
  function tx(map) { return E.text(map, 'fr'); }
  var today = E.today, uuid4 = E.uuid4;

  /* A form and its entry fields: the sheet number, then one field per question (per row for grids); notes are
   * shown, not typed. Questions are numbered as on paper (print.js): 1, 2, 3… in order, notes aside. */
  function setup(def) {
    var form = E.loadForm(def, { territories: TERR });
    var fields = [{ key: 'paper_id', kind: 'sheet' }], num = 0, byKey = {};
    var terrChoices = function (q) {
      var out = [];
      if (q.type === 'territory') form.territories.forEach(function (x) { out.push({ code: x.code, paper: x.paper, text: x.name }); });
      q.choices.forEach(function (c) { out.push({ code: c.code, paper: c.paper, text: tx(c.label), exclusive: c.exclusive }); });
      return out;
    };
    form.questions.forEach(function (q) {
      if (q.type === 'calculate') return;   /* computed by the collector, not on paper */
      var base = { q: q, num: q.type === 'note' ? null : ++num };
      if (q.type === 'note') fields.push(Object.assign(base, { key: q.id, kind: 'note' }));
      else if (q.type === 'grid')
        q.rows.forEach(function (r, k) {
          fields.push(Object.assign({}, base, { key: q.id + '.' + r.code, kind: 'choice', row: r, rowIndex: k, choices: terrChoices(q) }));
        });
      else if (q.type === 'single' || q.type === 'territory' && !q.multiple)
        fields.push(Object.assign(base, { key: q.id, kind: 'choice', choices: terrChoices(q) }));
      else if (q.type === 'multiple' || q.type === 'territory')
        fields.push(Object.assign(base, { key: q.id, kind: 'multi', choices: terrChoices(q) }));
      else if (q.type === 'scale') {
        var pts = [];
        for (var p = q.min; p <= q.max; p++) pts.push({ code: p, paper: p, text: q.labels && q.labels[p] ? tx(q.labels[p]) : '' });
        fields.push(Object.assign(base, { key: q.id, kind: 'choice', choices: pts }));
      } else if (q.type === 'integer' || q.type === 'decimal') fields.push(Object.assign(base, { key: q.id, kind: 'number' }));
      else if (q.type === 'date') fields.push(Object.assign(base, { key: q.id, kind: 'date' }));
      else fields.push(Object.assign(base, { key: q.id, kind: 'text' }));
    });
    fields.forEach(function (f, i) { f.index = i; f.id = 'f' + i; byKey[f.key] = f; });
    return { def: def, form: form, fields: fields, byKey: byKey };
  }

  /* ---- reading what is typed ---- */
  function choiceByPaper(f, s) {
    if (!/^\d{1,3}$/.test(s)) return null;
    var n = Number(s);
    for (var i = 0; i < f.choices.length; i++) if (f.choices[i].paper === n) return f.choices[i];
    return null;
  }
  /* Another choice's number starts with s ("1" while 10 exists): wait for Enter or the next digit. */
  function ambiguous(f, s) {
    return f.choices.some(function (c) { var p = String(c.paper); return p !== s && p.indexOf(s) === 0; });
  }
  function couldBe(f, s) {
    return f.choices.some(function (c) { return String(c.paper).indexOf(String(Number(s))) === 0; });
  }
  function choiceList(f) {
    return f.choices.map(function (c) { return c.paper + (c.text ? ' ' + c.text : ''); }).join(' · ');
  }
  var SHOW = ' → ';
  /* {empty} | {value, show} | {error} */
  function parse(f, raw) {
    var s = f.kind === 'text' ? raw.replace(/^\s+|\s+$/g, '') : raw.trim();
    if (s === '') return { empty: true };
    var m;
    switch (f.kind) {
      case 'sheet':
        return /^[A-Za-z0-9_-]{1,20}$/.test(s) ? { value: s, show: '' }
          : { error: t('badSheet') };
      case 'choice': {
        var c = choiceByPaper(f, s);
        return c ? { value: c.code, show: c.paper + SHOW + (c.text || String(c.code)) }
          : { error: t('notChoice', { x: s.slice(0, 20), list: choiceList(f) }) };
      }
      case 'multi': {
        var parts = s.split(/[\s,;]+/).filter(Boolean), seen = {}, got = [];
        for (var i = 0; i < parts.length; i++) {
          var x = choiceByPaper(f, parts[i]);
          if (!x) return { error: t('notChoice', { x: parts[i].slice(0, 20), list: choiceList(f) }) };
          if (seen[x.code]) return { error: t('twice', { n: x.paper }) };
          seen[x.code] = 1;
          got.push(x);
        }
        got.sort(function (a, b) { return f.choices.indexOf(a) - f.choices.indexOf(b); });
        return { value: got.map(function (x) { return x.code; }),
          show: got.map(function (x) { return x.paper + SHOW + x.text; }).join(' ; ') };
      }
      case 'number': {
        var integer = f.q.type === 'integer';
        if (integer ? !/^-?\d{1,15}$/.test(s) : !/^-?\d{1,15}([.,]\d+)?$/.test(s))
          return { error: integer ? t('badInteger') : t('badNumber') };
        return { value: Number(s.replace(',', '.')), show: '' };
      }
      case 'date': {
        var d = null;
        if ((m = /^(\d\d)(\d\d)(\d{4})$/.exec(s)) || (m = /^(\d{1,2})[\/.\- ](\d{1,2})[\/.\- ](\d{4})$/.exec(s)))
          d = m[3] + '-' + ('0' + m[2]).slice(-2) + '-' + ('0' + m[1]).slice(-2);
        else if (/^\d{4}-\d\d-\d\d$/.test(s)) d = s;
        if (!d || !E.isDate(d)) return { error: t('badDate') };
        return { value: d, show: SHOW + d.slice(8, 10) + '/' + d.slice(5, 7) + '/' + d.slice(0, 4) };
      }
      default:
        return { value: s, show: '' };
    }
  }

  /* The checker's message without its "R07 : " prefix, with a capital letter. */
  function message(e) {
    var s = String(e.message || e.code || '').replace(/^[A-Za-z][A-Za-z0-9_]*(\.[a-z0-9][a-z0-9_+-]*)? : /, '');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  /* ---- API ---- */
  /* SIGNED_KEY is a hint, not a secret (the cookie is HttpOnly); signin.js sets it too. FORM_KEY: the last form. */
  var SIGNED_KEY = 'diagsante-session', FORM_KEY = 'diagsante-paper-form';
  function store(k, v) {
    try { if (v == null) sessionStorage.removeItem(k); else sessionStorage.setItem(k, v); } catch (e) { /* storage off */ }
  }
  function stored(k) { try { return sessionStorage.getItem(k); } catch (e) { return null; } }
  function hint(on) {
    try { if (on) localStorage.setItem(SIGNED_KEY, '1'); else localStorage.removeItem(SIGNED_KEY); } catch (e) { /* off */ }
  }
  function hinted() { try { return localStorage.getItem(SIGNED_KEY) === '1'; } catch (e) { return false; } }
  var signed = false;          /* a live session, as far as the page knows */
  var csrf = '';               /* the session's CSRF secret, sent back on every POST */
  function Unauthorized() { this.unauthorized = true; }
  /* Resolves {status, body}; a 401 signs out (and rejects with an Unauthorized that callers ignore) unless quiet;
   * a network failure rejects with an Error. */
  function api(method, path, body, quiet) {
    var headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    return fetch(path, { method: method, headers: headers, body: body !== undefined ? JSON.stringify(body) : undefined,
      credentials: 'same-origin', cache: 'no-store', referrerPolicy: 'no-referrer' }).then(function (r) {
      return r.text().then(function (body) {
        var j = {};
        try { j = body ? JSON.parse(body) : {}; } catch (e) { j = { message: body.slice(0, 200) }; }
        if (r.status === 401 && !quiet) {
          signOut(t('expired'));
          throw new Unauthorized();
        }
        return { status: r.status, body: j || {} };
      });
    });
  }
  function base(f) { return '/api/v1/forms/' + encodeURIComponent(f.def.id) + '/paper'; }
  function failed(e) {
    if (e && e.unauthorized) return;
    say(t('noServer', { x: e && e.message || e }), 'err');
  }

  /* ---- the page's state ---- */
  var screen = $('screen'), statusEl = $('status');
  var current = null;          /* the chosen form: an item of FORMS */
  var sheets = {};             /* form id -> the sheet being typed: {uuid, texts: {key: text}} */
  var at = 'signin';
  var done = [];               /* this tab's saved sheets, in words, newest first */

  function say(text, kind) {
    statusEl.textContent = text;
    statusEl.className = 'status' + (kind ? ' ' + kind : '');
  }
  function show(name) {
    at = name;
    screen.textContent = '';
    $('menu').hidden = !signed || name === 'signin';
    ['entry', 'reconcile', 'forms'].forEach(function (n) {
      var b = $('nav-' + n);
      if (n === name) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
    });
  }

  /* ---- sign-in ---- */
  /* Forgets the session on this page (the server has ended it, or is asked to by the caller). */
  function signOut(msg) {
    signed = false;
    csrf = '';
    hint(false);
    renderSignin(msg);
  }
  function signedIn(session) {
    signed = true;
    csrf = session.csrf;
    hint(true);
  }
  function renderSignin(msg) {
    show('signin');
    var input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'token-help token-err', required: true });
    var err = el('p', { class: 'err', id: 'token-err', role: 'alert', text: msg || '' });
    var form = el('form', { class: 'card signin', id: 'signin', novalidate: true }, [
      el('h1', { text: t('title') }),
      el('label', { for: 'token', text: t('token') }),
      input,
      el('p', { class: 'hint', id: 'token-help', text: t('tokenHelp') }),
      err,
      el('button', { type: 'submit', class: 'primary', id: 'signin-btn', text: t('signin') })
    ]);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var tok = input.value.trim();
      if (!tok) { err.textContent = t('noToken'); input.focus(); return; }
      err.textContent = '';
      say(t('checking'));
      /* The token opens a session (cookie) and is forgotten; a mediator or an administrator may type sheets. */
      api('POST', '/api/v1/session', { token: tok }, true).then(function (r) {
        input.value = '';
        if (r.status === 200 && r.body.role !== 'mediator' && r.body.role !== 'admin') {
          csrf = r.body.csrf;
          api('DELETE', '/api/v1/session', undefined, true).catch(function () {});
          csrf = '';
          say('');
          err.textContent = t('tokenForbidden');
          input.focus();
        } else if (r.status === 200) {
          signedIn(r.body);
          say(t('signedIn'), 'ok');
          afterSignin();
        } else {
          say('');
          err.textContent = r.status === 401 ? t('tokenRefused') : r.status === 403 ? t('tokenForbidden')
            : t('signinFailed', { status: r.status, x: r.body.message || t('unexpected') });
          input.focus();
          input.select();
        }
      }, function (e2) {
        say('');
        err.textContent = t('serverDown', { x: e2 && e2.message || e2 });
        input.focus();
      });
    });
    screen.appendChild(form);
    input.focus();
  }
  function afterSignin() {
    var id = stored(FORM_KEY);
    var f = FORMS.filter(function (x) { return x.def.id === id; })[0];
    if (!f && FORMS.length === 1) f = FORMS[0];
    if (f) { current = f; renderEntry(); } else renderForms();
  }

  /* ---- choosing the form ---- */
  function renderForms() {
    show('forms');
    var list = el('ol', { class: 'formlist' });
    FORMS.forEach(function (f, i) {
      var b = el('button', { type: 'button', class: 'choice-btn', 'data-form': f.def.id }, [
        el('span', { class: 'key', text: String(i + 1) }),
        el('span', { text: tx(f.def.title) }),
        el('span', { class: 'meta', text: ' — ' + t('formMeta', { id: f.def.id, v: f.def.version }) })
      ]);
      b.addEventListener('click', function () { choose(f); });
      list.appendChild(el('li', {}, [b]));
    });
    var h = el('h1', { text: t('whichForm') });
    var card = el('section', { class: 'card', id: 'forms-screen' }, [h,
      el('p', { class: 'hint', text: t('whichFormHelp') }), list]);
    card.addEventListener('keydown', function (e) {
      if (e.ctrlKey || e.altKey || e.metaKey) return;
      var n = Number(e.key);
      if (/^[1-9]$/.test(e.key) && n <= FORMS.length) { e.preventDefault(); choose(FORMS[n - 1]); }
      else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        var bs = Array.prototype.slice.call(list.querySelectorAll('button')), k = bs.indexOf(doc.activeElement);
        if (k >= 0) { e.preventDefault(); bs[(k + (e.key === 'ArrowDown' ? 1 : bs.length - 1)) % bs.length].focus(); }
      }
    });
    screen.appendChild(card);
    var cur = current && list.querySelector('[data-form="' + current.def.id + '"]');
    (cur || list.querySelector('button')).focus();
  }
  function choose(f) {
    current = f;
    store(FORM_KEY, f.def.id);
    say(t('chosen', { x: tx(f.def.title) }));
    renderEntry();
  }

  /* ---- the entry screen ---- */
  var STATUS = { single: 'stSingle', awaiting_second: 'stAwaiting', verified: 'stVerified', discrepant: 'stDiscrepant',
    reconciled: 'stReconciled' };
  /* A new sheet is in the language of the one typed before it (a stack of Arabic sheets), at first in the
   * form's first language. */
  var lastLang = {};
  function sheetOf(f) {
    if (!sheets[f.def.id]) sheets[f.def.id] = { uuid: uuid4(), texts: {}, lang: lastLang[f.def.id] || f.def.languages[0] };
    return sheets[f.def.id];
  }
  /* The sheet's language: a select by the title (Alt+L), stored with the sheet. */
  function langField(f, sheet) {
    var sel = el('select', { id: 'sheet-lang', name: 'lang', 'aria-keyshortcuts': 'Alt+L' });
    f.def.languages.forEach(function (l) {
      var o = el('option', { value: l, lang: l, text: langName(l) });
      if (l === sheet.lang) o.selected = true;
      sel.appendChild(o);
    });
    sel.addEventListener('change', function () { sheet.lang = sel.value; lastLang[f.def.id] = sel.value; });
    sel.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) { e.preventDefault(); focusField(sheet.resumeAt || 0); }
    });
    return el('p', { class: 'sheetlang' }, [el('label', { for: 'sheet-lang', text: t('sheetLang') }), sel]);
  }
  /* "14:05", in this computer's time zone, of an ISO 8601 time. */
  function clock(iso) {
    var d = new Date(iso);
    return isNaN(d) ? String(iso).slice(11, 16) : d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' });
  }
  /* The words of a sheet's territory answer by its code: a territory's name, or the territory question's own
   * choice ("J'habite une autre commune"); "" when the sheet has none (the operators' form has several). */
  function territoryName(f, code) {
    var found = '';
    if (code) f.fields.forEach(function (fd) {
      if (!found && fd.q && fd.q.type === 'territory' && fd.choices)
        fd.choices.forEach(function (c) { if (!found && c.code === code) found = c.text || code; });
    });
    return found || code || '';
  }
  /* The sheets this person typed today (GET …/paper/mine), under the entry screen: number, territory, time,
   * language and where the sheet stands (a second entry or a reconciliation may have come from elsewhere since). */
  function renderMine(f, list) {
    api('GET', base(f) + '/mine').then(function (r) {
      if (r.status !== 200 || !list.isConnected) return;
      var rows = r.body.sheets || [];
      list.textContent = '';
      list.setAttribute('data-loaded', '');
      if (!rows.length) return list.appendChild(el('li', { class: 'none', text: t('mineNone') }));
      rows.forEach(function (x) {
        var terr = territoryName(f, x.territory);
        list.appendChild(el('li', { 'data-paper': x.paper_id, 'data-entry': String(x.entry), 'data-status': x.status }, [
          t('mineLine', { id: x.paper_id, terr: terr ? ' (' + terr + ')' : '', n: x.entry, at: clock(x.received_at),
            lang: langName(x.lang), x: STATUS[x.status] ? t(STATUS[x.status]) : x.status })]));
      });
    }, function () { /* the list is a convenience: the entry screen works without it */ });
  }
  /* Back to this tab: the day's list again (another mediator may have typed a second entry meanwhile). */
  doc.addEventListener('visibilitychange', function () {
    if (doc.visibilityState === 'visible' && at === 'entry' && current && $('mine')) renderMine(current, $('mine'));
  });
  var inputs = [];              /* the entry screen's inputs, by field index (null for notes) */

  function renderEntry() {
    var f = current;
    if (!f) return renderForms();
    show('entry');
    var sheet = sheetOf(f);
    inputs = [];
    var h = el('h1', { text: t('entryTitle', { x: tx(f.def.title) }) });
    var help = el('p', { class: 'hint', id: 'entry-help' }, rich('entryHelp'));
    var box = el('div', { class: 'fields', id: 'fields' });
    var lastSection = -1, group = null;
    f.fields.forEach(function (fd) {
      var q = fd.q;
      if (q && q.section !== lastSection) {
        lastSection = q.section;
        var sec = f.form.sections[q.section];
        box.appendChild(el('h2', { class: 'sec', id: 'sec-' + sec.id, text: tx(sec.title) }));
      }
      if (fd.kind === 'choice' && fd.row) {
        if (fd.rowIndex === 0) {
          group = el('fieldset', { class: 'grid', 'data-q': q.id }, [el('legend', {}, [
            el('span', { class: 'num', text: fd.num + '.' }), el('span', { class: 'qid', text: q.id }), el('span', { text: tx(q.label) })])]);
          box.appendChild(group);
        }
        group.appendChild(fieldRow(fd, sheet));
      } else box.appendChild(fieldRow(fd, sheet));
    });
    var save = el('button', { type: 'button', class: 'primary', id: 'save', 'aria-keyshortcuts': 'Control+Enter' }, rich('save'));
    save.addEventListener('click', function () { saveSheet(); });
    save.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowUp' || e.key === 'Tab' && e.shiftKey) { e.preventDefault(); move(f.fields.length, -1); }
    });
    var hist = el('section', { class: 'card history', 'aria-labelledby': 'hist-h' }, [
      el('h2', { id: 'hist-h', text: t('history') }),
      el('ol', { id: 'history' }, done.map(function (x) { return el('li', { text: x }); }))
    ]);
    screen.appendChild(el('section', { class: 'card entry', id: 'entry' }, [h, help, langField(f, sheet), box,
      el('div', { class: 'actions' }, [save])]));
    screen.appendChild(hist);
    var mine = el('ol', { id: 'mine' });
    screen.appendChild(el('section', { class: 'card history', 'aria-labelledby': 'mine-h' }, [
      el('h2', { id: 'mine-h', text: t('mineTitle') }), mine]));
    renderMine(f, mine);
    refresh();
    var first = 0;
    if (sheet.resumeAt != null && inputs[sheet.resumeAt] && !inputs[sheet.resumeAt].disabled) first = sheet.resumeAt;
    focusField(first);
  }

  function fieldRow(fd, sheet) {
    var q = fd.q, id = fd.id;
    if (fd.kind === 'note') {
      inputs[fd.index] = null;
      return el('p', { class: 'note', id: id + '-row', 'data-key': fd.key }, [el('span', { class: 'qid', text: q.id }), tx(q.label)]);
    }
    var labelKids = fd.kind === 'sheet' ? [el('span', { class: 'num' }), el('span', { class: 'lab', text: t('sheet') })]
      : fd.row ? [el('span', { class: 'num', text: fd.num + '.' + fd.row.paper }), el('span', { class: 'lab', text: tx(fd.row.label) })]
      : [el('span', { class: 'num', text: fd.num + '.' }), el('span', { class: 'qid', text: q.id }), el('span', { class: 'lab', text: tx(q.label) })];
    var kindHint = fd.kind === 'multi' ? (q.maxSelected ? t('hintMultiMax', { n: q.maxSelected }) : t('hintMulti'))
      : fd.kind === 'date' ? t('hintDate') : fd.kind === 'number' ? (q.type === 'integer' ? t('hintInteger') : t('hintNumber'))
      : fd.kind === 'text' ? t('hintText') : fd.kind === 'sheet' ? t('hintSheet') : '';
    var long = q && q.type === 'long_text';
    var input = el(long ? 'textarea' : 'input', {
      id: id, name: fd.key, type: long ? null : 'text', autocomplete: 'off', spellcheck: fd.kind === 'text' ? null : 'false',
      inputmode: fd.kind === 'choice' || fd.kind === 'number' || fd.kind === 'date' ? (q && q.type === 'decimal' ? 'decimal' : 'numeric') : null,
      maxlength: fd.kind === 'sheet' ? '20' : fd.kind === 'text' ? String(q.maxLength) : null,
      rows: long ? '2' : null, class: 'in in-' + fd.kind, 'aria-describedby': id + '-val ' + id + '-err' + (fd.kind === 'choice' || fd.kind === 'multi' ? ' ' + id + '-choices' : ''),
      'aria-required': fd.kind === 'sheet' || q && q.required ? 'true' : null, 'data-key': fd.key
    });
    input.value = sheet.texts[fd.key] || '';
    inputs[fd.index] = input;
    input.addEventListener('input', function () { onInput(fd); });
    input.addEventListener('keydown', function (e) { onKey(e, fd); });
    input.addEventListener('focus', function () { sheet.resumeAt = fd.index; });
    var row = el('div', { class: 'field f-' + fd.kind, id: id + '-row', 'data-key': fd.key }, [
      el('label', { for: id, class: 'flabel' }, labelKids),
      el('div', { class: 'fin' }, [input, kindHint ? el('span', { class: 'kind', text: kindHint }) : null]),
      el('span', { class: 'val', id: id + '-val' }),
      el('p', { class: 'err', id: id + '-err' })
    ]);
    if (fd.kind === 'choice' || fd.kind === 'multi')
      row.appendChild(el('p', { class: 'choices', id: id + '-choices', text: choiceList(fd) }));
    if (q && q.relevantSrc) row.classList.add('conditional');
    return row;
  }

  /* The answers as typed: valid values of the fields, skipped questions removed (pruneHidden). */
  function typedAnswers(f) {
    var a = {};
    f.fields.forEach(function (fd) {
      var input = inputs[fd.index];
      if (!input || fd.kind === 'sheet' || fd.kind === 'note') return;
      var p = parse(fd, input.value);
      if (p.value === undefined) return;
      if (fd.row) (a[fd.q.id] = a[fd.q.id] || {})[fd.row.code] = p.value;
      else a[fd.key] = p.value;
    });
    return E.pruneHidden(f.form, a, today());
  }

  /* Greys and disables the fields that skip logic hides, given what is typed. */
  function refresh() {
    var f = current, rel = E.check(f.form, typedAnswers(f), today()).relevant;
    f.fields.forEach(function (fd) {
      if (fd.kind === 'sheet') return;
      var on = rel[fd.q.id] === true, row = $(fd.id + '-row'), input = inputs[fd.index];
      if (!row) return;
      row.classList.toggle('skipped', !on);
      if (input) {
        input.disabled = !on;
        if (!on) setError(fd, '');
      }
    });
    f.fields.forEach(function (fd) { if (inputs[fd.index]) showValue(fd); });
  }

  function setError(fd, msg) {
    var e = $(fd.id + '-err'), input = inputs[fd.index];
    if (!e) return;
    e.textContent = msg || '';
    if (input) {
      if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    }
    $(fd.id + '-row').classList.toggle('invalid', !!msg);
  }
  function showValue(fd) {
    var input = inputs[fd.index], v = $(fd.id + '-val');
    if (!input || !v) return;
    if (input.disabled) { v.textContent = fd.kind === 'sheet' ? '' : t('skipped'); return; }
    var p = parse(fd, input.value);
    v.textContent = p.show || '';
  }

  function onInput(fd) {
    var f = current, input = inputs[fd.index], sheet = sheetOf(f);
    sheet.texts[fd.key] = input.value;
    var s = input.value.trim();
    var p = parse(fd, input.value);
    /* a number that no choice starts with is refused at once */
    if (fd.kind === 'choice' && s && p.value === undefined && (!/^\d+$/.test(s) || !couldBe(fd, s))) setError(fd, p.error);
    else setError(fd, '');
    refresh();
    if (fd.kind === 'choice' && p.value !== undefined && !ambiguous(fd, s)) leave(fd.index, +1);
  }

  /* What the form says of the field's value, given everything typed before it: null when it is fine. */
  function fieldError(fd) {
    var f = current, input = inputs[fd.index], p = parse(fd, input.value);
    if (p.error) return p.error;
    if (fd.kind === 'sheet') return p.empty ? t('sheetRequired') : null;
    var errs = E.check(f.form, typedAnswers(f), today()).errors.filter(function (e) {
      return e.question === fd.q.id && (!fd.row || e.row == null || e.row === fd.row.code);
    });
    return errs.length ? message(errs[0]) : null;
  }

  /* Leaves field i towards dir: forwards only when the value is accepted. */
  function leave(i, dir) {
    var fd = current.fields[i];
    if (dir > 0) {
      var msg = fieldError(fd);
      if (msg) {
        setError(fd, msg);
        inputs[i].focus();
        say(msg, 'err');
        return false;
      }
      setError(fd, '');
    }
    move(i, dir);
    return true;
  }
  function move(i, dir) {
    var n = current.fields.length;
    for (var j = i + dir; j >= 0 && j < n; j += dir)
      if (inputs[j] && !inputs[j].disabled) return focusField(j);
    if (dir > 0) $('save').focus();
  }
  function focusField(j) {
    var input = inputs[j];
    if (!input) return;
    input.focus();
    if (input.select) input.select();
  }

  function onKey(e, fd) {
    var i = fd.index, input = inputs[i], long = input.tagName === 'TEXTAREA';
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var msg = fieldError(fd);
      if (msg) { setError(fd, msg); say(msg, 'err'); return; }
      saveSheet();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.altKey || e.key === 'Tab' && !e.shiftKey && !e.ctrlKey && !e.altKey ||
        e.key === 'ArrowDown' && !(long && /\n/.test(input.value))) {
      e.preventDefault();
      leave(i, +1);
    } else if (e.key === 'Tab' && e.shiftKey || e.key === 'ArrowUp' && !(long && /\n/.test(input.value))) {
      if (i === 0 && e.key === 'Tab') return; /* Maj+Tab on the first field goes to the menu */
      e.preventDefault();
      move(i, -1);
    }
  }

  var saving = false;
  function saveSheet() {
    var f = current;
    if (saving || at !== 'entry' || !f) return;
    var sheet = sheetOf(f);
    /* every field, in order: the first one refused keeps the focus */
    var firstBad = null;
    f.fields.forEach(function (fd) {
      var input = inputs[fd.index];
      if (!input || input.disabled) return;
      var msg = fieldError(fd);
      setError(fd, msg || '');
      if (msg && firstBad == null) firstBad = fd;
    });
    if (firstBad) {
      say(t('notSaved', { x: label(firstBad) }), 'err');
      focusField(firstBad.index);
      return;
    }
    var paperId = parse(f.byKey.paper_id, inputs[0].value).value;
    var body = { paper_id: paperId, uuid: sheet.uuid, form_version: f.def.version, lang: sheet.lang, answers: typedAnswers(f) };
    saving = true;
    say(t('sending', { id: paperId }));
    api('POST', base(f), body).then(function (r) {
      saving = false;
      var j = r.body;
      if (r.status === 200 || r.status === 201) {
        var words = STATUS[j.status] ? t(STATUS[j.status]) : t('stSaved');
        var line = t(r.status === 200 ? 'savedAgain' : 'savedLine', { id: paperId, x: words });
        done.unshift(line);
        lastLang[f.def.id] = sheet.lang;
        sheets[f.def.id] = null;
        say(line, j.status === 'discrepant' ? 'warn' : 'ok');
        renderEntry();
        statusEl.setAttribute('data-status', j.status || '');
        return;
      }
      if (r.status === 422 && Array.isArray(j.errors)) return showServerErrors(f, j.errors);
      var msg = refusal(r.status, j, paperId);
      setError(f.fields[0], msg);
      say(msg, 'err');
      focusField(r.status === 409 ? 0 : (sheet.resumeAt || 0));
    }, function (e) {
      saving = false;
      failed(e);
    });
  }
  function label(fd) {
    return fd.kind === 'sheet' ? t('sheet') : fd.row ? t('labelRow', { n: fd.num, x: tx(fd.row.label) }) : t('labelQ', { n: fd.num, id: fd.q.id });
  }
  function refusal(status, j, paperId) {
    var code = j.code || '';
    if (code === 'sheet_complete') return t('sheetComplete', { id: paperId });
    if (code === 'same_operator') return t('sameOperator', { id: paperId });
    if (code === 'own_entry') return t('ownEntry', { id: paperId });
    if (code === 'uuid_conflict') return t('uuidConflict');
    if (status === 403) return t('forbidden');
    if (status === 429 || status === 503) return t('busy', { status: status });
    return t('refused', { status: status + (code ? ' ' + code : ''), x: j.message || t('unexpected') });
  }
  function showServerErrors(f, errors) {
    var first = null, other = [];
    errors.forEach(function (e) {
      var key = e.row ? e.question + '.' + e.row : e.question, fd = f.byKey[key];
      if (!fd && e.question) fd = f.fields.filter(function (x) { return x.q && x.q.id === e.question && inputs[x.index]; })[0];
      if (fd && inputs[fd.index]) {
        setError(fd, message(e));
        if (!first || fd.index < first.index) first = fd;
      } else other.push((e.question ? e.question + ' : ' : '') + message(e));
    });
    say(other.length ? t('toFixOther', { n: errors.length, x: other.join(' ; ') }) : t('toFix', { n: errors.length }), 'err');
    if (first) focusField(first.index);
  }

  /* ---- reconciliation ---- */
  /* The server shows a discrepant sheet only to a token that typed neither of its entries (the second entry
   * stays blind); it names the sheets this token typed, so that the page can say why they are not offered. */
  function ownNotice(ids) {
    if (!ids.length) return null;
    var one = ids.length === 1, nums = ids.map(function (x) { return t('sheetNo', { id: x }); }).join(', ');
    return el('p', { class: 'ownmsg', id: 'rec-own', text: t(one ? 'ownOne' : 'ownMany', { x: nums }) + ' ' + t('ownWhy') });
  }
  function renderReconcile() {
    var f = current;
    if (!f) return renderForms();
    show('reconcile');
    var h = el('h1', { tabindex: '-1', text: t('recTitle', { x: tx(f.def.title) }) });
    var card = el('section', { class: 'card', id: 'reconcile' }, [h,
      el('p', { class: 'hint', id: 'rec-help' }, rich('recHelp')),
      el('p', { id: 'rec-loading', text: t('recLoading') })]);
    screen.appendChild(card);
    h.focus();
    api('GET', base(f) + '/discrepancies').then(function (r) {
      if (at !== 'reconcile' || current !== f) return;
      var ld = $('rec-loading');
      if (r.status !== 200) {
        ld.textContent = refusal(r.status, r.body, '');
        return;
      }
      var list = r.body.sheets || [], own = ownNotice(r.body.typed_by_you || []);
      ld.textContent = list.length ? t('recCount', { n: list.length }) : t(own ? 'recNoneYou' : 'recNone');
      if (own) ld.parentNode.insertBefore(own, ld.nextSibling);
      list.forEach(function (s, k) { card.appendChild(recSheet(f, s, k)); });
      var firstIn = card.querySelector('input.in');
      if (firstIn) { firstIn.focus(); }
    }, function (e) {
      if (e && !e.unauthorized) $('rec-loading').textContent = t('serverDown', { x: e.message || e });
    });
  }

  /* The value of an export column ("R07", "R23.pmi") in a set of answers. */
  function columnValue(answers, field) {
    if (!answers) return undefined;
    if (Object.prototype.hasOwnProperty.call(answers, field)) return answers[field];
    var dot = field.indexOf('.');
    if (dot < 0) return undefined;
    var g = answers[field.slice(0, dot)];
    return g && typeof g === 'object' && !Array.isArray(g) ? g[field.slice(dot + 1)] : undefined;
  }
  /* A difference's value as the API gives it (first/second), in the answers' JSON shape. */
  function normalize(fd, v) {
    if (v === null || v === undefined || v === '') return undefined;
    if (fd && fd.kind === 'multi' && typeof v === 'string') return v.split(';').filter(Boolean);
    if (fd && (fd.kind === 'number' || fd.q && fd.q.type === 'scale') && typeof v === 'string' && v.trim() !== '' && isFinite(Number(v))) return Number(v);
    return v;
  }
  /* Whether two answer values are the same (both undefined: no answer). */
  function sameValue(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  /* A value in words: "2 Non", "1 Français + 2 Arabe", "15/03/2024", "(pas de réponse)". */
  function valueText(fd, v) {
    if (v === undefined) return t('noAnswer');
    if (!fd) return JSON.stringify(v);
    var one = function (code) {
      var c = (fd.choices || []).filter(function (x) { return x.code === code; })[0];
      return c ? c.paper + ' ' + (c.text || '') : String(code);
    };
    if (fd.kind === 'choice') return one(v).trim();
    if (fd.kind === 'multi') return (Array.isArray(v) ? v : [v]).map(one).join(' + ');
    if (fd.kind === 'date' && typeof v === 'string' && v.length === 10) return v.slice(8, 10) + '/' + v.slice(5, 7) + '/' + v.slice(0, 4);
    return '« ' + String(v) + ' »';
  }
  function fieldTitle(fd, field) {
    if (!fd) return field;
    if (fd.isLang) return t('sheetLang');
    return fd.row ? fd.num + '. ' + fd.q.id + ' — ' + tx(fd.q.label) + ' — ' + tx(fd.row.label) : fd.num + '. ' + fd.q.id + ' — ' + tx(fd.q.label);
  }

  var REASON_MAX = 500;         /* the server's limit for a reason, in characters */
  var NO_REASON = t('noReason');

  /* One difference of a sheet: the decision typed in `input` (1, 2 or =value) and, for a third value, the reason
   * typed in `reason`, whose row shows only then. */
  function recField(r, n, nav) {
    var id = r.id, fd = r.fd, d = r.d, input = r.input;
    var reason = el('input', { id: id + '-why', type: 'text', class: 'in why', autocomplete: 'off', maxlength: String(REASON_MAX),
      'aria-describedby': id + '-why-err', 'aria-required': 'true', 'data-reason': d.field });
    var whyRow = el('div', { class: 'why-row', id: id + '-why-row', hidden: true }, [
      el('label', { for: id + '-why', text: t('reason') }), reason,
      el('p', { class: 'err', id: id + '-why-err' })]);
    r.reason = reason;
    r.whyRow = whyRow;
    function refresh() {
      var c = decide(r);
      $(id + '-val').textContent = c.show || '';
      $(id + '-err').textContent = c.error && input.value.trim() !== '=' ? c.error : '';
      whyRow.hidden = c.source !== 'third';
      return c;
    }
    input.addEventListener('input', function () {
      var c = refresh();
      if ((input.value.trim() === '1' || input.value.trim() === '2') && !c.error) nav(n, +1);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); nav.save(); }
      else if (e.key === 'Enter' || e.key === 'Tab' && !e.shiftKey || e.key === 'ArrowDown') {
        e.preventDefault();
        var c = refresh();
        if (c.error) { $(id + '-err').textContent = c.error; return; }
        if (c.source === 'third') reason.focus(); else nav(n, +1);
      } else if (e.key === 'Tab' && e.shiftKey || e.key === 'ArrowUp') {
        if (n === 0) return;
        e.preventDefault();
        nav(n, -1);
      }
    });
    reason.addEventListener('input', function () { if (reason.value.trim()) $(id + '-why-err').textContent = ''; });
    reason.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); nav.save(); }
      else if (e.key === 'Enter' || e.key === 'Tab' && !e.shiftKey || e.key === 'ArrowDown') {
        e.preventDefault();
        if (!reason.value.trim()) { $(id + '-why-err').textContent = NO_REASON; return; }
        nav(n, +1);
      } else if (e.key === 'Tab' && e.shiftKey || e.key === 'ArrowUp') {
        e.preventDefault();
        input.focus();
      }
    });
    return el('div', { class: 'field rec-field', 'data-field': d.field }, [
      el('label', { for: id, class: 'flabel', text: fieldTitle(fd, d.field) }),
      el('p', { class: 'opts', id: id + '-opts' }, [
        el('span', { class: 'opt' }, rich('opt1', { x: valueText(fd, r.v1) })),
        el('span', { class: 'opt' }, rich('opt2', { x: valueText(fd, r.v2) })),
        el('span', { class: 'opt' }, rich('opt3'))
      ]),
      el('div', { class: 'fin' }, [input]),
      el('span', { class: 'val', id: id + '-val' }),
      el('p', { class: 'err', id: id + '-err' }),
      whyRow
    ]);
  }

  /* The sheet's language as a field of the reconciliation screen: a choice of the form's languages, numbered 1, 2…
   * in the form's order as a choice is on paper (=2 is the form's second language). */
  function langFd(f) {
    return { key: 'lang', kind: 'choice', isLang: true,
      choices: f.def.languages.map(function (l, i) { return { code: l, paper: i + 1, text: langName(l) }; }) };
  }
  /* Entry e's (1 or 2) value of a difference's field: the language is the entry's, not an answer. */
  function entryValue(entries, e, field) {
    var x = entries[e - 1] || {};
    return field === 'lang' ? x.lang : columnValue(x.answers, field);
  }

  function recSheet(f, s, k) {
    var entries = s.entries || [], diffs = s.differences || [], rows = [], pid = String(s.paper_id);
    var sec = el('section', { class: 'rec', id: 'rec-' + k, 'data-paper': pid, 'aria-labelledby': 'rec-' + k + '-h' }, [
      el('h2', { id: 'rec-' + k + '-h', text: t('recSheet', { id: pid }) }),
      el('p', { class: 'hint', text: entries.length >= 2 ? t('recWho', { a: entries[0].entered_by, b: entries[1].entered_by }) : '' })
    ]);
    var errBox = el('p', { class: 'err', id: 'rec-' + k + '-err', role: 'alert' });
    var btn = el('button', { type: 'button', class: 'primary', id: 'rec-' + k + '-save', 'aria-keyshortcuts': 'Control+Enter' },
      rich('recSave', { id: pid }));
    /* Moves from difference n to the next (dir +1: its decision) or the previous one (dir -1: its reason when it
     * has one, else its decision); past the last, to the save button. */
    function nav(n, dir) {
      var j = n + dir;
      if (j >= rows.length) btn.focus();
      else if (j >= 0 && dir < 0 && !rows[j].whyRow.hidden) rows[j].reason.focus();
      else if (j >= 0) { rows[j].input.focus(); rows[j].input.select(); }
    }
    nav.save = saveRec;
    diffs.forEach(function (d, n) {
      var fd = d.field === 'lang' ? langFd(f) : f.byKey[d.field], id = 'rec-' + k + '-' + n;
      var r = { d: d, fd: fd, id: id,
        v1: entries.length >= 2 ? entryValue(entries, 1, d.field) : normalize(fd, d.first),
        v2: entries.length >= 2 ? entryValue(entries, 2, d.field) : normalize(fd, d.second),
        input: el('input', { id: id, type: 'text', class: 'in', autocomplete: 'off', spellcheck: 'false',
          'aria-describedby': id + '-opts ' + id + '-val ' + id + '-err', 'data-field': d.field }) };
      rows.push(r);
      var row = recField(r, n, nav);
      if (fd && fd.isLang) {   /* the languages' numbers, for a third value */
        row.querySelector('.opts').after(el('p', { class: 'choices', id: id + '-choices', text: choiceList(fd) }));
        r.input.setAttribute('aria-describedby', r.input.getAttribute('aria-describedby') + ' ' + id + '-choices');
      }
      sec.appendChild(row);
    });
    btn.addEventListener('click', saveRec);
    btn.addEventListener('keydown', function (e) {
      if ((e.key === 'ArrowUp' || e.key === 'Tab' && e.shiftKey) && rows.length) {
        e.preventDefault();
        var last = rows[rows.length - 1];
        (last.whyRow.hidden ? last.input : last.reason).focus();
      }
    });
    sec.appendChild(errBox);
    sec.appendChild(el('div', { class: 'actions' }, [btn]));
    var busy = false;
    /* The decided answers: entry 1's, with each difference as decided; reasons go with third values only. The
     * sheet's language goes apart (lang); undefined when the entries agree on it, so the server keeps theirs. */
    function collect() {
      var answers = JSON.parse(JSON.stringify(entries[0].answers || {})), reasons = {}, bad = null, lang;
      rows.forEach(function (r) {
        var c = decide(r);
        if (c.error) { $(r.id + '-err').textContent = c.error; if (!bad) bad = r.input; return; }
        if (c.source === 'third') {
          if (!r.reason.value.trim()) { $(r.id + '-why-err').textContent = NO_REASON; if (!bad) bad = r.reason; return; }
          reasons[r.d.field] = r.reason.value.trim();
        }
        if (r.d.field === 'lang') lang = c.value; else apply(answers, r.d.field, c.value);
      });
      return { answers: answers, reasons: reasons, bad: bad, lang: lang };
    }
    function saveRec() {
      if (busy) return;
      if (entries.length < 2) { errBox.textContent = t('recNoEntries'); return; }
      var got = collect();
      if (got.bad) { got.bad.focus(); errBox.textContent = t('recUndecided'); return; }
      var errs = E.check(f.form, got.answers, today()).errors;
      if (errs.length) {
        errBox.textContent = t('recInconsistent', { x: errs.map(function (e) { return e.question + ' : ' + message(e); }).join(' ; ') });
        var target = rows.filter(function (r) { return r.d.field.split('.')[0] === errs[0].question; })[0] || rows[0];
        if (target) target.input.focus();
        return;
      }
      errBox.textContent = '';
      busy = true;
      say(t('recSending', { id: pid }));
      var body = { answers: got.answers };
      if (got.lang) body.lang = got.lang;
      if (Object.keys(got.reasons).length) body.reasons = got.reasons;
      api('POST', base(f) + '/' + encodeURIComponent(pid) + '/reconcile', body).then(function (res) {
        busy = false;
        if (res.status === 200 || res.status === 201) return saved();
        refused(res);
      }, function (e) {
        busy = false;
        failed(e);
      });
    }
    function saved() {
      sec.classList.add('done');
      sec.textContent = '';
      sec.appendChild(el('h2', { id: 'rec-' + k + '-h', text: t('recSheet', { id: pid }) }));
      sec.appendChild(el('p', { class: 'okmsg', text: t('recDone') }));
      var line = t('recDoneLine', { id: pid });
      done.unshift(line);
      say(line, 'ok');
      var nextIn = $('reconcile').querySelector('section.rec:not(.done) input.in');
      if (nextIn) nextIn.focus(); else { $('reconcile').querySelector('h1').focus(); }
    }
    /* A refusal: the fields the server names get their message; the sheet's box says it all. */
    function refused(res) {
      var j = res.body, first = null;
      if (res.status === 422 && Array.isArray(j.errors)) {
        errBox.textContent = t('refused422') + ' ' + j.errors.map(function (e) {
          var r = rows.filter(function (x) { return x.d.field === e.field; })[0];
          if (r) { $(r.id + '-err').textContent = message(e); if (!first) first = r.input; }
          return (e.field || e.question + (e.row ? '.' + e.row : '')) + ' : ' + message(e);
        }).join(' ; ') + '.';
      } else errBox.textContent = refusal(res.status, j, pid);
      say(errBox.textContent, 'err');
      if (first || rows.length) (first || rows[0].input).focus();
    }
    return sec;
  }
  /* The decision typed for a difference: {value, source: 'first' | 'second' | 'third', show} (value undefined:
   * no answer), or {error}. A value typed after = that is one of the entries' counts as that entry's. */
  function decide(r) {
    var s = r.input.value.trim();
    if (s === '') return { error: t('recEmpty') };
    var p = null;
    if (s !== '1' && s !== '2') {
      if (s.charAt(0) !== '=') return { error: t('recBad') };
      if (!r.fd) return { error: t('recUnknownField') };
      p = parse(r.fd, s.slice(1));
      if (p.error) return { error: p.error };
    }
    if (s === '1' || p && sameValue(p.value, r.v1)) return { value: r.v1, source: 'first', show: '→ saisie 1 : ' + valueText(r.fd, r.v1) };
    if (s === '2' || sameValue(p.value, r.v2)) return { value: r.v2, source: 'second', show: '→ saisie 2 : ' + valueText(r.fd, r.v2) };
    return { value: p.value, source: 'third', show: t('recOther', { x: valueText(r.fd, p.value) }) };
  }
  function apply(answers, field, v) {
    var dot = field.indexOf('.');
    if (dot < 0 || Object.prototype.hasOwnProperty.call(answers, field)) {
      if (v === undefined) delete answers[field]; else answers[field] = v;
      return;
    }
    var q = field.slice(0, dot), row = field.slice(dot + 1);
    var g = answers[q] && typeof answers[q] === 'object' ? answers[q] : {};
    if (v === undefined) delete g[row]; else g[row] = v;
    if (Object.keys(g).length) answers[q] = g; else delete answers[q];
  }

  /* ---- menu and shortcuts ---- */
  $('menu').setAttribute('aria-label', t('menu'));
  [['nav-entry', 'menuEntry'], ['nav-reconcile', 'menuReconcile'], ['nav-forms', 'menuForms'], ['nav-signout', 'signout']]
    .forEach(function (x) { var b = $(x[0]); b.textContent = ''; rich(x[1]).forEach(function (n) { b.append(n); }); });
  $('nav-entry').addEventListener('click', function () { renderEntry(); });
  $('nav-reconcile').addEventListener('click', function () { renderReconcile(); });
  $('nav-forms').addEventListener('click', function () { renderForms(); });
  $('nav-signout').addEventListener('click', function () {
    sheets = {};
    /* The server ends the session and clears the cookie; the page forgets it whatever the answer. */
    api('DELETE', '/api/v1/session', undefined, true).catch(function () {}).then(function () {
      signOut(t('signedOut'));
    });
  });
  doc.addEventListener('keydown', function (e) {
    if (at === 'signin' && e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.defaultPrevented && $('signin')) {
      e.preventDefault();   /* the token field does it itself; this is for the focus anywhere else */
      $('signin').requestSubmit();
      return;
    }
    if (!signed || at === 'signin') return;
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      /* the letter as the layout gives it; with a Mac's Option key, the physical key */
      var k = /^[a-z]$/i.test(e.key) ? e.key.toLowerCase() : String(e.code || '').replace(/^Key/, '').toLowerCase();
      if (k === 's') { e.preventDefault(); renderEntry(); }
      else if (k === 'r') { e.preventDefault(); renderReconcile(); }
      else if (k === 'q') { e.preventDefault(); renderForms(); }
      else if (k === 'l' && at === 'entry' && $('sheet-lang')) { e.preventDefault(); $('sheet-lang').focus(); }
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
      /* Ctrl+Entrée validates whatever screen is shown, wherever the focus is */
      e.preventDefault();
      if (at === 'entry') saveSheet();
      else if (at === 'reconcile') saveFocusedSheet();
      else if (at === 'forms') {
        var b = doc.activeElement && doc.activeElement.closest && doc.activeElement.closest('#screen button');
        (b || screen.querySelector('button')).click();
      }
    }
  });
  /* On the reconciliation screen: the sheet that holds the focus, or the first one left to reconcile. */
  function saveFocusedSheet() {
    var a = doc.activeElement, sec = a && a.closest ? a.closest('section.rec:not(.done)') : null;
    sec = sec || screen.querySelector('section.rec:not(.done)');
    var btn = sec && sec.querySelector('button.primary');
    if (btn) btn.click();
  }
  /* Closing the tab with a sheet half typed asks first. */
  window.addEventListener('beforeunload', function (e) {
    var dirty = Object.keys(sheets).some(function (k) {
      var s = sheets[k];
      return s && Object.keys(s.texts).some(function (x) { return s.texts[x]; });
    });
    if (dirty) { e.preventDefault(); e.returnValue = ''; }
  });

  if (!FORMS.length) {
    screen.textContent = '';
    screen.appendChild(el('p', { class: 'card', text: t('noForms') }));
  } else if (hinted()) {
    /* Signed in on this device before: the session, if it still lives, gives back its CSRF secret. */
    api('GET', '/api/v1/session', undefined, true).then(function (r) {
      if (r.status === 200) { signedIn(r.body); afterSignin(); } else signOut(r.status === 401 ? t('expired') : '');
    }, function (e) { signOut(t('serverDown', { x: e && e.message || e })); });
  } else renderSignin();
})();
