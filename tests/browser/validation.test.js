/* validation.test.js -- Next on a required question left empty: the form's French message under the question,
 * and the screen does not change; answering clears the message and Next goes on. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const L = require('./lib.js');

const env = L.environment();

// The page's French message for a required question (app.js, UI.fr.required: messages follow the resident's
// language, so the page words them itself from the checker's error code; the checker's own French is
// « réponse obligatoire »). Never the checker's raw message with the question id (« R02 : … »).
const REQUIRED_FR = /^réponse obligatoire\.?$/i;

test('Next on the empty required R02 shows the French message and stays on R02', async () => {
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?t=QN09399A');
    await page.locator('#start').click();
    // R01 (answered by ?t=) and R02 share the first screen.
    const first = await L.screenIds(page);
    assert.deepEqual(first.slice(0, 2), ['R01', 'R02']);
    const step = await page.locator('#step').textContent();
    assert.equal(await page.locator('#q-R02-err').textContent(), '', 'an error is shown before Next');

    await page.locator('#next').click();
    await assert.doesNotReject(page.locator('#q-R02-err').filter({ hasText: /\S/ }).waitFor(),
      'no message under R02');
    assert.match((await page.locator('#q-R02-err').textContent()).trim(), REQUIRED_FR);
    assert.ok(await page.locator('#q-R02-err').isVisible());
    // Still on R02: same screen, same step, nothing of the next screen.
    assert.deepEqual(await L.screenIds(page), first);
    assert.equal(await page.locator('#step').textContent(), step);
    assert.equal(await page.locator('#q-R03').count(), 0);
    assert.match(await page.locator('#q-R02').getAttribute('class'), /\binvalid\b/);
    // The message is tied to the question for screen readers, and focus went to the question.
    assert.equal(await page.locator('#q-R02').getAttribute('aria-describedby'), 'q-R02-err');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.name), 'R02');
    // Pressing Next again does not advance either.
    await page.locator('#next').click();
    assert.deepEqual(await L.screenIds(page), first);

    await L.answer(page, 'R02', '16-24');
    assert.equal(await page.locator('#q-R02-err').textContent(), '', 'the message stays after answering');
    await L.next(page);
    assert.ok(!(await L.screenIds(page)).includes('R02'), 'Next did not go on once R02 was answered');
  });
});
