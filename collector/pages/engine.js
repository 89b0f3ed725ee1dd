/* engine.js -- the browser's form engine: the expression language (forms/expr.c), form loading (forms/form.c)
 * and the answer checker (forms/answers.c), with the same semantics, held to the same tables
 * (tests/data/expressions.json, tests/data/answers.json; see tests/js/engine.test.js). ES2017, no dependencies.
 */
(function (root) {
'use strict';
const own = (o, k) => o != null && Object.prototype.hasOwnProperty.call(o, k);
const isObj = v => v !== null && typeof v == 'object' && !Array.isArray(v);
const is = (re, s, j) => j < s.length && re.test(s[j]);
// Precedence levels (or lowest); function arities.
const LV = {or: 0, and: 1, '=': 2, '!=': 2, '<': 3, '<=': 3, '>': 3, '>=': 3, '+': 4, '-': 4, '*': 5, div: 5, mod: 5};
const FN = {not: 1, selected: 2, 'count-selected': 1, 'string-length': 1, today: 0, true: 0, false: 0, if: 3};
const TYPES = ['bool', 'number', 'string', 'date', 'set', 'none'];
const ART = {bool: 'une condition (vrai/faux)', number: 'un nombre', string: 'un texte', date: 'une date',
  set: 'un ensemble de choix'};
// Bytes of s in UTF-8 (positions and limits are counted in bytes, as in C).
const u8 = s => new TextEncoder().encode(s).length;
// YYYY-MM-DD calendar date; any year in expressions, 1900-2199 for answers (util_is_date).
const isDate = (s, any) => {
  const m = typeof s == 'string' && /^(\d{4})-(\d\d)-(\d\d)$/.exec(s);
  if (!m) return false;
  const y = +m[1], mo = +m[2], d = +m[3];
  return (any || y >= 1900 && y <= 2199) && mo >= 1 && mo <= 12 && d >= 1 &&
    d <= [31, y % 4 == 0 && y % 100 != 0 || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
};
const text = (m, l) => (m && (typeof m[l] == 'string' ? m[l] : m.fr)) || '';

/* ---- Compilation: a lazy lexer and a recursive-descent parser (syntax errors), then a checker (types). */
function compile(src, scope, want) {
  want = want || 'bool';
  const E = (kind, pos, message) => ({error: {kind, pos, message}});
  if (typeof src != 'string') return E('syntax', 0, 'expression absente');
  const s = src.split('\0')[0]; // a C string ends at NUL
  if (u8(s) > 2000) return E('syntax', 2000, 'expression trop longue (plus de 2000 octets)');
  let i = 0, tok, depth = 0;
  const SY = 'syntax', TY = 'type';
  const fail = (kind, pos, message) => { throw {kind, pos, message}; };
  const at = re => (re.lastIndex = i, re.exec(s) || ['']); // sticky regexes
  const quote = () => tok.k == 'end' ? "la fin de l'expression" : `« ${s.slice(tok.p, tok.e).slice(0, 40)} »`;
  function next() {
    i += at(/[ \t\n\r]*/y)[0].length;
    const p = i, c = s[p], x = {};
    let k = c, m;
    if (p >= s.length) k = 'end', m = '';
    else if (m = at(/\d*(\.\d+)?/y)[0]) {
      k = 'num', x.v = +m;
      if (is(/[\w.]/, s, p + m.length) || !isFinite(x.v)) fail(SY, p, 'nombre invalide');
    } else if (c == "'" || c == '"') {
      const j = s.indexOf(c, p + 1);
      if (j < 0) fail(SY, p, 'chaîne non terminée');
      k = 'str', x.v = s.slice(p + 1, j), m = s.slice(p, j + 1);
    } else if (c == '$') {
      const g = at(/\$(?:\{(?:([A-Za-z]\w*)(?:(\.)([a-z\d][a-z\d_+-]*)?)?)?)?/y), j = p + g[0].length;
      const bad = pos => fail(SY, pos, 'référence mal formée : ${ID} ou ${ID.ligne}');
      if (j < p + 2) bad(p);
      if (!g[1] || g[2] && !g[3] || s[j] != '}') bad(j);
      k = 'ref', x.q = g[1], x.r = g[3] || null, m = g[0] + '}';
    } else if (/[A-Za-z]/.test(c)) {
      m = at(/(count-selected|string-length)(?!\w)|[A-Za-z]\w*/y)[0];
      if (own(FN, m)) k = 'fn', x.fn = m;
      else if (/^(and|or|div|mod)$/.test(m)) k = 'op', x.op = m;
      else fail(SY, p, /^[ \t\n\r]*\(/.test(s.slice(p + m.length)) ? `fonction inconnue « ${m.slice(0, 40)} »`
        : `mot inconnu « ${m.slice(0, 40)} » : écrire \${…} ou '…'`);
    } else if (m = at(/[<>!]=|[-=+*<>]/y)[0]) k = 'op', x.op = m;
    else if ('(),.'.includes(c)) m = c, k = c == '.' ? 'dot' : c;
    else fail(SY, p, c == '!' ? "'!' seul n'existe pas : != ou not(…)" : `caractère inattendu '${c}'`);
    tok = Object.assign({k, p, e: i = p + m.length}, x);
  }
  // Parentheses, calls and unary minus each count one level of nesting.
  const enter = p => { if (depth >= 48) fail(SY, p, 'expression trop imbriquée (48 niveaux au plus)'); depth++; };
  function level(l) {
    if (l == 6) return unary();
    let left = level(l + 1);
    while (tok.k == 'op' && LV[tok.op] == l) {
      const n = {k: 'bin', op: tok.op, p: tok.p, a: [left]};
      next();
      n.a.push(level(l + 1));
      left = n;
    }
    return left;
  }
  function unary() {
    if (tok.k != 'op' || tok.op != '-') return primary();
    const p = tok.p;
    enter(p);
    next();
    const n = {k: 'neg', p, a: [unary()]};
    depth--;
    return n;
  }
  // A group makes no node of its own; a call takes any number of arguments (the checker counts them).
  function primary() {
    const t = tok, fn = t.k == 'fn', a = [];
    if (fn) {
      next();
      if (tok.k != '(') fail(SY, tok.p, `'(' attendue après ${t.fn}`);
    }
    if (tok.k == '(') {
      enter(tok.p);
      next();
      if (!fn || tok.k != ')')
        for (;;) {
          a.push(level(0));
          if (tok.k == ')') break;
          if (!fn || tok.k != ',') fail(SY, tok.p, `${fn ? "',' ou " : ''}')' attendue avant ${quote()}`);
          next();
        }
      next();
      depth--;
      return fn ? {k: 'call', fn: t.fn, p: t.p, a} : a[0];
    }
    if (!/^(num|str|ref|dot)$/.test(t.k))
      fail(SY, t.p, t.k == 'end' ? "fin inattendue de l'expression" : `valeur attendue à la place de ${quote()}`);
    next();
    return t;
  }

  const desc = n => n.k == 'dot' ? '.' : '${' + n.q + (n.r ? '.' + n.r : '') + '}';
  const isRef = n => n.k == 'ref' || n.k == 'dot';
  const blank = n => n.k == 'str' && n.v === '';
  // A set is only usable by selected() and count-selected(); a note or a whole grid nowhere.
  function usable(n) {
    if (n.t == 'set' || n.t == 'none') fail(TY, n.p, desc(n) + (n.t == 'set'
      ? " est à choix multiples : selected() ou count-selected()" : " n'a pas de valeur (note, ou grille sans ligne)"));
  }
  function operand(n, want, what) {
    usable(n);
    if (n.t != want) fail(TY, n.p, `${what} attend ${ART[want]}, pas ${ART[n.t]}`);
  }
  // A string literal compared with a choice question must be one of its codes.
  function code(ref, lit) {
    if (blank(lit) || lit.k != 'str' || !isRef(ref) || !ref.ref.hasCode || ref.ref.hasCode(lit.v)) return;
    fail('choice', lit.p, `code inconnu '${lit.v.slice(0, 60)}' pour ${desc(ref)}`);
  }
  // A date against a string literal: 1 when not such a pair, 0 when the literal is a valid date.
  function dateLit(l, r) {
    const d = l.t == 'date' ? l : r, lit = d == l ? r : l;
    if (d.t != 'date' || lit.k != 'str') return 1;
    if (!isDate(lit.v, 1)) fail(TY, lit.p, `'${lit.v.slice(0, 40)}' n'est pas une date AAAA-MM-JJ`);
    return 0;
  }
  function chk(n) {
    const a = n.a || [], l = a[0], r = a[1], o = n.op, what = `'${o}'`;
    const cmp = same => fail(TY, n.p, `${what} compare deux ${same ? 'valeurs du même type' : 'nombres ou deux dates'}, pas ${ART[l.t]} et ${ART[r.t]}`);
    a.forEach(chk);
    if (n.k == 'num') n.t = 'number';
    else if (n.k == 'str') n.t = 'string';
    else if (isRef(n)) {
      if (n.k == 'dot') {
        if (!scope || !scope.dot) fail('reference', n.p, "'.' n'est permis que dans une contrainte");
        n.ref = scope.dot;
      } else {
        const x = scope && scope.resolve ? scope.resolve(n.q, n.r) : null;
        if (!x || x.error != null) fail('reference', n.p, (x && x.error) || 'référence inconnue : ' + desc(n));
        n.ref = x;
      }
      if (!TYPES.includes(n.ref.type)) fail('reference', n.p, 'type inconnu pour ' + desc(n));
      n.t = n.ref.type;
    } else if (n.k == 'neg') {
      operand(l, 'number', "'-'");
      n.t = 'number';
    } else if (o == 'or' || o == 'and') {
      operand(l, 'bool', what);
      operand(r, 'bool', what);
      n.t = 'bool';
    } else if (o == '=' || o == '!=') {
      if (l.t == 'none') usable(l);
      if (r.t == 'none') usable(r);
      if (!blank(l) && !blank(r)) {
        usable(l);
        usable(r);
        if (l.t != r.t && dateLit(l, r)) cmp(1);
      }
      n.t = 'bool';
      code(l, r);
      code(r, l);
    } else if (LV[o] == 3) {
      usable(l);
      usable(r);
      if (!(l.t == r.t && (l.t == 'number' || l.t == 'date')) && dateLit(l, r)) cmp(0);
      n.t = 'bool';
    } else if (o) {
      operand(l, 'number', what);
      operand(r, 'number', what);
      n.t = 'number';
    } else {
      const f = n.fn, ar = FN[f], w = f + '()', sel = f == 'selected';
      if (a.length != ar) fail(TY, n.p, `${w} attend ${ar} argument(s), pas ${a.length}`);
      if (f == 'not') operand(l, 'bool', w), n.t = 'bool';
      else if (f == 'if') { // a condition, then two values of one type; '' (no value) fits either
        const x = a[1], y = a[2];
        operand(l, 'bool', 'le premier argument de if()');
        usable(x);
        usable(y);
        if (!blank(x) && !blank(y) && x.t != y.t)
          fail(TY, y.p, `les deux valeurs de if() doivent être du même type, pas ${ART[x.t]} et ${ART[y.t]}`);
        n.t = blank(x) ? y.t : x.t;
      }
      else if (f == 'string-length') operand(l, 'string', w), n.t = 'number';
      else if (sel || f == 'count-selected') {
        if (l.t == 'none') usable(l);
        if (!isRef(l) || l.t != 'set' && (!sel || l.t != 'string'))
          fail(TY, l.p, `${w} attend une question à choix${sel ? '' : ' multiples'}, pas ${ART[l.t]}`);
        if (sel) operand(r, 'string', w), code(l, r);
        n.t = sel ? 'bool' : 'number';
      } else n.t = f == 'today' ? 'date' : 'bool';
    }
  }

  try {
    next();
    if (tok.k == 'end') fail(SY, tok.p, 'expression vide');
    const start = tok.p, root = level(0);
    if (tok.k != 'end') fail(SY, tok.p, tok.k == ')' ? "')' sans '('" : `opérateur attendu avant ${quote()}`);
    chk(root);
    if (root.t == 'none') usable(root);
    if (want != 'any' && root.t != want) fail(TY, start, `l'expression doit être ${ART[want] || want}, pas ${ART[root.t]}`);
    return {expr: {type: root.t, root}};
  } catch (e) {
    if (e instanceof Error) throw e;
    return E(e.kind, u8(s.slice(0, e.pos)), e.message);
  }
}

/* ---- Evaluation: {type, empty, value}; the empty value has value null, and arithmetic with it gives NaN. */
const val = (type, value) => ({type, empty: false, value});
const empty = type => ({type, empty: true, value: null});
const B = b => val('bool', b);
const truthy = v => v.type == 'bool' && !v.empty && v.value === true;
const num = v => v.empty ? NaN : v.value;
const isStr = v => v.type == 'string' || v.type == 'date';
// An answer of the wrong JSON type, "", [] or an array holding a non-string reads as empty.
const read = (t, j) => (t == 'number' ? typeof j == 'number' : isStr({type: t}) ? typeof j == 'string' && j !== ''
  : t == 'set' ? Array.isArray(j) && j.length > 0 && j.every(x => typeof x == 'string') : t == 'bool' && typeof j == 'boolean')
  ? val(t, j) : empty(t);
const equal = (a, b) => a.empty || b.empty ? a.empty && b.empty
  : a.value === b.value && (a.type == b.type ? a.type != 'set' : isStr(a) && isStr(b));

function ev(n, vs) {
  const a = n.a || [], o = n.op;
  switch (n.k) {
  case 'num': return val('number', n.v);
  case 'str': return n.v === '' ? empty('string') : val('string', n.v);
  case 'ref': return read(n.t, vs && vs.lookup ? vs.lookup(n.q, n.r) : undefined);
  case 'dot': return read(n.t, vs ? vs.dot : undefined);
  case 'neg': return val('number', -num(ev(a[0], vs)));
  case 'bin': {
    const x = ev(a[0], vs), t = truthy(x), L = LV[o];
    if (L < 2) return B(t == (o == 'or') ? t : truthy(ev(a[1], vs))); // and, or: short-circuit
    const y = ev(a[1], vs), X = num(x), Y = num(y);
    if (L == 2) return B(equal(x, y) == (o == '='));
    if (L > 3) return val('number', o == '+' ? X + Y : o == '-' ? X - Y : o == '*' ? X * Y : o == 'div' ? X / Y : X % Y);
    if (x.empty || y.empty) return B(false);
    const p = x.value, q = y.value; // numbers, or dates compared as strings
    return B(o == '<' ? p < q : o == '<=' ? p <= q : o == '>' ? p > q : p >= q);
  }
  }
  const x = a.length ? ev(a[0], vs) : null;
  switch (n.fn) {
  case 'if': { // only the branch taken is evaluated; the result keeps the node's type when it is ''
    const v = ev(a[truthy(x) ? 1 : 2], vs);
    return v.empty ? empty(n.t) : v;
  }
  case 'not': return B(!truthy(x));
  case 'selected': {
    const c = ev(a[1], vs);
    return B(!x.empty && !c.empty && (x.type == 'set' ? x.value.includes(c.value) : x.value === c.value));
  }
  case 'count-selected': return val('number', x.empty ? 0 : x.value.length);
  case 'string-length': return val('number', x.empty ? 0 : Array.from(x.value).length);
  case 'today': return vs && vs.today ? val('date', vs.today) : empty('date');
  }
  return B(n.fn == 'true');
}
const evaluate = (e, vs) => e ? ev(e.root, vs) : empty('none');
const evaluateBool = (e, vs) => truthy(evaluate(e, vs));

/* ---- Forms. */
const REFTYPE = {single: 'string', multiple: 'set', integer: 'number', decimal: 'number', text: 'string',
  long_text: 'string', date: 'date', scale: 'number', grid: 'none', territory: 'string', note: 'none'};

function loadForm(def, terrs) {
  const bad = m => { throw new Error(`formulaire ${def && def.id || '?'} : ${m}`); };
  if (!isObj(def) || !Array.isArray(def.sections)) bad('« sections » manquant');
  const lists = def.choice_lists || {};
  const tl = (Array.isArray(terrs) ? terrs : terrs && terrs.territories) || [];
  const form = {id: def.id, version: def.version, languages: def.languages || ['fr'], title: def.title, notice: def.notice,
    territories: tl.map((t, i) => ({code: t.code, name: t.name, kind: t.kind, paper: t.paper != null ? t.paper : i + 1})),
    sections: [], questions: [], byId: new Map(), text};
  const tcodes = new Set(form.territories.map(t => t.code));
  const choices = c => {
    if (typeof c == 'string') c = own(lists, c) ? lists[c] : bad(`liste de choix inconnue « ${c} »`);
    if (!Array.isArray(c)) bad('tableau de choix attendu');
    return c.map((x, i) => ({code: x.code, paper: x.paper != null ? x.paper : i + 1, label: x.label, exclusive: x.exclusive === true}));
  };
  def.sections.forEach((sd, si) => {
    const sec = {id: sd.id, title: sd.title, intro: sd.intro, relevantSrc: sd.relevant, first: form.questions.length, questions: []};
    if (!Array.isArray(sd.questions)) bad(`section ${sd.id} sans questions`);
    sd.questions.forEach(d => {
      const t = d.type, id = d.id;
      const calculated = t == 'calculate'; // a computed answer: never shown, its value comes from `calculation`
      if (!own(REFTYPE, t) && !calculated) bad(`${id} : type inconnu « ${t} »`);
      if (typeof id != 'string' || form.byId.has(id)) bad(`question « ${id} » en double`);
      const q = {id, type: t, index: form.questions.length, section: si, label: d.label, hint: d.hint,
        required: d.required === true, requiredSrc: typeof d.required == 'string' ? d.required : null,
        relevantSrc: d.relevant, constraintSrc: d.constraint, constraintMessage: d.constraint_message,
        choices: d.choices != null ? choices(d.choices) : [], rows: t == 'grid' ? choices(d.rows) : [],
        multiple: t == 'territory' && d.multiple === true, maxSelected: d.max_selected || 0};
      if (calculated) q.calculated = true, q.calculationSrc = d.calculation;
      if (/^(integer|decimal|scale|date)$/.test(t)) q.min = d.min, q.max = d.max;
      if (t == 'scale') q.labels = d.labels;
      if (t == 'text' || t == 'long_text') q.maxLength = d.max_length || (t == 'text' ? 200 : 2000);
      form.questions.push(q);
      sec.questions.push(q);
      form.byId.set(id, q);
    });
    form.sections.push(sec);
  });
  const accepts = (q, c) => q.choices.some(x => x.code === c) || q.type == 'territory' && tcodes.has(c);
  // A computed answer is read as the type of its calculation, with codes when it has choices.
  const refOf = q => q.calculated ? {type: q.calculation ? q.calculation.type : 'none',
    hasCode: q.choices.length ? c => accepts(q, c) : undefined} : {type: q.multiple ? 'set' : REFTYPE[q.type],
    hasCode: /^(single|multiple|territory)$/.test(q.type) ? c => accepts(q, c) : undefined};
  // References resolve to questions strictly before `limit` (skip logic looks back).
  const comp = (src, limit, dot, where, want, own) => {
    if (src == null) return null;
    const r = compile(src, {dot, resolve(qid, row) {
      const q = form.byId.get(qid);
      if (!q) return {error: `question inconnue \${${qid}}`};
      if (own && q.index == limit) return {error: `\${${qid}} se désigne elle-même : on ne regarde qu'en arrière`};
      if (q.index >= limit) return {error: `\${${qid}} vient après : une condition ne regarde qu'en arrière`};
      if (row == null) return refOf(q);
      if (q.type != 'grid') return {error: `\${${qid}.${row}} : ${qid} n'est pas une grille`};
      if (!q.rows.some(x => x.code === row)) return {error: `la grille ${qid} n'a pas de ligne « ${row} »`};
      return {type: 'string', hasCode: c => accepts(q, c)};
    }}, want);
    if (r.error) bad(`${where} : ${r.error.message} (caractère ${r.error.pos + 1} de « ${src} »)`);
    return r.expr;
  };
  for (const sec of form.sections) {
    sec.relevant = comp(sec.relevantSrc, sec.first, null, `section ${sec.id}, relevant`);
    for (const q of sec.questions) {
      q.relevant = comp(q.relevantSrc, q.index, null, q.id + ', relevant', 'bool', 1);
      if (q.calculated) {
        q.calculation = comp(q.calculationSrc, q.index, null, q.id + ', calculation', 'any', 1);
        continue;
      }
      q.requiredExpr = comp(q.requiredSrc, q.index, null, q.id + ', required', 'bool', 1);
      q.constraint = comp(q.constraintSrc, q.index, refOf(q), q.id + ', constraint', 'bool', 1);
    }
  }
  form.accepts = accepts;
  return form;
}

/* ---- The answer checker (answers.c): unknown questions, then every question in form order; an answer that
 * is skipped or invalid is masked, so that later expressions read it as empty. A computed answer is never an
 * error: whatever was sent for it is not read, its value (in `computed`, when it has one) is what later
 * expressions read. */
// The JSON of a calculation's value: undefined when empty or not a finite number.
const toJson = v => v.empty || v.type == 'number' && !isFinite(v.value) ? undefined : v.value;
function check(form, ans, today) {
  const errors = [], relevant = {}, computed = {};
  const err = (question, row, code, message) => errors.push(row == null ? {question, code, message} : {question, row, code, message});
  if (!isObj(ans)) {
    err('answers', null, 'invalid_type', 'les réponses doivent être un objet JSON');
    return {errors, relevant, computed};
  }
  today = today || new Date().toISOString().slice(0, 10);
  const ok = new Set(), get = id => own(ans, id) ? ans[id] : undefined;
  const vals = dot => ({dot, today, lookup: (id, row) => {
    const v = !ok.has(id) ? undefined : own(computed, id) ? computed[id] : get(id);
    return row == null ? v : isObj(v) && own(v, row) ? v[row] : undefined;
  }});
  const on = e => evaluateBool(e, vals());
  for (const k of Object.keys(ans))
    if (!form.byId.has(k) && ans[k] !== undefined)
      err(k, null, 'unknown_question', `${k.slice(0, 64)} : question inconnue (formulaire ${form.id} ${form.version})`);
  for (const q of form.questions) {
    const v = get(q.id), has = v !== undefined, t = q.type, s = form.sections[q.section];
    const e = (code, msg, row) => void err(q.id, row, code, `${q.id}${row != null ? '.' + row : ''} : ${msg}`);
    const cd = (c, row) => typeof c != 'string' ? e('invalid_type', 'code de réponse attendu', row)
      : form.accepts(q, c) || e('invalid_choice', `« ${c.slice(0, 64)} » n'est pas une réponse possible`, row);
    const rel = relevant[q.id] = !(s.relevant && !on(s.relevant)) && (!q.relevant || on(q.relevant));
    if (q.calculated) {
      const j = rel ? toJson(evaluate(q.calculation, vals())) : undefined;
      if (j !== undefined) computed[q.id] = j, ok.add(q.id);
      continue;
    }
    if (t == 'note') {
      if (has) e('unknown_question', "texte d'information, sans réponse");
      continue;
    }
    if (!rel) {
      if (has) e('not_relevant', "question sautée d'après les réponses précédentes");
      continue;
    }
    const req = q.requiredExpr ? on(q.requiredExpr) : q.required;
    if (!has) {
      if (req) e('required', 'réponse obligatoire');
      continue;
    }
    if (v === null || v === '' || Array.isArray(v) && !v.length || isObj(v) && !Object.keys(v).length) {
      e('invalid_type', 'réponse vide : omettez la question');
      continue;
    }
    let good = true;
    if (t == 'single' || t == 'territory' && !q.multiple) good = cd(v);
    else if (t == 'multiple' || t == 'territory') {
      if (!Array.isArray(v)) good = e('invalid_type', 'liste de codes attendue');
      else {
        let ex = false;
        v.forEach((c, i) => {
          if (!cd(c)) return void (good = false);
          for (let j = 0; j < i; j++) if (v[j] === c) good = e('invalid_choice', `« ${c} » choisi deux fois`);
          const ch = q.choices.find(x => x.code === c);
          if (ch && ch.exclusive && v.length > 1 && !ex) ex = true, good = e('invalid_choice', `« ${c} » exclut toute autre réponse`);
        });
        if (q.maxSelected > 0 && v.length > q.maxSelected) good = e('out_of_range', `${q.maxSelected} choix au plus`);
      }
    } else if (t == 'grid') {
      if (!isObj(v)) good = e('invalid_type', 'objet {ligne: code} attendu');
      else {
        for (const r of Object.keys(v))
          if (!q.rows.some(x => x.code === r)) good = e('invalid_choice', `pas de ligne « ${r.slice(0, 64)} »`, r);
          else if (!cd(v[r], r)) good = false;
        if (req) for (const r of q.rows) if (!own(v, r.code)) good = e('required', `ligne « ${text(r.label, 'fr')} » obligatoire`, r.code);
      }
    } else if (t == 'date') {
      const lo = q.min == 'today' ? today : q.min, hi = q.max == 'today' ? today : q.max;
      good = !isDate(v) ? e('invalid_type', 'date AAAA-MM-JJ attendue')
        : lo && v < lo ? e('out_of_range', `date au plus tôt le ${lo}`)
        : hi && v > hi ? e('out_of_range', `date au plus tard le ${hi}`) : true;
    } else if (t == 'text' || t == 'long_text') {
      const n = typeof v == 'string' && Array.from(v).length;
      good = typeof v != 'string' ? e('invalid_type', 'texte attendu')
        : v.includes('\0') ? e('invalid_type', 'caractère nul interdit')
        : n > q.maxLength ? e('too_long', `${q.maxLength} caractères au plus`) : true;
    } else {
      const whole = t != 'decimal', lo = q.min != null, hi = q.max != null;
      good = typeof v != 'number' || whole && (!Number.isInteger(v) || Math.abs(v) > 9e15) ? e('invalid_type', `nombre${whole ? ' entier' : ''} attendu`)
        : lo && v < q.min || hi && v > q.max ? e('out_of_range', 'la valeur doit être ' + (lo && hi ? `entre ${q.min} et ${q.max}` : lo ? 'au moins ' + q.min : 'au plus ' + q.max)) : true;
    }
    if (!good) continue;
    if (q.constraint && !evaluateBool(q.constraint, vals(v))) e('constraint', text(q.constraintMessage, 'fr'));
    else ok.add(q.id);
  }
  return {errors, relevant, computed};
}

/* A copy of the answers with every computed answer set to its value, or removed when it has none: what the
 * collector stores (answers_calculate), so the page sends the same. */
function calculate(form, ans, today) {
  const a = JSON.parse(JSON.stringify(ans || {})), c = check(form, a, today).computed;
  if (isObj(a))
    for (const q of form.questions)
      if (q.calculated) own(c, q.id) ? a[q.id] = c[q.id] : delete a[q.id];
  return a;
}

/* ---- Helpers of the page: relevance as the checker decides it. */
const isRelevant = (form, ans, qid, today) => check(form, ans, today).relevant[qid] === true;
const visibleQuestions = (form, ans, si, today) => {
  const r = check(form, ans, today).relevant;
  return form.sections[si].questions.filter(q => r[q.id] === true && !q.calculated);
};
// A copy of the answers without any answer to a skipped question or a note, so that none gets not_relevant,
// and with the computed answers as the collector will store them (calculate).
function pruneHidden(form, ans, today) {
  const a = JSON.parse(JSON.stringify(ans || {}));
  for (let changed = true; changed;) {
    const r = check(form, a, today).relevant;
    changed = false;
    for (const q of form.questions)
      if (own(a, q.id) && (r[q.id] !== true || q.type == 'note')) delete a[q.id], changed = true;
  }
  return calculate(form, a, today);
}

/* ---- What every page that takes answers needs besides: the local date for today(), and a new answer's id. */
const today = () => {
  const d = new Date(), p = x => (x < 10 ? '0' : '') + x;
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate());
};
// A random (version 4) RFC 4122 uuid: the client makes the id that makes a resend idempotent.
const uuid4 = () => {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = Array.prototype.map.call(b, x => (x + 256).toString(16).slice(1)).join('');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
};

const FormEngine = {compile, evaluate, evaluateBool, loadForm, check, calculate, isRelevant, visibleQuestions, pruneHidden, text, isDate,
  today, uuid4};
if (typeof module == 'object' && module.exports) module.exports = FormEngine;
else root.FormEngine = FormEngine;
})(typeof self != 'undefined' ? self : this);
