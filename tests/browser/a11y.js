/* a11y.js -- the accessibility test that a11y-fr.test.js and a11y-ar.test.js run, one language each: axe-core
 * on every screen of the residents' form: the welcome, each question screen (with skip logic opening every
 * conditional question), a screen showing a validation error, the send screen, the done screen with its
 * receipt, "Mes réponses", and (in French) the done screen of answers sent without network, with the pending banner, before
 * they are delivered. Every rule axe runs by default; no violation allowed.
 *
 * axe is injected as a script tag, which the page's Content-Security-Policy (script hashes) rightly refuses:
 * this test alone opens its pages with bypassCSP. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const L = require('./lib.js');

const AXE = path.join(__dirname, 'node_modules', 'axe-core', 'axe.min.js');
const OFFLINE_ERRORS = [/console error: Failed to load resource: net::ERR_INTERNET_DISCONNECTED \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/forms\/resident\/submissions:/];
const ANSWERS = { R01: 'QN09399D', R02: '40-54', R03: 'femme', R06: ['autre'], R06b: 'Wolof', R07: 'bon', R13: 'non',
  R17: 'oui', R18: ['lunettes'], R23: { pmi: 'connu' }, R26: 'oui_aide', R39: 'Le bruit.' };

/* Runs axe on the current screen; returns its violations as readable lines. */
async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(() => window.axe.run(document).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.replace(/\s+/g, ' ') : '')),
  }))));
  return violations.map(v => `${name}: ${v.id} (${v.impact}) ${v.help}\n      ${v.nodes.slice(0, 5).join('\n      ')}`);
}

/* Registers the test of one language, with its own collector and browser. */
function axeEveryScreen(lang) {
  const env = L.environment();
  test(`axe: no violation on any screen, in ${lang === 'fr' ? 'French' : 'Arabic'}`, async () => {
    await L.withPage(env, { context: { bypassCSP: true, locale: lang }, allow: OFFLINE_ERRORS, timeout: 20000 },
      async ({ page, context }) => {
        const found = [];
        let screens = 0;
        const check = async name => { screens++; found.push(...await audit(page, `${lang} ${name}`)); };

        await page.goto(env.collector.base + '/f/resident' + (lang === 'fr' ? '' : '?lang=ar'));
        await check('welcome');
        await page.locator('#start').click();
        // A validation error: R01 left empty.
        await page.locator('#next').click();
        await page.locator('#q-R01-err').filter({ hasText: /\S/ }).waitFor();
        await check('R01 with its error');
        await L.walk(page, ANSWERS, { onScreen: ids => check(ids.join('+')) });
        await check('send');
        if (lang === 'fr') {
          // Sent without network: the done screen says the answers are kept on the phone, with the banner.
          await context.setOffline(true);
          await L.send(page, 'saved');
          await page.locator('#pending').waitFor();
          await check('done (saved offline, pending banner)');
          await context.setOffline(false);
          await page.locator('#receipt').waitFor({ timeout: 20000 });
        } else {
          await L.send(page, 'receipt');
        }
        await check('done (receipt)');
        await page.locator('#mine-btn').click();
        await page.locator('#mine li').first().waitFor();
        await check('Mes réponses');
        console.log(`axe ${lang}: ${screens} screens checked, ${found.length} violation(s)`);
        assert.deepEqual(found, [], `axe found violations:\n${found.join('\n')}`);
      });
  });
}

module.exports = { axeEveryScreen };
