/* paper.test.js -- paper questionnaires: the printable questionnaire (/print/resident) and the mediators'
 * keyboard data-entry page (/entry), against the real collector.
 *
 * 1. The print page shows every question of the resident form, numbered in order with its id, every choice
 *    with its paper number, skip instructions in words, no console error, and prints to a multi-page A4 PDF.
 * 2. A whole resident questionnaire typed from the keyboard alone (page.keyboard, no click after sign-in):
 *    skipped questions are jumped over and greyed, refused values keep the focus with the form's message; the
 *    sheet lands in the database with channel 'paper', its sheet number and exactly the intended answers.
 * 3. Double entry: a second mediator types the same sheet with two values different → discrepant; neither
 *    typist is offered the sheet to reconcile (the page says why) and a third entry is refused (409 on the page);
 *    a third mediator reconciles from the keyboard, one value kept from the first entry and one third value with
 *    its mandatory reason → reconciled, the decided record and the decisions (source, reason, who, when) are
 *    stored.
 * 3b. The sheet's language (Alt+L) is stored with the entry and listed with the day's own sheets (territory, time,
 *    language, status), never another person's; two entries that disagree on it make the sheet discrepant, the
 *    reconciler chooses it by its number, sends with Cmd+Entrée from no field, and the record is stored in it; the
 *    typist's second tab needs no token and its day list says the sheet is reconciled. Ctrl+Entrée also signs in
 *    from the sign-in button, opens the focused form, and saves from the language select and the reconciliation
 *    screen's title.
 * Signing in: the token is typed once per device; the page exchanges it for a session (an HttpOnly,
 *    SameSite=Strict cookie, POST /api/v1/session), keeps no token anywhere, sends no Authorization header, and
 *    a reload stays signed in (test 2).
 * 4. axe-core finds no violation on the entry page (sign-in, form choice, entry, reconciliation) nor on the
 *    print page. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const L = require('./lib.js');
const ENGINE = require(path.join(L.REPO, 'collector', 'pages', 'engine.js'));

const env = L.environment();

/* A laptop: mediators type sheets at a desk. */
const DESK = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };
const FORM = ENGINE.loadForm(L.FORM, { territories: L.TERRITORIES });
// with offer.json's services inline in O06, as the collector serves it (form_expanded_doc)
const OPERATOR_DEF = require('../js/offer.js').expandOffer(
  JSON.parse(fs.readFileSync(path.join(L.FORMS_DIR, 'operator.json'), 'utf8')),
  JSON.parse(fs.readFileSync(path.join(L.FORMS_DIR, 'offer.json'), 'utf8')));
const OPERATOR = ENGINE.loadForm(OPERATOR_DEF, { territories: L.TERRITORIES });

/* Question numbers as printed: 1, 2, 3… in form order, notes and computed answers aside. */
function numbers(form) {
  const out = {};
  let n = 0;
  for (const q of form.questions) if (q.type !== 'note' && q.type !== 'calculate') out[q.id] = ++n;
  return out;
}
const NUM = numbers(FORM);

