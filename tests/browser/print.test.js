/* print.test.js -- the diagnosis report printed as a steering committee will read it: Chromium prints the report of
 * a synthetic campaign (as report.test.js makes it, the date fixed by SOURCE_DATE_EPOCH) to A4 PDF with the
 * report's own page rule, and the tests check, page by page, that
 *   - nothing is inked in the 15 mm margins but the running title, date and page number (poppler's pdftoppm,
 *     gray images), and the content does reach the content box's left edge (the margins are not wider);
 *   - every page's text carries the title, the date in words and "page N / M" (pdftotext);
 *   - no heading ends a page (it is kept with what follows);
 * then, in the DOM under print emulation at the content box's width (180 mm), that no element extends past the
 * column, that tables too wide were split with their labels repeated, that every chart's texts lie inside its
 * viewBox, and that every question id of both forms appears in the report (its themes or its annex).
 *
 * Environment: ANALYZER_BIN and SYNTH_BIN (default: beside COLLECTOR_BIN, which run.sh sets, else build/bin/).
 * Needs pdftoppm, pdfinfo and pdftotext (poppler-utils). */
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
const EPOCH = '1796342400'; /* 2026-12-04T00:00:00Z */
const DATE = '4 décembre 2026';
const MM = 96 / 25.4;        /* CSS pixels per millimetre */
const DPI = 60;              /* page images: 1 mm is 2.36 pixels */
const PX = DPI / 25.4;       /* image pixels per millimetre */

const R = { dir: null, html: null, url: null, browser: null, pdf: null, pages: 0, title: null };

function run(bin, args, env) {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20,
    env: Object.assign({}, process.env, env || {}) });
}

test.before(async () => {
  for (const [name, bin] of [['analyzer', ANALYZER_BIN], ['synth', SYNTH_BIN]])
    assert.ok(fs.existsSync(bin), `${name} binary not found: ${bin} (set ${name.toUpperCase()}_BIN)`);
  for (const tool of ['pdftoppm', 'pdfinfo', 'pdftotext'])
    assert.doesNotThrow(() => execFileSync(tool, ['-v'], { stdio: 'ignore' }), `${tool} is missing (apt-get install poppler-utils)`);
  R.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagsante-print-'));
  const db = path.join(R.dir, 'campagne.db');
  run(SYNTH_BIN, ['--forms', L.FORMS_DIR, '--form', 'resident', '--n', '1500', '--seed', '21', '--db', db]);
  run(SYNTH_BIN, ['--forms', L.FORMS_DIR, '--form', 'operator', '--n', '40', '--seed', '22', '--db', db]);
  const margins = path.join(R.dir, 'marges.csv');
  fs.writeFileSync(margins, run(ANALYZER_BIN, ['margins', '--forms', L.FORMS_DIR]));
  R.html = path.join(R.dir, 'rapport.html');
  run(ANALYZER_BIN, ['report', '--db', db, '--forms', L.FORMS_DIR, '--margins', margins, '-o', R.html],
    { SOURCE_DATE_EPOCH: EPOCH });
  R.url = pathToFileURL(R.html).href;
  R.title = `Diagnostic local de santé — ${JSON.parse(fs.readFileSync(path.join(L.FORMS_DIR, 'territories.json'), 'utf8')).commune.name}`;
  R.browser = await L.launchBrowser();
  // The PDF, once: what Chromium's "Print" with the report's own @page rule gives.
  const context = await R.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(R.url, { waitUntil: 'load' });
  R.pdf = path.join(R.dir, 'rapport.pdf');
  fs.writeFileSync(R.pdf, await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true }));
  await context.close();
  R.pages = Number((/^Pages:\s+(\d+)/m.exec(execFileSync('pdfinfo', [R.pdf], { encoding: 'utf8' })) || [])[1]);
  assert.ok(R.pages > 1, `${R.pages} page(s)`);
});

test.after(async () => {
  if (R.browser) await R.browser.close();
  if (R.dir && !process.env.KEEP_PRINT) fs.rmSync(R.dir, { recursive: true, force: true });
});

/* A gray PGM (P5, 8 bits) as {w, h, px}. */
function readPgm(file) {
  const buf = fs.readFileSync(file);
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  assert.ok(m, `${file}: not a binary PGM`);
  const w = Number(m[1]), h = Number(m[2]);
  const px = buf.subarray(m[0].length, m[0].length + w * h);
  assert.equal(px.length, w * h, `${file}: truncated`);
  return { w, h, px };
}

