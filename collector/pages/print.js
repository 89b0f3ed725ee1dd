/* print.js -- the paper questionnaire: the whole form laid out for A4 printing from the same definition as the
 * phone form. Every question is numbered in order (the number the data-entry page shows too, notes aside), with
 * its id in small type; every choice has its paper number and a box to tick; grids are tables, scales numbered
 * boxes, numbers and dates digit boxes, texts ruled lines. Skip logic is written out in words: the conditional
 * question says when to answer it ("(si « Non » à la question 13)"), and the choices of the question it depends
 * on say where to go ("→ passez à la question 15"). The wording comes from the expressions' syntax trees
 * (FormEngine.loadForm), and anything beyond the common patterns is spelt out as "Répondez seulement si : …".
 * ?lang=xx prints the questionnaire in one of the form's languages (right to left for Arabic). ES2017, no
 * dependencies, no inline handlers or style attributes (the page runs under a hash-only CSP). */
(function () {
  'use strict';
  var E = window.FormEngine;
  var doc = document;
  function $(id) { return doc.getElementById(id); }
  /* el('p', {class: 'x'}, [child, 'text', …]): strings become text nodes, null children are skipped. */
  function el(tag, attrs, kids) {
    var n = doc.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') n.textContent = attrs[k];
      else if (attrs[k] !== false && attrs[k] != null) n.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    (kids || []).forEach(function (c) {
      if (c == null || c === '') return;
      n.appendChild(typeof c === 'string' || typeof c === 'number' ? doc.createTextNode(String(c)) : c);
    });
    return n;
  }
  function fatal(msg) {
    var f = $('fatal');
    var words = UI && (UI[lang] || UI.fr);   /* an error may come before the words are read */
    f.textContent = (words && words.error ? words.error : 'Erreur :') + ' ' + msg;
    f.hidden = false;
  }
  window.addEventListener('error', function (e) { fatal(e.message || String(e)); });

  /* ---- the page's own words: forms/pages.json, cut by the collector to this form's languages (French filling
   * what a language lacks), with each language's name and writing direction ---- */
  var PAGES = JSON.parse($('ui').textContent);
  var UI = PAGES.strings;
  function langInfo(l) { return PAGES.languages[l] || { name: l, dir: 'ltr' }; }

  /* ---- the form ---- */
  var DEF = JSON.parse($('form-def').textContent);
  var TERR = JSON.parse($('territories').textContent);
  var form = E.loadForm(DEF, { territories: TERR });
  var query = new URLSearchParams(location.search);
  var lang = query.get('lang') || DEF.languages[0];
  if (DEF.languages.indexOf(lang) < 0) lang = DEF.languages[0];
  var rtl = langInfo(lang).dir === 'rtl' || query.get('dir') === 'rtl';

  function t(key, vars) {
    var s = (UI[lang] && UI[lang][key] != null ? UI[lang] : UI.fr)[key];
    if (s == null) s = key;
    for (var k in vars || {}) s = s.split('{' + k + '}').join(String(vars[k]));
    return s;
  }
  /* French typography: no line break before ? ! : ; » or after «. */
  function tx(map) {
    var s = E.text(map, lang);
    return lang === 'fr' ? s.replace(/ ([?!:;»])/g, '\u00a0$1').replace(/« /g, '«\u00a0') : s;
  }
  function quote(s) { return t('q', { x: s }).replace(/« /g, '«\u00a0').replace(/ »/g, '\u00a0»'); }
  function listOr(items) {
    if (items.length < 2) return items.join('');
    return items.slice(0, -1).join(t('list')) + t('lastOr') + items[items.length - 1];
  }
  var TODAY = (function () {
    var d = new Date();
    function p(x) { return (x < 10 ? '0' : '') + x; }
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate());
  })();

  /* Question numbers: 1, 2, 3… in form order; notes are not numbered (nothing to answer), computed answers are
   * neither numbered nor printed (the collector derives them). The data-entry page
   * numbers questions the same way. */
  var NUM = {};
  (function () {
    var n = 0;
    form.questions.forEach(function (q) { if (q.type !== 'note' && q.type !== 'calculate') NUM[q.id] = ++n; });
  })();
  /* The first numbered question at or after position i, or null at the end of the form. */
  function numberedFrom(i) {
    for (; i < form.questions.length; i++) if (NUM[form.questions[i].id]) return form.questions[i];
    return null;
  }

  /* The choices of a question as printed: territories (their names and paper numbers) then the question's own. */
  function choicesOf(q) {
    var out = [];
    if (q.type === 'territory') form.territories.forEach(function (x) { out.push({ code: x.code, paper: x.paper, text: terrName(x) }); });
    q.choices.forEach(function (c) { out.push({ code: c.code, paper: c.paper, text: tx(c.label), exclusive: c.exclusive }); });
    return out;
  }
  /* A territory's name in the paper form's language (territories.json may give translations or
   * transliterations), its French name otherwise. */
  var TERR_NAMES = {};
  TERR.forEach(function (x) { TERR_NAMES[x.code] = x.names || {}; });
  function terrName(x) { return (TERR_NAMES[x.code] || {})[lang] || x.name; }
  function labelOf(q, code, row) {
    var list = q.type === 'grid' && row === undefined ? q.choices.map(function (c) { return { code: c.code, text: tx(c.label) }; }) : choicesOf(q);
    for (var i = 0; i < list.length; i++) if (list[i].code === code) return list[i].text;
    return code;
  }

  /* ---- skip logic in words, from the expression trees ---- */
  function refQuestion(n) { return n && n.k === 'ref' ? form.byId.get(n.q) : null; }
  function at(n) {
    var q = refQuestion(n);
    if (!q) return '';
    if (n.r) {
      var row = q.rows.filter(function (r) { return r.code === n.r; })[0];
      return t('atRow', { n: NUM[q.id], r: quote(row ? tx(row.label) : n.r) });
    }
    return t('atQ', { n: NUM[q.id] });
  }
  function isStr(n) { return n && n.k === 'str'; }
  /* A string compared with a reference: the choice's label when it is one of the question's codes. */
  function valueText(ref, lit) {
    var q = refQuestion(ref);
    if (q && /^(single|multiple|territory|grid)$/.test(q.type)) return quote(ref.r ? labelOf(q, lit.v, ref.r) : labelOf(q, lit.v));
    return quote(lit.v);
  }
  /* `${Q} = 'a' or ${Q} = 'b' or …` (one reference, only '=' against non-empty strings): the codes, else null. */
  function sameRefCodes(n) {
    var parts = [];
    (function flat(x) {
      if (x.k === 'bin' && x.op === 'or') { flat(x.a[0]); flat(x.a[1]); } else parts.push(x);
    })(n);
    var ref = null, codes = [];
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i], r, s;
      if (p.k === 'bin' && p.op === '=' && p.a[0].k === 'ref' && isStr(p.a[1])) r = p.a[0], s = p.a[1];
      else if (p.k === 'bin' && p.op === '=' && p.a[1].k === 'ref' && isStr(p.a[0])) r = p.a[1], s = p.a[0];
      else if (p.k === 'call' && p.fn === 'selected' && p.a[0].k === 'ref' && isStr(p.a[1])) r = p.a[0], s = p.a[1];
      else return null;
      if (s.v === '' || (ref && (ref.q !== r.q || ref.r !== r.r))) return null;
      if (ref && (ref.sel !== (p.k === 'call'))) return null;
      ref = ref || { q: r.q, r: r.r, k: 'ref', sel: p.k === 'call' };
      codes.push(s.v);
    }
    return { ref: ref, codes: codes };
  }
  var OPS = { '=': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥', '+': '+', '-': '−', '*': '×', div: '÷', mod: 'mod' };
  /* {text, simple}: simple when the expression is made only of the common patterns (answers equal to, or not,
   * a choice; a box ticked; at least one box ticked) combined with and/or. */
  function words(n) {
    var a = n.a || [];
    if (n.k === 'bin' && n.op === 'or') {
      var same = sameRefCodes(n);
      if (same) return atom(same.ref, same.codes, same.ref.sel ? 'sel' : 'eq');
      var l = words(a[0]), r = words(a[1]);
      return { text: l.text + t('or') + r.text, simple: l.simple && r.simple, or: true };
    }
    if (n.k === 'bin' && n.op === 'and') {
      var x = words(a[0]), y = words(a[1]);
      var wrap = function (w) { return w.or ? '(' + w.text + ')' : w.text; };
      return { text: wrap(x) + t('and') + wrap(y), simple: x.simple && y.simple };
    }
    if (n.k === 'bin' && (n.op === '=' || n.op === '!=')) {
      var ref = a[0].k === 'ref' ? a[0] : a[1].k === 'ref' ? a[1] : null, lit = ref === a[0] ? a[1] : a[0];
      if (ref && isStr(lit)) {
        if (lit.v === '') return { text: t(n.op === '=' ? 'none' : 'some', { at: at(ref) }), simple: true };
        return n.op === '=' ? atom(ref, [lit.v], 'eq') : { text: t('neq', { v: valueText(ref, lit), at: at(ref) }), simple: true };
      }
    }
    if (n.k === 'call' && n.fn === 'selected' && a[0].k === 'ref' && isStr(a[1])) return atom(a[0], [a[1].v], 'sel');
    /* count-selected(${Q}) > 0, >= 1, != 0 */
    if (n.k === 'bin' && a[0].k === 'call' && a[0].fn === 'count-selected' && a[0].a[0].k === 'ref' && a[1].k === 'num' &&
        (n.op === '>' && a[1].v === 0 || n.op === '>=' && a[1].v === 1 || n.op === '!=' && a[1].v === 0))
      return { text: t('any', { at: at(a[0].a[0]) }), simple: true };
    return { text: symbolic(n), simple: false };
  }
  function atom(ref, codes, kind) {
    var q = refQuestion(ref);
    var v = listOr(codes.map(function (c) { return valueText(ref, { k: 'str', v: c }); }));
    if (kind === 'sel' && q && q.type === 'single') kind = 'eq';
    return { text: t(kind, { v: v, at: at(ref) }), simple: true };
  }
  /* Anything else, spelt out with symbols: "la réponse à la question 16 ≥ 3". */
  function symbolic(n, parent) {
    var a = n.a || [], s;
    switch (n.k) {
      case 'num': return String(n.v);
      case 'str': return quote(n.v);
      case 'dot': return t('thisAnswer');
      case 'ref': return t('answerOf', { at: at(n) });
      case 'neg': return '−' + symbolic(a[0], n);
      case 'bin':
        if (n.op === 'and' || n.op === 'or') return words(n).text;
        var l = a[0], r = a[1];
        var ls = l.k === 'ref' && isStr(r) ? symbolic(l) : symbolic(l, n);
        var rs = l.k === 'ref' && isStr(r) && r.v !== '' ? valueText(l, r) : symbolic(r, n);
        s = ls + ' ' + OPS[n.op] + ' ' + rs;
        return parent && parent.k === 'bin' ? '(' + s + ')' : s;
      case 'call':
        if (n.fn === 'not') return t('not', { x: words(a[0]).text });
        if (n.fn === 'selected') return a[0].k === 'ref' && isStr(a[1]) ? atom(a[0], [a[1].v], 'sel').text : 'selected(…)';
        if (n.fn === 'count-selected') return t('countOf', { at: at(a[0]) });
        if (n.fn === 'string-length') return t('lengthOf', { x: symbolic(a[0]) });
        if (n.fn === 'today') return t('today');
        return t(n.fn === 'true' ? 'always' : 'never');
    }
    return '?';
  }
  /* The condition of a question (or section) as printed: "(si « Non » à la question 13)" or "Répondez seulement
   * si : …". */
  function conditionText(expr, simpleKey, otherKey) {
    var w = words(expr.root);
    return t(w.simple ? simpleKey : otherKey, { c: w.text });
  }

  /* Question ids an expression reads. */
  function refsOf(expr) {
    var out = {};
    (function walk(n) {
      if (n.k === 'ref') out[n.q] = 1;
      (n.a || []).forEach(walk);
    })(expr.root);
    return Object.keys(out);
  }
  /* Whether question q is asked when the only answer known is `value` to question `by`. */
  function askedWith(q, by, value) {
    var vs = { today: TODAY, lookup: function (id, row) { return id === by.id && row == null ? value : undefined; } };
    var s = form.sections[q.section];
    return (!s.relevant || E.evaluateBool(s.relevant, vs)) && (!q.relevant || E.evaluateBool(q.relevant, vs));
  }
  /* Questions right after `by` whose skip logic depends on `by` alone (a section's and its own). */
  function dependsOnlyOn(q, by) {
    var s = form.sections[q.section], refs = [];
    if (!q.relevant && !s.relevant) return false;
    if (s.relevant) refs = refs.concat(refsOf(s.relevant));
    if (q.relevant) refs = refs.concat(refsOf(q.relevant));
    return refs.every(function (id) { return id === by.id; });
  }
  /* Skip instructions for the choices of q: {code -> "→ passez à la question N"}, and a line under the question
   * for a multiple choice. */
  function skipsFor(q) {
    var res = { byCode: {}, line: null }, i = q.index + 1, qs = form.questions;
    if (i >= qs.length || !dependsOnlyOn(qs[i], q)) return res;
    var run = [];
    for (var j = i; j < qs.length && dependsOnlyOn(qs[j], q); j++) run.push(qs[j]);
    var single = q.type === 'single' || q.type === 'territory' && !q.multiple;
    if (single) {
      choicesOf(q).forEach(function (c) {
        if (askedWith(qs[i], q, c.code)) return;
        var k = 0;
        while (k < run.length && !askedWith(run[k], q, c.code)) k++;
        var target = numberedFrom(i + k);
        res.byCode[c.code] = target ? t('skip', { n: NUM[target.id] }) : t('end');
      });
    } else if (q.type === 'multiple' || q.type === 'territory') {
      /* One line, when the questions that follow all share one condition: a box ticked, or any box ticked. */
      var src = function (x) { return [form.sections[x.section].relevantSrc || '', x.relevantSrc || ''].join('|'); };
      if (!run.every(function (x) { return src(x) === src(run[0]); })) return res;
      var target = numberedFrom(i + run.length), expr = run[0].relevant || form.sections[run[0].section].relevant;
      if (run[0].relevant && form.sections[run[0].section].relevant) return res;
      var w = words(expr.root), same = sameRefCodes(expr.root), n = expr.root;
      if (same && same.ref.sel) {
        var v = listOr(same.codes.map(function (c) { return quote(labelOf(q, c)); }));
        res.line = target ? t('skipNotTicked', { v: v, n: NUM[target.id] }) : t('skipNotTickedEnd', { v: v });
      } else if (w.simple && n.k === 'bin' && n.a[0].k === 'call' && n.a[0].fn === 'count-selected') {
        res.line = target ? t('skipNone', { n: NUM[target.id] }) : t('skipNoneEnd');
      }
    }
    return res;
  }

  /* ---- drawing ---- */
  function box(cls) { return el('span', { class: 'box' + (cls ? ' ' + cls : ''), 'aria-hidden': 'true' }); }
  function digits(n, cls) {
    var g = el('span', { class: 'digits' + (cls ? ' ' + cls : '') });
    for (var i = 0; i < n; i++) g.appendChild(box('digit'));
    return g;
  }
  function pn(p) { return el('span', { class: 'pn' }, [String(p)]); }

  function choiceList(q, skips) {
    var list = choicesOf(q);
    /* Short lists on one line (Oui / Non / Je préfère ne pas répondre), longer ones in two or three columns. */
    var width = function (c) { return c.text.length + (skips.byCode[c.code] ? skips.byCode[c.code].length + 1 : 0); };
    var longest = list.reduce(function (m, c) { return Math.max(m, width(c)); }, 0);
    var total = list.reduce(function (m, c) { return m + width(c) + 9; }, 0);
    var cols = list.length >= 9 && longest <= 22 ? ' cols3' : list.length >= 4 && longest <= 36 ? ' cols2' : '';
    /* inline lists are measured once laid out (fitInline), and fall back to columns when they wrap */
    var cls = 'choices' + (list.length <= 6 && total <= 100 ? ' inline' : cols);
    var ul = el('ul', { class: cls, 'data-cols': cols });
    list.forEach(function (c) {
      ul.appendChild(el('li', { class: 'ch', 'data-code': c.code, 'data-paper': String(c.paper) }, [
        box(), pn(c.paper), el('span', { class: 'cl' }, [c.text]),
        skips.byCode[c.code] ? el('span', { class: 'skip' }, [' ' + skips.byCode[c.code]]) : null
      ]));
    });
    return ul;
  }

  function grid(q) {
    var head = el('tr', {}, [el('td', { class: 'rowh corner' })]);
    q.choices.forEach(function (c) {
      head.appendChild(el('th', { scope: 'col', 'data-paper': String(c.paper) }, [el('span', { class: 'gl' }, [tx(c.label)]), pn(c.paper)]));
    });
    var body = el('tbody');
    q.rows.forEach(function (r) {
      var tr = el('tr', { 'data-row': r.code }, [el('th', { scope: 'row', class: 'rowh' }, [el('span', { class: 'rn' }, [String(r.paper)]), tx(r.label)])]);
      q.choices.forEach(function (c) { tr.appendChild(el('td', { 'data-paper': String(c.paper) }, [box()])); });
      body.appendChild(tr);
    });
    return el('table', { class: 'grid' }, [el('thead', {}, [head]), body]);
  }

  function scale(q) {
    var row = el('div', { class: 'scale' });
    var lab = function (p) { return q.labels && q.labels[p] ? tx(q.labels[p]) : ''; };
    if (lab(q.min)) row.appendChild(el('span', { class: 'end' }, [lab(q.min)]));
    for (var p = q.min; p <= q.max; p++) row.appendChild(el('span', { class: 'pt', 'data-paper': String(p) }, [box(), pn(p)]));
    if (lab(q.max)) row.appendChild(el('span', { class: 'end' }, [lab(q.max)]));
    var mids = [];
    for (p = q.min + 1; p < q.max; p++) if (lab(p)) mids.push(p + ' = ' + lab(p));
    return el('div', {}, [row, mids.length ? el('p', { class: 'hint' }, [mids.join(' ; ')]) : null]);
  }

  function bounds(q, fmt) {
    var lo = q.min != null && q.min !== '' ? fmt(q.min) : null, hi = q.max != null && q.max !== '' ? fmt(q.max) : null;
    if (lo != null && hi != null) return t('between', { a: lo, b: hi });
    if (lo != null) return t('atLeast', { a: lo });
    if (hi != null) return t('atMost', { b: hi });
    return '';
  }
  function dateFmt(d) {
    if (d === 'today') return t('today');
    var m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(d);
    return m ? m[3] + '/' + m[2] + '/' + m[1] : d;
  }
  function numberField(q) {
    var n = 5;
    if (q.type === 'integer' && q.max != null) n = Math.max(String(Math.abs(q.max)).length, q.min != null ? String(Math.abs(q.min)).length : 1);
    n = Math.min(Math.max(n, 2), 9);
    var kids = [q.min != null && q.min < 0 ? el('span', { class: 'sign' }, ['±']) : null, digits(n)];
    if (q.type === 'decimal') kids.push(el('span', { class: 'sep' }, [',']), digits(2));
    var b = bounds(q, String);
    return el('div', { class: 'numline' }, kids.concat([b ? el('span', { class: 'range' }, ['(' + b + ')']) : null]));
  }
  function dateField(q) {
    var b = q.min || q.max ? bounds(q, dateFmt) : '';
    return el('div', { class: 'numline' }, [
      el('span', { class: 'dgroup' }, [digits(2), el('span', { class: 'cap' }, [t('day')])]), el('span', { class: 'sep' }, ['/']),
      el('span', { class: 'dgroup' }, [digits(2), el('span', { class: 'cap' }, [t('month')])]), el('span', { class: 'sep' }, ['/']),
      el('span', { class: 'dgroup' }, [digits(4), el('span', { class: 'cap' }, [t('year')])]),
      b ? el('span', { class: 'range' }, ['(' + b + ')']) : null
    ]);
  }
  function lines(n) {
    var d = el('div', { class: 'lines' });
    for (var i = 0; i < n; i++) d.appendChild(el('div', { class: 'line' }));
    return d;
  }

  function question(q, skips) {
    var num = NUM[q.id], multi = q.type === 'multiple' || q.type === 'territory' && q.multiple;
    var how = multi ? (q.maxSelected ? t('multipleMax', { n: q.maxSelected }) : t('multiple')) : q.type === 'grid' ? t('gridOne') : '';
    var head = el('div', { class: 'qhead' }, [
      num ? el('span', { class: 'qn' }, [num + '.']) : null,
      el('span', { class: 'ql' }, [tx(q.label), how ? el('span', { class: 'how' }, [' ' + how]) : null]),
      el('span', { class: 'qid' }, [q.id])
    ]);
    var block = el('section', { class: 'q q-' + q.type, id: 'q-' + q.id, 'data-q': q.id, 'data-num': num ? String(num) : null }, [head]);
    if (q.relevant) block.appendChild(el('p', { class: 'cond' }, [conditionText(q.relevant, 'cond', 'onlyIf')]));
    if (q.hint) block.appendChild(el('p', { class: 'hint' }, [tx(q.hint)]));
    if (q.type === 'single' || q.type === 'multiple' || q.type === 'territory') block.appendChild(choiceList(q, skips));
    else if (q.type === 'grid') block.appendChild(grid(q));
    else if (q.type === 'scale') block.appendChild(scale(q));
    else if (q.type === 'integer' || q.type === 'decimal') block.appendChild(numberField(q));
    else if (q.type === 'date') block.appendChild(dateField(q));
    else if (q.type === 'text') block.appendChild(lines(q.maxLength > 100 ? 2 : 1));
    else if (q.type === 'long_text') block.appendChild(lines(q.maxLength > 600 ? 6 : 4));
    if (skips.line) block.appendChild(el('p', { class: 'skip skipline' }, [skips.line]));
    if (q.type === 'note') block.classList.add('note');
    return block;
  }

  /* ---- the page ---- */
  function render() {
    var root = $('sheet');
    root.textContent = '';
    doc.documentElement.lang = lang;
    doc.documentElement.dir = rtl ? 'rtl' : 'ltr';
    doc.title = tx(DEF.title) + ' — ' + t('paper');

    /* The territory question goes in the header's box when it opens the form (it is question 1 either way). */
    var first = form.questions[0];
    var terrQ = first && first.type === 'territory' && !first.multiple && !first.relevant && !form.sections[0].relevant ? first : null;

    var header = el('header', { class: 'head' }, [
      el('div', { class: 'titles' }, [
        el('h1', {}, [tx(DEF.title)]),
        el('p', { class: 'sub' }, [t('paper') + ' — ' + DEF.id + ', ' + t('version', { v: DEF.version })])
      ]),
      el('div', { class: 'idbox', id: 'sheet-box' }, [
        el('span', { class: 'idlabel' }, [t('sheet')]),
        el('span', { class: 'idfield' }),
        el('span', { class: 'idnote' }, [t('sheetNote')])
      ])
    ]);
    root.appendChild(header);
    if (terrQ) {
      var tb = question(terrQ, skipsFor(terrQ));
      tb.classList.add('terrbox');
      tb.id = 'territory-box';
      root.appendChild(tb);
    }
    if (DEF.notice) root.appendChild(el('div', { class: 'notice' }, [el('p', {}, [tx(DEF.notice)])]));
    root.appendChild(el('p', { class: 'tickhow' }, [t('tick')]));

    form.sections.forEach(function (sec) {
      var qs = sec.questions.filter(function (q) { return q !== terrQ && q.type !== 'calculate'; });
      if (!qs.length) return;
      var s = el('section', { class: 'sec', 'data-section': sec.id });
      var lead = el('div', { class: 'lead' }, [el('h2', {}, [tx(sec.title)])]);
      if (sec.relevant) lead.appendChild(el('p', { class: 'cond' }, [conditionText(sec.relevant, 'section', 'sectionOnlyIf')]));
      if (sec.intro) lead.appendChild(el('p', { class: 'intro' }, [tx(sec.intro)]));
      /* the title stays with the first question */
      var firstQ = question(qs[0], skipsFor(qs[0]));
      s.appendChild(el('div', { class: 'keep' }, [lead, firstQ]));
      qs.slice(1).forEach(function (q) { s.appendChild(question(q, skipsFor(q))); });
      root.appendChild(s);
    });
    root.appendChild(el('p', { class: 'thanks' }, [t('thanks')]));

    /* Every printed page: the sheet number to fill in at the top, the page number at the bottom (CSS @page
     * margin boxes; their texts are set here, in the page's language). */
    var font = 'font-family:"DejaVu Sans",Arial,sans-serif;font-size:8pt;';
    var pageCss = '@page{@top-right{' + font + 'content:"' + cssStr(t('sheet')) + ' : ________________"}' +
      '@bottom-center{' + font + 'content:"' + cssStr(DEF.id + ' v' + DEF.version + ' — ' + t('page') + ' ') + '" counter(page) " ' +
      cssStr(t('of')) + ' " counter(pages)}}';
    try {
      var sheetCss = doc.styleSheets[0];
      sheetCss.insertRule(pageCss, sheetCss.cssRules.length);
    } catch (e) { /* a browser without margin boxes prints without them */ }

    /* The toolbar (screen only). */
    var pb = $('print-btn');
    pb.textContent = t('print');
    pb.hidden = false;
    var langs = $('langs');
    langs.textContent = '';
    DEF.languages.forEach(function (l) {
      var a = el('a', { href: '?lang=' + encodeURIComponent(l), lang: l, dir: langInfo(l).dir }, [langInfo(l).name]);
      if (l === lang) a.setAttribute('aria-current', 'page');
      langs.appendChild(a);
    });
    $('toolbar').setAttribute('aria-label', t('print'));
    $('tip').textContent = t('tip');
  }
  /* A line of choices that does not fit on one line is laid out in columns instead. The sheet has the printed
   * width on screen too (print.css), so what fits here fits on paper. */
  function fitInline() {
    Array.prototype.forEach.call(doc.querySelectorAll('ul.inline'), function (ul) {
      var items = ul.children, top = items[0].offsetTop;
      for (var i = 1; i < items.length; i++)
        if (items[i].offsetTop !== top) {
          ul.classList.remove('inline');
          if (ul.getAttribute('data-cols')) ul.classList.add(ul.getAttribute('data-cols').trim());
          return;
        }
    });
  }
  function cssStr(s) { return String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' '); }

  $('print-btn').addEventListener('click', function () { window.print(); });
  render();
  fitInline();
})();