/* A new token, from the command line as an administrator would (only the token is on standard output). */
function addToken(role, name) {
  return execFileSync(L.COLLECTOR_BIN, ['token', 'add', '--db', env.collector.db, '--role', role, '--name', name],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/* axe-core's violations on the current page (its context must bypass the page's CSP). */
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const res = await page.evaluate(() => window.axe.run(document));
  return res.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

/* ---- what to type for a sheet ---- */

function choicesOf(q, form = FORM) {
  return (q.type === 'territory' ? form.territories.map(t => ({ code: t.code, paper: t.paper })) : []).concat(q.choices);
}
/* The keys for one choice: its paper number, then Enter only when another number starts the same way. */
function choiceKeys(list, code) {
  const c = list.find(x => x.code === code);
  assert.ok(c, `no choice ${code}`);
  const s = String(c.paper);
  return { text: s, enter: list.some(x => String(x.paper) !== s && String(x.paper).startsWith(s)) };
}
/* The fields of a sheet in order, with what to type in each, for the intended answers; questions that the
 * answers skip are marked {skip}: the page must jump over them. */
function plan(answers, form = FORM) {
  const rel = ENGINE.check(form, answers).relevant, steps = [];
  for (const q of form.questions) {
    if (q.type === 'note' || q.type === 'calculate') continue;   /* computed answers are not typed */
    const v = answers[q.id];
    if (!rel[q.id]) {
      assert.equal(v, undefined, `the plan answers ${q.id}, which its skip logic hides`);
      if (q.type === 'grid') for (const r of q.rows) steps.push({ skip: `${q.id}.${r.code}` });
      else steps.push({ skip: q.id });
    } else if (q.type === 'grid') {
      for (const r of q.rows)
        steps.push(Object.assign({ key: `${q.id}.${r.code}` }, v && v[r.code] ? choiceKeys(q.choices, v[r.code]) : { text: '', enter: true }));
    } else if (v === undefined) steps.push({ key: q.id, text: '', enter: true });
    else if (q.type === 'single' || q.type === 'territory' && !q.multiple) steps.push(Object.assign({ key: q.id }, choiceKeys(choicesOf(q, form), v)));
    else if (q.type === 'scale') {
      const pts = [];
      for (let p = q.min; p <= q.max; p++) pts.push({ code: p, paper: p });
      steps.push(Object.assign({ key: q.id }, choiceKeys(pts, v)));
    } else if (q.type === 'multiple' || q.type === 'territory')
      steps.push({ key: q.id, text: v.map(c => choiceKeys(choicesOf(q, form), c).text).join(' '), enter: true });
    else if (q.type === 'date') steps.push({ key: q.id, text: v.slice(8, 10) + v.slice(5, 7) + v.slice(0, 4), enter: true });
    else steps.push({ key: q.id, text: String(v), enter: true });
  }
  return steps;
}

const activeKey = page => page.evaluate(() => document.activeElement && (document.activeElement.dataset.key || document.activeElement.id));
async function waitFocus(page, key) {
  if (await activeKey(page) === key) return; /* the focus moves as keys are dispatched: usually there already */
  try {
    await page.waitForFunction(k => document.activeElement && (document.activeElement.dataset.key || document.activeElement.id) === k, key, { timeout: 3000 });
  } catch (e) {
    throw new Error(`the focus should be on ${key}, it is on ${await activeKey(page)}`);
  }
}
const fieldRow = (page, key) => page.locator(`.field[data-key="${key}"]`);

/* Types a whole sheet from the keyboard: its number, then every field as planned; `during` (optional) runs at
 * a field before it is typed: {KEY: async () => …}. Ends with the focus on « Enregistrer ». */
async function typeSheet(page, paperId, answers, during = {}, form = FORM) {
  await waitFocus(page, 'paper_id');
  await page.keyboard.type(paperId);
  await page.keyboard.press('Enter');
  for (const s of plan(answers, form)) {
    if (s.skip) {
      const [greyed, disabled] = await fieldRow(page, s.skip).evaluate(e => [e.classList.contains('skipped'), e.querySelector('.in').disabled]);
      assert.ok(greyed, `${s.skip} is not shown as skipped`);
      assert.ok(disabled, `${s.skip} can still be typed`);
      continue;
    }
    await waitFocus(page, s.key);
    if (during[s.key]) await during[s.key]();
    if (s.text) await page.keyboard.type(s.text);
    if (s.enter) await page.keyboard.press('Enter');
  }
  await waitFocus(page, 'save');
}

/* Signs in with the keyboard and opens the entry screen of a form (resident by default). opts.reload: reload the
 * page once signed in (a session, not the typed token, keeps it signed in). */
async function signIn(page, token, formId = 'resident', opts = {}) {
  await page.goto(env.collector.base + '/entry');
  await waitFocus(page, 'token');
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('forms-screen') || document.getElementById('entry'));
  if (opts.reload) {
    await page.reload();
    await page.waitForFunction(() => document.getElementById('forms-screen') || document.getElementById('entry'));
    assert.equal(await page.locator('#token').count(), 0, 'a reload asks for the token again');
  }
  if (await page.locator('#forms-screen').count()) {
    const key = await page.locator(`[data-form="${formId}"] .key`).textContent();
    await page.keyboard.press(key.trim());
  }
  await page.locator('#entry').waitFor();
  assert.match(await page.locator('#entry h1').textContent(), new RegExp(formId === 'resident' ? 'Votre santé' : 'professionnels'));
}

const statusText = page => page.locator('#status').textContent();
async function waitStatus(page, re) {
  await page.locator('#status').filter({ hasText: re }).waitFor({ timeout: 10000 }).catch(async () => {
    throw new Error(`the status should match ${re}; it says « ${await statusText(page)} »`);
  });
}

/* A resident questionnaire: R13 = oui (R14 skipped), R17 = non (R18, R19 skipped), a man (R30 skipped), other
 * language with its name (R06b), a partial grid, several choices, texts with accents, an ambiguous territory
 * number (9, while 98 and 99 exist). Version 2 computes EPICES E02 from R21 (C2S: oui) and E03 from R04, left
 * blank here, so its fallback E03q is typed instead: E02 and E03 are stored, never typed. */
const SHEET = {
  R01: 'hors_qpv', R02: '40-54', R03: 'homme', R05: 'chomage', R06: ['arabe', 'autre'], R06b: 'berbère',
  R07: 'assez_bon', R08: 'oui', R09: 'oui_mais_pas_fortement', R10: 'non', R11: 'refus', R12: 'oui',
  R13: 'oui_commune', R15: '6-12_mois', R16: ['generaliste', 'dentiste'], R17: 'non',
  R20: 'assurance_maladie', R21: 'c2s_sans_participation', E01: 'non', E02: 'oui', E03q: 'non', E03: 'non', E04: 'non',
  R22: 'oui', E06: 'non', E07: 'non', E08: 'non', E09: 'oui', E10: 'oui', E11: 'refus',
  R23: { centre_sante: 'connu_utilise', pmi: 'connu', pharmacie: 'connu_utilise', mediateur_sante: 'inconnu' },
  R24: ['famille_amis', 'mediateur_sante'], R25: 'plutot_non', R26: 'oui_aide', R27: ['proche', 'interprete'],
  R28: 'souvent', R29: 'non_besoin_aide', R31: 'nsp', R32: 'jamais', R33: '2-4_par_mois', R34: '1-2', R35: 'parfois',
  R36: ['humidite', 'bruit'], R37: { espaces_verts: 'peu_favorable', securite: 'pas_du_tout_favorable' },
  R38: 'transports_en_commun', R38b: '30-60_min', R39: 'L’humidité du logement, et le stress « au travail ».',
  R40: ['acces_medecin', 'logement', 'environnement'],
};

test('the print page numbers every question and choice, writes skips in words, and prints on A4 pages', async () => {
  await L.withPage(env, { context: DESK }, async ({ page }) => {
    await page.goto(env.collector.base + '/print/resident?lang=fr');
    await page.locator('.q[data-q="R40"]').waitFor();
    for (const q of FORM.questions) {
      const block = page.locator(`.q[data-q="${q.id}"]`);
      if (q.type === 'calculate') { assert.equal(await block.count(), 0, `${q.id} is computed, yet printed`); continue; }
      assert.equal(await block.count(), 1, `${q.id} is not printed once`);
      assert.equal(await block.getAttribute('data-num'), String(NUM[q.id]), `${q.id} has the wrong number`);
      assert.equal((await block.locator('.qn').textContent()).trim(), NUM[q.id] + '.');
      assert.equal((await block.locator('.qid').textContent()).trim(), q.id);
      assert.ok((await block.locator('.ql').textContent()).replace(/\u00a0/g, ' ').includes(q.label.fr), `${q.id}: label missing`);
      if (q.type === 'single' || q.type === 'multiple' || q.type === 'territory') {
        for (const c of choicesOf(q)) {
          const li = block.locator(`li.ch[data-code="${c.code}"]`);
          assert.equal(await li.getAttribute('data-paper'), String(c.paper), `${q.id}/${c.code}: paper number`);
          assert.equal((await li.locator('.pn').textContent()).trim(), String(c.paper));
          assert.equal(await li.locator('.box').count(), 1, `${q.id}/${c.code}: no box`);
        }
      } else if (q.type === 'grid') {
        for (const c of q.choices) assert.equal(await block.locator(`thead th[data-paper="${c.paper}"]`).count(), 1, `${q.id}: column ${c.paper}`);
        for (const r of q.rows) assert.equal(await block.locator(`tr[data-row="${r.code}"] td .box`).count(), q.choices.length, `${q.id}.${r.code}: boxes`);
      }
    }
    // Multiple choices say so.
    assert.match(await page.locator('.q[data-q="R16"]').textContent(), /plusieurs réponses possibles/);
    assert.match(await page.locator('.q[data-q="R40"]').textContent(), /3 au maximum/);
    // The sheet-number box, the territory box with the territories' paper numbers.
    assert.match(await page.locator('#sheet-box').textContent(), /N° de questionnaire/);
    for (const t of L.TERRITORIES)
      assert.equal(await page.locator(`#territory-box li.ch[data-code="${t.code}"]`).getAttribute('data-paper'), String(t.paper));
    // Skip logic in words: R14 is asked only when R13 = non; R13's other choices send to R15.
    const r13 = page.locator('.q[data-q="R13"]');
    for (const c of FORM.byId.get('R13').choices) {
      const text = (await r13.locator(`li.ch[data-code="${c.code}"]`).textContent()).replace(/\u00a0/g, ' ');
      if (c.code === 'non') assert.doesNotMatch(text, /passez/, 'R13 = non must not skip R14');
      else assert.match(text, new RegExp(`passez à la question ${NUM.R15}\\b`), `R13/${c.code}: ${text}`);
    }
    assert.equal((await page.locator('.q[data-q="R14"] .cond').textContent()).replace(/\u00a0/g, ' '), `(si « Non » à la question ${NUM.R13})`);
    assert.match((await page.locator('.q[data-q="R18"] .cond').textContent()).replace(/\u00a0/g, ' '), new RegExp(`« Oui » à la question ${NUM.R17}`));
    assert.match((await page.locator('.q[data-q="R06"]').textContent()).replace(/\u00a0/g, ' '), new RegExp(`passez à la question ${NUM.R07}`));
    assert.match((await page.locator('.q[data-q="R30"] .cond').textContent()).replace(/\u00a0/g, ' '),
      /« Une femme » à la question 3 et « 25 à 39 ans », « 40 à 54 ans » ou « 55 à 64 ans » à la question 2/);

    const pdf = await page.pdf({ format: 'A4' });
    const text = pdf.toString('latin1');
    const pages = (text.match(/\/Type\s*\/Page(?!s)/g) || []).length;
    assert.ok(pages >= 3, `the PDF has ${pages} page(s)`);
    const boxes = text.match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g) || [];
    assert.ok(boxes.length >= 1);
    for (const b of boxes) {
      const [, w, h] = /\[\s*0 0 ([\d.]+) ([\d.]+)/.exec(b).map(Number);
      assert.ok(Math.abs(w - 595.3) < 2 && Math.abs(h - 841.9) < 2, `not an A4 page: ${b}`);
    }
  });
});

test('a whole sheet typed from the keyboard lands in the database as typed, skipped questions absent', async () => {
  const token = addToken('mediator', 'm1');
  await L.withPage(env, { context: DESK }, async ({ page, context }) => {
    // Every API request of the page: none may carry the token, after the sign-in none an Authorization header.
    const sent = [];
    page.on('request', r => { if (r.url().includes('/api/')) sent.push({ url: r.url(), method: r.method(), h: r.headers(), body: r.postData() || '' }); });
    await signIn(page, token, 'resident', { reload: true });
    const c = (await context.cookies()).find(x => x.name === 'ds_session');
    assert.ok(c && c.httpOnly && c.sameSite === 'Strict', 'an HttpOnly, SameSite=Strict session cookie');
    assert.ok(!JSON.stringify(await page.evaluate(() => [Object.entries(localStorage), Object.entries(sessionStorage)])).includes(token),
      'the token is kept in no storage');
    const err = key => page.locator(`.field[data-key="${key}"] .err`);
    const checkSent = () => {
      assert.equal(sent.filter(r => r.body.includes(token)).length, 1, 'the token is sent once, to open the session');
      assert.ok(sent.every(r => !r.h.authorization), 'no Authorization header');
      const posts = sent.filter(r => r.method === 'POST' && !r.url.endsWith('/api/v1/session'));
      assert.ok(posts.length > 0 && posts.every(r => /^[A-Za-z0-9_-]{43}$/.test(r.h['x-csrf-token'] || '')), 'POSTs carry X-CSRF-Token');
    };
    await typeSheet(page, '000123', SHEET, {
      // A number that is no choice is refused at once, and the focus stays.
      R07: async () => {
        await page.keyboard.type('7');
        await err('R07').filter({ hasText: /n’est pas un numéro de réponse/ }).waitFor();
        assert.equal(await activeKey(page), 'R07');
        await page.keyboard.press('Enter');
        assert.equal(await activeKey(page), 'R07', 'Enter left a refused value');
        await page.keyboard.press('Backspace');
      },
      // The form's own constraint message (R06b: at least 2 letters).
      R06b: async () => {
        await page.keyboard.type('x');
        await page.keyboard.press('Enter');
        assert.equal((await err('R06b').textContent()).trim(), L.Q.R06b.constraint_message.fr);
        assert.equal(await activeKey(page), 'R06b');
        await page.keyboard.press('Backspace');
      },
      // The value in words beside the field as it is typed.
      R02: async () => {
        await page.keyboard.type('3');
        await waitFocus(page, 'R03');
        assert.equal((await page.locator('.field[data-key="R02"] .val').textContent()).trim(), '3 → 40 à 54 ans');
        await page.keyboard.press('Shift+Tab');
        await waitFocus(page, 'R02');
        await page.keyboard.press('ArrowDown');
        await waitFocus(page, 'R03');
        await page.keyboard.press('ArrowUp');
        await waitFocus(page, 'R02');
      },
    });
    await page.keyboard.press('Enter');
    await waitStatus(page, /N° 000123 : Première saisie enregistrée : une seconde saisie à l’aveugle est demandée/);
    // A fresh sheet, the focus on its number.
    await waitFocus(page, 'paper_id');
    assert.equal(await page.locator('.field[data-key="paper_id"] .in').inputValue(), '');
    assert.equal(await page.locator('.field[data-key="R01"] .in').inputValue(), '');
    checkSent();
  });
  const rows = L.sql(env.collector.db, "SELECT channel, paper_id, entry, lang, form_version, answers FROM submissions WHERE paper_id = '000123'");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].channel, 'paper');
  assert.equal(rows[0].paper_id, '000123');
  assert.equal(rows[0].entry, 1);
  assert.equal(rows[0].lang, 'fr');
  assert.equal(rows[0].form_version, L.FORM.version);
  const stored = JSON.parse(rows[0].answers);
  assert.deepEqual(L.normalize(stored), L.normalize(SHEET));
  for (const id of ['R14', 'R18', 'R19', 'R30', 'R04']) assert.ok(!(id in stored), `${id} was stored`);
});

