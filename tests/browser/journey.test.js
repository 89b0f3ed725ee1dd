/* journey.test.js -- the residents' page as issue 17 asks, on a 360 x 640 phone with touch, in French and in
 * Arabic: a double tap on Send still shows the receipt; an answer queued offline and acknowledged while the
 * resident is elsewhere is announced there and listed in "Mes réponses"; a required question left empty at the
 * bottom of a long screen brings its message into view with a summary; the browser's back and forward buttons
 * move between screens; every control is at least 44 x 44 CSS px; the typical path is counted (at most 22
 * screens) and timed with simulated human delays (the median is printed). No fixed waits: every step awaits an
 * event or a state of the page. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const L = require('./lib.js');

const env = L.environment();
const SMALL_PHONE = { viewport: { width: 360, height: 640 } };
const MAX_SCREENS = 22;
const MIN_TARGET = 44;

/* A typical complete path: every question a resident of a QPV would see, answered as one would. */
const TYPICAL = {
  R02: '40-54', R03: 'femme', R04: 'couple_avec_enfants', R05: 'au_foyer', R06: ['francais', 'arabe'],
  R07: 'assez_bon', R08: 'oui', R09: 'oui_un_peu', R10: 'parfois', R11: 'non', R12: 'parfois',
  R13: 'oui', R14: 'moins_1_an', R15: '1-6_mois', R16: ['generaliste', 'pharmacie'],
  R17: 'oui', R18: ['dentaire'], R19: ['cout'],
  R20: 'assurance_maladie', R21: 'mutuelle',
  E01: 'non', E02: 'oui', E03: 'oui', E04: 'non', R22: 'non', E06: 'non', E07: 'non', E08: 'non',
  E09: 'oui', E10: 'oui', E11: 'non',
  R23: { centre_sante: 'connu_utilise', pmi: 'connu', pharmacie: 'connu_utilise', cmp: 'inconnu' },
  R24: ['famille_amis'], R25: 'plutot_oui', R26: 'non', R28: 'parfois', R29: 'oui_sans_difficulte',
  R30: 'oui', R31: 'oui', R32: 'jamais', R33: 'jamais', R34: '1-2', R35: 'parfois', R36: ['humidite'],
  R37: { espaces_verts: 'peu_favorable', securite: 'assez_favorable' },
  R38: 'transports_en_commun', R38b: 'moins_15_min', R40: ['acces_medecin', 'logement'],
};
/* Only what the form requires. */
const MINIMAL = { R02: '25-39', R03: 'homme', R07: 'bon', R17: 'non' };

/* Keeps, of plan, the answers whose codes exist in the form served (a new version may rename nothing, but the
 * test must not depend on an optional question being there). */
function valid(plan) {
  const out = {};
  for (const [id, v] of Object.entries(plan)) {
    const q = L.Q[id];
    if (!q) continue;
    const codes = new Set(q.choices.map(c => c.code));
    if (q.type === 'grid') {
      const rows = new Set(q.rows.map(r => r.code));
      const g = Object.fromEntries(Object.entries(v).filter(([r, c]) => rows.has(r) && codes.has(c)));
      if (Object.keys(g).length) out[id] = g;
    } else if (Array.isArray(v)) {
      const a = v.filter(c => codes.has(c));
      if (a.length) out[id] = a;
    } else if (codes.has(v)) out[id] = v;
  }
  return out;
}

async function begin(page, lang) {
  await page.goto(env.collector.base + '/f/resident?t=QN09399A' + (lang ? '&lang=' + lang : ''));
  await page.locator('#start').click();
  await page.locator('main [data-q]').first().waitFor();
}

/* The boxes of every visible control smaller than 44 x 44 CSS px: buttons, links, fields, and for a radio
 * button or a box inside a label, the label (what a finger taps). */
function smallTargets(page, where) {
  return page.evaluate(([min, where]) => {
    const out = [];
    const seen = new Set();
    for (const e of document.querySelectorAll('button, a[href], input, select, textarea, [role=button]')) {
      const target = (e.type === 'radio' || e.type === 'checkbox') && e.closest('label') || e;
      if (seen.has(target) || !target.checkVisibility()) continue;
      seen.add(target);
      const r = target.getBoundingClientRect();
      if (r.width + 0.5 < min || r.height + 0.5 < min)
        out.push(`${where}: ${target.tagName.toLowerCase()}#${target.id || ''} "${(target.textContent || target.name || '').trim().slice(0, 30)}" ${r.width.toFixed(1)} x ${r.height.toFixed(1)}`);
    }
    return out;
  }, [MIN_TARGET, where]);
}

