/* admin.test.js -- the coordinator's console (/admin) in Chromium, against the real collector:
 * - sign-in with an admin token made by `collector token add`: Tab reaches the token field, the token is never in
 *   the address or in storage, a reload stays signed in, Tab reaches every section of the menu, sign-out ends it;
 * - the progress shown matches GET /api/v1/progress after answers submitted through the API;
 * - a new mediator: the secret shown once, the one-time link and its QR code (an image that decodes); a second
 *   browser context opens the link and lands on /entry signed in; revoking the token ends it;
 * - a poster opened from the links section in a new tab, with the chosen languages, prints on exactly one A4 page;
 * - a correction: a value the form refuses is shown next to its question (422), a good one lands in the history
 *   and in the CSV export; exclude and include;
 * - erasure by receipt: the submission is gone (404, and no row);
 * - test mode on, an answer marked as a test, the purge, test mode off;
 * - questionnaires: the versions, a version's .xlsx, a dry run of a workbook and a refused one;
 * - an analyst sees every section without any control that changes something;
 * - axe-core finds no violation on any section (laptop, and the progress on a tablet).
 * axe is injected as a script tag, which the page's CSP rightly refuses: the axe runs use bypassCSP. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const L = require('./lib.js');

const AXE = path.join(__dirname, 'node_modules', 'axe-core', 'axe.min.js');
const env = L.environment();
const DESK = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };
const TABLET = { viewport: { width: 820, height: 1180 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
/* The page asks GET /api/v1/session on load: 401 when not signed in yet, which Chromium logs. */
const ALLOW = [/status of 401/];
const SECTIONS = ['avancement', 'personnes', 'affiches', 'papier', 'questionnaires', 'donnees', 'journal'];

let admin = null, analyst = null, seq = 0;
function addToken(role, name) {
  return execFileSync(L.COLLECTOR_BIN, ['token', 'add', '--db', env.collector.db, '--role', role, '--name', name],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}
function tokens() {
  if (!admin) admin = addToken('admin', 'Coordinatrice');
  if (!analyst) analyst = addToken('analyst', 'Analyste');
}
/* A call to the API with the admin's bearer token: {status, body, text}. */
async function api(method, p, body) {
  tokens();
  const r = await fetch(env.collector.base + p, { method, headers: Object.assign({ Authorization: 'Bearer ' + admin },
    body !== undefined ? { 'Content-Type': 'application/json' } : {}), body: body !== undefined ? JSON.stringify(body) : undefined });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* CSV, xlsx */ }
  return { status: r.status, body: json, text };
}
/* Submits a resident's answers on the web; resolves {uuid, receipt}. */
async function submit(territory, extra = {}, lang = 'fr') {
  seq++;
  const uuid = `7d2c9a10-4b3e-4c5d-8e6f-${String(Date.now() % 1e6).padStart(6, '0')}${String(seq).padStart(6, '0')}`;
  const r = await fetch(env.collector.base + '/api/v1/forms/resident/submissions', { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ uuid, form_version: L.FORM.version, lang, channel: 'web',
      answers: Object.assign({ R01: territory, R02: '25-39', R03: 'femme', R07: 'bon', R17: 'non' }, extra) }) });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  return { uuid, receipt: body.receipt };
}

