/* calculate.test.js -- computed answers in the browser's engine (collector/pages/engine.js): the cases of
 * tests/data/calculate.json, which forms/answers.c is held to as well (tests/test_calculate.c), and the shipped
 * resident form's version 2, whose EPICES items 2 and 3 are derived from R21 and R04 as the collector derives them.
 * Run from the repository root: node --test tests/js/
 */
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const FE = require('../../collector/pages/engine.js');
const {expandOffer} = require('./offer.js');

const ROOT = path.join(__dirname, '..', '..');
const load = p => JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8'));
const table = load('tests/data/calculate.json');
const codes = r => r.errors.map(e => e.question + ':' + e.code);

test('calculate.json: errors and stored answers, as the collector gives them', () => {
  const form = FE.loadForm(table.form);
  assert.ok(table.cases.length >= 10);
  table.cases.forEach((c, i) => {
    const sent = JSON.parse(JSON.stringify(c.answers));
    assert.deepStrictEqual(codes(FE.check(form, c.answers, table.today)), c.errors, `case ${i} errors`);
    assert.deepStrictEqual(FE.calculate(form, c.answers, table.today), c.stored, `case ${i} stored`);
    assert.deepStrictEqual(c.answers, sent, `case ${i}: calculate works on a copy`);
  });
});

test('a computed answer is never shown, and the page sends it', () => {
  const form = FE.loadForm(table.form);
  const c = form.byId.get('C');
  assert.strictEqual(c.type, 'calculate');
  assert.strictEqual(c.calculated, true);
  assert.deepStrictEqual(FE.visibleQuestions(form, {H: 'couple'}, 0, table.today).map(q => q.id), ['H', 'P', 'AGE', 'Z']);
  assert.deepStrictEqual(FE.visibleQuestions(form, {H: 'autre'}, 0, table.today).map(q => q.id), ['H', 'Cq', 'AGE', 'Z']);
  // pruneHidden, what the page sends: skipped answers out, computed ones in
  assert.deepStrictEqual(FE.pruneHidden(form, {H: 'couple', Cq: 'non', C: 'non', P: 'Ali'}, table.today),
    {H: 'couple', C: 'oui', P: 'Ali'});
  assert.deepStrictEqual(FE.check(form, {H: 'seul'}, table.today).computed, {C: 'non'});
});

test('the engine refuses a calculation that looks forward or at itself', () => {
  const bad = (i, calc) => {
    const def = JSON.parse(JSON.stringify(table.form));
    def.sections[0].questions[i].calculation = calc;
    return () => FE.loadForm(def);
  };
  assert.throws(bad(2, "${C} = 'oui'"), /C, calculation.*elle-même/);
  assert.throws(bad(2, '${P}'), /C, calculation.*arrière/);
  assert.throws(bad(2, 'if(true(), 1, ${H})'), /C, calculation.*même type/);
});

test('resident version 2 derives E02 from R21 and E03 from R04, and asks them only when those do not say', () => {
  const offer = load('forms/offer.json');
  const form = FE.loadForm(expandOffer(load('forms/resident.json'), offer), load('forms/territories.json'));
  assert.strictEqual(form.version, '3'); // version 3 (R17 gains refus) keeps version 2's derivations
  const base = {R01: 'QN09399A', R02: '40-54', R03: 'femme', R07: 'bon', R17: 'non'};
  const cover = [['mutuelle', null, 'oui'], ['c2s_sans_participation', null, 'oui'], ['c2s_avec_participation', null, 'oui'],
    ['aucune', null, 'non'], ['refus', null, 'refus'], ['nsp', 'non', 'non'], ['nsp', null, undefined], [null, 'oui', 'oui']];
  const couple = [['seul', null, 'non'], ['couple_sans_enfant', null, 'oui'], ['couple_avec_enfants', null, 'oui'],
    ['seul_avec_enfants', null, 'non'], ['autre', 'refus', 'refus'], ['autre', null, undefined], [null, 'non', 'non']];
  for (const [r21, e02q, e02] of cover)
    for (const [r04, e03q, e03] of couple) {
      const a = Object.assign({}, base);
      if (r21) a.R21 = r21;
      if (e02q) a.E02q = e02q;
      if (r04) a.R04 = r04;
      if (e03q) a.E03q = e03q;
      assert.deepStrictEqual(codes(FE.check(form, a)), [], JSON.stringify(a));
      const rel = FE.check(form, a).relevant;
      assert.strictEqual(rel.E02q, r21 == null || r21 == 'nsp');
      assert.strictEqual(rel.E03q, r04 == null || r04 == 'autre');
      const sent = FE.pruneHidden(form, a);
      assert.strictEqual(sent.E02, e02, JSON.stringify(a));
      assert.strictEqual(sent.E03, e03, JSON.stringify(a));
    }
});