test('a sheet in Arabic is stored in Arabic, the day\'s sheets are listed, and a second tab needs no token', async () => {
  const token = addToken('mediator', 'm20');
  const MIN = { R01: 'hors_qpv', R02: '25-39', R03: 'femme', R07: 'bon', R17: 'non' };
  await L.withPage(env, { context: DESK }, async ({ page, context }) => {
    await signIn(page, token);
    // The language select: the form's languages, French first; Alt+L reaches it, Enter goes back to the sheet.
    assert.deepEqual(await page.locator('#sheet-lang option').evaluateAll(os => os.map(o => o.value)), L.FORM.languages);
    assert.equal(await page.locator('#sheet-lang').inputValue(), L.FORM.languages[0]);
    await page.keyboard.press('Alt+l');
    await waitFocus(page, 'sheet-lang');
    await page.locator('#sheet-lang').selectOption('ar');
    await page.keyboard.press('Enter');
    await typeSheet(page, '000900', MIN);
    await page.keyboard.press('Control+Enter');
    await waitStatus(page, /N° 000900 : Saisie unique enregistrée|N° 000900 : Première saisie enregistrée/);
    const rows = L.sql(env.collector.db, "SELECT lang FROM submissions WHERE paper_id = '000900'");
    assert.deepEqual(rows.map(r => r.lang), ['ar']);
    // The next sheet keeps the language; the day's list shows this sheet, with its language.
    await waitFocus(page, 'paper_id');
    assert.equal(await page.locator('#sheet-lang').inputValue(), 'ar');
    const li = page.locator('#mine li[data-paper="000900"]');
    await li.waitFor();
    const rest = L.terrName(L.TERRITORIES.find(x => x.code === 'hors_qpv'), 'fr');   /* the sheet's R01: its territory */
    assert.match(await li.textContent(), new RegExp(`^Feuille 000900 \\(${rest}\\) : saisie 1 à \\d\\d:\\d\\d, العربية`));
    assert.equal(await page.locator('#mine li').count(), 1, 'another mediator\'s sheets are listed');
    // Another tab of the same browser: signed in already.
    const tab = await context.newPage();
    await tab.goto(env.collector.base + '/entry');
    await tab.waitForFunction(() => document.getElementById('forms-screen') || document.getElementById('entry'));
    assert.equal(await tab.locator('#token').count(), 0, 'the second tab asks for the token');
    await tab.close();
  });
  // The API refuses a language the form does not have, naming the field.
  const res = await fetch(env.collector.base + '/api/v1/forms/resident/paper', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
    body: JSON.stringify({ paper_id: '000901', lang: 'de', answers: MIN }) });
  assert.equal(res.status, 400);
  const j = await res.json();
  assert.equal(j.field, 'lang');
});