/* Opens /admin and signs in with token; resolves when the console's menu is there. */
async function signIn(page, token) {
  await page.goto(env.collector.base + '/admin');
  await page.locator('#token').fill(token);
  await page.locator('#signin').click();
  await page.locator('#nav-avancement').waitFor();
}
/* Opens a section from the menu and waits for its data. */
async function section(page, id) {
  await page.locator('#nav-' + id).click();
  await page.locator(`#sec-${id}:not([aria-busy])`).waitFor();
}
async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(() => window.axe.run(document).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')),
  }))));
  return violations.map(v => `${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 5).join(', ')}`);
}
/* Pages in a PDF: its page objects ("/Type /Page", not the "/Type /Pages" tree). */
function pdfPages(buf) {
  return (buf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}
const text = (page, sel) => page.locator(sel).textContent().then(s => s.trim());

test('sign-in by keyboard, once per device; every section reachable with Tab; sign-out', async () => {
  tokens();
  await L.withPage(env, { context: DESK, allow: ALLOW }, async ({ page, context }) => {
    await page.goto(env.collector.base + '/admin');
    await page.locator('#token').waitFor();
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'token');
    }
    assert.ok(reached, 'Tab reaches the token field');
    // Every word the script asks for by name is in the page's French words (forms/pages.json, "admin").
    const ui = await page.evaluate(() => JSON.parse(document.getElementById('ui').textContent).strings.fr);
    const src = require('node:fs').readFileSync(path.join(L.REPO, 'collector', 'pages', 'admin.js'), 'utf8');
    const keys = [...src.matchAll(/\b(?:t|ask|fact)\('([A-Za-z0-9_]+)'\s*[,)]/g)].map(m => m[1]);
    assert.ok(keys.length > 100);
    assert.deepEqual(keys.filter(k => typeof ui[k] !== 'string'), [], 'words missing from pages.json');
    await page.keyboard.type('ds_pas-un-vrai-jeton');
    await page.keyboard.press('Enter');
    await page.locator('#token-err').filter({ hasText: /inconnu ou révoqué/ }).waitFor();
    await page.locator('#token').fill(admin);
    await page.keyboard.press('Enter');
    await page.locator('#nav-avancement').waitFor();
    await page.locator('#sec-avancement:not([aria-busy])').waitFor();
    assert.ok(!page.url().includes(admin), 'no token in the address');
    const storage = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie]));
    assert.ok(!storage.includes(admin), 'no token in storage or readable cookies');
    const c = (await context.cookies()).find(x => x.name === 'ds_session');
    assert.ok(c && c.httpOnly && c.sameSite === 'Strict', 'an HttpOnly SameSite=Strict session cookie');

    // Every section's menu button is a Tab stop, in order.
    await page.locator('#main').focus();
    await page.evaluate(() => document.activeElement.blur());
    const seen = new Set();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement && document.activeElement.id);
      if (id) seen.add(id);
    }
    for (const s of SECTIONS) assert.ok(seen.has('nav-' + s), `Tab reaches the « ${s} » section (seen: ${[...seen].join(' ')})`);
    // Enter on a menu button opens its section, and the focus goes to its heading.
    await page.locator('#nav-journal').focus();
    await page.keyboard.press('Enter');
    await page.locator('#sec-journal:not([aria-busy])').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'heading');
    assert.match(page.url(), /#journal$/);

    // Once per device: a reload is still signed in, on the same section.
    await page.reload();
    await page.locator('#sec-journal:not([aria-busy])').waitFor();
    assert.equal(await page.locator('#token').count(), 0);

    await page.locator('#signout').click();
    await page.locator('#token').waitFor();
    assert.equal(await page.evaluate(() => fetch('/api/v1/session').then(r => r.status)), 401);
  });
});

test('progress: the numbers shown are those of GET /api/v1/progress', async () => {
  tokens();
  await submit('QN09399A');
  await submit('QN09399A', {}, 'ar');
  await submit('QN09399B', { R07: 'mauvais' });
  const p = await api('GET', '/api/v1/progress');
  assert.equal(p.status, 200, p.text);
  await L.withPage(env, { context: DESK, allow: ALLOW }, async ({ page }) => {
    await signIn(page, admin);
    await page.locator('#sec-avancement:not([aria-busy])').waitFor();
    for (const f of p.body.forms) {
      const card = `#prog-${f.id}`;
      assert.equal(await text(page, `${card} .prog-total`), String(f.total), `${f.id}: total`);
      for (const t of f.territories)
        assert.equal(await text(page, `${card} tr[data-territory="${t.code}"] td.count`), String(t.n), `${f.id} ${t.code}`);
      for (const [k, n] of Object.entries(f.channels))
        assert.equal(await text(page, `${card} tr[data-channel="${k}"] td.count`), String(n), `${f.id} channel ${k}`);
      for (const [k, n] of Object.entries(f.languages))
        assert.equal(await text(page, `${card} tr[data-lang="${k}"] td.count`), String(n), `${f.id} language ${k}`);
      assert.equal(await page.locator(`${card} svg.days rect.col`).count(), f.days.length, `${f.id}: one column per day`);
    }
    const res = p.body.forms.find(f => f.id === 'resident');
    assert.ok(res.total >= 3, 'the three answers are counted');
    assert.equal(await page.locator('#prog-mediators tbody tr').count(), p.body.mediators.length);
  });
});

