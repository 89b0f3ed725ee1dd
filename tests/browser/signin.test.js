/* signin.test.js -- the mediators' one-time sign-in link, against the real collector: an administrator creates a
 * mediator through the API and gets a link; a second browser context (the mediator's phone) opens the link and
 * lands on /entry signed in without typing anything, the secret gone from the address bar, an HttpOnly
 * SameSite=Strict session cookie set; a reload stays signed in; « Se déconnecter » ends the session on the
 * server. The same link opened again (a replay) signs nobody in and says so in French. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const L = require('./lib.js');

const env = L.environment();
const DESK = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };

function addToken(role, name) {
  return execFileSync(L.COLLECTOR_BIN, ['token', 'add', '--db', env.collector.db, '--role', role, '--name', name],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/* The entry page is ready: the form choice or a form's entry screen. */
const entryReady = page => page.waitForFunction(() => document.getElementById('forms-screen') || document.getElementById('entry'));

test('a one-time link signs a second browser in to /entry, once; sign-out ends the session', async () => {
  const admin = addToken('admin', 'coordination');
  const r = await fetch(env.collector.base + '/api/v1/tokens', { method: 'POST',
    headers: { Authorization: 'Bearer ' + admin, 'Content-Type': 'application/json' },
    body: JSON.stringify({ role: 'mediator', name: 'Awa' }) });
  assert.equal(r.status, 201);
  const created = await r.json();
  const url = created.link.url;
  assert.match(url, /\/signin#[A-Za-z0-9_-]{43}$/);
  const secret = url.split('#')[1];

  await L.withPage(env, { context: DESK, allow: [/status of 401/] }, async ({ page, context }) => {
    await page.goto(url);
    await page.waitForURL(/\/entry$/);
    await entryReady(page);
    assert.equal(await page.locator('#token').count(), 0, 'no token to type');
    assert.equal(await page.locator('#menu').isHidden(), false, 'signed in: the menu is there');
    assert.ok(!page.url().includes(secret), 'the secret is not in the address');
    const cookies = await context.cookies();
    const c = cookies.find(x => x.name === 'ds_session');
    assert.ok(c, 'a session cookie');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('ds_session'), 'scripts cannot read it');
    const storage = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]));
    assert.ok(!storage.includes(secret) && !storage.includes(c.value), 'no secret in storage');
    // The session in the database is the mediator's, opened by the link.
    const rows = L.sql(env.collector.db, `SELECT t.name, t.role FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.ended_at IS NULL`);
    assert.deepEqual(rows, [{ name: 'Awa', role: 'mediator' }]);

    // Once per device: a reload is still signed in.
    await page.reload();
    await entryReady(page);
    assert.equal(await page.locator('#token').count(), 0, 'still signed in after a reload');

    // Sign-out: back to the sign-in form, and the session is over on the server.
    await page.locator('#nav-signout').click();
    await page.locator('#token').waitFor();
    assert.match(await page.locator('#token-err').textContent(), /déconnecté/);
    assert.equal(await page.evaluate(() => fetch('/api/v1/session').then(r => r.status)), 401);
    assert.equal(L.sql(env.collector.db, 'SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL')[0].n, 0);
  });

  // The same link on another phone: used already.
  await L.withPage(env, { context: DESK, allow: [/status of 401/] }, async ({ page, context }) => {
    await page.goto(url);
    await page.locator('#msg.err').filter({ hasText: /déjà servi ou a expiré/ }).waitFor();
    assert.ok(!page.url().includes('#'), 'the secret is gone from the address even when refused');
    assert.deepEqual((await context.cookies()).filter(x => x.name === 'ds_session'), []);
  });

  // A link without its secret says so, without asking the server.
  await L.withPage(env, { context: DESK }, async ({ page }) => {
    await page.goto(env.collector.base + '/signin');
    await page.locator('#msg.err').filter({ hasText: /incomplet/ }).waitFor();
  });
});