test('entries that disagree on the language: the reconciler chooses it (Cmd+Entrée from no field), the record is stored in it; the typist\'s day list follows', async () => {
  const first = addToken('mediator', 'm11'), third = addToken('mediator', 'm13');
  const MIN = { R01: 'QN09399A', R02: '25-39', R03: 'femme', R07: 'bon', R17: 'non' };
  const terr = L.terrName(L.TERRITORIES.find(x => x.code === 'QN09399A'), 'fr');
  const LANGS = L.FORM.languages, pos = l => LANGS.indexOf(l) + 1;   /* a language's number: its place in the form */
  await L.withPage(env, { context: DESK }, async ({ page, context }) => {
    await signIn(page, first);
    await page.keyboard.press('Alt+l');
    await waitFocus(page, 'sheet-lang');
    await page.locator('#sheet-lang').selectOption('ar');
    await page.keyboard.press('Enter');
    await typeSheet(page, '000950', MIN);
    // Ctrl+Entrée from the language select, which is no field of the sheet, saves it.
    await page.keyboard.press('Alt+l');
    await waitFocus(page, 'sheet-lang');
    await page.keyboard.press('Control+Enter');
    await waitStatus(page, /N° 000950 : Première saisie enregistrée/);
    const li = page.locator('#mine li[data-paper="000950"]');
    await li.waitFor();
    assert.equal(await li.getAttribute('data-status'), 'awaiting_second');
    assert.match(await li.textContent(), new RegExp(`^Feuille 000950 \\(${terr}\\) : saisie 1 à \\d\\d:\\d\\d, العربية — Première saisie`));

    // The second entry, from another machine: the same answers, in Turkish.
    await postPaper(addToken('mediator', 'm12'), { paper_id: '000950', form_version: L.FORM.version, lang: 'tr', answers: MIN });
    assert.deepEqual(L.sql(env.collector.db, "SELECT status FROM sheets WHERE paper_id = '000950'").map(r => r.status), ['discrepant']);

    // A third mediator, on a third machine.
    await L.withPage(env, { context: DESK }, async ({ page: p3 }) => {
      // Ctrl+Entrée signs in from the button as from the field, and opens the form that has the focus.
      await p3.goto(env.collector.base + '/entry');
      await waitFocus(p3, 'token');
      await p3.keyboard.type(third);
      await p3.locator('#signin-btn').focus();
      await p3.keyboard.press('Control+Enter');
      await p3.locator('#forms-screen').waitFor();
      await p3.locator('[data-form="resident"]').focus();
      await p3.keyboard.press('Control+Enter');
      await p3.locator('#entry').waitFor();
      await p3.keyboard.press('Alt+r');
      const sheet = p3.locator('section.rec[data-paper="000950"]');
      await sheet.waitFor();
      assert.deepEqual(await sheet.locator('.rec-field').evaluateAll(es => es.map(e => e.dataset.field)), ['lang']);
      assert.equal((await sheet.locator('.rec-field label').first().textContent()).trim(), 'Langue de la feuille');
      const opts = await sheet.locator('.rec-field .opts').textContent();
      assert.match(opts, new RegExp(`saisie 1 : ${pos('ar')} العربية`));
      assert.match(opts, new RegExp(`saisie 2 : ${pos('tr')} Türkçe`));
      assert.match(await sheet.locator('.rec-field .choices').textContent(), new RegExp(`${pos('en')} English`));
      await p3.waitForFunction(() => document.activeElement && document.activeElement.dataset.field === 'lang');
      // A number that is no language is refused; then the first entry's is kept.
      await p3.keyboard.type('=9');
      await sheet.locator('#rec-0-0-err').filter({ hasText: /n’est pas un numéro de réponse/ }).waitFor();
      await p3.keyboard.press('Control+a');
      await p3.keyboard.type('1');
      await waitFocus(p3, 'rec-0-save');
      // Cmd+Entrée (a Mac) with the focus on no field at all.
      await p3.evaluate(() => document.activeElement.blur());
      await p3.keyboard.press('Meta+Enter');
      await sheet.locator('.okmsg').waitFor();
      await waitStatus(p3, /N° 000950 : questionnaire réconcilié/);
    });
    const rec = L.sql(env.collector.db, "SELECT s.lang, s.entry, h.decisions FROM sheets h JOIN submissions s ON s.uuid = h.final_uuid WHERE h.paper_id = '000950'");
    assert.deepEqual(rec.map(r => [r.lang, r.entry]), [['ar', 0]], 'the reconciled record is stored in the chosen language');
    assert.deepEqual(JSON.parse(rec[0].decisions), [{ field: 'lang', first: 'ar', second: 'tr', chosen: 'ar', source: 'first' }]);

    // The first typist opens another tab: no token asked, and the day's list says the sheet is reconciled.
    const tab = await context.newPage();
    await tab.goto(env.collector.base + '/entry');
    await tab.waitForFunction(() => document.getElementById('forms-screen') || document.getElementById('entry'));
    assert.equal(await tab.locator('#token').count(), 0, 'the second tab asks for the token');
    if (await tab.locator('#forms-screen').count()) {
      await tab.locator('[data-form="resident"]').focus();
      await tab.keyboard.press('Control+Enter');
    }
    const done = tab.locator('#mine li[data-paper="000950"][data-status="reconciled"]');
    await done.waitFor();
    assert.match(await done.textContent(), /— Questionnaire réconcilié$/);
    await tab.close();
  });
});

