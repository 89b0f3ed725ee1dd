/* engine.test.js -- the browser's form engine (collector/pages/engine.js) against the shared tables
 * tests/data/expressions.json and tests/data/answers.json (the same cases as tests/test_expr.c and
 * tests/test_answers.c), plus pruneHidden, the page helpers and the shipped forms.
 * Run from the repository root: node --test tests/js/
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const FE = require('../../collector/pages/engine.js');
const {expandOffer, expandTemplates} = require('./offer.js');

const ROOT = path.join(__dirname, '..', '..');
const load = p => JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8'));
const own = (o, k) => o != null && Object.prototype.hasOwnProperty.call(o, k);
const isObj = v => v !== null && typeof v === 'object' && !Array.isArray(v);
const short = s => (s.length > 80 ? s.slice(0, 80) + '…' : s).replace(/[\n\t]/g, ' ');
const bytes = s => Buffer.byteLength(s, 'utf8');

/* ---------------------------------------------------------------------------------------------------------
 * expressions.json, with the fixture scope of tests/test_expr.c (fx_resolve, fx_lookup).
 */

// How the table's question types map to expression types; the second item says whether "choices" are checked.
const FX_TYPES = {
    single: ['string', true], territory: ['string', true], multiple: ['set', true],
    text: ['string', false], long_text: ['string', false], integer: ['number', false],
    decimal: ['number', false], scale: ['number', false], date: ['date', false],
    grid: ['none', false], note: ['none', false],
};

function fxResolve(questions, qid, row) {
    const q = own(questions, qid) ? questions[qid] : undefined;
    if (q === undefined)
        return {error: `question inconnue \${${qid}}`};
    if (typeof q.type !== 'string')
        return {error: `fixture : ${qid} sans type`};
    const hasCode = list => c => (list || []).includes(c);
    if (row != null) {
        if (q.type !== 'grid')
            return {error: `${qid} n'est pas une grille`};
        if (!hasCode(q.rows)(row))
            return {error: `la grille ${qid} n'a pas de ligne ${row}`};
        return {type: 'string', hasCode: hasCode(q.choices)};
    }
    if (!own(FX_TYPES, q.type))
        return {error: `fixture : type inconnu ${q.type}`};
    const [type, codes] = FX_TYPES[q.type];
    return codes ? {type, hasCode: hasCode(q.choices)} : {type};
}

// The answer to ${qid} or ${qid.row}: a row reads inside an object answer.
function fxLookup(answers, qid, row) {
    const a = own(answers, qid) ? answers[qid] : undefined;
    if (a === undefined || row == null)
        return a;
    return isObj(a) && own(a, row) ? a[row] : undefined;
}

// Whether the evaluation result v is the value the table expects (see the table's "about").
function valueMatches(v, want) {
    if (want === null)
        return v.empty === true;
    if (v.empty)
        return false;
    if (typeof want === 'boolean')
        return v.type === 'bool' && v.value === want;
    if (typeof want === 'number')
        return v.type === 'number' && v.value === want;
    if (typeof want === 'string')
        return (v.type === 'string' || v.type === 'date') && v.value === want;
    return false;
}

const describe = v => v.empty ? `vide (${v.type})` : `${JSON.stringify(v.value)} (${v.type})`;

