/* report.test.js -- the diagnosis report (`analyzer report`) in Debian's Chromium: a synthetic campaign (residents
 * and operators written by synth into a collector database in a temporary folder, raked on the margins of
 * `analyzer margins`) gives one HTML file, which is opened with file:// and must load nothing but itself, log no
 * error, draw its SVG charts, pass axe-core with no serious or critical violation, and print to A4 PDF on several
 * pages (each section starts a page), none of them blank (checked as images: poppler's pdftoppm, gray PGM).
 *
 * Environment: ANALYZER_BIN and SYNTH_BIN (default: analyzer and synth beside COLLECTOR_BIN, which run.sh sets,
 * else build/bin/). Needs pdftoppm and pdfinfo (poppler-utils). */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const L = require('./lib.js');

const BIN_DIR = path.dirname(L.COLLECTOR_BIN);
const ANALYZER_BIN = path.resolve(L.REPO, process.env.ANALYZER_BIN || path.join(BIN_DIR, 'analyzer'));
const SYNTH_BIN = path.resolve(L.REPO, process.env.SYNTH_BIN || path.join(BIN_DIR, 'synth'));
const AXE = path.join(__dirname, 'node_modules', 'axe-core', 'axe.min.js');
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: 'fr-FR' };

/* The report of a synthetic campaign, written once for the tests of this file. */
const R = { dir: null, html: null, url: null, browser: null };