/* A token's id, from `collector token list` (id, role, name, … separated by tabs). */
function tokenId(name) {
  const list = execFileSync(L.COLLECTOR_BIN, ['token', 'list', '--db', env.collector.db], { encoding: 'utf8' });
  const id = list.split('\n').map(l => l.split('\t')).filter(c => c[2] === name).map(c => c[0])[0];
  assert.ok(/^\d+$/.test(id || ''), `no id for ${name} in: ${list}`);
  return Number(id);
}

test('double entry: the typists cannot see nor reconcile their sheet; a third mediator does, a third value with its reason', async () => {
  const first = addToken('mediator', 'm2'), second = addToken('mediator', 'm3'), third = addToken('mediator', 'm8');
  const other = Object.assign({}, SHEET, { R07: 'mauvais', R28: 'jamais' });
  await L.withPage(env, { context: DESK }, async ({ page }) => {
    await signIn(page, first);
    await typeSheet(page, '000456', SHEET);
    await page.keyboard.press('Enter');
    await waitStatus(page, /N° 000456 : Première saisie enregistrée/);
  });
  // The other mediator, on another machine: blind second entry with R07 and R28 different, sent with Ctrl+Enter
  // from the last field.
  await L.withPage(env, { context: DESK, allow: [/status of 409/] }, async ({ page }) => {
    await signIn(page, second);
    const steps = plan(other);
    await typeSheet(page, '000456', other);
    await page.keyboard.press('Shift+Tab');
    await waitFocus(page, steps[steps.length - 1].key);
    await page.keyboard.press('Control+Enter');
    await waitStatus(page, /N° 000456 : Seconde saisie différente : à réconcilier/);
    assert.equal(await page.locator('#status').getAttribute('data-status'), 'discrepant');

    // Its reconciliation screen: the sheet is not offered, nothing of the first entry is shown, and the page
    // says why.
    await page.keyboard.press('Alt+r');
    await page.locator('#rec-loading').filter({ hasText: 'Aucun questionnaire à réconcilier par vous.' }).waitFor();
    assert.match(await page.locator('#rec-own').textContent(),
      /Vous avez fait une des deux saisies du questionnaire N° 000456 : vous ne pouvez pas le réconcilier\. La réconciliation revient à une personne qui n’a fait aucune des deux saisies/);
    assert.equal(await page.locator('section.rec').count(), 0);
    assert.doesNotMatch(await page.locator('#reconcile').textContent(), /Assez bon|Souvent/);

    // A third entry of the same sheet: refused, and said so on the page.
    await page.keyboard.press('Alt+s');
    await page.locator('#entry').waitFor();
    await waitFocus(page, 'paper_id');
    await typeSheet(page, '000456', SHEET);
    await page.keyboard.press('Enter');
    await waitStatus(page, /Refusé \(409\) : le questionnaire N° 000456 a déjà toutes ses saisies/);
    assert.match(await page.locator('.field[data-key="paper_id"] .err').textContent(), /409/);
    await waitFocus(page, 'paper_id');
  });

  // A third mediator reconciles from the keyboard: R07 gets another value (2, « Bon »), which asks for its
  // reason; R28 keeps the first entry's value.
  await L.withPage(env, { context: DESK }, async ({ page }) => {
    await signIn(page, third);
    await page.keyboard.press('Alt+r');
    const sheet = page.locator('section.rec[data-paper="000456"]');
    await sheet.waitFor();
    assert.deepEqual(await sheet.locator('.rec-field').evaluateAll(es => es.map(e => e.dataset.field)), ['R07', 'R28']);
    const opts = await sheet.locator('.rec-field[data-field="R07"] .opts').textContent();
    assert.match(opts, /saisie 1 : 3 Assez bon/);
    assert.match(opts, /saisie 2 : 4 Mauvais/);
    assert.match(opts, /autre valeur, avec sa raison/);
    await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.field === 'R07');
    assert.ok(await sheet.locator('#rec-0-0-why-row').isHidden(), 'the reason is asked before a third value');
    await page.keyboard.type('=2');
    assert.equal((await sheet.locator('#rec-0-0-val').textContent()).trim(), '→ autre valeur : 2 Bon');
    await page.keyboard.press('Enter');
    await waitFocus(page, 'rec-0-0-why');
    await page.keyboard.press('Enter');                    // no reason: refused, the focus stays
    await sheet.locator('#rec-0-0-why-err').filter({ hasText: /Donnez la raison de cette autre valeur/ }).waitFor();
    await waitFocus(page, 'rec-0-0-why');
    await page.keyboard.type('relu sur la feuille papier');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.field === 'R28');
    await page.keyboard.press('Shift+Tab');                // back: to the reason, then on again
    await waitFocus(page, 'rec-0-0-why');
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.field === 'R28');
    await page.keyboard.type('1');
    await waitFocus(page, 'rec-0-save');
    // Ctrl+Entrée saves the reconciliation wherever the focus is, here on the screen's title.
    await page.locator('#reconcile h1').focus();
    await page.keyboard.press('Control+Enter');
    await sheet.locator('.okmsg').waitFor();
    await waitStatus(page, /N° 000456 : questionnaire réconcilié/);
  });

  const h = L.sql(env.collector.db, "SELECT status, final_uuid, decided_by, decided_at, decisions FROM sheets WHERE form_id = 'resident' AND paper_id = '000456'");
  assert.equal(h.length, 1);
  assert.equal(h[0].status, 'reconciled');
  assert.equal(h[0].decided_by, tokenId('m8'));
  assert.match(h[0].decided_at, /^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
  assert.deepEqual(JSON.parse(h[0].decisions), [
    { field: 'R07', first: 'assez_bon', second: 'mauvais', chosen: 'bon', source: 'third', reason: 'relu sur la feuille papier' },
    { field: 'R28', first: 'souvent', second: 'jamais', chosen: 'souvent', source: 'first' },
  ]);
  const decided = L.sql(env.collector.db, "SELECT uuid, channel, entry, answers FROM submissions WHERE paper_id = '000456' AND entry = 0");
  assert.equal(decided.length, 1);
  assert.equal(decided[0].uuid, h[0].final_uuid);
  assert.equal(decided[0].channel, 'paper');
  assert.deepEqual(L.normalize(JSON.parse(decided[0].answers)), L.normalize(Object.assign({}, SHEET, { R07: 'bon' })));
  const counted = L.sql(env.collector.db, "SELECT uuid FROM counted_submissions WHERE paper_id = '000456'");
  assert.deepEqual(counted.map(r => r.uuid), [h[0].final_uuid]);
  const n = L.sql(env.collector.db, "SELECT count(*) AS n FROM submissions WHERE paper_id = '000456'");
  assert.equal(n[0].n, 3, 'two entries and the decided record, nothing more');
});