// Runs one case; returns null when it passes, else why it fails.
function runExprCase(table, c) {
    const KEYS = ['expr', 'want', 'dot_question', 'dot', 'answers', 'result', 'error', 'note'];
    for (const k of Object.keys(c))
        if (!KEYS.includes(k))
            return `case mal formé : clé inconnue « ${k} »`;
    const hasResult = own(c, 'result'), kind = c.error;
    if (typeof c.expr !== 'string' || hasResult === (kind !== undefined) ||
        (c.want !== undefined && c.want !== 'bool' && c.want !== 'any'))
        return 'case mal formé (expr, want, et exactement un de result/error)';
    const want = c.want === 'any' ? 'any' : 'bool';
    let dot = null;
    if (c.dot_question !== undefined) {
        dot = fxResolve(table.questions, c.dot_question, null);
        if (dot.error)
            return 'dot_question inconnue';
    }
    const scope = {resolve: (qid, row) => fxResolve(table.questions, qid, row), dot};
    const r = FE.compile(c.expr, scope, want);
    if (kind !== undefined) {
        if (r.expr)
            return `compile, une erreur ${kind} était attendue`;
        if (r.error.kind !== kind)
            return `mauvaise sorte d'erreur : attendu ${kind}, obtenu ${r.error.kind} : ${r.error.message}`;
        if (typeof r.error.message !== 'string' || r.error.message === '' || !(r.error.pos >= 0) ||
            r.error.pos > bytes(c.expr))
            return `erreur sans message ou position hors de la source (${r.error.pos})`;
        return null;
    }
    if (!r.expr)
        return `ne compile pas : ${r.error.kind} en position ${r.error.pos} : ${r.error.message}`;
    const answers = c.answers || {};
    const values = {lookup: (qid, row) => fxLookup(answers, qid, row), dot: c.dot, today: table.today};
    const got = FE.evaluate(r.expr, values);
    if (!valueMatches(got, c.result))
        return `mauvais résultat : attendu ${JSON.stringify(c.result)}, obtenu ${describe(got)}`;
    if (got.type !== r.expr.type)
        return `le type du résultat (${got.type}) diffère du type statique (${r.expr.type})`;
    if (want === 'bool' && FE.evaluateBool(r.expr, values) !== (c.result === true))
        return 'evaluateBool diffère de evaluate';
    return null;
}

const exprTable = load('tests/data/expressions.json');
assert.ok(exprTable.cases.length >= 150, 'expressions.json has its cases');
exprTable.cases.forEach((c, i) => {
    test(`expressions.json #${i} « ${short(String(c.expr))} »`, () => {
        const why = runExprCase(exprTable, c);
        if (why !== null)
            assert.fail(`case ${i} « ${short(String(c.expr))} » answers ${JSON.stringify(c.answers || {})} : ${why}`);
    });
});

/* ---------------------------------------------------------------------------------------------------------
 * answers.json, against form_valid.json with territories_test.json.
 */

const answersTable = load('tests/data/answers.json');
const fixture = FE.loadForm(load('tests/data/' + answersTable.form), load('tests/data/' + answersTable.territories));
const render = errors => errors.map(e => `${e.question}${e.row != null ? '.' + e.row : ''}:${e.code}`);

assert.ok(answersTable.cases.length >= 70, 'answers.json has its cases');
answersTable.cases.forEach((c, i) => {
    test(`answers.json #${i} ${short(JSON.stringify(c.answers))}`, () => {
        const r = FE.check(fixture, c.answers, answersTable.today);
        assert.deepStrictEqual(render(r.errors), c.errors,
            `case ${i} ${JSON.stringify(c.answers)} (${c.note}): want [${c.errors}] got [${render(r.errors)}]`);
        for (const e of r.errors)
            assert.ok(typeof e.message === 'string' && e.message.length >= 5, `case ${i}: message of ${e.code}`);
    });
});

test('answers: constraint message is the form\'s French constraint_message after "QID : "', () => {
    const r = FE.check(fixture, {Q1: 'oui', Q3: 10, Q12: 11}, '2026-11-23');
    assert.deepStrictEqual(r.errors, [{question: 'Q12', code: 'constraint', message: "Q12 : pas plus que l'âge"}]);
});

test('answers: relevance map covers every question', () => {
    const r = FE.check(fixture, {Q1: 'non', Q3: 10, Q12: 3}, '2026-11-23');
    assert.deepStrictEqual(r.errors, []);
    assert.strictEqual(Object.keys(r.relevant).length, fixture.questions.length);
    assert.strictEqual(r.relevant.Q2, false);
    assert.strictEqual(r.relevant.Q11, true);
    assert.strictEqual(r.relevant.Q15, false);
    assert.strictEqual(r.relevant.Q1, true);
});

test('answers: repeated duplicates and key names of Object.prototype', () => {
    const r = FE.check(fixture, {Q1: 'oui', Q2: ['a', 'a', 'a'], constructor: 1, Q9: {constructor: 'oui'}}, '2026-11-23');
    assert.deepStrictEqual(render(r.errors), ['constructor:unknown_question', 'Q2:invalid_choice', 'Q2:invalid_choice',
        'Q2:invalid_choice', 'Q2:out_of_range', 'Q9.constructor:invalid_choice']);
});

/* ---------------------------------------------------------------------------------------------------------
 * pruneHidden and the page helpers.
 */