test('people: a new mediator gets a one-time link that signs a second browser in to /entry; revoke', async () => {
  tokens();
  await L.withPage(env, { context: DESK, allow: ALLOW }, async ({ page }) => {
    page.on('dialog', d => d.accept());
    await signIn(page, admin);
    await section(page, 'personnes');
    await page.locator('#new-name').fill('Awa Diallo');
    await page.locator('#new-role').selectOption('mediator');
    await page.locator('#create').click();
    await page.locator('#link-url').waitFor();
    assert.match(await page.locator('#secret').inputValue(), /^ds_/);
    const url = await page.locator('#link-url').inputValue();
    assert.match(url, /\/signin#[A-Za-z0-9_-]{43}$/);
    assert.match(await page.getAttribute('#link-qr', 'src'), /^data:image\/svg\+xml;base64,/);
    assert.ok(await page.$eval('#link-qr', img => img.decode().then(() => img.naturalWidth > 0)), 'the QR code image decodes');
    const row = page.locator('#tokens tr', { hasText: 'Awa Diallo' });
    await row.waitFor();
    const id = await row.getAttribute('data-id');

    // The mediator's phone: a second browser context opens the link.
    const phone = await env.browser.newContext(L.PHONE);
    try {
      const p2 = await phone.newPage();
      await p2.goto(url);
      await p2.waitForURL(/\/entry$/);
      const s = await p2.evaluate(() => fetch('/api/v1/session').then(r => r.json()));
      assert.equal(s.role, 'mediator');
      assert.equal(s.name, 'Awa Diallo');
      await p2.waitForFunction(() => document.getElementById('forms-screen') || document.getElementById('entry'));
      assert.equal(await p2.locator('#token').count(), 0, 'signed in on /entry, nothing to type');

      // Revoke the token: its session ends at once.
      await row.locator('button.revoke').click();
      await page.locator(`#tokens tr[data-id="${id}"].revoked`).waitFor();
      assert.equal(await p2.evaluate(() => fetch('/api/v1/session').then(r => r.status)), 401);
    } finally {
      await phone.close();
    }
    const list = await api('GET', '/api/v1/tokens');
    assert.ok(list.body.tokens.find(x => String(x.id) === id).revoked_at, 'revoked on the server');
  });
});

test('posters: the chosen languages reach the poster, which prints on one A4 page', async () => {
  tokens();
  await L.withPage(env, { context: DESK, allow: ALLOW }, async ({ page, context }) => {
    await signIn(page, admin);
    await section(page, 'affiches');
    await page.locator('#lang-resident-ar').check();
    const link = page.locator('#links-resident a.poster[data-territory="QN09399C"]');
    assert.match(await link.getAttribute('href'), /^\/poster\/resident\/QN09399C\?lang=fr,ar$/);
    assert.equal(await link.getAttribute('target'), '_blank');
    const [poster] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await poster.waitForLoadState();
    assert.match(poster.url(), /\/poster\/resident\/QN09399C\?lang=fr,ar$/);
    assert.equal(await poster.locator('.call').count(), 2, 'a sentence in each chosen language');
    const pdf = await poster.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    assert.equal(pdfPages(pdf), 1, `the PDF has ${pdfPages(pdf)} pages`);
    await poster.close();
  });
});

test('paper: sheets waiting for their second entry, disagreements with their two typists', async () => {
  tokens();
  const m1 = addToken('mediator', 'Mona'), m2 = addToken('mediator', 'Paul');
  async function paper(token, sheet, r07) {
    const r = await fetch(env.collector.base + '/api/v1/forms/resident/paper', { method: 'POST',
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ paper_id: sheet, answers: { R01: 'QN09399D', R02: '25-39', R03: 'femme', R07: r07, R17: 'non' } }) });
    assert.equal(r.status, 201, await r.text());
  }
  await paper(m1, 'P1', 'bon'); await paper(m2, 'P1', 'bon');          // verified
  await paper(m1, 'P2', 'bon'); await paper(m2, 'P2', 'mauvais');      // discrepant
  await paper(m1, 'P3', 'bon');                                        // waiting for its second entry
  await L.withPage(env, { context: DESK, allow: ALLOW }, async ({ page }) => {
    await signIn(page, admin);
    await section(page, 'papier');
    assert.equal(await text(page, '#paper-resident li[data-status="verified"] strong'), '1');
    assert.equal(await text(page, '#paper-resident li[data-status="discrepant"] strong'), '1');
    assert.deepEqual(await page.locator('#awaiting-resident li').allTextContents(), ['P3']);
    const row = page.locator('#disc-resident tr[data-sheet="P2"]');
    assert.deepEqual((await row.locator('td').allTextContents()).map(s => s.trim()), ['1', 'Mona', 'Paul']);
    assert.equal(await page.getAttribute('#to-entry', 'href'), '/entry');
    const mona = page.locator('#paper-mediators tr', { hasText: 'Mona' });
    assert.deepEqual((await mona.locator('td').allTextContents()).map(s => s.trim()).slice(0, 3), ['3', '0', '1']);
  });
});