test('the operator form: several territories, a scale, a date, numbers with a constraint, a note', async () => {
  const token = addToken('mediator', 'm7');
  const answers = {
    O01: 'association', O02: ['QN09399A', 'QN09399C'], O03: ['familles', 'jeunes'], O04: '200-499',
    O05: ['souffrance_psychique', 'addictions', 'acces_droits'], O06: { pmi: 'partenariat', cmp: 'connait', pharmacie: 'ne_connait_pas' },
    O07: 3, O08: 'oui', O09: '2025-03-15', O10: 'non', O11: 'non', O16: 120, O17: 40, O18: 35, O19: 5,
    O20: ['cout', 'langue'], O21: ['annuaire'], O22: 'oui',
  };
  await L.withPage(env, { context: DESK }, async ({ page }) => {
    await signIn(page, token, 'operator');
    await typeSheet(page, 'P-001', answers, {
      // the date as typed (JJ/MM/AAAA) and in words
      O09: async () => {
        await page.keyboard.type('15/03/2025');
        assert.equal((await page.locator('.field[data-key="O09"] .val').textContent()).trim(), '→ 15/03/2025');
        await page.keyboard.press('Control+a');
        await page.keyboard.press('Backspace');
      },
      // the form's constraint: no more accompaniments than requests
      O18: async () => {
        await page.keyboard.type('50');
        await page.keyboard.press('Enter');
        assert.equal((await page.locator('.field[data-key="O18"] .err').textContent()).trim(), OPERATOR_DEF.sections
          .flatMap(x => x.questions).find(q => q.id === 'O18').constraint_message.fr);
        assert.equal(await activeKey(page), 'O18');
        await page.keyboard.press('Backspace');
        await page.keyboard.press('Backspace');
      },
    }, OPERATOR);
    await page.keyboard.press('Enter');
    await waitStatus(page, /N° P-001 : Première saisie enregistrée/);
  });
  const rows = L.sql(env.collector.db, "SELECT channel, answers FROM submissions WHERE form_id = 'operator' AND paper_id = 'P-001'");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].channel, 'paper');
  const stored = JSON.parse(rows[0].answers), sorted = a => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]));
  assert.deepEqual(sorted(stored), sorted(answers));
});