test('pruneHidden removes hidden answers transitively', () => {
    const today = '2026-11-23';
    const shown = {Q1: 'oui', Q2: ['c'], Q13: {x: 'oui', y: 'non'}};
    assert.deepStrictEqual(FE.check(fixture, shown, today).errors, []);
    assert.deepStrictEqual(FE.pruneHidden(fixture, shown, today), shown);
    const changed = Object.assign({}, shown, {Q1: 'non'});
    assert.deepStrictEqual(render(FE.check(fixture, changed, today).errors),
        ['Q2:not_relevant', 'Q12:required', 'Q13:not_relevant']);
    const pruned = FE.pruneHidden(fixture, changed, today);
    assert.deepStrictEqual(pruned, {Q1: 'non'});
    assert.deepStrictEqual(changed.Q2, ['c'], 'the answers given are not modified');
    assert.deepStrictEqual(render(FE.check(fixture, pruned, today).errors), ['Q12:required']);
});

test('pruneHidden: notes, skipped sections, grid rows; invalid answers to shown questions stay', () => {
    const today = '2026-11-23';
    const a = {Q1: 'oui', Q3: 17, Q9: {r1: 'non'}, Q11: 'lu', Q14: 'x', Q15: 'oui', Q5: 'toolong'};
    const pruned = FE.pruneHidden(fixture, a, today);
    assert.deepStrictEqual(pruned, {Q1: 'oui', Q3: 17, Q9: {r1: 'non'}, Q5: 'toolong'});
    const errors = render(FE.check(fixture, pruned, today).errors);
    assert.deepStrictEqual(errors, ['Q5:too_long']);
    // An invalid answer is masked: Q3 out of range hides section s2 (Q15).
    assert.deepStrictEqual(FE.pruneHidden(fixture, {Q1: 'oui', Q3: 130, Q15: 'oui'}, today), {Q1: 'oui', Q3: 130});
    assert.ok(!FE.check(fixture, FE.pruneHidden(fixture, {Q1: 'non', Q2: ['c'], Q13: {x: 'oui'}, Q9: {r1: 'non'}, Q14: 'a'},
        today), today).errors.some(e => e.code === 'not_relevant'));
});