test('data: a correction refused then made, in the history and the CSV export; exclude and include', async () => {
  tokens();
  const { uuid } = await submit('QN09399D', { R07: 'bon' });
  await L.withPage(env, { context: DESK, allow: ALLOW.concat([/status of 422/]) }, async ({ page }) => {
    page.on('dialog', d => d.accept());
    await signIn(page, admin);
    await section(page, 'donnees');
    await page.locator('#uuid').fill(uuid);
    await page.locator('#find').click();
    await page.locator('#sub-facts').waitFor();
    assert.equal(await text(page, '#sub-version'), L.FORM.version);
    const r07 = page.locator('#answers input[data-q="R07"]');
    assert.equal(await r07.inputValue(), '"bon"');
    const errId = (await r07.getAttribute('id')) + '-err';

    // A value the form refuses: the server's message, next to the question.
    await r07.fill('excellent');
    await page.locator('#correct-reason').fill('erreur de saisie');
    await page.locator('#correct').click();
    await page.locator(`#${errId}`).filter({ hasText: /\S/ }).waitFor();
    assert.match(await text(page, '#correct-err'), /422/);

    await r07.fill('mauvais');
    await page.locator('#correct').click();
    await page.locator('#history li[data-action="correct"]').waitFor();
    assert.match(await text(page, '#history li[data-action="correct"] li[data-q="R07"]'), /R07 : "bon" → "mauvais"/);
    assert.match(await text(page, '#history li[data-action="correct"]'), /erreur de saisie/);
    assert.equal(await page.locator('#answers input[data-q="R07"]').inputValue(), '"mauvais"');

    const csv = await api('GET', '/api/v1/forms/resident/submissions.csv');
    assert.equal(csv.status, 200);
    const lines = csv.text.split('\r\n');
    const head = lines[0].split(','), line = lines.find(l => l.includes(uuid));
    assert.ok(line, 'the corrected answer is in the export');
    assert.equal(line.split(',')[head.indexOf('R07')], 'mauvais');

    await page.locator('#steward-reason').fill('doublon');
    await page.locator('#exclude').click();
    await page.locator('#include').waitFor();
    assert.equal(await text(page, '#sub-status'), 'exclue');
    await page.locator('#steward-reason').fill('pas un doublon finalement');
    await page.locator('#include').click();
    await page.locator('#exclude').waitFor();
    assert.equal(await text(page, '#sub-status'), 'retenue');
  });
});

test('data: erasure by receipt leaves nothing', async () => {
  tokens();
  const { uuid, receipt } = await submit('QN09399A', { R39: 'marqueur-effacement' });
  await L.withPage(env, { context: DESK, allow: ALLOW }, async ({ page }) => {
    page.on('dialog', d => d.accept());
    await signIn(page, admin);
    await section(page, 'donnees');
    await page.locator('#receipt').fill(receipt.toLowerCase());
    await page.locator('#erase').click();
    await page.locator('#status.ok').filter({ hasText: receipt }).waitFor();
  });
  const r = await api('GET', '/api/v1/submissions/' + uuid);
  assert.equal(r.status, 404);
  assert.equal(r.body.code, 'unknown_submission');
  assert.equal(L.sql(env.collector.db, `SELECT count(*) AS n FROM submissions WHERE uuid = '${uuid}'`)[0].n, 0);
});

test('data: test mode on, a test answer, purge, test mode off', async () => {
  tokens();
  await L.withPage(env, { context: DESK, allow: ALLOW }, async ({ page }) => {
    page.on('dialog', d => d.accept());
    await signIn(page, admin);
    await section(page, 'donnees');
    assert.equal(await page.getAttribute('#campaign-state', 'data-test-mode'), 'off');
    assert.ok(await page.locator('#test-banner').isHidden());
    await page.locator('#test-toggle').click();
    await page.locator('#campaign-state[data-test-mode="on"]').waitFor();
    assert.ok(await page.locator('#test-banner').isVisible(), 'the test banner is shown');
    const { uuid } = await submit('QN09399B');
    const got = await api('GET', '/api/v1/submissions/' + uuid);
    assert.equal(got.body.status, 'test');
    await section(page, 'donnees');
    assert.match(await text(page, '#purge'), /\b1\b/);
    await page.locator('#purge').click();
    await page.locator('#status.ok').filter({ hasText: /supprimée/ }).waitFor();
    assert.equal((await api('GET', '/api/v1/submissions/' + uuid)).status, 404);
    await page.locator('#test-toggle').click();
    await page.locator('#campaign-state[data-test-mode="off"]').waitFor();
    assert.ok(await page.locator('#test-banner').isHidden());
  });
});