test('a token revoked during a sheet: back to the sign-in with a message, the typed sheet is kept', async () => {
  const token = addToken('mediator', 'm5'), spare = addToken('mediator', 'm6');
  const list = execFileSync(L.COLLECTOR_BIN, ['token', 'list', '--db', env.collector.db], { encoding: 'utf8' });
  const id = list.split('\n').map(l => l.split('\t')).filter(c => c[2] === 'm5').map(c => c[0])[0];
  assert.ok(/^\d+$/.test(id || ''), `no id for m5 in: ${list}`);
  await L.withPage(env, { context: DESK, allow: [/status of 401/] }, async ({ page }) => {
    await signIn(page, token);
    await page.keyboard.type('000999');
    await page.keyboard.press('Enter');
    await page.keyboard.type('123');                      // R01, R02, R03
    await waitFocus(page, 'R04');
    execFileSync(L.COLLECTOR_BIN, ['token', 'revoke', '--db', env.collector.db, '--id', id], { stdio: 'ignore' });
    await page.keyboard.press('Control+Enter');           // R07 and R17 are required: refused before sending
    await page.locator('.field[data-key="R07"] .err').filter({ hasText: /obligatoire/ }).waitFor();
    await waitFocus(page, 'R07');
    await page.keyboard.press('Alt+r');                   // the first request with the revoked token
    await page.locator('#token-err').filter({ hasText: /401/ }).waitFor();
    await waitFocus(page, 'token');
    assert.ok(await page.evaluate(t => ![sessionStorage, localStorage].some(st => Object.keys(st).some(k => st.getItem(k) === t)), token),
      'the revoked token is still kept');
    await page.keyboard.type(spare);
    await page.keyboard.press('Enter');
    await page.locator('#entry').waitFor();
    assert.equal(await page.locator('.field[data-key="paper_id"] .in').inputValue(), '000999');
    assert.equal(await page.locator('.field[data-key="R03"] .in').inputValue(), '3');
    assert.equal((await page.locator('.field[data-key="R02"] .val').textContent()).trim(), '2 → 25 à 39 ans');
  });
});

