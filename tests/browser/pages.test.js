/* pages.test.js -- the pages' own words come from forms/pages.json and the territory names from
 * territories.json, as data: on a copy of the forms folder where a few texts of pages.json are changed, the
 * pages show the changed texts; in Arabic the territories are listed by their Arabic names, right to left, on
 * the phone and on paper; and a language added only through data (Spanish: a form's languages, a few texts, a
 * territory name, pages.json) is offered by the page, which speaks it where it has texts and French elsewhere. */
'use strict';
const test = require('node:test');
const { before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const L = require('./lib.js');

const readJson = f => JSON.parse(fs.readFileSync(f, 'utf8'));
const writeJson = (f, v) => fs.writeFileSync(f, JSON.stringify(v, null, 1));

/* The copy of forms/: changed French words, and Spanish added. */
const CHANGED = { form: { start: 'Démarrer le questionnaire' }, print: { print: 'Lancer l’impression' },
  entry: { signin: 'Entrer avec mon jeton' } };
const SPANISH = { start: 'Empezar', next: 'Siguiente', chooseLang: 'Elija su idioma', lang: 'Idioma' };
function makeForms() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagsante-pages-forms-'));
  fs.cpSync(L.FORMS_DIR, dir, { recursive: true });
  const pages = readJson(path.join(dir, 'pages.json'));
  for (const [page, texts] of Object.entries(CHANGED)) Object.assign(pages.strings.fr[page], texts);
  pages.strings.es = { form: SPANISH };
  writeJson(path.join(dir, 'pages.json'), pages);
  const form = readJson(path.join(dir, 'resident.json'));
  form.languages.push('es');
  form.title.es = 'Diagnóstico de salud del barrio';
  form.sections[0].questions[0].label.es = '¿En qué barrio vive?';
  writeJson(path.join(dir, 'resident.json'), form);
  const terr = readJson(path.join(dir, 'territories.json'));
  const first = terr.territories[0];
  first.name = Object.assign(typeof first.name === 'string' ? { fr: first.name } : first.name, { es: 'Los Tilos' });
  writeJson(path.join(dir, 'territories.json'), terr);
  return dir;
}

const env = { collector: null, browser: null, forms: null };
before(async () => {
  env.forms = makeForms();
  env.collector = await L.startCollector({ forms: env.forms });
  env.browser = await L.launchBrowser();
});
after(async () => {
  if (env.browser) await env.browser.close();
  if (env.collector) await env.collector.stop();
  if (env.forms) fs.rmSync(env.forms, { recursive: true, force: true });
});

const R01 = L.FORM.sections[0].questions[0];
const territoryTexts = page => page.locator('#q-R01 label.choice span').allTextContents();

test('a text changed in pages.json is what the form, paper and data-entry pages show', async () => {
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident');
    assert.equal((await page.locator('#start').textContent()).trim(), CHANGED.form.start);
    await page.goto(env.collector.base + '/print/resident');
    await page.locator('#print-btn').waitFor();
    assert.equal((await page.locator('#print-btn').textContent()).trim(), CHANGED.print.print);
    await page.goto(env.collector.base + '/entry');
    assert.equal((await page.locator('#signin-btn').textContent()).trim(), CHANGED.entry.signin);
  });
});

test('in Arabic the territories are listed by their Arabic names, right to left, on the phone and on paper', async () => {
  assert.equal(R01.type, 'territory');
  await L.withPage(env, { context: { locale: 'ar' } }, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?lang=ar');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    await page.locator('#start').click();
    assert.equal((await L.screenIds(page))[0], 'R01');
    const shown = await territoryTexts(page);
    for (const t of L.TERRITORIES) {
      assert.ok(shown.includes(L.terrName(t, 'ar')), `${t.code}: ${L.terrName(t, 'ar')} not in ${shown.join(' | ')}`);
      assert.notEqual(L.terrName(t, 'ar'), L.terrName(t, 'fr'), `${t.code} has no Arabic name in territories.json`);
      assert.ok(!shown.includes(L.terrName(t, 'fr')), `${t.code}: French name shown in Arabic`);
    }
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');

    await page.goto(env.collector.base + '/print/resident?lang=ar');
    await page.locator('#territory-box').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    for (const t of L.TERRITORIES)
      assert.equal((await page.locator(`#territory-box li.ch[data-code="${t.code}"] .cl`).textContent()).trim(),
        L.terrName(t, 'ar'));
  });
  // In Turkish, the Turkish names; in French, the French ones.
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident?lang=tr');
    await page.locator('#start').click();
    const shown = await territoryTexts(page);
    for (const t of L.TERRITORIES) assert.ok(shown.includes(L.terrName(t, 'tr')), `${t.code} in Turkish`);
    await page.goto(env.collector.base + '/print/resident');
    await page.locator('#territory-box').waitFor();
    for (const t of L.TERRITORIES)
      assert.equal((await page.locator(`#territory-box li.ch[data-code="${t.code}"] .cl`).textContent()).trim(),
        L.terrName(t, 'fr'));
  });
});

