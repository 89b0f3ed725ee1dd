/* app.js -- the residents' form page: language and notice, screens that pack several short questions (and
 * short sections) together, grids asked one row at a time on a phone, skip logic and validation by the form's
 * own rules (FormEngine, engine.js), the browser's back and forward buttons moving between screens, a draft that
 * survives reloads (localStorage), an outbox in IndexedDB that keeps every finished questionnaire on the phone
 * until the collector has acknowledged it, and "Mes réponses": every receipt of this phone. Nothing is sent
 * anywhere but the collector that served the page. */
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
    (kids || []).forEach(function (c) { if (c) n.appendChild(c); });
    return n;
  }

  /* ---- errors reach the page, never silently lost ---- */
  function fatal(msg) {
    var f = $('fatal');
    f.textContent = t('error') + ' ' + msg;
    f.hidden = false;
  }
  window.addEventListener('error', function (e) { fatal(e.message || String(e)); });
  window.addEventListener('unhandledrejection', function (e) { fatal(String(e.reason && e.reason.message || e.reason)); });

  /* ---- the page's own words: forms/pages.json, cut by the collector to this form's languages (French filling
   * what a language lacks), with each language's name, writing direction and speech voice ---- */
  var PAGES = JSON.parse($('ui').textContent);
  var UI = PAGES.strings;
  function langInfo(l) { return PAGES.languages[l] || { name: l, dir: 'ltr' }; }
  function isRtl(l) { return langInfo(l).dir === 'rtl'; }

  /* ---- the form ---- */
  var DEF = JSON.parse($('form-def').textContent);
  var TERR = JSON.parse($('territories').textContent);
  var form = E.loadForm(DEF, { territories: TERR });
  var raw = {};           /* question id -> its definition, choice lists resolved */
  DEF.sections.forEach(function (s) {
    s.questions.forEach(function (q) {
      var c = typeof q.choices === 'string' ? DEF.choice_lists[q.choices] : q.choices;
      raw[q.id] = Object.assign({}, q, { choices: c || [] });
    });
  });
  /* A screen holds questions until they would fill about two heights of a 360 x 640 phone: SCREEN_ROWS rows
   * of about 3 rem (a choice, a field, a question's wording). More would put the end of the screen far below;
   * fewer makes a long path (15 rows: 27 screens for a typical path; 18: 22 with the welcome and send screens).
   * Next stays in view at the bottom whatever the length, and a missed answer is scrolled to (showErrors). */
  var SCREEN_ROWS = 18;
  var narrow = window.matchMedia ? window.matchMedia('(max-width: 40rem)') : { matches: true };
  var query = new URLSearchParams(location.search);
  var DRAFT = 'draft:' + DEF.id + ':' + DEF.version;

  function t(key, n, m) {
    var all = UI || {}, fr = all.fr || {};   /* fatal() may call this before the words are read */
    var s = (all[state && state.lang] || fr)[key] || fr[key] || key;
    return s.split('{n}').join(n == null ? '' : n).split('{m}').join(m == null ? '' : m);
  }
  /* A territory's name in the resident's language (territories.json may give translations or
   * transliterations), its French name otherwise. */
  function terrName(x) { return (x.names && x.names[state.lang]) || x.name; }
  function tx(map) { return E.text ? E.text(map, state.lang) : (map && (map[state.lang] || map.fr)) || ''; }
  var today = E.today, uuid4 = E.uuid4;

  /* ---- state: the questionnaire in progress, kept across reloads ---- */
  function fresh() {
    var s = { uuid: uuid4(), started: new Date().toISOString(), lang: null, at: 'welcome', answers: {}, text: {} };
    var ql = query.get('lang');
    if (ql && DEF.languages.indexOf(ql) >= 0) s.lang = ql;
    var tq = query.get('t'), tquestion = form.questions.filter(function (q) { return q.type === 'territory' && !raw[q.id].multiple; })[0];
    if (tq && tquestion && (TERR.some(function (x) { return x.code === tq; }))) s.answers[tquestion.id] = tq;
    return s;
  }
  var state;
  try { state = JSON.parse(localStorage.getItem(DRAFT)); } catch (e) { state = null; }
  if (!state || !state.uuid) state = fresh();
  if (!state.lang) state.lang = DEF.languages[0];
  function save() { try { localStorage.setItem(DRAFT, JSON.stringify(state)); } catch (e) { /* private mode: no draft */ } }

  function answers() { return E.pruneHidden(form, state.answers, today()); }

  /* What a question takes on a phone, in rows (see SCREEN_ROWS). A grid on a phone shows one row at a time. */
  function rowsOf(q) {
    var r = raw[q.id];
    switch (q.type) {
      case 'single': case 'multiple': return 1 + r.choices.length;
      case 'territory': return 1 + r.choices.length + TERR.length;
      case 'scale': return 3;
      case 'grid': return narrow.matches ? 3 + r.choices.length : 1 + r.rows.length * (1 + r.choices.length);
      case 'long_text': return 4;
      case 'note': return 1;
      default: return 2;
    }
  }
  /* The screens: the visible questions in order, packed while they fit in SCREEN_ROWS (a question larger than
   * that has its screen to itself), short sections sharing a screen, each keeping its title. A hidden question
   * that an answer on the same screen could reveal keeps its room, so that revealing or hiding it never moves
   * the other questions under the resident's finger (conditions look only at earlier questions: the screens
   * before the current one do not change either); one that depends on earlier screens takes no room. A
   * question revealed by the one just before it goes to the next screen with it. Computed answers (type
   * calculate) are never shown. */
  function reveals(q, ids) {
    var rel = String(raw[q.id].relevant || '');
    return ids.some(function (id) { return rel.indexOf('${' + id + '}') >= 0; });
  }
  function screens() {
    var rel = E.check(form, answers(), today()).relevant, out = [], cur = null, ids = [], used = 0;
    form.sections.forEach(function (sec) {
      sec.questions.forEach(function (q) {
        if (q.type === 'calculate' || (!rel[q.id] && !(cur && reveals(q, ids)))) return;
        var n = rowsOf(q), prev = cur && cur.all[cur.all.length - 1];
        if (!cur || used + n > SCREEN_ROWS) {
          var keep = prev && cur.all.length > 1 && reveals(q, [prev.id]);
          if (keep) { cur.all.pop(); if (cur.qs[cur.qs.length - 1] === prev) cur.qs.pop(); }
          cur = { qs: keep && rel[prev.id] ? [prev] : [], all: keep ? [prev] : [] };
          out.push(cur);
          ids = keep ? [prev.id] : [];
          used = keep ? rowsOf(prev) : 0;
        }
        cur.all.push(q);
        ids.push(q.id);
        if (rel[q.id]) cur.qs.push(q);
        used += n;
      });
    });
    return out.filter(function (x) { return x.qs.length; });
  }
  /* The section of a question (form.sections hold the engine's questions). */
  var sectionOf = {};
  form.sections.forEach(function (sec) { sec.questions.forEach(function (q) { sectionOf[q.id] = sec; }); });
  function screenIndex(list) {
    for (var i = 0; i < list.length; i++)
      if (list[i].qs.some(function (q) { return q.id === state.at; })) return i;
    return -1;
  }

  /* ---- rendering ---- */
  var main = $('main');
  function setLang(lang) {
    state.lang = lang;
    doc.documentElement.lang = lang;
    doc.documentElement.dir = isRtl(lang) ? 'rtl' : 'ltr';
    $('brand').textContent = tx(DEF.title);
    doc.title = tx(DEF.title);
    var lb = $('lang-btn');
    lb.textContent = t('lang') + ' : ' + langInfo(lang).name;
    lb.hidden = false;
    var close = $('acked-close');
    if (close) close.textContent = t('close');
  }
  function nav(buttons) {
    return el('nav', { class: 'nav', 'aria-label': t('back') + ' / ' + t('next') }, buttons);
  }
  function focusMain(h) {
    window.scrollTo(0, 0);
    (h || main).focus();
  }

  function render() {
    stopSpeech();
    setLang(state.lang);
    main.textContent = '';
    $('progress').hidden = true;
    $('step').textContent = '';
    syncHistory();
    if (state.at === 'welcome') { renderWelcome(); return mineLink(); }
    if (state.at === 'send') return renderSend();
    if (state.at === 'done') return renderDone();
    if (state.at === 'mine') return renderMine();
    var list = screens(), i = screenIndex(list);
    if (i < 0) { state.at = list.length ? list[0].qs[0].id : 'send'; return render(); }
    renderScreen(list, i);
  }

  /* ---- the browser's back and forward buttons: one history entry per screen shown ----
   * Each entry holds the screen (state.at) and the questionnaire's uuid. An entry of a questionnaire already
   * sent leads to the welcome screen of the new one. Back from the welcome screen leaves the page; the draft
   * stays, as it always has. */
  var popping = false;
  function syncHistory() {
    var h = history.state;
    if (popping) { popping = false; return; }
    var e = { ds: 1, at: state.at, uuid: state.uuid, depth: 0 };
    if (!h || !h.ds) history.replaceState(e, '');
    else if (h.at !== e.at || h.uuid !== e.uuid) { e.depth = h.depth + 1; history.pushState(e, ''); }
  }
  window.addEventListener('popstate', function (e) {
    var h = e.state;
    if (!h || !h.ds) return;
    stopSpeech();
    state.at = h.uuid === state.uuid ? h.at : 'welcome';
    if (state.at === 'done' && h.uuid === state.uuid && !state.last) state.at = 'welcome';
    popping = true;
    save();
    render();
    shownIds = visibleIds();
  });
  /* Back within the page: the browser's own back when the previous entry is one of ours, so that the two
   * buttons walk the same path. */
  function backInHistory() {
    var h = history.state;
    if (h && h.ds && h.depth > 0) { history.back(); return true; }
    return false;
  }

  function renderWelcome() {
    var langs = el('div', { class: 'langs', role: 'group', 'aria-label': t('chooseLang') });
    DEF.languages.forEach(function (l) {
      langs.appendChild(el('button', { type: 'button', lang: l, dir: isRtl(l) ? 'rtl' : 'ltr', 'data-lang': l, 'aria-pressed': String(l === state.lang),
        text: langInfo(l).name, on: { click: function () { setLang(l); save(); render(); } } }));
    });
    var started = !!state.begun;
    var h = el('h1', { tabindex: '-1', text: tx(DEF.title) });
    main.appendChild(el('section', { class: 'card' }, [h, el('h2', { text: t('chooseLang') }), langs]));
    if (DEF.notice) main.appendChild(el('section', { class: 'card notice' }, [el('p', { text: tx(DEF.notice) })]));
    main.appendChild(nav([el('button', { type: 'button', class: 'primary', id: 'start', text: started ? t('resume') : t('start'),
      on: { click: function () { var l = screens(); state.begun = true; state.at = state.resumeAt || (l.length ? l[0].qs[0].id : 'send'); save(); render(); } } })]));
    focusMain(h);
  }

  function progress(i, n) {
    var p = $('progress'), f = $('progress-fill');
    p.hidden = false;
    p.setAttribute('role', 'progressbar');
    p.setAttribute('aria-valuemin', '0');
    p.setAttribute('aria-valuemax', String(n));
    p.setAttribute('aria-valuenow', String(i));
    p.setAttribute('aria-label', t('step', i, n));
    f.style.width = Math.round(100 * i / n) + '%';
    $('step').textContent = t('step', i, n);
  }

  function renderScreen(list, i) {
    var s = list[i], rel = E.check(form, answers(), today()).relevant, card = null, h1 = null, last = null;
    progress(i + 1, list.length + 1);
    s.qs.forEach(function (q) {
      var sec = sectionOf[q.id];
      if (sec !== last) {   /* each section on the screen gets its card and title */
        var h = el(h1 ? 'h2' : 'h1', { tabindex: '-1', text: tx(sec.title) });
        h1 = h1 || h;
        card = el('section', { class: 'card' }, [h]);
        if (sec.intro && q === sec.questions.filter(function (x) { return rel[x.id]; })[0])
          card.appendChild(el('p', { class: 'intro', text: tx(sec.intro) }));
        main.appendChild(card);
        last = sec;
      }
      card.appendChild(renderQuestion(raw[q.id]));
    });
    main.appendChild(nav([
      el('button', { type: 'button', class: 'secondary', id: 'back', text: t('back'), on: { click: function () { go(list, i, -1); } } }),
      el('button', { type: 'button', class: 'primary', id: 'next', text: t('next'), on: { click: function () { go(list, i, 1); } } })
    ]));
    focusMain(h1);
  }

  function speakable(q) {
    var parts = [tx(q.label)];
    if (q.hint) parts.push(tx(q.hint));
    (q.type === 'grid' ? q.rows : []).forEach(function (r) { parts.push(tx(r.label)); });
    choicesOf(q).forEach(function (c) { parts.push(c.text); });
    return parts.join('. ');
  }
  var speaking = null;
  function stopSpeech() { if (window.speechSynthesis && speaking) { speechSynthesis.cancel(); speaking = null; } }
  function listenButton(q) {
    if (!('speechSynthesis' in window) || typeof SpeechSynthesisUtterance === 'undefined') return null;
    var b = el('button', { type: 'button', class: 'listen', 'aria-label': t('listen') + ' : ' + tx(q.label), text: '🔊 ' + t('listen') });
    b.addEventListener('click', function () {
      if (speaking === q.id) { stopSpeech(); b.textContent = '🔊 ' + t('listen'); return; }
      stopSpeech();
      var u = new SpeechSynthesisUtterance(speakable(q));
      u.lang = langInfo(state.lang).speech || state.lang;
      var voices = speechSynthesis.getVoices().filter(function (v) { return v.lang.indexOf(state.lang) === 0; });
      if (voices.length) u.voice = voices[0];
      u.onend = function () { speaking = null; b.textContent = '🔊 ' + t('listen'); };
      speaking = q.id;
      b.textContent = '⏹ ' + t('stop');
      speechSynthesis.speak(u);
    });
    return b;
  }

  /* The choices of a question as {code, text}: territory questions list the territories, then their extras. */
  function choicesOf(q) {
    var out = [];
    if (q.type === 'territory') TERR.forEach(function (x) { out.push({ code: x.code, text: terrName(x) }); });
    q.choices.forEach(function (c) { out.push({ code: c.code, text: tx(c.label), exclusive: c.exclusive }); });
    return out;
  }

  function setAnswer(id, v) {
    if (v === undefined || v === '' || (Array.isArray(v) && !v.length) ||
        (v && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length)) delete state.answers[id];
    else state.answers[id] = v;
    save();
  }

  function renderQuestion(q) {
    var id = 'q-' + q.id, errId = id + '-err', v = state.answers[q.id];
    var isGroup = ['single', 'multiple', 'scale', 'grid', 'territory'].indexOf(q.type) >= 0;
    var wrap = el(isGroup ? 'fieldset' : 'div', { class: 'q', id: id, 'data-q': q.id, 'aria-describedby': errId });
    var title = el(isGroup ? 'legend' : (q.type === 'note' ? 'p' : 'label'), isGroup || q.type === 'note' ? { text: tx(q.label) } : { for: id + '-in', text: tx(q.label) });
    /* a legend must be the fieldset's first child: the listen button goes after it */
    if (isGroup) wrap.appendChild(title);
    wrap.appendChild(el('div', { class: 'qhead' }, [isGroup ? null : title, listenButton(q)]));
    if (q.hint) wrap.appendChild(el('p', { class: 'hint', text: tx(q.hint) }));
    /* the message goes under the wording, not below the choices: where the eye is once the question is in view */
    wrap.appendChild(el('p', { class: 'err', id: errId }));
    var multi = q.type === 'multiple' || (q.type === 'territory' && q.multiple);
    if (q.type === 'single' || q.type === 'multiple' || q.type === 'territory') {
      choicesOf(q).forEach(function (c, k) {
        var checked = multi ? (v || []).indexOf(c.code) >= 0 : v === c.code;
        var input = el('input', { type: multi ? 'checkbox' : 'radio', name: q.id, value: c.code, id: id + '-' + k, checked: checked,
          'aria-describedby': errId });
        input.addEventListener('change', function () {
          if (!multi) return changed(q, c.code);
          var cur = (state.answers[q.id] || []).slice();
          if (input.checked) {
            if (c.exclusive) cur = [];
            else cur = cur.filter(function (x) { return !choicesOf(q).some(function (o) { return o.exclusive && o.code === x; }); });
            cur.push(c.code);
          } else cur = cur.filter(function (x) { return x !== c.code; });
          changed(q, cur, true);
          /* what is ticked on screen is what will be sent: an exclusive choice unticks the others */
          var boxes = wrap.querySelectorAll('input[name="' + q.id + '"]');
          for (var b = 0; b < boxes.length; b++) boxes[b].checked = cur.indexOf(boxes[b].value) >= 0;
        });
        wrap.appendChild(el('label', { class: 'choice', for: id + '-' + k }, [input, el('span', { text: c.text })]));
      });
    } else if (q.type === 'scale') {
      var box = el('div', { class: 'scale' });
      for (var p = q.min; p <= q.max; p++) (function (p) {
        var input = el('input', { type: 'radio', name: q.id, value: String(p), id: id + '-' + p, checked: v === p, 'aria-describedby': errId });
        input.addEventListener('change', function () { changed(q, p); });
        var lab = q.labels && q.labels[p] ? tx(q.labels[p]) : '';
        box.appendChild(el('label', { class: 'choice', for: id + '-' + p }, [input, el('span', { text: String(p) }), lab ? el('span', { class: 'sr', text: lab }) : null]));
      })(p);
      wrap.appendChild(box);
      if (q.labels) wrap.appendChild(el('div', { class: 'scale-labels', 'aria-hidden': 'true' },
        [el('span', { text: q.labels[q.min] ? tx(q.labels[q.min]) : '' }), el('span', { text: q.labels[q.max] ? tx(q.labels[q.max]) : '' })]));
    } else if (q.type === 'grid') {
      renderGrid(q, wrap, id, v || {});
    } else if (q.type === 'note') {
      /* text only */
    } else {
      var long = q.type === 'long_text', num = q.type === 'integer' || q.type === 'decimal';
      var shown = state.text[q.id] !== undefined ? state.text[q.id] : (v === undefined ? '' : String(v));
      var field = el(long ? 'textarea' : 'input', {
        id: id + '-in', name: q.id, type: long ? null : (q.type === 'date' ? 'date' : 'text'),
        inputmode: num ? (q.type === 'integer' ? 'numeric' : 'decimal') : null,
        maxlength: q.max_length || (q.type === 'text' ? 200 : q.type === 'long_text' ? 2000 : null),
        min: q.type === 'date' && q.min ? (q.min === 'today' ? today() : q.min) : null,
        max: q.type === 'date' && q.max ? (q.max === 'today' ? today() : q.max) : null,
        autocomplete: 'off', dir: 'auto', 'aria-describedby': errId
      });
      field.value = shown;
      field.addEventListener('input', function () {
        var s = field.value.trim();
        if (num) {
          var x = Number(s.replace(',', '.'));
          if (s === '') { delete state.text[q.id]; setAnswer(q.id); }
          else if (isFinite(x) && /^-?\d+([.,]\d+)?$/.test(s)) { delete state.text[q.id]; setAnswer(q.id, x); }
          else { state.text[q.id] = field.value; setAnswer(q.id); }
        } else setAnswer(q.id, q.type === 'date' ? s : field.value);
        clearError(q.id);
      });
      field.addEventListener('change', function () { refreshIfSkipChanged(); });
      wrap.appendChild(field);
    }
    return wrap;
  }

  /* A grid: every row in the page (what is ticked is what is sent), but on a phone only one row shows at a
   * time, with large choices, "row n of m" and buttons to the previous and next rows; a tap on a choice moves
   * on to the next row (a choice made with the arrow keys does not, so that keyboard users can browse). */
  var gridAt = {};   /* question id -> the row shown on a phone */
  function renderGrid(q, wrap, id, v) {
    var stepper = narrow.matches && q.rows.length > 1, rows = [];
    if (gridAt[q.id] == null) {   /* start at the first row not answered yet */
      gridAt[q.id] = 0;
      while (gridAt[q.id] < q.rows.length - 1 && v[q.rows[gridAt[q.id]].code] !== undefined) gridAt[q.id]++;
    }
    var count = stepper ? el('p', { class: 'rowcount', id: id + '-count', 'aria-live': 'polite' }) : null;
    var prev = stepper ? el('button', { type: 'button', class: 'secondary rowbtn', id: id + '-rowprev', text: t('rowPrev') }) : null;
    var next = stepper ? el('button', { type: 'button', class: 'secondary rowbtn', id: id + '-rownext', text: t('rowNext') }) : null;
    function show(k) {
      gridAt[q.id] = k;
      rows.forEach(function (fs, j) { fs.hidden = j !== k; });
      count.textContent = t('rowOf', k + 1, q.rows.length);
      prev.disabled = k === 0;
      next.disabled = k === q.rows.length - 1;
    }
    if (count) wrap.appendChild(count);
    var tapped = 0;
    wrap.addEventListener('pointerdown', function () { tapped = Date.now(); });
    q.rows.forEach(function (r, j) {
      var fs = el('fieldset', { class: stepper ? 'row one' : 'row', 'data-row': r.code }, [el('legend', { text: tx(r.label) })]);
      q.choices.forEach(function (c, k) {
        var input = el('input', { type: 'radio', name: q.id + '.' + r.code, value: c.code, id: id + '-' + r.code + '-' + k,
          checked: v[r.code] === c.code, 'aria-describedby': id + '-err' });
        input.addEventListener('change', function () {
          var g = Object.assign({}, state.answers[q.id] || {});
          g[r.code] = c.code;
          /* a tap moves on to the next row; the arrow keys also change a radio group, and must not */
          var on = stepper && j === gridAt[q.id] && j < q.rows.length - 1 && Date.now() - tapped < 1000;
          if (on) show(j + 1);
          changed(q, g, true);
          if (on && wrap.isConnected) rows[j + 1].querySelector('input').focus();
        });
        fs.appendChild(el('label', { class: 'choice', for: id + '-' + r.code + '-' + k }, [input, el('span', { text: tx(c.label) })]));
      });
      rows.push(fs);
      wrap.appendChild(fs);
    });
    if (!stepper) return;
    prev.addEventListener('click', function () { show(gridAt[q.id] - 1); });
    next.addEventListener('click', function () { show(gridAt[q.id] + 1); });
    wrap.appendChild(el('div', { class: 'rownav' }, [prev, next]));
    show(Math.min(gridAt[q.id], q.rows.length - 1));
  }

  function clearError(id) {
    var w = $('q-' + id);
    if (!w) return;
    w.classList.remove('invalid');
    $('q-' + id + '-err').textContent = '';
  }
  var shownIds = '';
  function visibleIds() {
    var list = screens(), i = screenIndex(list);
    return i < 0 ? '' : list[i].qs.map(function (q) { return q.id; }).join(',');
  }
  function refreshIfSkipChanged() {
    var now = visibleIds();
    if (now !== shownIds) { var a = doc.activeElement && doc.activeElement.id; render(); shownIds = visibleIds(); if (a && $(a)) $(a).focus(); }
  }
  function changed(q, v) {
    setAnswer(q.id, v);
    clearError(q.id);
    refreshIfSkipChanged();
  }

  /* Validation of the screen being left, with the form's own rules and messages. */
  function screenErrors(qs) {
    var res = E.check(form, answers(), today()), errs = {};
    var on = {};
    qs.forEach(function (q) { on[q.id] = 1; });
    res.errors.forEach(function (e) {
      if (on[e.question] && !errs[e.question]) errs[e.question] = e;
    });
    qs.forEach(function (q) {
      if (state.text[q.id] !== undefined && !errs[q.id]) errs[q.id] = { question: q.id, code: 'invalid_type', message: t('number') };
    });
    return errs;
  }
  /* The message of an error in the resident's language: the form's own constraint message, or one per code. */
  function messageFor(e) {
    var q = raw[e.question] || {};
    switch (e.code) {
      case 'constraint': return q.constraint_message ? tx(q.constraint_message) : t('invalid');
      case 'required': return t('required');
      case 'too_long': return t('tooLong', q.max_length || (q.type === 'text' ? 200 : 2000));
      case 'invalid_type': return q.type === 'integer' || q.type === 'decimal' ? t('number') : t('invalid');
      case 'invalid_choice':
        return /exclu|combin/.test(e.message) ? t('exclusive') : t('choice');
      case 'out_of_range':
        if (q.type === 'multiple' || q.type === 'territory') return t('maxChoices', q.max_selected);
        if (q.type === 'date') return t('dateRange');
        if (q.min != null && q.max != null) return t('range', q.min, q.max);
        return q.min != null ? t('min', q.min) : t('max', q.max);
      default: return t('invalid');
    }
  }

  /* Marks the faulty questions of the screen. A summary at the top (announced: role=alert) links to each; the
   * first faulty question is brought just under the header and its first field focused, which reads out its
   * message (aria-describedby). Returns whether there was anything to fix. */
  function showErrors(qs) {
    var errs = screenErrors(qs), bad = qs.filter(function (q) { return errs[q.id] && $('q-' + q.id); });
    var old = $('err-summary');
    if (old) old.remove();
    if (!bad.length) return false;
    var ul = el('ul');
    bad.forEach(function (q) {
      var w = $('q-' + q.id);
      w.classList.add('invalid');
      $('q-' + q.id + '-err').textContent = messageFor(errs[q.id]);
      ul.appendChild(el('li', {}, [el('a', { href: '#q-' + q.id, text: tx(raw[q.id].label),
        on: { click: function (e) { e.preventDefault(); reveal(w); } } })]));
    });
    main.insertBefore(el('div', { class: 'errsum', id: 'err-summary', role: 'alert' },
      [el('p', { text: bad.length === 1 ? t('fixOne') : t('fixN', bad.length) }), ul]), main.firstChild);
    reveal($('q-' + bad[0].id));
    return true;
  }
  function reveal(w) {
    w.scrollIntoView({ block: 'start' });   /* .q has a scroll margin the height of the sticky header */
    var f = w.querySelector('input:not([type=hidden]),textarea');
    if (f && !f.offsetParent) f = w.querySelector('fieldset:not([hidden]) input');   /* a grid row shown */
    (f || w).focus({ preventScroll: true });
  }

  function go(list, i, dir) {
    if (dir > 0 && showErrors(list[i].qs)) return;
    if (dir < 0 && backInHistory()) return;
    var list2 = screens(), j = screenIndex(list2);
    if (j < 0) j = i;
    var k = j + dir;
    if (k < 0) state.at = 'welcome', state.resumeAt = list2.length ? list2[0].qs[0].id : null;
    else if (k >= list2.length) state.at = 'send';
    else state.at = list2[k].qs[0].id;
    save();
    render();
    shownIds = visibleIds();
  }

  function renderSend() {
    var list = screens(), n = Object.keys(answers()).length;
    progress(list.length + 1, list.length + 1);
    var h = el('h1', { tabindex: '-1', text: t('reviewTitle') });
    main.appendChild(el('section', { class: 'card' }, [h, el('p', { text: t('review', n) })]));
    main.appendChild(nav([
      el('button', { type: 'button', class: 'secondary', id: 'back', text: t('back'), on: { click: function () {
        if (backInHistory()) return;
        state.at = list.length ? list[list.length - 1].qs[0].id : 'welcome'; save(); render();
      } } }),
      el('button', { type: 'button', class: 'primary', id: 'send', text: t('send'), on: { click: finish } })
    ]));
    focusMain(h);
  }

  /* The finished questionnaire goes to the outbox first, then to the server: it is on the phone before any
   * network is tried, and stays there until the collector has answered 200 or 201. */
  var finishing = false;
  function finish() {
    if (finishing) return; /* a double tap must not store the questionnaire twice or lose its receipt */
    var res = E.check(form, answers(), today());
    if (res.errors.length) {
      var bad = res.errors[0].question, list = screens();
      for (var i = 0; i < list.length; i++)
        if (list[i].qs.some(function (q) { return q.id === bad; })) { state.at = list[i].qs[0].id; render(); return go(list, i, 1); }
    }
    finishing = true;
    var sendBtn = $('send');
    if (sendBtn) sendBtn.disabled = true;
    var rec = { uuid: state.uuid, form: DEF.id, status: 'pending', saved: Date.now(),
      body: { uuid: state.uuid, form_version: DEF.version, lang: state.lang, channel: 'web', started_at: state.started, answers: inFormOrder(answers()) } };
    var lang = state.lang;
    outboxPut(rec).then(function () {
      state = fresh();
      state.lang = lang;
      state.at = 'done';
      state.last = rec.uuid;
      save();
      persist();
      finishing = false;
      render();
      flush();
    }, function (e) { finishing = false; if (sendBtn) sendBtn.disabled = false; fatal(String(e && e.message || e)); });
  }

  function renderDone() {
    var h = el('h1', { tabindex: '-1', text: t('thanks') });
    var card = el('section', { class: 'card', id: 'done' }, [h]);
    main.appendChild(card);
    outboxGet(state.last).then(function (rec) {
      if (rec && rec.status === 'sent') {
        card.appendChild(el('p', { text: t('sent') }));
        card.appendChild(el('p', { class: 'receipt', id: 'receipt', text: rec.receipt }));
      } else if (rec && rec.status === 'rejected') {
        card.appendChild(el('p', { text: t('rejected') + rec.error }));
      } else {
        card.appendChild(el('p', { id: 'saved', text: t('saved') }));
        card.appendChild(el('p', { text: t('savedMine') }));
        var b = notifyButton();
        if (b) card.appendChild(b);
      }
    });
    /* The new questionnaire's button takes the place of "Envoyer": a second tap of a double tap must not land
     * on it and hide the receipt, so it waits a moment before it takes taps. */
    var again = el('button', { type: 'button', class: 'secondary', id: 'again', text: t('again'), disabled: true,
      on: { click: function () { var l = state.lang; state = fresh(); state.lang = l; save(); render(); } } });
    setTimeout(function () { again.disabled = false; }, 1000);
    main.appendChild(nav([el('button', { type: 'button', class: 'secondary', id: 'mine-btn', text: t('mine'), on: { click: openMine } }), again]));
    focusMain(h);
  }

  /* ---- "Mes réponses": every questionnaire sent from this phone, with its receipt and status. The outbox
   * keeps them: a record's answers are dropped as soon as the collector acknowledges them (sendOne), so what
   * stays is its uuid, its date and its receipt, until the resident clears the list. ---- */
  function when(ms) {
    try {
      return new Date(ms).toLocaleString(state.lang + '-u-nu-latn', { dateStyle: 'long', timeStyle: 'short' });
    } catch (e) { return new Date(ms).toLocaleString(); }
  }
  function openMine() {
    if (state.at !== 'mine') state.from = state.at;
    state.at = 'mine';
    save();
    render();
  }
  function mineLink() {
    main.appendChild(el('p', { class: 'minelink' }, [el('button', { type: 'button', class: 'secondary', id: 'mine-btn',
      text: t('mine'), on: { click: openMine } })]));
  }
  function renderMine() {
    var h = el('h1', { tabindex: '-1', text: t('mine') });
    var card = el('section', { class: 'card', id: 'mine' }, [h]);
    main.appendChild(card);
    outboxAll().then(function (all) {
      all = all.filter(function (r) { return r.form === DEF.id; }).sort(function (a, b) { return b.saved - a.saved; });
      if (!all.length) return card.appendChild(el('p', { id: 'mine-empty', text: t('mineEmpty') }));
      var ul = el('ul', { class: 'mine' });
      all.forEach(function (r) {
        ul.appendChild(el('li', { 'data-uuid': r.uuid, 'data-status': r.status }, [
          el('span', { class: 'when', text: when(r.saved) }),
          el('span', { class: 'st st-' + r.status, text: t(r.status === 'sent' ? 'stSent' : r.status === 'pending' ? 'stPending' : 'stRejected') }),
          r.receipt ? el('span', { class: 'receipt small', dir: 'ltr', text: r.receipt }) : null]));
      });
      card.appendChild(ul);
      card.appendChild(el('p', { class: 'hint', text: t('mineHelp') }));
      if (!all.some(function (r) { return r.status !== 'pending'; })) return;
      /* two taps to clear: the list is the resident's only proof of her answers */
      var clear = el('button', { type: 'button', class: 'secondary', id: 'mine-clear', text: t('mineClear') });
      clear.addEventListener('click', function () {
        if (!clear.classList.contains('confirm')) { clear.classList.add('confirm'); clear.textContent = t('mineClearSure'); return; }
        tx2('readwrite', function (st) {
          all.forEach(function (r) { if (r.status !== 'pending') st.delete(r.uuid); });
        }).then(render);
      });
      card.appendChild(clear);
    });
    main.appendChild(nav([el('button', { type: 'button', class: 'secondary', id: 'back', text: t('back'), on: { click: function () {
      if (backInHistory()) return;
      state.at = state.from || 'welcome'; save(); render();
    } } })]));
    focusMain(h);
  }

  /* ---- a queued questionnaire acknowledged while the resident is elsewhere: said in a polite live region
   * (visible too), and in a notification where she allowed them ---- */
  var acked = el('div', { class: 'acked', id: 'acked', hidden: true });
  var live = el('p', { id: 'live', role: 'status', 'aria-live': 'polite' });
  acked.appendChild(live);
  acked.appendChild(el('button', { type: 'button', class: 'secondary', id: 'acked-close', text: t('close'),
    on: { click: function () { acked.hidden = true; live.textContent = ''; } } }));
  $('pending').parentNode.insertBefore(acked, $('pending').nextSibling);
  function announce(rec) {
    var msg = t('ackLive', when(rec.saved), rec.receipt);
    live.textContent = msg;
    acked.hidden = false;
    if (!window.Notification || Notification.permission !== 'granted') return;
    var title = tx(DEF.title), opts = { body: msg, tag: rec.uuid, lang: state.lang, dir: isRtl(state.lang) ? 'rtl' : 'ltr' };
    /* Android's Chrome only shows notifications through the service worker */
    var sw = navigator.serviceWorker ? navigator.serviceWorker.getRegistration() : Promise.resolve(null);
    sw.then(function (reg) {
      if (reg && reg.showNotification) return reg.showNotification(title, opts);
      new Notification(title, opts);   // eslint-disable-line no-new
    }).catch(function () { /* notifications are a courtesy: the live region has said it */ });
  }
  function notifyButton() {
    if (!window.Notification || Notification.permission !== 'default') return null;
    var b = el('button', { type: 'button', class: 'secondary', id: 'notify', text: t('notifyMe') });
    b.addEventListener('click', function () {
      Notification.requestPermission().then(function () { b.remove(); }, function () { b.remove(); });
    });
    return b;
  }

  /* ---- outbox (IndexedDB) ---- */
  var dbp = null;
  function db() {
    if (!dbp) dbp = new Promise(function (ok, ko) {
      var r = indexedDB.open('diagsante', 1);
      r.onupgradeneeded = function () { r.result.createObjectStore('outbox', { keyPath: 'uuid' }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { ko(r.error); };
    });
    return dbp;
  }
  function tx2(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (ok, ko) {
        var x = d.transaction('outbox', mode), st = x.objectStore('outbox'), out;
        var r = fn(st);
        if (r) r.onsuccess = function () { out = r.result; };
        x.oncomplete = function () { ok(out); };
        x.onerror = x.onabort = function () { ko(x.error); };
      });
    });
  }
  function outboxPut(rec) { return tx2('readwrite', function (s) { s.put(rec); }); }
  function outboxGet(id) { return id ? tx2('readonly', function (s) { return s.get(id); }) : Promise.resolve(null); }
  function outboxAll() { return tx2('readonly', function (s) { return s.getAll(); }); }

  function persist() {
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
  }
  function showPending() {
    return outboxAll().then(function (all) {
      var n = all.filter(function (r) { return r.status === 'pending'; }).length, p = $('pending');
      p.hidden = n === 0;
      p.textContent = n === 1 ? t('pending1') : t('pendingN', n);
      return n;
    });
  }

  var flushing = false, delay = 5000, timer = null;
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return outboxAll().then(function (all) {
      var pending = all.filter(function (r) { return r.status === 'pending'; });
      return pending.reduce(function (chain, rec) {
        return chain.then(function () { return sendOne(rec); });
      }, Promise.resolve());
    }).then(function () {
      flushing = false;
      return showPending();
    }, function (e) {
      flushing = false;
      showPending();
      throw e;
    }).then(function (n) {
      if (state.at === 'done' || state.at === 'mine') render();
      clearTimeout(timer);
      if (n > 0) { timer = setTimeout(flush, delay); delay = Math.min(delay * 2, 120000); }
      else delay = 5000;
    });
  }
  /* The body as the collector stores it: keys sorted, no space, the codes of a multiple answer in the form's
   * order. The collector then hashes and stores the bytes it receives instead of writing them again
   * (forms/canon.h); any other form is accepted as well, at the cost of that writing. */
  function canonical(v) {
    if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
    if (!v || typeof v !== 'object') return JSON.stringify(v);
    return '{' + Object.keys(v).filter(function (k) { return v[k] !== undefined; }).sort().map(function (k) {
      return JSON.stringify(k) + ':' + canonical(v[k]);
    }).join(',') + '}';
  }
  function inFormOrder(ans) {
    form.questions.forEach(function (q) {
      var a = ans[q.id];
      if (!Array.isArray(a) || !(q.type === 'multiple' || q.type === 'territory')) return;
      var rank = choicesOf(q).map(function (c) { return c.code; });
      var at = function (x) { var i = rank.indexOf(x); return i < 0 ? rank.length : i; };
      ans[q.id] = a.map(function (x, i) { return [at(x), i, x]; })
        .sort(function (p, r) { return p[0] - r[0] || p[1] - r[1]; }).map(function (p) { return p[2]; });
    });
    return ans;
  }
  function sendOne(rec) {
    return fetch('/api/v1/forms/' + encodeURIComponent(rec.form) + '/submissions', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: canonical(rec.body),
      credentials: 'omit', cache: 'no-store'
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.status === 200 || r.status === 201) { rec.status = 'sent'; rec.receipt = j.receipt; rec.body = null; }
        else if (r.status === 409 || r.status === 422 || r.status === 400 || r.status === 404) { rec.status = 'rejected'; rec.error = j.message || String(r.status); }
        else return; /* 413, 429, 5xx: try again later */
        return outboxPut(rec).then(function () {
          /* the done screen of this very questionnaire shows its receipt itself */
          if (rec.status === 'sent' && !(state.at === 'done' && state.last === rec.uuid)) announce(rec);
        });
      });
    }, function () { /* offline or unreachable: it stays pending */ });
  }

  /* ---- start ---- */
  $('lang-btn').addEventListener('click', function () {
    if (['welcome', 'done', 'send', 'mine'].indexOf(state.at) < 0) state.resumeAt = state.at;
    state.at = 'welcome';
    save();
    render();
  });
  window.addEventListener('online', function () { delay = 5000; flush(); });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(function () {});
    /* A page no worker controls was loaded before the worker could see it (a first visit): put the page in its
     * cache now, so that it opens offline next time (the worker keeps it up to date afterwards, from the pages
     * it serves). The copy comes from the browser's own HTTP cache, which holds the response just received
     * (force-cache: no download, not even a revalidation); only a browser that kept nothing fetches it again. */
    if (!navigator.serviceWorker.controller) navigator.serviceWorker.ready.then(function () {
      if (!window.caches) return;
      fetch(location.href, { cache: 'force-cache', credentials: 'omit' }).then(function (res) {
        if (!res.ok) return;
        return caches.open('diagsante-pages-v1').then(function (c) { return c.put(location.origin + location.pathname, res); });
      }).catch(function () {});
    });
  }
  render();
  /* Taps on the welcome screen that the server drew, made before this script ran (web.c's early_js kept their
   * buttons' selectors): carried out, in order, on the welcome screen just drawn. */
  var early = window.__early || [];
  window.__early = null;
  early.forEach(function (sel) { var b = state.at === 'welcome' && main.querySelector(sel); if (b) b.click(); });
  /* The other languages' texts come after this script in the page (web.c: the first screens then wait only for
   * the French ones on a slow network): they are added to the form and the page's words, in place, once the
   * page is parsed, and the screen is drawn again if it is in one of those languages. */
  function addTexts() {
    var m = $('more'), more = m && JSON.parse(m.textContent);
    if (!more) return;
    m.remove();
    (function merge(into, from) {
      for (var k in from) {
        if (from[k] === null) continue;
        if (typeof from[k] !== 'object' || into[k] == null) into[k] = from[k];
        else merge(into[k], from[k]);
      }
    })({ form: DEF, ui: PAGES }, more);
    if (state.lang && state.lang !== 'fr' && state.lang !== DEF.languages[0]) render();
  }
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', addTexts);
  else addTexts();
  shownIds = visibleIds();
  showPending().then(function (n) { if (n) flush(); });
})();