test('isRelevant and visibleQuestions follow the checker', () => {
    const today = '2026-11-23';
    assert.strictEqual(FE.isRelevant(fixture, {}, 'Q2', today), false);
    assert.strictEqual(FE.isRelevant(fixture, {Q1: 'oui'}, 'Q2', today), true);
    assert.strictEqual(FE.isRelevant(fixture, {Q1: 'oui', Q2: ['c']}, 'Q13', today), true);
    assert.strictEqual(FE.isRelevant(fixture, {Q1: 'oui', Q2: ['c', 'c']}, 'Q13', today), false, 'invalid Q2 is masked');
    assert.strictEqual(FE.isRelevant(fixture, {}, 'nope', today), false);
    assert.strictEqual(FE.isRelevant(fixture, [], 'constructor', today), false);
    const ids = a => FE.visibleQuestions(fixture, a, 0, today).map(q => q.id);
    assert.deepStrictEqual(ids({}), ['Q1', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12', 'Q16']);
    assert.deepStrictEqual(ids({Q1: 'oui', Q2: ['c'], Q9: {r1: 'oui'}}),
        ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12', 'Q13', 'Q14', 'Q16']);
    assert.deepStrictEqual(FE.visibleQuestions(fixture, {Q3: 18}, 1, today).map(q => q.id), ['Q15']);
    assert.deepStrictEqual(FE.visibleQuestions(fixture, {Q3: 17}, 1, today), []);
});

/* ---------------------------------------------------------------------------------------------------------
 * loadForm.
 */

test('loadForm: the fixture model', () => {
    const f = fixture;
    assert.strictEqual(f.id, 't');
    assert.deepStrictEqual(f.languages, ['fr', 'en']);
    assert.deepStrictEqual(f.sections.map(s => s.id), ['s1', 's2']);
    assert.strictEqual(f.questions.length, 16);
    assert.strictEqual(f.byId.get('Q12').index, 11);
    const q1 = f.byId.get('Q1');
    assert.deepStrictEqual(q1.choices.map(c => [c.code, c.paper]), [['oui', 1], ['non', 2]], 'choice_lists name, default paper');
    assert.strictEqual(q1.required, true);
    const q2 = f.byId.get('Q2');
    assert.strictEqual(q2.maxSelected, 2);
    assert.deepStrictEqual(q2.choices.map(c => [c.code, c.paper, c.exclusive]),
        [['a', 1, false], ['b', 2, false], ['c', 3, false], ['aucun', 9, true]]);
    assert.ok(q2.relevant && q2.relevant.type === 'bool');
    assert.strictEqual(f.byId.get('Q5').maxLength, 5);
    assert.strictEqual(f.byId.get('Q6').maxLength, 2000);
    assert.deepStrictEqual([f.byId.get('Q7').min, f.byId.get('Q7').max], ['2020-01-01', 'today']);
    assert.deepStrictEqual([f.byId.get('Q4').min, f.byId.get('Q4').max], [0.5, 10]);
    assert.deepStrictEqual(f.byId.get('Q9').rows.map(r => r.code), ['r1', 'r2']);
    assert.strictEqual(f.byId.get('Q16').multiple, true);
    assert.strictEqual(f.byId.get('Q10').multiple, false);
    assert.deepStrictEqual(f.territories.map(t => [t.code, t.paper]), [['QN09399A', 1], ['hors_qpv', 9]]);
    assert.ok(f.byId.get('Q12').requiredExpr && f.byId.get('Q12').constraint);
    assert.ok(f.sections[1].relevant);
    assert.strictEqual(FE.text(q1.label, 'en'), 'Q1?');
    assert.strictEqual(FE.text(q1.label, 'ar'), 'Q1 ?', 'French fallback');
    assert.strictEqual(f.text(undefined, 'fr'), '');
});

test('loadForm: a default max_length of 200 for text', () => {
    const f = FE.loadForm({id: 'x', version: '1', languages: ['fr'], title: {fr: 'X'}, sections: [{id: 's', title: {fr: 'S'},
        questions: [{id: 'A', type: 'text', label: {fr: 'A'}}]}]});
    assert.strictEqual(f.byId.get('A').maxLength, 200);
    assert.deepStrictEqual(render(FE.check(f, {A: 'é'.repeat(201)}, '2026-11-23').errors), ['A:too_long']);
    assert.deepStrictEqual(FE.check(f, {A: '😀'.repeat(200)}, '2026-11-23').errors, [], 'code points, not UTF-16 units');
});

test('answers: whole numbers up to 9e15, dates from 1900 to 2199 (no bounds in the form)', () => {
    const f = FE.loadForm({id: 'x', version: '1', languages: ['fr'], title: {fr: 'X'}, sections: [{id: 's', title: {fr: 'S'},
        questions: [{id: 'I', type: 'integer', label: {fr: 'I'}}, {id: 'S', type: 'scale', label: {fr: 'S'}, min: 1, max: 3},
            {id: 'D', type: 'date', label: {fr: 'D'}}]}]});
    const codes = a => render(FE.check(f, a, '2026-11-23').errors);
    assert.deepStrictEqual(codes({I: 9e15, D: '1900-01-01'}), []);
    assert.deepStrictEqual(codes({I: -9e15, D: '2199-12-31'}), []);
    assert.deepStrictEqual(codes({I: 9e15 + 2}), ['I:invalid_type']);
    assert.deepStrictEqual(codes({I: -1e16}), ['I:invalid_type']);
    assert.deepStrictEqual(codes({I: Infinity}), ['I:invalid_type']);
    assert.deepStrictEqual(codes({S: 2.5}), ['S:invalid_type']);
    assert.deepStrictEqual(codes({S: 4}), ['S:out_of_range']);
    assert.deepStrictEqual(codes({D: '1899-12-31'}), ['D:invalid_type']);
    assert.deepStrictEqual(codes({D: '2200-01-01'}), ['D:invalid_type']);
    assert.deepStrictEqual(codes({D: '2100-02-29'}), ['D:invalid_type']);
    assert.deepStrictEqual(codes({D: '2000-02-29'}), []);
    assert.deepStrictEqual(codes({D: ['2000-02-29']}), ['D:invalid_type']);
});

test('loadForm throws on what it cannot compile', () => {
    const form = (questions, extra) => Object.assign({id: 'x', version: '1', languages: ['fr'], title: {fr: 'X'},
        sections: [{id: 's', title: {fr: 'S'}, questions}]}, extra);
    const A = {id: 'A', type: 'single', label: {fr: 'A'}, choices: [{code: 'oui', label: {fr: 'Oui'}}]};
    assert.throws(() => FE.loadForm(form([Object.assign({}, A, {relevant: "${B} = 'x'"}),
        {id: 'B', type: 'text', label: {fr: 'B'}}])), /B.*arrière/, 'forward reference');
    assert.throws(() => FE.loadForm(form([Object.assign({}, A, {relevant: "${A} = 'oui'"})])), /arrière/, 'self reference');
    assert.throws(() => FE.loadForm(form([A, {id: 'B', type: 'text', label: {fr: 'B'}, relevant: "${A} = 'nn'"}])),
        /code inconnu 'nn'/);
    assert.throws(() => FE.loadForm(form([A, {id: 'B', type: 'text', label: {fr: 'B'}, relevant: '${A} +'}])), /B, relevant/);
    assert.throws(() => FE.loadForm(form([Object.assign({}, A, {choices: 'nope'})])), /liste de choix inconnue/);
    assert.throws(() => FE.loadForm(form([{id: 'A', type: 'bogus'}])), /type inconnu/);
    assert.throws(() => FE.loadForm({}), /sections/);
    assert.throws(() => FE.loadForm(form([A, A])), /double/);
    assert.throws(() => FE.loadForm(form([A], {sections: [{id: 's', title: {fr: 'S'}, relevant: "${A} = 'oui'",
        questions: [A]}]})), /section s/, 'a section looks only before its first question');
});

test('loadForm on the shipped forms: resident (R14 hidden unless R13 = non) and operator', () => {
    const territories = load('forms/territories.json');
    // The collector serves the forms with offer.json's services inline (form_expanded_doc): so does the test.
    const resident = FE.loadForm(expandOffer(load('forms/resident.json')), territories);
    assert.strictEqual(resident.id, 'resident');
    assert.strictEqual(resident.languages[0], 'fr');
    const r13 = resident.byId.get('R13');
    assert.ok(r13.choices.some(c => c.code === 'non'));
    assert.strictEqual(FE.isRelevant(resident, {}, 'R14'), false);
    assert.strictEqual(FE.isRelevant(resident, {R13: 'non'}, 'R14'), true);
    for (const c of r13.choices.filter(c => c.code !== 'non'))
        assert.strictEqual(FE.isRelevant(resident, {R13: c.code}, 'R14'), false, c.code);
    assert.strictEqual(FE.isRelevant(resident, {R13: 'nonsense'}, 'R14'), false, 'an invalid answer is masked');
    const acces = resident.sections.findIndex(s => s.questions.some(q => q.id === 'R14'));
    assert.deepStrictEqual(FE.visibleQuestions(resident, {R13: 'non'}, acces).map(q => q.id), ['R13', 'R14']);
    const other = r13.choices.find(c => c.code !== 'non').code;
    assert.deepStrictEqual(FE.pruneHidden(resident, {R13: other, R14: 'x'}), {R13: other});
    const r01 = resident.byId.get('R01');
    assert.strictEqual(r01.type, 'territory');
    assert.deepStrictEqual(FE.check(resident, {R01: territories.territories[0].code}).errors.filter(e => e.question === 'R01'), []);

    const operator = FE.loadForm(expandOffer(load('forms/operator.json')), territories);
    assert.strictEqual(operator.id, 'operator');
    assert.strictEqual(operator.byId.get('O02').multiple, true);
    assert.strictEqual(FE.isRelevant(operator, {}, 'O09'), false);
    assert.strictEqual(FE.isRelevant(operator, {O08: 'oui'}, 'O09'), true);
    const codes = territories.territories.slice(0, 2).map(t => t.code);
    assert.deepStrictEqual(FE.check(operator, {O02: codes}).errors.filter(e => e.question === 'O02'), []);
    assert.deepStrictEqual(render(FE.check(operator, {O16: 10, O17: 5, O18: 6}).errors).filter(e => /^O1[678]/.test(e)),
        ['O18:constraint']);
});

test('expandOffer and expandTemplates, the shell tests\' stand-ins for the C expansions, give the C reference; grids follow offer.json', () => {
    for (const id of ['resident', 'operator']) {
        const form = expandOffer(load(`forms/${id}.json`));
        assert.deepStrictEqual(form, load(`tests/data/inline/${id}.json`), id);
        assert.deepStrictEqual(expandTemplates(load(`forms/${id}.indicators.json`), form),
            load(`tests/data/inline/${id}.indicators.json`), `${id}: templates`);
    }
    const offer = load('forms/offer.json');
    offer.services.push({code: 'maison_des_femmes', paper: 12, kind: 'prevention', label: {fr: 'Maison des femmes'}});
    const resident = FE.loadForm(expandOffer(load('forms/resident.json'), offer), load('forms/territories.json'));
    const r23 = resident.byId.get('R23');
    assert.strictEqual(r23.rows.length, 12);
    assert.deepStrictEqual(FE.check(resident, {R23: {maison_des_femmes: 'connu'}}).errors.filter(e => e.question === 'R23'), []);
    assert.ok(FE.check(resident, {R23: {maison_des_hommes: 'connu'}}).errors.some(e => e.code === 'invalid_choice'));
});

/* ---------------------------------------------------------------------------------------------------------
 * What the table cannot say: error positions and messages, the limits, the API edges. A scope that knows
 * any id by its first letter (as in test_expr.c): N number, M set (codes a, b, c), D date, X note, Z unknown,
 * anything else a string; ${ID.ROW} is a string with codes a, b, c.
 */

const unitHas = c => ['a', 'b', 'c'].includes(c);
const unitScope = {
    dot: {type: 'number'},
    resolve(qid, row) {
        if (qid[0] === 'Z')
            return {error: `question inconnue \${${qid}}`};
        if (row != null)
            return {type: 'string', hasCode: unitHas};
        return {N: {type: 'number'}, M: {type: 'set', hasCode: unitHas}, D: {type: 'date'}, X: {type: 'none'}}[qid[0]] ||
            {type: 'string'};
    },
};

test('compile: error kinds, byte positions and messages (as test_expr.c)', () => {
    const cases = [
        ['(1 = 1', 'syntax', 6, "')' attendue"],
        ['1 = ', 'syntax', 4, "fin inattendue de l'expression"],
        ['', 'syntax', 0, 'vide'],
        ["${S} = 'non", 'syntax', 7, 'chaîne non terminée'],
        ['1 = 1 2', 'syntax', 6, '« 2 »'],
        ['1.2.3 = 1', 'syntax', 0, 'nombre invalide'],
        ['${S', 'syntax', 3, 'référence mal formée'],
        ['${}', 'syntax', 2, 'référence mal formée'],
        ['   ', 'syntax', 3, 'vide'],
        ['$R', 'syntax', 0, 'référence mal formée'],
        ['${R.}', 'syntax', 4, 'référence mal formée'],
        ['1 = 1)', 'syntax', 5, "')'"],
        ["${Z9} = 'x'", 'reference', 0, 'question inconnue ${Z9}'],
        ["${N} = 'x'", 'type', 5, 'un nombre et un texte'],
        ["${M} = 'a'", 'type', 0, 'selected()'],
        ["selected(${M}, 'dentist')", 'choice', 15, "code inconnu 'dentist' pour ${M}"],
        ["${G.r} != 'z'", 'choice', 10, "code inconnu 'z' pour ${G.r}"],
        ['1 + 1', 'type', 0, "l'expression doit être une condition (vrai/faux), pas un nombre"],
        ['  today()', 'type', 2, 'pas une date'],
        ["${X} = ''", 'type', 0, '${X}'],
        ["'été' = 1", 'type', 8, 'un texte et un nombre'],
        ["'été' é", 'syntax', 8, "caractère inattendu 'é'"],
        ["'été' = @", 'syntax', 10, "caractère inattendu '@'"],
        ["'été' 1", 'syntax', 8, 'opérateur attendu avant « 1 »'],
        ['count - selected(${M}) = 0', 'syntax', 0, 'mot inconnu « count »'],
        ['foo (1)', 'syntax', 0, 'fonction inconnue « foo »'],
        ['selected(${M}, )', 'syntax', 15, 'valeur attendue à la place de « ) »'],
        ['not(true()', 'syntax', 10, "',' ou ')' attendue avant la fin de l'expression"],
        ['(1 = 1', 'syntax', 6, "')' attendue avant la fin de l'expression"],
        ['true', 'syntax', 4, "'(' attendue après true"],
    ];
    for (const [src, kind, pos, part] of cases) {
        const r = FE.compile(src, unitScope, 'bool');
        assert.ok(r.error, `« ${src} » compile`);
        assert.deepStrictEqual([r.error.kind, r.error.pos], [kind, pos], `« ${src} » : ${r.error.message}`);
        assert.ok(r.error.message.includes(part), `« ${src} » : ${r.error.message}`);
    }
    const noDot = {resolve: unitScope.resolve, dot: null};
    assert.deepStrictEqual(FE.compile('. > 1', noDot).error.kind, 'reference');
    assert.deepStrictEqual(FE.compile(null, unitScope).error.kind, 'syntax');
    assert.deepStrictEqual(FE.compile("${S} = 'x'", null).error.kind, 'reference');
    assert.deepStrictEqual(FE.compile('${S}', unitScope, 'number').error.kind, 'type');
    assert.strictEqual(FE.compile('${N} * 2', unitScope, 'number').expr.type, 'number');
    assert.strictEqual(FE.compile('${M}', unitScope, 'any').expr.type, 'set');
    assert.strictEqual(FE.compile('${S} = 1', {resolve: () => ({type: 'weird'})}).error.kind, 'reference');
});

test('compile: EXPR_MAX_DEPTH and EXPR_MAX_LEN, at and just past each limit', () => {
    const shapes = [['(', '1 = 1', ')', 1, 0], ['not(', 'true()', ')', 1, 1], ['-', '1', '', 1, 0], ['(-', '1', ')', 2, 0]];
    for (const [open, middle, close, per, extra] of shapes) {
        const n = Math.floor((48 - extra) / per);
        const nest = k => open.repeat(k) + middle + close.repeat(k);
        assert.ok(FE.compile(nest(n), unitScope, 'any').expr, `${n} levels of ${open}`);
        assert.strictEqual(FE.compile(nest(n + 1), unitScope, 'any').error.kind, 'syntax', `${n + 1} levels of ${open}`);
    }
    const src = '1 = 1'.padEnd(2000, ' ');
    assert.ok(FE.compile(src, unitScope).expr);
    assert.deepStrictEqual(FE.compile(src + ' ', unitScope).error.pos, 2000);
    // Bytes of UTF-8, not characters: 1000 é are 2000 bytes.
    const e = `'${'é'.repeat(998)}' = \${S}`;
    assert.ok(bytes(e) > 2000 && e.length < 2000);
    assert.strictEqual(FE.compile(e, unitScope).error.kind, 'syntax');
    let chain = '';
    while (chain.length + 2 <= 2000 - 4)
        chain += '1+';
    const r = FE.compile(chain + '1>0', unitScope);
    assert.ok(r.expr, 'long chains of binary operators are not nesting');
    assert.strictEqual(FE.evaluateBool(r.expr, null), true);
});

test('evaluate without values reads every reference as empty', () => {
    const r = FE.compile("${S} = '' and ${N} + 1 != 1 and today() = '' and count-selected(${M}) = 0 and . = ''", unitScope);
    assert.ok(r.expr);
    assert.strictEqual(FE.evaluateBool(r.expr, null), true);
    assert.strictEqual(FE.evaluateBool(r.expr, {}), true);
    assert.deepStrictEqual(FE.evaluate(null, null), {type: 'none', empty: true, value: null});
});

test('no eval and no Function in engine.js, and it loads as a plain script', () => {
    const src = fs.readFileSync(path.join(ROOT, 'collector/pages/engine.js'), 'utf8');
    assert.ok(!/\beval\s*\(|\bFunction\s*\(/.test(src));
    const vm = require('node:vm');
    const sandbox = {TextEncoder};
    sandbox.self = sandbox;
    vm.runInNewContext(src, sandbox);
    const engine = sandbox.FormEngine;
    assert.strictEqual(typeof engine.check, 'function');
    const f = engine.loadForm(load('tests/data/form_valid.json'), load('tests/data/territories_test.json'));
    assert.strictEqual(render(engine.check(f, {Q1: 'non'}, '2026-11-23').errors).join(), 'Q12:required');
});

test('uuid4 makes RFC 4122 version 4 ids, each new; today is the local YYYY-MM-DD', () => {
    const seen = new Set();
    for (let i = 0; i < 1000; i++) {
        const u = FE.uuid4();
        assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        seen.add(u);
    }
    assert.strictEqual(seen.size, 1000);
    const d = new Date(), t = FE.today();
    assert.ok(FE.isDate(t), t);
    assert.strictEqual(+t.slice(0, 4), d.getFullYear());
    assert.strictEqual(+t.slice(5, 7), d.getMonth() + 1);
});