test('questionnaires: versions, a version as .xlsx, a dry run, a refused workbook', async () => {
  tokens();
  await L.withPage(env, { context: DESK, allow: ALLOW.concat([/status of 4\d\d/]) }, async ({ page }) => {
    await signIn(page, admin);
    await section(page, 'questionnaires');
    const v = await api('GET', '/api/v1/forms/resident/versions');
    assert.equal(v.status, 200, v.text);
    for (const x of v.body.versions)
      assert.equal(await text(page, `#versions-resident tr[data-version="${x.version}"] td.answers`), String(x.answers));
    const href = await page.getAttribute(`#versions-resident tr[data-version="${v.body.current}"] a.xlsx`, 'href');
    const bytes = await page.evaluate(h => fetch(h).then(r => r.ok ? r.arrayBuffer() : Promise.reject(new Error('status ' + r.status)))
      .then(b => Array.from(new Uint8Array(b))), href);
    assert.equal(Buffer.from(bytes.slice(0, 2)).toString('latin1'), 'PK', 'a workbook (zip)');

    await page.locator('#xlsx').setInputFiles({ name: 'resident.xlsx', buffer: Buffer.from(bytes),
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    await page.locator('#check').click();
    await page.locator('#upload-ok').waitFor();
    assert.match(await text(page, '#upload-ok'), new RegExp(`version ${v.body.current}`));
    await page.locator('#publish').waitFor();

    await page.locator('#xlsx').setInputFiles({ name: 'bad.xlsx', buffer: Buffer.from('pas un classeur'),
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    await page.locator('#check').click();
    await page.locator('#upload-err').waitFor();
    assert.match(await text(page, '#upload-err'), /Refusé par le serveur \(4\d\d\) : \S/);
    assert.equal(await page.locator('#publish').count(), 0);
  });
});

test('an analyst reads every section and can change nothing', async () => {
  tokens();
  await L.withPage(env, { context: DESK, allow: ALLOW.concat([/status of 403/]) }, async ({ page }) => {
    await signIn(page, analyst);
    assert.ok(await page.locator('#readonly').isVisible());
    for (const s of SECTIONS) {
      await section(page, s);
      const controls = await page.locator('#create, button.revoke, button.newlink, #upload-form, #correct-form, #steward-reason, ' +
        '#erase-form, #test-toggle, #purge').count();
      assert.equal(controls, 0, `${s}: no control that changes something`);
    }
  });
});

test('axe: no violation on any section (laptop), nor on the progress on a tablet', async () => {
  tokens();
  const { uuid } = await submit('QN09399C');
  for (const [name, ctx, list] of [['laptop', DESK, ['signin'].concat(SECTIONS)], ['tablet', TABLET, ['avancement']]]) {
    await L.withPage(env, { context: Object.assign({ bypassCSP: true }, ctx), allow: ALLOW.concat([/status of 403/]) }, async ({ page }) => {
      const found = [];
      await page.goto(env.collector.base + '/admin');
      await page.locator('#token').waitFor();
      if (list[0] === 'signin') found.push(...await audit(page, `${name} sign-in`));
      await page.locator('#token').fill(admin);
      await page.locator('#signin').click();
      await page.locator('#nav-avancement').waitFor();
      for (const s of list.filter(x => x !== 'signin')) {
        await section(page, s);
        found.push(...await audit(page, `${name} ${s}`));
        if (s === 'personnes') { /* with a new mediator's secret, link and QR code shown */
          await page.locator('#new-name').fill('Axe');
          await page.locator('#create').click();
          await page.locator('#link-qr').waitFor();
          found.push(...await audit(page, `${name} ${s}, a token created`));
        }
        if (s === 'donnees') { /* with a submission, its editor and its history */
          await page.locator('#uuid').fill(uuid);
          await page.locator('#find').click();
          await page.locator('#sub-facts').waitFor();
          found.push(...await audit(page, `${name} ${s}, a submission shown`));
        }
      }
      assert.deepEqual(found, []);
    });
  }
});