function run(bin, args) {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

test.before(async () => {
  for (const [name, bin] of [['analyzer', ANALYZER_BIN], ['synth', SYNTH_BIN]])
    assert.ok(fs.existsSync(bin), `${name} binary not found: ${bin} (set ${name.toUpperCase()}_BIN)`);
  for (const tool of ['pdftoppm', 'pdfinfo'])
    assert.doesNotThrow(() => execFileSync(tool, ['-v'], { stdio: 'ignore' }), `${tool} is missing (apt-get install poppler-utils)`);
  R.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagsante-report-'));
  const db = path.join(R.dir, 'campagne.db');
  run(SYNTH_BIN, ['--forms', L.FORMS_DIR, '--form', 'resident', '--n', '1500', '--seed', '21', '--db', db]);
  run(SYNTH_BIN, ['--forms', L.FORMS_DIR, '--form', 'operator', '--n', '40', '--seed', '22', '--db', db]);
  const margins = path.join(R.dir, 'marges.csv');
  fs.writeFileSync(margins, run(ANALYZER_BIN, ['margins', '--forms', L.FORMS_DIR]));
  R.html = path.join(R.dir, 'rapport.html');
  run(ANALYZER_BIN, ['report', '--db', db, '--forms', L.FORMS_DIR, '--margins', margins, '-o', R.html]);
  assert.ok(fs.statSync(R.html).size > 10000, 'the report is written');
  R.url = pathToFileURL(R.html).href;
  R.browser = await L.launchBrowser();
});

test.after(async () => {
  if (R.browser) await R.browser.close();
  if (R.dir) fs.rmSync(R.dir, { recursive: true, force: true });
});

/* Runs fn({page, requests, errors}) on the report in a fresh context; console errors, page errors and failed
 * requests are collected for the test to check. */
async function withReport(contextOptions, fn) {
  const context = await R.browser.newContext(Object.assign({}, DESKTOP, contextOptions));
  const page = await context.newPage();
  const requests = [], errors = [];
  page.on('request', r => requests.push(r.url()));
  page.on('requestfailed', r => errors.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  page.on('console', m => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
  page.on('pageerror', e => errors.push(`page error: ${e && e.stack || e}`));
  page.setDefaultTimeout(30000);
  try {
    await page.goto(R.url, { waitUntil: 'load' });
    await fn({ page, requests, errors });
  } finally {
    await context.close().catch(() => {});
  }
}

test('the report opens from file:// with no error and no request but the file itself', { timeout: 120000 }, async () => {
  await withReport({}, async ({ page, requests, errors }) => {
    // Give a late request (a font, an image, a prefetch) the time to show.
    await page.waitForTimeout(500);
    assert.deepEqual(errors, [], 'the browser reported errors');
    assert.deepEqual([...new Set(requests)], [R.url], 'requests other than the file itself');
    assert.equal(await page.title(), `Diagnostic local de santé — ${JSON.parse(fs.readFileSync(path.join(L.FORMS_DIR, 'territories.json'), 'utf8')).commune.name}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    const dom = await page.evaluate(() => ({
      scripts: document.scripts.length,
      images: document.images.length,
      links: Array.from(document.querySelectorAll('[href], [src]')).map(e => e.getAttribute('href') || e.getAttribute('src')),
      sections: document.querySelectorAll('h1.section').length,
      tables: document.querySelectorAll('table').length,
    }));
    assert.equal(dom.scripts, 0, 'no script');
    assert.equal(dom.images, 0, 'no image');
    assert.deepEqual(dom.links.filter(h => !/^#[\w-]+$/.test(h)), [], 'links other than #anchors');
    assert.ok(dom.sections >= 10, `${dom.sections} sections`);
    assert.ok(dom.tables >= 20, `${dom.tables} tables`);
    // Every table of contents link leads to a heading.
    const dangling = await page.evaluate(() => Array.from(document.querySelectorAll('nav a[href^="#"]'))
      .map(a => a.getAttribute('href')).filter(h => !document.getElementById(h.slice(1))));
    assert.deepEqual(dangling, [], 'table of contents links without a target');
  });
});

test('the SVG charts are drawn: each has a size, points and whiskers or areas, and a title', { timeout: 120000 }, async () => {
  // Outlines inline ("outline") or in the GeoJSON file the territories file names ("outlines").
  const terr = JSON.parse(fs.readFileSync(path.join(L.FORMS_DIR, 'territories.json'), 'utf8'));
  const codes = new Set(terr.territories.filter(t => t.outline).map(t => t.code));
  if (terr.outlines) {
    const geo = JSON.parse(fs.readFileSync(path.join(L.FORMS_DIR, terr.outlines), 'utf8'));
    for (const f of geo.features) {
      const code = f.properties.code || f.properties.code_qp || f.properties.CODE_QP;
      if (terr.territories.some(t => t.code === code)) codes.add(code);
    }
  }
  const outlines = codes.size;
  await withReport({}, async ({ page, errors }) => {
    const charts = await page.$$eval('figure > svg', svgs => svgs.map(svg => {
      const r = svg.getBoundingClientRect();
      const boxes = sel => Array.from(svg.querySelectorAll(sel)).map(e => e.getBBox());
      return {
        kind: (Array.from(svg.classList).find(c => c.startsWith('chart-')) || '').slice(6),
        title: (svg.querySelector(':scope > title') || {}).textContent || '',
        width: r.width, height: r.height,
        points: boxes('circle').filter(b => b.width > 0 && b.height > 0).length,
        lines: boxes('line').filter(b => b.width > 0 || b.height > 0).length,
        areas: boxes('path').filter(b => b.width > 0 && b.height > 0).length,
        texts: boxes('text').filter(b => b.width > 0 && b.height > 0).length,
        caption: (svg.parentElement.querySelector('figcaption') || {}).textContent || '',
      };
    }));
    // Each figure says what it is: interval charts (and ranked dots), ranked bars, maps.
    assert.deepEqual(charts.filter(c => !['intervals', 'dots', 'bars', 'map'].includes(c.kind)).map(c => c.title), [],
      'charts of no known kind');
    const intervals = charts.filter(c => c.kind === 'intervals' || c.kind === 'dots');
    const maps = charts.filter(c => c.kind === 'map'), bars = charts.filter(c => c.kind === 'bars');
    for (const c of bars) assert.ok(c.texts >= 3, `bar chart « ${c.title} »: no label`);
    assert.ok(intervals.length >= 10, `${intervals.length} interval charts`);
    if (outlines) assert.ok(maps.length >= 1, 'the territories have outlines, but the report has no map');
    for (const c of charts) {
      const what = `chart « ${c.title} »`;
      assert.ok(c.width > 100 && c.height > 40, `${what}: drawn ${c.width}×${c.height}`);
      assert.ok(c.texts >= 3, `${what}: no label drawn`);
      assert.ok(c.title.length > 10 && c.caption === c.title, `${what}: its title and caption`);
    }
    for (const c of intervals) {
      assert.ok(c.points >= 1, `chart « ${c.title} »: no point drawn`);
      assert.ok(c.lines >= 5, `chart « ${c.title} »: no axis or whisker drawn`);
    }
    for (const c of maps) assert.ok(c.areas >= outlines, `map « ${c.title} »: ${c.areas} territories drawn of ${outlines}`);
    // The interval charts (one per indicator table) draw whiskers: three lines per group shown.
    const whiskers = await page.$$eval('figure > svg line[stroke-width="2"]', ls => ls.filter(l => l.getBBox().width > 0).length);
    assert.ok(whiskers >= 5 * 7, `${whiskers} interval bars`);
    assert.deepEqual(errors, []);
  });
});

/* The share of dark pixels of a gray PGM image (P5, 8 bits) that pdftoppm wrote. */
function inkShare(file) {
  const buf = fs.readFileSync(file);
  const head = buf.subarray(0, 64).toString('latin1');
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(head);
  assert.ok(m, `${file}: not a binary PGM`);
  const w = Number(m[1]), h = Number(m[2]);
  const pixels = buf.subarray(m[0].length, m[0].length + w * h);
  assert.equal(pixels.length, w * h, `${file}: truncated`);
  let dark = 0;
  for (const p of pixels) if (p < 200) dark++;
  return { w, h, share: dark / (w * h) };
}

test('the report prints to A4 PDF: several pages, each section on its own page, none blank', { timeout: 180000 }, async () => {
  let sections = 0, pdf;
  await withReport({}, async ({ page, errors }) => {
    sections = await page.evaluate(() => document.querySelectorAll('h1.section').length);
    pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    assert.deepEqual(errors, []);
  });
  const file = path.join(R.dir, 'rapport.pdf');
  fs.writeFileSync(file, pdf);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const pages = Number((/^Pages:\s+(\d+)/m.exec(info) || [])[1]);
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info);
  assert.ok(size, `pdfinfo gave no page size:\n${info}`);
  assert.ok(Math.abs(Number(size[1]) - 595.3) < 2 && Math.abs(Number(size[2]) - 841.9) < 2, `not A4: ${size[0]}`);
  assert.ok(pages > 1, `${pages} page(s)`);
  assert.ok(pages >= sections + 1, `${pages} pages for ${sections} sections that each start a page, after the title page`);
  // The first pages, one from the middle (the themes, with charts) and the last, as gray images.
  const chosen = [...new Set([1, 2, 3, Math.ceil(pages / 2), pages])].filter(p => p >= 1 && p <= pages);
  const shares = {};
  for (const p of chosen) {
    const prefix = path.join(R.dir, `page-${p}`);
    execFileSync('pdftoppm', ['-gray', '-r', '40', '-f', String(p), '-l', String(p), '-singlefile', file, prefix]);
    const img = inkShare(prefix + '.pgm');
    assert.ok(img.w > 250 && img.h > 350 && Math.abs(img.h / img.w - 842 / 595) < 0.02, `page ${p}: ${img.w}×${img.h}, not A4`);
    shares[p] = img.share;
  }
  for (const [p, s] of Object.entries(shares)) {
    assert.ok(s > 0.003, `page ${p} looks blank: ${(100 * s).toFixed(2)} % dark pixels`);
    assert.ok(s < 0.6, `page ${p} looks black: ${(100 * s).toFixed(2)} % dark pixels`);
  }
  console.log(`report: ${pages} A4 pages; dark pixels on pages ${Object.entries(shares).map(([p, s]) => `${p}: ${(100 * s).toFixed(1)} %`).join(', ')}`);
});

test('axe: no serious or critical accessibility violation in the report', { timeout: 180000 }, async () => {
  // axe is a script the report's Content-Security-Policy rightly refuses: this context alone bypasses it.
  await withReport({ bypassCSP: true }, async ({ page, errors }) => {
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(() => window.axe.run(document).then(r => r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.replace(/\s+/g, ' ') : '')),
    }))));
    const grave = violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
    const minor = violations.filter(v => !grave.includes(v));
    if (minor.length) console.log(`axe, minor or moderate: ${minor.map(v => `${v.id} (${v.impact})`).join(', ')}`);
    assert.deepEqual(grave.map(v => `${v.id} (${v.impact}) ${v.help}\n      ${v.nodes.join('\n      ')}`), [],
      'axe found serious or critical violations');
    assert.deepEqual(errors, []);
  });
});