test('a typical path takes at most 22 screens, and every control is 44 x 44 px at least, in French and Arabic', async () => {
  for (const lang of ['fr', 'ar']) {
    await L.withPage(env, { context: SMALL_PHONE }, async ({ page }) => {
      await page.goto(env.collector.base + '/f/resident?t=QN09399A&lang=' + lang);
      const small = await smallTargets(page, `${lang} welcome`);
      await page.locator('#start').click();
      await page.locator('main [data-q]').first().waitFor();
      let grid = null;
      const seen = await L.walk(page, valid(TYPICAL), { onScreen: async ids => {
        small.push(...await smallTargets(page, `${lang} ${ids.join(',')}`));
        if (ids.includes('R23')) grid = await page.evaluate(() => ({
          shown: Array.from(document.querySelectorAll('#q-R23 fieldset[data-row]')).filter(f => f.checkVisibility()).length,
          height: document.getElementById('q-R23').getBoundingClientRect().height,
        }));
      } });
      small.push(...await smallTargets(page, `${lang} send`));
      await L.send(page, 'receipt');
      small.push(...await smallTargets(page, `${lang} done`));
      await page.locator('#mine-btn').click();
      await page.locator('#mine li').first().waitFor();
      small.push(...await smallTargets(page, `${lang} mine`));
      const total = seen.length + 2;   // the welcome screen, the question screens, the send screen
      console.log(`path (${lang}): ${total} screens (welcome, ${seen.length} of questions, send): ` +
        seen.map(s => s.join('+')).join(' | '));
      assert.ok(total <= MAX_SCREENS, `${total} screens, more than ${MAX_SCREENS}`);
      assert.deepEqual(small, [], 'controls smaller than 44 x 44 CSS px');
      // The services grid on a phone: one row at a time, within one phone screen.
      assert.ok(grid, 'R23 was not shown');
      assert.equal(grid.shown, 1, 'the grid shows more than one row at a time on a phone');
      assert.ok(grid.height < 640, `the grid is ${grid.height} px tall`);
      if (lang === 'ar') assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    });
  }
});

test('time to complete the typical path with human delays (median of 3, printed)', async () => {
  const times = [];
  for (let run = 0; run < 3; run++) {
    await L.withPage(env, { context: SMALL_PHONE, timeout: 30000 }, async ({ page }) => {
      const t0 = Date.now();
      await page.goto(env.collector.base + '/f/resident?t=QN09399A');
      await page.locator('#start').click();
      await page.locator('main [data-q]').first().waitFor();
      // A person: 0.6 s to read a question and tap, 0.4 s before Next.
      const plan = valid(TYPICAL);
      await L.walk(page, plan, { onScreen: async ids => {
        const n = ids.filter(id => plan[id] !== undefined).length;
        await page.evaluate(ms => new Promise(ok => setTimeout(ok, ms)), 600 * n + 400);
      } });
      await L.send(page, 'receipt');
      times.push(Date.now() - t0);
    });
  }
  times.sort((a, b) => a - b);
  console.log(`time to complete (simulated: 0.6 s a question, 0.4 s a screen): median ${(times[1] / 1000).toFixed(1)} s ` +
    `(runs ${times.map(t => (t / 1000).toFixed(1)).join(', ')} s)`);
});

test('a double tap on Send shows the receipt, and stores the questionnaire once, in French and Arabic', async () => {
  for (const lang of ['fr', 'ar']) await L.withPage(env, { context: SMALL_PHONE }, async ({ page }) => {
    const count = () => L.sql(env.collector.db, "SELECT count(*) AS n FROM submissions WHERE form_id = 'resident'")[0].n;
    const before = count();
    await begin(page, lang);
    await L.walk(page, MINIMAL);
    const send = page.locator('#send');
    const box = await send.boundingBox();
    // Two taps at the same spot, the second as soon as the first has changed the screen.
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('#done').waitFor();
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('#receipt').waitFor();
    assert.equal(await page.locator('#done').count(), 1, 'the second tap left the done screen');
    const receipt = (await page.locator('#receipt').textContent()).trim();
    assert.equal(count(), before + 1, 'not stored exactly once');
    const rows = L.sql(env.collector.db, `SELECT count(*) AS n FROM submissions WHERE receipt = '${receipt.replace(/'/g, '')}'`);
    assert.equal(rows[0].n, 1);
  });
});

