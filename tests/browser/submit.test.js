/* submit.test.js -- a resident fills the whole questionnaire in French on a phone, with every kind of question
 * the form has (territory, single, multiple with exclusive choices, a grid, free text) and its skip logic, and
 * sends it: it lands in the database once, exactly as answered, and the receipt on screen is the stored one. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const L = require('./lib.js');

const env = L.environment();

// Compact JSON with object keys sorted: what the collector's json_dumps(JSON_COMPACT | JSON_SORT_KEYS) writes for
// these answers (forms/canon.h), and so what it stores as received, without writing it again.
function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (!v || typeof v !== 'object') return JSON.stringify(v);
  return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
}

test('a complete French questionnaire lands once, exactly as answered, with the receipt shown', async () => {
  await L.withPage(env, async ({ page }) => {
    const posted = [];
    page.on('request', r => { if (r.method() === 'POST' && /\/submissions$/.test(r.url())) posted.push(r.postData()); });
    await page.goto(env.collector.base + '/f/resident');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    // The welcome screen: the four languages and the privacy notice, before any question.
    for (const l of L.FORM.languages) assert.ok(await page.locator(`button[lang=${l}]`).isVisible(), `no ${l} button`);
    assert.equal(await page.locator('button[lang=fr]').getAttribute('aria-pressed'), 'true');
    assert.ok(await page.getByText(L.FORM.notice.fr).isVisible(), 'the privacy notice is not shown');
    assert.equal(await page.locator('main [data-q]').count(), 0);
    await page.locator('#start').click();

    // What the resident does, screen by screen; multiple choices are ticked in this order.
    const typedR39 = 'Le bruit la nuit, l\'humidité dans la chambre des enfants.\nEt « le stress » du travail.';
    const plan = {
      R01: 'QN09399C', R02: '40-54', R03: 'femme', R04: 'couple_avec_enfants', R05: 'emploi',
      R06: ['francais', 'arabe', 'autre'], R06b: 'Tamazight (kabyle)',
      R07: 'assez_bon', R08: 'oui', R09: 'oui_mais_pas_fortement',
      R10: 'non', R11: 'non', R12: 'oui',
      R13: 'non', R14: 'pas_de_nouveaux_patients',
      R15: '6-12_mois',
      R17: 'oui', R18: ['dentaire', 'lunettes'], R19: ['cout', 'attendre'],
      R20: 'assurance_maladie', R21: 'c2s_sans_participation',
      E01: 'non', E02: 'oui', E03: 'oui', E04: 'non', R22: 'oui', E06: 'non', E07: 'non', E08: 'non',
      E09: 'oui', E10: 'oui', E11: 'non',
      R23: { centre_sante: 'connu_utilise', pmi: 'connu_utilise', cmp: 'connu', pharmacie: 'connu_utilise',
        mediateur_sante: 'inconnu' },
      R24: ['famille_amis', 'medecin_pharmacien'], R25: 'plutot_non',
      R26: 'oui_aide', R27: ['mediateur_sante', 'interprete'],
      R28: 'parfois', R29: 'oui_avec_difficulte',
      R30: 'oui', R31: 'nsp',
      R32: 'jamais', R33: '1_par_mois_ou_moins',
      R34: '3-4', R35: 'parfois',
      R37: { espaces_verts: 'peu_favorable', proprete: 'pas_du_tout_favorable', securite: 'assez_favorable',
        qualite_air: 'peu_favorable', bruit: 'pas_du_tout_favorable' },
      R38: 'transports_en_commun', R38b: '15-30_min',
      R39: typedR39,
      R40: ['acces_medecin', 'sante_mentale', 'logement'],
    };
    const seen = await L.walk(page, plan, { onScreen: async ids => {
      // Multiple choices with exclusive answers, as people really click them: ticking the exclusive choice
      // drops the others, and ticking another choice afterwards drops the exclusive one.
      if (ids.includes('R16')) {
        await L.choiceInput(page, 'R16', 'generaliste').check();
        await L.choiceInput(page, 'R16', 'urgences').check();
        await L.choiceInput(page, 'R16', 'aucun').check();          // -> ['aucun']
        await L.choiceInput(page, 'R16', 'aucun').uncheck();        // -> nothing
        await L.choiceInput(page, 'R16', 'dentiste').check();       // -> ['dentiste']
        await L.choiceInput(page, 'R16', 'specialiste').check();    // -> ['dentiste', 'specialiste']
      }
      if (ids.includes('R36')) {
        await L.choiceInput(page, 'R36', 'humidite').check();
        await L.choiceInput(page, 'R36', 'refus').check();          // -> ['refus']
        await L.choiceInput(page, 'R36', 'bruit').check();          // -> ['bruit']
        await L.choiceInput(page, 'R36', 'humidite').check();       // -> ['bruit', 'humidite']
      }
    } });
    const flat = seen.flat();
    // Skip logic was followed: the questions it opens were asked, the others were not.
    for (const id of ['R06b', 'R14', 'R18', 'R19', 'R27', 'R30']) assert.ok(flat.includes(id), `${id} was not asked`);
    assert.equal(new Set(flat).size, flat.length, 'a question was asked twice');

    await L.send(page, 'receipt');
    const receipt = (await page.locator('#receipt').textContent()).trim();
    assert.match(receipt, /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    assert.ok(await page.locator('#pending').isHidden(), 'the pending banner is shown after an acknowledged send');

    const rows = L.sql(env.collector.db, 'SELECT * FROM submissions');
    assert.equal(rows.length, 1, 'not exactly one submission stored');
    const row = rows[0];
    assert.equal(row.receipt, receipt, 'the receipt on screen is not the stored one');
    assert.equal(row.form_id, 'resident');
    assert.equal(row.form_version, String(L.FORM.version));
    assert.equal(row.channel, 'web');
    assert.equal(row.lang, 'fr');
    assert.equal(row.territory, 'QN09399C');
    assert.match(row.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d/);
    assert.match(row.received_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d/);
    const outbox = await L.outbox(page);
    assert.equal(outbox.length, 1);
    assert.equal(outbox[0].uuid, row.uuid);
    assert.equal(outbox[0].status, 'sent');

    const expected = Object.assign({}, plan, { R16: ['dentiste', 'specialiste'], R36: ['bruit', 'humidite'] });
    const stored = JSON.parse(row.answers);
    // Computed answers (version 2: EPICES items 2 and 3, from R21 and R04) are never on screen; the plan's
    // E02 and E03 are what R21 = c2s_sans_participation and R04 = couple_avec_enfants give.
    const computed = Object.keys(L.Q).filter(id => L.Q[id].type === 'calculate');
    const shown = Object.assign({}, seen.shown);
    for (const id of computed) {
      assert.ok(!flat.includes(id), `${id} is computed, yet it was shown`);
      if (id in stored) shown[id] = stored[id];
    }
    if (computed.includes('E02')) assert.equal(stored.E02, 'oui');
    if (computed.includes('E03')) assert.equal(stored.E03, 'oui');
    assert.deepEqual(L.answerDiff(shown, stored, 'on screen', 'stored'), [],
      'what was stored is not what the screens showed when the resident pressed Next');
    assert.deepEqual(L.answerDiff(expected, stored, 'answered', 'stored'), [], 'what was stored is not what was answered');
    assert.deepEqual(L.normalize(stored), L.normalize(expected));
    assert.equal(stored.R39, typedR39, 'the free text was not stored as typed');
    // The page sends the canonical text (keys sorted, no space, multiple codes in the form's order), so that the
    // collector stores the bytes it received: the stored answers are the very bytes of the body's answers.
    assert.equal(posted.length, 1, 'not exactly one POST of the submission');
    assert.equal(posted[0], canonical(JSON.parse(posted[0])), 'the page did not send canonical JSON');
    assert.equal(row.answers, canonical(JSON.parse(posted[0]).answers),
      'the stored answers are not the bytes the page sent');
  });
});

test('an exclusive choice unticks the other boxes on screen, and another choice unticks it', async () => {
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?t=QN09399A');
    await page.locator('#start').click();
    await L.walk(page, { R02: '25-39', R03: 'homme', R07: 'bon' }, { until: 'R16' });
    const ticked = id => page.$$eval(`input[name="${id}"]:checked`, els => els.map(e => e.value).sort());
    await L.choiceInput(page, 'R16', 'generaliste').check();
    await L.choiceInput(page, 'R16', 'urgences').check();
    await L.choiceInput(page, 'R16', 'aucun').check();
    assert.deepEqual(await ticked('R16'), ['aucun'],
      'after ticking « Aucun », the boxes ticked before still show as ticked (but will not be sent)');
    await L.choiceInput(page, 'R16', 'dentiste').check();
    assert.deepEqual(await ticked('R16'), ['dentiste'],
      'after ticking another choice, « Aucun » still shows as ticked (but will not be sent)');
    const draft = await page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++)
        if (localStorage.key(i).startsWith('draft:')) return JSON.parse(localStorage.getItem(localStorage.key(i)));
    });
    assert.deepEqual(draft.answers.R16, ['dentiste']);
  });
});

test('a double tap on Send stores the answers once and shows their receipt', async () => {
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?t=QN09399B');
    await page.locator('#start').click();
    await L.walk(page, { R02: '75+', R03: 'homme', R07: 'mauvais', R17: 'nsp' });
    const before = L.sql(env.collector.db, 'SELECT count(*) AS n FROM submissions')[0].n;
    // Two taps that both reach Send before the phone has stored the answers (a slow phone, an impatient
    // finger): dispatched together so that the test does not depend on timing.
    await page.locator('#send').waitFor();
    await page.evaluate(() => { const b = document.getElementById('send'); b.click(); b.click(); });
    await page.locator('#done').waitFor();
    let rows = [];
    for (let i = 0; i < 50 && !rows.length; i++) {
      await page.waitForTimeout(100);
      rows = L.sql(env.collector.db, "SELECT uuid, receipt FROM submissions WHERE territory = 'QN09399B'");
    }
    assert.equal(rows.length, 1, 'the answers did not arrive');
    await page.waitForTimeout(500);
    assert.equal(L.sql(env.collector.db, 'SELECT count(*) AS n FROM submissions')[0].n, before + 1);
    await assert.doesNotReject(page.locator('#receipt').waitFor({ timeout: 5000 }),
      'after a double tap on Send, the done screen never shows the receipt of the answers it sent');
    assert.equal((await page.locator('#receipt').textContent()).trim(), rows[0].receipt);
    assert.equal(await page.locator('#saved').count(), 0);
  });
});
