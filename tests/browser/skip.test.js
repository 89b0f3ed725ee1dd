/* skip.test.js -- skip logic on the phone: R14 (why no doctor) is asked only when R13 = 'non'; an answer to R14
 * given before R13 was changed to a 'oui…' code is not sent. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const L = require('./lib.js');

const env = L.environment();

test('R14 appears with R13 = non, disappears with oui, and a hidden R14 answer is not sent', async () => {
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?t=QN09399A');
    await page.locator('#start').click();
    const required = { R02: '55-64', R03: 'homme', R07: 'bon', R17: 'non' };
    await L.walk(page, required, { until: 'R13' });
    // R13 shares its screen with short questions before it; R14 is not there yet.
    const without = await L.screenIds(page);
    assert.ok(without.includes('R13') && !without.includes('R14'), `R14 is shown before R13 is answered: ${without}`);
    const withR14 = without.flatMap(id => id === 'R13' ? ['R13', 'R14'] : [id]);

    await L.answer(page, 'R13', 'non');
    await page.locator('#q-R14').waitFor();
    // R14 comes right under R13; nothing else moves.
    assert.deepEqual(await L.screenIds(page), withR14);
    assert.ok(await L.choiceInput(page, 'R13', 'non').isChecked(), 'R13 lost its answer when R14 appeared');

    await L.answer(page, 'R13', 'oui_commune');
    await page.locator('#q-R14').waitFor({ state: 'detached' });
    assert.deepEqual(await L.screenIds(page), without);

    await L.answer(page, 'R13', 'non');
    await L.answer(page, 'R14', 'medecin_parti');
    await L.next(page);
    const after = await L.screenIds(page);
    assert.ok(!after.includes('R13') && !after.includes('R14'), `Next from R13/R14 did not go on: ${after}`);

    // Back to the doctor screen: both answers are still there; the resident now says they have one.
    await L.back(page);
    assert.deepEqual(await L.screenIds(page), withR14);
    assert.ok(await L.choiceInput(page, 'R14', 'medecin_parti').isChecked(), 'R14 lost its answer on Back');
    await L.answer(page, 'R13', 'oui_quartier');
    await page.locator('#q-R14').waitFor({ state: 'detached' });
    await L.next(page);

    const seen = await L.walk(page, required);
    assert.ok(!seen.flat().includes('R14'));
    await L.send(page, 'receipt');
    const rows = L.sql(env.collector.db, 'SELECT uuid, answers FROM submissions');
    assert.equal(rows.length, 1);
    const stored = JSON.parse(rows[0].answers);
    assert.equal(stored.R13, 'oui_quartier');
    assert.ok(!('R14' in stored), `R14 was sent although R13 = oui_quartier: ${JSON.stringify(stored)}`);
    assert.deepEqual(stored, Object.assign({ R01: 'QN09399A', R13: 'oui_quartier' }, required));
  });
});