test('an answer queued offline and acknowledged later is announced wherever the resident is, and kept in "Mes réponses"', async () => {
  await L.withPage(env, { context: SMALL_PHONE, allow: [/Failed to fetch|ERR_INTERNET_DISCONNECTED|net::ERR/] },
    async ({ page, context }) => {
      await context.grantPermissions(['notifications']);
      await begin(page, 'ar');
      await page.evaluate(() => navigator.serviceWorker.ready);
      await L.walk(page, MINIMAL);
      await context.setOffline(true);
      await L.send(page, 'saved');
      const [rec] = await L.outbox(page);
      assert.equal(rec.status, 'pending');
      // The resident moves on: a new questionnaire, second screen.
      await page.locator('#again').click();
      await page.locator('#start').click();
      await page.locator('main [data-q]').first().waitFor();
      await L.answer(page, 'R02', '40-54');
      await context.setOffline(false);
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      await page.locator('#live').filter({ hasText: /\S/ }).waitFor();
      const [sent] = (await L.outbox(page)).filter(r => r.uuid === rec.uuid);
      assert.equal(sent.status, 'sent');
      assert.equal(sent.body, null, 'the answers stay on the phone after they were acknowledged');
      const live = await page.locator('#live').textContent();
      assert.ok(live.includes(sent.receipt), `the announcement lacks the receipt: ${live}`);
      assert.equal(await page.locator('#live').getAttribute('aria-live'), 'polite');
      assert.ok(await page.locator('#live').isVisible());
      assert.ok(await page.locator('main [data-q="R02"]').isVisible(), 'the resident was moved away from her screen');
      // The notification, through the service worker.
      const notes = await page.evaluate(async tag => {
        const reg = await navigator.serviceWorker.ready;
        return (await reg.getNotifications({ tag })).map(n => n.body);
      }, rec.uuid);
      assert.equal(notes.length, 1, 'no notification');
      assert.ok(notes[0].includes(sent.receipt));
      // "Mes réponses": from the first screen, the receipt and its status, in Arabic.
      await page.locator('#back').click();
      await page.locator('#mine-btn').click();
      const item = page.locator(`#mine li[data-uuid="${rec.uuid}"]`);
      await item.waitFor();
      assert.equal(await item.getAttribute('data-status'), 'sent');
      assert.ok((await item.textContent()).includes(sent.receipt));
      assert.ok((await item.textContent()).includes('وصلت'), 'the status is not in Arabic');
      // Clearing takes two taps and keeps nothing but pending answers.
      await page.locator('#mine-clear').click();
      await page.locator('#mine-clear').click();
      await page.locator('#mine-empty').waitFor();
      assert.deepEqual((await L.outbox(page)).filter(r => r.status !== 'pending'), []);
    });
});

