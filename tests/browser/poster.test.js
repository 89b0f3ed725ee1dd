/* poster.test.js -- the campaign poster and the residents' link page (GET /), in Chromium:
 * - the poster of a territory, printed to PDF on A4 with the page's own print CSS, is exactly one page, with one
 *   language, two (French and Arabic) and the four; its QR code is an image named by the address it encodes;
 * - axe-core finds no violation on the poster (French + Arabic) nor on the residents' page (French, and after
 *   switching it to Arabic);
 * - the residents' page works: its language buttons change the page's language and direction, each form's link
 *   in a language opens that form in that language, and "Espace coordination" leads to the console. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const L = require('./lib.js');

const AXE = path.join(__dirname, 'node_modules', 'axe-core', 'axe.min.js');
const env = L.environment();

/* Pages in a PDF: its page objects ("/Type /Page", not the "/Type /Pages" tree). */
function pdfPages(buf) {
  return (buf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}

async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(() => window.axe.run(document).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')),
  }))));
  return violations.map(v => `${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 5).join(', ')}`);
}

test('the poster prints on exactly one A4 page, in one, two and four languages', async () => {
  await L.withPage(env, { context: { viewport: { width: 900, height: 1200 }, isMobile: false, hasTouch: false } },
    async ({ page }) => {
      for (const lang of ['fr', 'fr,ar', 'ar,fr', 'fr,ar,en,tr']) {
        const res = await page.goto(`${env.collector.base}/poster/resident/QN09399A?lang=${lang}`);
        assert.equal(res.status(), 200, lang);
        const first = lang.split(',')[0];
        assert.equal(await page.getAttribute('html', 'lang'), first);
        assert.equal(await page.getAttribute('html', 'dir'), first === 'ar' ? 'rtl' : 'ltr');
        const qr = await page.getAttribute('svg[role="img"]', 'aria-label');
        assert.match(qr, new RegExp(`/f/resident\\?t=QN09399A&lang=${first}$`), lang);
        assert.equal(await page.locator('.call').count(), lang.split(',').length, lang);
        if (lang.includes('ar')) {
          assert.equal(await page.getAttribute('.call[lang="ar"]', 'dir'), 'rtl');
          assert.match(await page.textContent('.where'), /لي تيول/);
        }
        /* the sheet is not cut: nothing of it overflows its A4 box */
        const overflow = await page.$eval('.sheet', s => s.scrollHeight - s.clientHeight);
        assert.ok(overflow <= 1, `${lang}: the sheet overflows by ${overflow}px`);
        const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
        assert.equal(pdfPages(pdf), 1, `${lang}: the PDF has ${pdfPages(pdf)} pages`);
      }
    });
});

test('axe: no violation on the poster and on the residents\' page', async () => {
  await L.withPage(env, { context: { bypassCSP: true } }, async ({ page }) => {
    const found = [];
    await page.goto(`${env.collector.base}/poster/resident/QN09399B?lang=fr,ar`);
    found.push(...await audit(page, 'poster fr,ar'));
    await page.goto(`${env.collector.base}/`);
    await page.waitForSelector('.form a');
    found.push(...await audit(page, 'home fr'));
    await page.click('.langs button[lang="ar"]');
    await page.waitForSelector('html[dir="rtl"]');
    found.push(...await audit(page, 'home ar'));
    assert.deepEqual(found, []);
  });
});

test('the residents\' page: languages, a link per form and language, the coordination link', async () => {
  await L.withPage(env, async ({ page }) => {
    const res = await page.goto(`${env.collector.base}/`);
    assert.equal(res.status(), 200);
    await page.waitForSelector('.form a');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    /* one block per current form, each with one link per language of that form */
    const links = await page.$$eval('.form a', as => as.map(a => a.getAttribute('href')));
    for (const l of L.FORM.languages) assert.ok(links.includes(`/f/resident?lang=${l}`), `link in ${l}: ${links}`);
    assert.ok(links.includes('/f/operator?lang=fr'), links.join(' '));

    await page.click('.langs button[lang="tr"]');
    await page.waitForSelector('html[lang="tr"]');
    assert.equal(await page.getAttribute('.langs button[lang="tr"]', 'aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('lang')), 'tr');
    assert.equal(await page.textContent('#staff a'), 'Koordinasyon alanı');

    await page.click('.langs button[lang="fr"]');
    await Promise.all([page.waitForURL(/\/f\/resident\?lang=ar$/), page.click('a[href="/f/resident?lang=ar"]')]);
    await page.waitForSelector('html[dir="rtl"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');

    await page.goto(`${env.collector.base}/`);
    await Promise.all([page.waitForURL(/\/admin$/), page.click('#staff a')]);
    assert.match(await page.title(), /\S/);
  });
});