/* Types one entry of a sheet through the API, as another machine would. */
async function postPaper(token, body) {
  const r = await fetch(env.collector.base + '/api/v1/forms/resident/paper', { method: 'POST', body: JSON.stringify(body),
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' } });
  assert.equal(r.status, 201, await r.text());
}

test('axe-core: no violation on the entry page and the print page', async () => {
  const token = addToken('mediator', 'm4');
  // A discrepant sheet typed by two other mediators: m4 may reconcile it, and is asked a reason for a third value.
  const a = addToken('mediator', 'm9'), b = addToken('mediator', 'm10');
  await postPaper(a, { paper_id: '000790', form_version: L.FORM.version, answers: SHEET });
  await postPaper(b, { paper_id: '000790', form_version: L.FORM.version, answers: Object.assign({}, SHEET, { R07: 'mauvais' }) });
  await L.withPage(env, { context: Object.assign({ bypassCSP: true }, DESK) }, async ({ page }) => {
    await page.goto(env.collector.base + '/entry');
    await page.locator('#token').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'sign-in');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('forms-screen') || document.getElementById('entry'));
    if (await page.locator('#forms-screen').count()) {
      assert.deepEqual(await axeViolations(page), [], 'form choice');
      const key = await page.locator('[data-form="resident"] .key').textContent();
      await page.keyboard.press(key.trim());
    }
    await page.locator('#entry').waitFor();
    // Something typed, a skipped question greyed, a message shown.
    await page.keyboard.type('000789');
    await page.keyboard.press('Enter');
    await page.keyboard.type('12');
    await page.keyboard.type('7');
    await page.locator('.field[data-key="R03"] .err').filter({ hasText: /\S/ }).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'entry');
    await page.keyboard.press('Alt+r');
    await page.locator('#rec-loading').filter({ hasText: /^(Aucun|\d+ questionnaire)/ }).waitFor();
    await page.locator('section.rec[data-paper="000790"]').waitFor();
    await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.field === 'R07');
    await page.keyboard.type('=2');
    await page.keyboard.press('Enter');
    await page.locator('section.rec[data-paper="000790"] .why-row').first().waitFor();
    assert.deepEqual(await axeViolations(page), [], 'reconciliation');
  });
  await L.withPage(env, { context: Object.assign({ bypassCSP: true }, DESK) }, async ({ page }) => {
    await page.goto(env.collector.base + '/print/resident?lang=fr');
    await page.locator('.q[data-q="R40"]').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'print page');
  });
});