test('a required question left empty at the bottom of a long screen: its message is in view, with a summary', async () => {
  for (const lang of ['fr', 'ar']) {
    await L.withPage(env, { context: SMALL_PHONE }, async ({ page }) => {
      await begin(page, lang);
      // Walk until a screen whose last required question starts below the fold.
      const required = new Set(Object.entries(L.Q).filter(([, q]) => q.required).map(([id]) => id));
      let target = null;
      for (let n = 0; n < 30 && !target; n++) {
        const ids = await L.screenIds(page);
        const req = ids.filter(id => required.has(id));
        const last = req[req.length - 1];
        if (last && ids.indexOf(last) > 0) {
          const top = await page.locator(`#q-${last}`).evaluate(e => e.getBoundingClientRect().top);
          if (top > 640 - 80) target = last;
        }
        for (const id of ids) if (id !== target && MINIMAL[id] !== undefined) await L.answer(page, id, MINIMAL[id]);
        if (!target) await L.next(page);
      }
      assert.ok(target, 'no screen has a required question below the fold');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.locator('#next').click();
      const summary = page.locator('#err-summary');
      await summary.waitFor();
      assert.equal(await summary.getAttribute('role'), 'alert');
      assert.equal(await summary.locator(`a[href="#q-${target}"]`).count(), 1, 'the summary does not link the question');
      const err = page.locator(`#q-${target}-err`);
      assert.match((await err.textContent()).trim(), /\S/);
      // The message is in the viewport, under the sticky header and above the bottom bar.
      const r = await err.evaluate(e => {
        const b = e.getBoundingClientRect(), top = document.querySelector('.top').getBoundingClientRect().bottom;
        const nav = document.querySelector('.nav').getBoundingClientRect().top;
        return { top: b.top, bottom: b.bottom, min: top, max: nav };
      });
      assert.ok(r.top >= r.min - 1 && r.bottom <= r.max + 1, `the message is out of view: ${JSON.stringify(r)}`);
      // Focus is in the faulty question, whose field is described by the message.
      const focus = await page.evaluate(() => {
        const a = document.activeElement;
        return { q: a && a.closest('[data-q]') && a.closest('[data-q]').dataset.q, desc: a && a.getAttribute('aria-describedby') };
      });
      assert.equal(focus.q, target);
      assert.equal(focus.desc, `q-${target}-err`);
    });
  }
});

test('the browser back and forward buttons move between screens; back from the first screen leaves, keeping the draft', async () => {
  for (const lang of ['fr', 'ar']) await L.withPage(env, { context: SMALL_PHONE }, async ({ page }) => {
    await page.goto(env.collector.base + '/');
    await page.goto(env.collector.base + '/f/resident?t=QN09399A&lang=' + lang);
    await page.locator('#start').click();
    await page.locator('main [data-q]').first().waitFor();
    const first = await L.screenKey(page);
    for (const id of await L.screenIds(page)) if (MINIMAL[id]) await L.answer(page, id, MINIMAL[id]);
    await L.next(page);
    const second = await L.screenKey(page);
    assert.notEqual(second, first);
    const waitKey = k => page.waitForFunction(k => {
      const $ = id => document.getElementById(id);
      const now = $('start') ? 'welcome' : Array.from(document.querySelectorAll('main [data-q]')).map(e => e.dataset.q).join(',');
      return now === k;
    }, k);
    await page.goBack({ waitUntil: 'commit' });
    await waitKey(first);
    await page.goForward({ waitUntil: 'commit' });
    await waitKey(second);
    // The page's own Précédent walks the same history.
    await page.locator('#back').click();
    await waitKey(first);
    await page.goForward({ waitUntil: 'commit' });
    await waitKey(second);
    await page.goBack({ waitUntil: 'commit' });
    await page.goBack({ waitUntil: 'commit' });
    await waitKey('welcome');
    await page.goBack({ waitUntil: 'load' });
    assert.equal(new URL(page.url()).pathname, '/', 'back from the welcome screen did not leave the questionnaire');
    await page.goto(env.collector.base + '/f/resident?t=QN09399A&lang=' + lang);
    // The page's own word for "Continuer", in the language chosen (the server's welcome screen says
    // "Commencer" in French until the scripts have run).
    const words = require('../../forms/pages.json').strings[lang].form;
    await page.locator('#start').filter({ hasText: words.resume }).waitFor();
    const draft = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('draft:')))));
    assert.equal(draft.answers.R02, MINIMAL.R02);
  });
});

test('Arabic and Turkish: territory names, receipt and date in the chosen language', async () => {
  for (const lang of ['ar', 'tr']) {
    await L.withPage(env, { context: SMALL_PHONE }, async ({ page }) => {
      await begin(page, lang);
      const labels = await page.locator('#q-R01 label.choice').allTextContents();
      for (const t of L.TERRITORIES)
        assert.ok(labels.some(x => x.trim() === L.terrName(t, lang)), `${t.code} not named in ${lang}: ${labels}`);
      await L.walk(page, MINIMAL);
      await L.send(page, 'receipt');
      await page.locator('#mine-btn').click();
      const li = page.locator('#mine li').first();
      await li.waitFor();
      const when = await li.locator('.when').textContent();
      const expect = await page.evaluate(l => new Date().toLocaleDateString(l + '-u-nu-latn', { month: 'long' }), lang);
      assert.ok(when.includes(expect), `the date "${when}" is not in ${lang} (month ${expect})`);
    });
  }
});