test('a language added only through data is offered, with its texts and French for the rest', async () => {
  await L.withPage(env, async ({ page }) => {
    await page.goto(env.collector.base + '/f/resident');
    const es = page.locator('button[lang=es]');
    assert.equal((await es.textContent()).trim(), 'Español', 'name from pages.json');
    await es.click();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'ltr');
    assert.equal(await page.title(), 'Diagnóstico de salud del barrio');
    assert.equal((await page.locator('#start').textContent()).trim(), SPANISH.start);
    assert.equal((await page.locator('#lang-btn').textContent()).trim(), `${SPANISH.lang} : Español`);
    await page.locator('#start').click();
    assert.equal((await L.screenIds(page))[0], 'R01');
    assert.equal((await page.locator('#next').textContent()).trim(), SPANISH.next);
    assert.equal((await page.locator('#back').textContent()).trim(), 'Précédent', 'a text Spanish lacks: French');
    assert.match(await page.locator('#q-R01 legend').textContent(), /¿En qué barrio vive\?/);
    const shown = await territoryTexts(page);
    assert.ok(shown.includes('Los Tilos'), `Spanish territory name not in ${shown.join(' | ')}`);
    assert.ok(shown.includes(L.terrName(L.TERRITORIES[1], 'fr')), 'no Spanish name: the French one');
    // The answers are stored with lang es.
    await L.walk(page, { R01: 'QN09399A', R02: '25-39', R03: 'femme', R07: 'bon', R17: 'non' });
    await L.send(page, 'receipt');
    assert.deepEqual(L.sql(env.collector.db, 'SELECT lang FROM submissions').map(r => r.lang), ['es']);

    // The paper form offers it too.
    await page.goto(env.collector.base + '/print/resident?lang=es');
    await page.locator('#territory-box').waitFor();
    assert.equal((await page.locator('#langs a[lang=es]').textContent()).trim(), 'Español');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    assert.equal((await page.locator('#territory-box li.ch[data-code="QN09399A"] .cl').textContent()).trim(), 'Los Tilos');
  });
});

/* A pages.json with an error stops the collector at start, as a form with an error does: status not 0, and the
 * error names the file and the JSON path; `check-forms` reports it the same way. */
test('a pages.json with an error: the collector refuses to start and says where', () => {
  const { spawnSync } = require('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagsante-pages-bad-'));
  try {
    fs.cpSync(L.FORMS_DIR, path.join(dir, 'forms'), { recursive: true });
    const file = path.join(dir, 'forms', 'pages.json');
    const pages = readJson(file);
    delete pages.strings.fr.form.next;
    pages.strings.ar.form.step = 'الخطوة {n}';
    writeJson(file, pages);
    const run = spawnSync(L.COLLECTOR_BIN, ['serve', '--db', path.join(dir, 'c.db'), '--forms', path.join(dir, 'forms'),
      '--listen', '127.0.0.1:0', '--quiet'], { encoding: 'utf8', timeout: 15000 });
    assert.notEqual(run.status, 0, 'the collector started with a broken pages.json');
    assert.equal(run.stdout, '', 'the collector listened');
    assert.match(run.stderr, /pages\.json: \$\.strings\.fr\.form\.next: erreur: texte français manquant/);
    assert.match(run.stderr, /pages\.json: \$\.strings\.ar\.form\.step: erreur: repères différents du français/);
    const check = spawnSync(L.COLLECTOR_BIN, ['check-forms', path.join(dir, 'forms')], { encoding: 'utf8' });
    assert.equal(check.status, 1);
    assert.match(check.stdout, /\$\.strings\.fr\.form\.next: erreur: texte français manquant/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