/* The dark pixels of img in the rectangle [x0, x1) × [y0, y1) (image pixels). */
function ink(img, x0, y0, x1, y1) {
  let n = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(img.h, Math.ceil(y1)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(img.w, Math.ceil(x1)); x++)
      if (img.px[y * img.w + x] < 200) n++;
  return n;
}

/* The rows (image pixels) of img, between y0 and y1, that hold ink. */
function inkedRows(img, y0, y1) {
  const rows = [];
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(img.h, Math.ceil(y1)); y++)
    if (ink(img, 0, y, img.w, y + 1)) rows.push(y);
  return rows;
}

test('the PDF is A4 and nothing is printed in the 15 mm margins but the running title, date and page number', { timeout: 300000 }, async () => {
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(execFileSync('pdfinfo', [R.pdf], { encoding: 'utf8' }));
  assert.ok(size && Math.abs(Number(size[1]) - 595.3) < 2 && Math.abs(Number(size[2]) - 841.9) < 2, `not A4: ${size && size[0]}`);
  const prefix = path.join(R.dir, 'p');
  execFileSync('pdftoppm', ['-gray', '-r', String(DPI), R.pdf, prefix]);
  const files = fs.readdirSync(R.dir).filter(f => /^p-\d+\.pgm$/.test(f)).sort();
  assert.equal(files.length, R.pages);
  const problems = [];
  let leftmost = Infinity;
  const margin = 15 * PX, slack = 0.6 * PX; // half a millimetre: antialiasing of a glyph on the edge
  for (const f of files) {
    const p = Number(/(\d+)/.exec(f)[1]);
    const img = readPgm(path.join(R.dir, f));
    // left and right bands: nothing at all (the margin boxes lie above and below the content box)
    const left = ink(img, 0, 0, margin - slack, img.h), right = ink(img, img.w - margin + slack, 0, img.w, img.h);
    if (left) problems.push(`page ${p}: ${left} dark pixels in the left margin`);
    if (right) problems.push(`page ${p}: ${right} dark pixels in the right margin`);
    // top and bottom bands: one line of small print, from 4 mm to 13.5 mm from the edge (the 3 mm padding)
    for (const [name, y0, y1, lo, hi] of [['top', 0, margin - slack, 4 * PX, 13.5 * PX],
      ['bottom', img.h - margin + slack, img.h, img.h - 13.5 * PX, img.h - 4 * PX]]) {
      const stray = inkedRows(img, y0, y1).filter(y => y < lo || y > hi);
      if (stray.length) problems.push(`page ${p}: ink in the ${name} margin outside the running line (rows ${stray.slice(0, 5).join(', ')})`);
    }
    for (let x = 0; x < img.w && x < leftmost; x++)
      if (ink(img, x, margin, x + 1, img.h - margin)) { leftmost = x; break; }
  }
  assert.deepEqual(problems, [], 'margins are not clear');
  // The content starts at the content box's left edge: the page's margins are 15 mm, not more.
  assert.ok(leftmost / PX < 16.5, `the leftmost ink of the content is ${(leftmost / PX).toFixed(1)} mm from the edge`);
  console.log(`print: ${R.pages} A4 pages, margins clear; content from ${(leftmost / PX).toFixed(1)} mm`);
});

