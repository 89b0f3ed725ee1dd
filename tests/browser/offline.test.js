/* offline.test.js -- a phone without network: the finished questionnaire is kept on the phone (#saved, the
 * #pending banner), the page reopens from the service worker's cache, and when the network comes back the
 * answers reach the collector exactly once. Also: a draft in progress survives a reload. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const L = require('./lib.js');

const env = L.environment();

// While the test has cut the network, the page's attempts to send fail, and Chromium logs each failed request
// as a console error: those, and only those, are expected.
const OFFLINE_ERRORS = [/console error: Failed to load resource: net::ERR_INTERNET_DISCONNECTED \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/forms\/resident\/submissions:/];
const PENDING_1 = /^1 réponse en attente d’envoi\b/;
const ANSWERS = { R02: '25-39', R03: 'femme', R05: 'chomage', R07: 'mauvais', R13: 'non', R14: 'pas_de_nouveaux_patients',
  R17: 'oui', R18: ['dentaire'], R19: ['cout'], R40: ['acces_medecin'] };

/* First visit online: the page loads, its service worker takes control, and the page has had a few seconds to
 * be put in a cache (any cache, any key but the query). If it never is, the offline reload will say so. */
async function firstVisit(page) {
  await page.goto(env.collector.base + '/f/resident?t=QN09399A');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 10000 });
  await page.waitForFunction(() => caches.match(location.href, { ignoreSearch: true }).then(r => !!r), null,
    { timeout: 5000, polling: 100 }).catch(() => {});
}

/* Fills the questionnaire and sends it with the network cut; returns the uuid kept in the outbox. */
async function fillAndSendOffline(page, context) {
  await context.setOffline(true);
  await page.locator('#start').click();
  await L.walk(page, ANSWERS);
  await L.send(page, 'saved');
  await page.locator('#pending').filter({ hasText: PENDING_1 }).waitFor();
  assert.ok(await page.locator('#pending').isVisible());
  assert.equal(await page.locator('#receipt').count(), 0);
  const box = await L.outbox(page);
  assert.equal(box.length, 1);
  assert.equal(box[0].status, 'pending');
  assert.deepEqual(L.normalize(box[0].body.answers), L.normalize(Object.assign({ R01: 'QN09399A' }, ANSWERS)));
  assert.equal(L.sql(env.collector.db, `SELECT count(*) AS n FROM submissions WHERE uuid = '${box[0].uuid}'`)[0].n, 0);
  return box[0].uuid;
}

/* Restores the network and waits for the answers to be acknowledged: banner gone, receipt on the done screen,
 * one row in the database. */
async function backOnline(page, context, uuid) {
  await context.setOffline(false);
  await page.locator('#pending').waitFor({ state: 'hidden', timeout: 20000 });
  await page.locator('#receipt').waitFor({ timeout: 5000 });
  const receipt = (await page.locator('#receipt').textContent()).trim();
  const rows = L.sql(env.collector.db, `SELECT uuid, receipt, lang, channel FROM submissions WHERE uuid = '${uuid}'`);
  assert.equal(rows.length, 1, 'the answers did not arrive exactly once');
  assert.equal(rows[0].receipt, receipt);
  assert.equal(rows[0].channel, 'web');
  const box = await L.outbox(page);
  assert.equal(box.length, 1);
  assert.equal(box[0].status, 'sent');
  // Nothing is sent again later: a reload online finds nothing pending, and the database still has one row.
  await page.reload();
  await page.locator('#receipt').waitFor();
  await page.waitForTimeout(500);
  assert.ok(await page.locator('#pending').isHidden());
  assert.equal(L.sql(env.collector.db, `SELECT count(*) AS n FROM submissions WHERE uuid = '${uuid}'`)[0].n, 1);
}

test('offline: kept on the phone, the page reopens offline after one online visit, sent once when back online', async () => {
  await L.withPage(env, { allow: OFFLINE_ERRORS }, async ({ page, context }) => {
    await firstVisit(page);
    const uuid = await fillAndSendOffline(page, context);
    // Reload without network: the page must come from the service worker's cache.
    await assert.doesNotReject(page.reload(),
      'the page does not reopen offline after a first visit online (nothing in the service worker cache)');
    await page.locator('#done').waitFor();
    await page.locator('#saved').waitFor();
    await page.locator('#pending').filter({ hasText: PENDING_1 }).waitFor();
    await backOnline(page, context, uuid);
    assert.equal(L.sql(env.collector.db, 'SELECT count(*) AS n FROM submissions')[0].n, 1);
  });
});

test('offline: sent without network, delivered exactly once when the network comes back (no reload)', async () => {
  await L.withPage(env, { allow: OFFLINE_ERRORS }, async ({ page, context }) => {
    await firstVisit(page);
    const uuid = await fillAndSendOffline(page, context);
    // A while offline: the page retries and fails, nothing arrives.
    await page.waitForTimeout(1500);
    assert.equal(L.sql(env.collector.db, `SELECT count(*) AS n FROM submissions WHERE uuid = '${uuid}'`)[0].n, 0);
    await backOnline(page, context, uuid);
  });
});

// The page carries its French texts before its scripts and the other languages after them (web.c): the copy
// the worker keeps must be the whole page, so that it opens offline in every language of the form.
const WORDS = JSON.parse(require('node:fs').readFileSync(require('node:path').join(L.FORMS_DIR, 'pages.json'), 'utf8')).strings;
test('offline: the page kept after a first visit in French opens in every language of the form', async () => {
  await L.withPage(env, async ({ page, context }) => {
    await firstVisit(page);
    await context.setOffline(true);
    for (const lang of L.FORM.languages) {
      await assert.doesNotReject(page.reload(), `the page does not reopen offline (${lang})`);
      if (await page.locator('#lang-btn').isVisible()) await page.locator('#lang-btn').click();
      await page.locator(`main button[lang="${lang}"]`).click();
      await page.locator('main h1').filter({ hasText: L.FORM.title[lang] }).waitFor();
      // "Commencer" the first time, "Reprendre" once the questionnaire has been started, in that language.
      assert.ok([WORDS[lang].form.start, WORDS[lang].form.resume].includes(await page.locator('#start').textContent()),
        `#start in ${lang}`);
      await page.locator('#start').click();
      await page.locator('#q-R01 legend').filter({ hasText: L.Q.R01.label[lang] }).waitFor();
    }
  });
});

test('a draft in progress survives a reload: same screen, same answers', async () => {
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?t=QN09399A');
    await page.locator('#start').click();
    await L.answer(page, 'R02', '65-74');                  // on the first screen, with R01
    await L.next(page);
    await L.answer(page, 'R03', 'femme');
    const step = await page.locator('#step').textContent();
    const screen = await L.screenIds(page);
    assert.equal(screen[0], 'R03');

    await page.reload();
    await page.locator('#q-R03').waitFor();
    assert.deepEqual(await L.screenIds(page), screen, 'the reload did not come back to the same screen');
    assert.equal(await page.locator('#step').textContent(), step);
    assert.ok(await L.choiceInput(page, 'R03', 'femme').isChecked(), 'R03 lost its answer');
    await L.back(page);
    assert.ok(await L.choiceInput(page, 'R02', '65-74').isChecked(), 'R02 lost its answer');
    assert.ok(await L.choiceInput(page, 'R01', 'QN09399A').isChecked(), 'R01 lost its answer');
  });
});
