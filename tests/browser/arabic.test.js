/* arabic.test.js -- the form in Arabic (?lang=ar): right to left, and no French left on any screen a resident
 * sees, from the welcome to the done screen; the answers are stored with lang 'ar'.
 *
 * The check, on every screen: the visible texts (text nodes that are rendered, and aria-labels), outside
 * elements that carry another language on purpose (the language buttons), must contain none of the French texts
 * of that screen (section, questions, hints, choices, rows, messages, from forms/resident.json, and the page's
 * own French words), and no Latin-script word except those the Arabic translation itself uses (territory names,
 * "IP", "Reste de la commune"...) and the receipt code. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const L = require('./lib.js');

const env = L.environment();

// The page's own interface words in French (app.js), and the checker's French messages (engine.js).
const UI_FR = ['Suivant', 'Précédent', 'Commencer', 'Continuer', 'Envoyer mes réponses', 'Écouter', 'Arrêter',
  'Langue', 'Choisissez votre langue', 'Étape', 'en attente d’envoi', 'C’est presque fini', 'Vous avez répondu',
  'Merci', 'Vos réponses', 'Remplir un nouveau questionnaire', 'Une erreur technique', 'Écrivez un nombre',
  'Vérifiez les réponses', 'Vous pouvez passer', 'réponse obligatoire', 'Réponse obligatoire', 'choix au plus', 'exclut toute autre réponse',
  'Chargement'];

const LATIN_WORD = /\p{Script=Latin}[\p{Script=Latin}'’-]*/gu;
const latinWords = s => (s.match(LATIN_WORD) || []).filter(w => w.length > 1);

// Latin words the Arabic version uses on purpose: those in the form's own Arabic texts, and territory names.
const ALLOWED = new Set();
(function collect(v, key) {
  if (Array.isArray(v)) v.forEach(x => collect(x));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, k);
  else if (key === 'ar' && typeof v === 'string') latinWords(v).forEach(w => ALLOWED.add(w));
})(L.FORM);
for (const t of L.TERRITORIES) latinWords(L.terrName(t, 'ar')).forEach(w => ALLOWED.add(w));
const TERRITORY_NAMES = new Set(L.TERRITORIES.map(t => L.terrName(t, 'fr')));

/* The French texts of a screen showing question ids (or of the welcome screen). */
function frenchTexts(ids) {
  const out = new Set(UI_FR);
  const add = (map, ar) => { if (map && map.fr && map.fr !== (ar || map.ar) && !TERRITORY_NAMES.has(map.fr)) out.add(map.fr); };
  if (!ids.length) { add(L.FORM.title); add(L.FORM.notice); }
  for (const id of ids) {
    const q = L.Q[id];
    add(q.section.title); add(q.section.intro);
    add(q.label); add(q.hint); add(q.constraint_message);
    for (const c of q.choices || []) add(c.label);
    for (const r of q.rows || []) add(r.label);
  }
  add(L.FORM.title);
  return out;
}

/* The texts a resident sees or hears on the current screen, in the page's language. */
function visibleTexts(page) {
  return page.evaluate(() => {
    const out = [];
    const shown = el => el.checkVisibility ? el.checkVisibility() : !!el.getClientRects().length;
    const ownLang = el => { const l = el.closest('[lang]'); return !l || l === document.documentElement; };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement, s = n.nodeValue.trim();
      if (!s || !p || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(p.tagName) || !shown(p) || !ownLang(p)) continue;
      out.push(s);
    }
    for (const el of document.body.querySelectorAll('[aria-label]'))
      if (shown(el) && ownLang(el)) out.push(el.getAttribute('aria-label'));
    out.push(document.title);
    return out;
  });
}

/* Fails with the French found on the current screen; the strings of `ignore` (a receipt code) are not read. */
async function assertNoFrench(page, name, ids, ignore = []) {
  const fr = frenchTexts(ids), found = [];
  const texts = (await visibleTexts(page)).map(s => ignore.reduce((x, i) => x.split(i).join(' '), s));
  for (const s of texts) {
    for (const f of fr) if (s.includes(f)) found.push(`French text « ${f} » in « ${s} »`);
    for (const w of latinWords(s)) if (!ALLOWED.has(w)) found.push(`Latin word « ${w} » in « ${s} »`);
  }
  assert.deepEqual([...new Set(found)], [], `French on the Arabic screen ${name}`);
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl', `${name}: not right to left`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar', `${name}: lang is not ar`);
}

test('Arabic: right to left, no French on any screen, stored with lang ar', async () => {
  await L.withPage(env, { context: { locale: 'ar' } }, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?lang=ar');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
    assert.equal(await page.locator('button[lang=ar]').getAttribute('aria-pressed'), 'true');
    await assertNoFrench(page, 'welcome', []);
    await page.locator('#start').click();

    // The required questions, and the answers that open the questions skip logic hides, so that every screen
    // the form can show is seen.
    const answers = { R01: 'QN09399B', R02: '25-39', R03: 'femme', R06: ['autre'], R07: 'tres_bon', R13: 'non',
      R17: 'oui', R26: 'oui_aide' };
    const seen = await L.walk(page, answers, { onScreen: ids => assertNoFrench(page, ids.join('+'), ids) });
    const flat = seen.flat();
    // every question but the computed answers (version 2's E02 and E03), which are never shown
    const all = L.FORM.sections.flatMap(s => s.questions.filter(q => q.type !== 'calculate').map(q => q.id));
    assert.deepEqual(flat, all, 'not every question of the form was shown');
    console.log(`arabic: ${seen.length + 3} screens checked (welcome, ${seen.length} question screens, send, done)`);

    await assertNoFrench(page, 'send', []);
    await L.send(page, 'receipt');
    const receipt = (await page.locator('#receipt').textContent()).trim();
    await assertNoFrench(page, 'done', [], [receipt]);

    const rows = L.sql(env.collector.db, 'SELECT lang, receipt, answers FROM submissions');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].lang, 'ar');
    assert.equal(rows[0].receipt, receipt);
    assert.deepEqual(L.normalize(JSON.parse(rows[0].answers)), L.normalize(answers));
  });
});

test('Arabic: the messages of validation are in Arabic (required question, too many choices)', async () => {
  await L.withPage(env, { context: { locale: 'ar' } }, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?lang=ar&t=QN09399A');
    await page.locator('#start').click();
    assert.deepEqual((await L.screenIds(page)).slice(0, 2), ['R01', 'R02']);   // R01 answered by ?t=
    const messages = {};
    const error = async id => {
      const before = await L.screenKey(page);
      await page.locator('#next').click();
      const err = page.locator(`#q-${id}-err`);
      await err.filter({ hasText: /\S/ }).waitFor();
      assert.equal(await L.screenKey(page), before, `Next left the screen of ${id} despite its error`);
      messages[id] = (await err.textContent()).trim();
    };
    await error('R02');                                    // required, left empty
    await L.walk(page, { R02: '25-39', R03: 'femme', R07: 'bon', R17: 'non' }, { until: 'R40' });
    await L.answer(page, 'R40', ['acces_medecin', 'sante_mentale', 'logement', 'sport']);
    await error('R40');                                    // four choices where three at most are allowed
    const french = Object.entries(messages).filter(([, m]) => latinWords(m).length)
      .map(([id, m]) => `${id}: « ${m} »`);
    assert.deepEqual(french, [], 'validation messages shown in French on the Arabic form');
  });
});