test('every page carries the report title, its date and "page N / M" in its margins', { timeout: 120000 }, () => {
  const text = execFileSync('pdftotext', ['-layout', R.pdf, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const pages = text.split('\f').slice(0, R.pages);
  assert.equal(pages.length, R.pages);
  const norm = s => s.replace(/[\u202f\u00a0]/g, ' ').replace(/[ \t]+/g, ' ');
  const missing = [];
  pages.forEach((t, i) => {
    const lines = norm(t).split('\n').map(l => l.trim()).filter(Boolean);
    const first = lines[0] || '', last = lines[lines.length - 1] || '';
    if (!first.includes(R.title)) missing.push(`page ${i + 1}: no title in the header « ${first} »`);
    if (!first.includes(DATE)) missing.push(`page ${i + 1}: no date in the header « ${first} »`);
    if (last !== `page ${i + 1} / ${R.pages}`) missing.push(`page ${i + 1}: footer « ${last} »`);
  });
  assert.deepEqual(missing, []);
});

test('no heading is the last line of a page: headings are kept with what follows', { timeout: 120000 }, async () => {
  const context = await R.browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(R.url, { waitUntil: 'load' });
  const headings = await page.$$eval('h1, h2, h3', hs => hs.map(h => h.textContent.replace(/\s+/g, ' ').trim()));
  await context.close();
  const text = execFileSync('pdftotext', [R.pdf, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const stranded = [];
  text.split('\f').slice(0, R.pages).forEach((t, i) => {
    const lines = t.split('\n').map(l => l.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ').trim()).filter(Boolean)
      .filter(l => !/^page \d+ \/ \d+$/.test(l));
    const last = lines[lines.length - 1] || '';
    if (last.length >= 12 && headings.some(h => h.endsWith(last))) stranded.push(`page ${i + 1}: « ${last} »`);
  });
  assert.deepEqual(stranded, [], 'headings left alone at the foot of a page');
});

test('under print emulation at 180 mm, no element extends past the column and wide tables are split', { timeout: 120000 }, async () => {
  const context = await R.browser.newContext({ viewport: { width: Math.ceil(180 * MM), height: 1000 }, locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(R.url, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const r = await page.evaluate(() => {
    const body = document.body.getBoundingClientRect();
    const out = [];
    for (const e of document.body.querySelectorAll('*')) {
      if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue; // inside a chart: its own test
      const b = e.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;
      if (b.left < body.left - 0.5 || b.right > body.right + 0.5)
        out.push(`${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''} « ${(e.textContent || '').slice(0, 50)} » from ${b.left.toFixed(1)} to ${b.right.toFixed(1)}`);
    }
    // split tables: each block repeats the first column's header and every row's label
    const blocks = Array.from(document.querySelectorAll('table')).filter(t => t.querySelector('caption > span.block'));
    const bad = blocks.filter(t => !t.querySelector('thead th') || Array.from(t.tBodies[0].rows).some(row => row.cells[0].tagName !== 'TH'));
    return { width: body.width, out: out.slice(0, 20), count: out.length, blocks: blocks.length, bad: bad.length };
  });
  await context.close();
  assert.ok(Math.abs(r.width - 180 * MM) < 2, `the column is ${r.width} px wide, not 180 mm`);
  assert.deepEqual(r.out, [], `${r.count} elements extend past the 180 mm column`);
  assert.equal(r.bad, 0, 'split tables without their row labels');
  // The per-territory tables of the demo town (four neighbourhoods, the rest, the town) are too wide for one page.
  assert.ok(r.blocks >= 2, `${r.blocks} tables split into blocks of columns`);
  console.log(`print: ${r.blocks} tables printed as blocks of columns`);
});

test('every chart text lies inside its viewBox, at the report width and at the print width', { timeout: 120000 }, async () => {
  for (const width of [1280, Math.ceil(180 * MM)]) {
    const context = await R.browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR' });
    const page = await context.newPage();
    await page.goto(R.url, { waitUntil: 'load' });
    const r = await page.$$eval('figure > svg', svgs => {
      const out = [];
      let texts = 0;
      for (const svg of svgs) {
        const vb = svg.viewBox.baseVal, rect = svg.getBoundingClientRect();
        const title = (svg.querySelector(':scope > title') || {}).textContent || '';
        if (!vb || vb.width === 0) { out.push(`« ${title} »: no viewBox`); continue; }
        if (rect.width > document.body.getBoundingClientRect().width + 0.5) out.push(`« ${title} »: wider than the column`);
        for (const t of svg.querySelectorAll('text')) {
          const b = t.getBBox();
          texts++;
          if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 || b.y + b.height > vb.y + vb.height + 0.5)
            out.push(`« ${title} »: « ${t.textContent} » at ${b.x.toFixed(1)},${b.y.toFixed(1)} ${b.width.toFixed(1)}×${b.height.toFixed(1)} outside ${vb.width}×${vb.height}`);
        }
      }
      return { out, texts, charts: svgs.length };
    });
    await context.close();
    assert.ok(r.charts >= 10 && r.texts > 100, `${r.charts} charts, ${r.texts} texts`);
    assert.deepEqual(r.out.slice(0, 20), [], `${r.out.length} chart texts clipped at width ${width}`);
  }
});

test('every question of both forms appears in the report, in its themes or its annex', { timeout: 120000 }, async () => {
  const ids = [];
  for (const form of ['resident', 'operator']) {
    const doc = JSON.parse(fs.readFileSync(path.join(L.FORMS_DIR, `${form}.json`), 'utf8'));
    for (const sec of doc.sections) for (const q of sec.questions) if (q.type !== 'note') ids.push(q.id);
  }
  assert.ok(ids.length > 40, `${ids.length} questions`);
  const context = await R.browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(R.url, { waitUntil: 'load' });
  const text = await page.evaluate(() => document.body.innerText);
  await context.close();
  const missing = ids.filter(id => !new RegExp(`(^|[^\\w.])${id.replace(/\./g, '\\.')}(?![\\w])`).test(text));
  assert.deepEqual(missing, [], `${missing.length} of ${ids.length} questions are nowhere in the report`);
});
