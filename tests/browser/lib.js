/* lib.js -- what every browser test of the residents' form shares: the real collector binary on a temporary
 * database and a free port, Debian's Chromium driven by playwright-core in a phone viewport, a page that fails
 * its test on any console error, page error or text in #fatal, the form definition read from forms/, helpers
 * that answer questions by their ids and codes, and sqlite3 to read what landed.
 *
 * Environment: COLLECTOR_BIN (default build/bin/collector of this checkout), FORMS_DIR (default forms/), and
 * WEB_DIR (optional: the page's files to serve instead of collector/pages/, the collector's --web).
 * Nothing is built or downloaded here: the binary must exist, and the browser is /usr/bin/chromium. */
'use strict';
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');

const REPO = path.resolve(__dirname, '..', '..');
const COLLECTOR_BIN = path.resolve(REPO, process.env.COLLECTOR_BIN || 'build/bin/collector');
const FORMS_DIR = path.resolve(REPO, process.env.FORMS_DIR || 'forms');
/* Optional: another copy of collector/pages/ to serve (the collector's --web), e.g. to try a fix of the page. */
const WEB_DIR = process.env.WEB_DIR ? path.resolve(REPO, process.env.WEB_DIR) : null;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
/* A small phone: what most residents will hold. */
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/* ---- the form, as the page will show it ---- */
// with offer.json's services inline in R23, as the collector serves it (form_expanded_doc)
const FORM = require('../js/offer.js').expandOffer(JSON.parse(fs.readFileSync(path.join(FORMS_DIR, 'resident.json'), 'utf8')),
  JSON.parse(fs.readFileSync(path.join(FORMS_DIR, 'offer.json'), 'utf8')));
const TERRITORIES = JSON.parse(fs.readFileSync(path.join(FORMS_DIR, 'territories.json'), 'utf8')).territories;
/* A territory's name in lang: territories.json gives a string (French) or a map by language. */
function terrName(t, lang) {
  return typeof t.name === 'string' ? t.name : (t.name[lang] || t.name.fr);
}
/* question id -> {…definition, choices resolved, section} */
const Q = {};
for (const sec of FORM.sections)
  for (const q of sec.questions)
    Q[q.id] = Object.assign({}, q, {
      choices: typeof q.choices === 'string' ? FORM.choice_lists[q.choices] : (q.choices || []),
      section: sec,
    });

/* ---- the collector ---- */

/* Starts `collector serve` on a fresh database in a temporary folder, port 0; resolves when it listens.
 * opts.forms: another forms folder to serve (default FORMS_DIR). */
async function startCollector(opts = {}) {
  assert.ok(fs.existsSync(COLLECTOR_BIN), `collector binary not found: ${COLLECTOR_BIN} (set COLLECTOR_BIN)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagsante-browser-'));
  const db = path.join(dir, 'collector.db');
  const proc = spawn(COLLECTOR_BIN, ['serve', '--db', db, '--forms', opts.forms || FORMS_DIR, '--listen', '127.0.0.1:0',
    '--rate-limit', '0', '--quiet'].concat(WEB_DIR ? ['--web', WEB_DIR] : []), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', d => { stderr += d; });
  const exited = new Promise(ok => proc.once('exit', (code, sig) => ok({ code, sig })));
  let m;
  try {
    const line = await new Promise((ok, ko) => {
      const rl = readline.createInterface({ input: proc.stdout });
      const timer = setTimeout(() => ko(new Error('collector did not start in 15 s: ' + stderr)), 15000);
      rl.once('line', l => { clearTimeout(timer); ok(l); });
      exited.then(e => { clearTimeout(timer); ko(new Error(`collector exited (${e.code ?? e.sig}): ${stderr}`)); });
    });
    m = /^listening on (127\.0\.0\.1:\d+)$/.exec(line);
    assert.ok(m, `unexpected first line from the collector: ${line}`);
  } catch (e) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  proc.stdout.resume();
  return {
    base: 'http://' + m[1], db, dir,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/* Rows of a query on the collector's database, through the sqlite3 command-line tool. */
function sql(db, query) {
  const out = execFileSync('sqlite3', ['-json', '-readonly', db, query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

/* ---- the browser ---- */

function launchBrowser() {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/* One collector and one browser for the tests of a file: call in the file's body; the hooks start and stop
 * them. */
function environment() {
  const env = { collector: null, browser: null };
  const { before, after } = require('node:test');
  before(async () => {
    env.collector = await startCollector();
    env.browser = await launchBrowser();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.collector) await env.collector.stop();
  });
  return env;
}

/* Runs fn({page, context, errors}) in a fresh browser context (its own storage, service workers and cache) on
 * a phone. The test fails on any console error or page error, or a message in #fatal, unless the error's text
 * matches one of opts.allow (regular expressions, for errors the test itself provokes, such as a request
 * failing while the test has cut the network). */
async function withPage(env, opts, fn) {
  if (typeof opts === 'function') fn = opts, opts = {};
  const context = await env.browser.newContext(Object.assign({}, PHONE, { locale: 'fr-FR' }, opts.context || {}));
  const errors = [];
  const allowed = e => (opts.allow || []).some(r => r.test(e));
  const page = await context.newPage();
  page.on('console', m => {
    if (m.type() !== 'error') return;
    const loc = m.location() || {};
    const e = `console error: ${m.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`;
    if (!allowed(e)) errors.push(e);
  });
  page.on('pageerror', e => { errors.push(`page error: ${e && e.stack || e}`); });
  page.setDefaultTimeout(opts.timeout || 10000);
  let failure = null;
  try {
    await fn({ page, context, errors });
  } catch (e) {
    failure = e;
  }
  let fatal = '';
  try {
    if (!page.isClosed()) fatal = await page.evaluate(() => {
      const f = document.getElementById('fatal');
      return f && !f.hidden ? f.textContent : '';
    });
  } catch (e) { /* a page in the middle of a navigation: its errors are in `errors` already */ }
  await context.close().catch(() => {});
  if (fatal) errors.push(`#fatal shows: ${fatal}`);
  if (failure) {
    if (errors.length) failure.message += '\nalso, in the browser:\n  ' + errors.join('\n  ');
    throw failure;
  }
  assert.deepEqual(errors, [], 'the page reported errors');
}

/* ---- driving the form ---- */

/* The question ids on the current screen, in order. */
function screenIds(page) {
  return page.$$eval('main [data-q]', els => els.map(e => e.dataset.q));
}

/* What identifies a screen: its questions, or the send/done screens. */
function screenKey(page) {
  return page.evaluate(() => {
    const $ = id => document.getElementById(id);
    if ($('done')) return 'done';
    if ($('send')) return 'send';
    if ($('start')) return 'welcome';
    return Array.from(document.querySelectorAll('main [data-q]')).map(e => e.dataset.q).join(',');
  });
}

function choiceInput(page, id, code, row) {
  const name = row ? `${id}.${row}` : id;
  return page.locator(`input[name="${name}"][value="${code}"]`);
}

/* On a phone a grid shows one row at a time: presses "next row" or "previous row" until row is shown. */
async function showGridRow(page, id, row) {
  const want = page.locator(`#q-${id} fieldset[data-row="${row}"]`);
  for (let n = 0; n <= Q[id].rows.length && !(await want.isVisible()); n++) {
    const at = await page.evaluate(qid => {
      const rows = Array.from(document.querySelectorAll(`#q-${qid} fieldset[data-row]`));
      return rows.findIndex(f => !f.hidden);
    }, id);
    const k = Q[id].rows.findIndex(r => r.code === row);
    await page.locator(`#q-${id}-${k > at ? 'rownext' : 'rowprev'}`).click();
  }
}

/* Answers question id with value, the way a person would: ticks, radio buttons, grid rows, typing. */
async function answer(page, id, value) {
  const q = Q[id];
  assert.ok(q, `no question ${id} in the form`);
  switch (q.type) {
    case 'single': case 'territory': case 'scale':
      if (Array.isArray(value)) for (const v of value) await choiceInput(page, id, String(v)).check();
      else await choiceInput(page, id, String(value)).check();
      break;
    case 'multiple':
      for (const v of value) await choiceInput(page, id, v).check();
      break;
    case 'grid':
      for (const [row, v] of Object.entries(value)) {
        await showGridRow(page, id, row);
        await choiceInput(page, id, v, row).check();
      }
      break;
    case 'note':
      break;
    default: {
      const field = page.locator(`#q-${id}-in`);
      await field.fill(String(value));
    }
  }
}

/* The answers the current screen shows, read from the inputs as the resident sees them (ticked boxes and
 * radio buttons, typed text), in the JSON shape the collector stores; unanswered questions are left out. */
async function shownAnswers(page) {
  const raw = await page.evaluate(() => {
    const out = {};
    for (const w of document.querySelectorAll('main [data-q]')) {
      const id = w.dataset.q;
      for (const i of w.querySelectorAll('input, textarea')) {
        const [qid, row] = i.name.split('.');
        if (qid !== id) continue;
        if (i.type === 'radio') { if (i.checked) row ? ((out[id] = out[id] || {})[row] = i.value) : out[id] = i.value; }
        else if (i.type === 'checkbox') { out[id] = out[id] || []; if (i.checked) out[id].push(i.value); }
        else if (i.value !== '') out[id] = i.value;
      }
      if (Array.isArray(out[id]) && !out[id].length) delete out[id];
    }
    return out;
  });
  for (const [id, v] of Object.entries(raw))
    if (Q[id] && /^(scale|integer|decimal)$/.test(Q[id].type)) raw[id] = Number(String(v).replace(',', '.'));
  return raw;
}

/* Presses #next and waits for the next screen. */
async function next(page) {
  const before = await screenKey(page);
  await page.locator('#next').click();
  await page.waitForFunction(b => {
    const $ = id => document.getElementById(id);
    const now = $('done') ? 'done' : $('send') ? 'send' : $('start') ? 'welcome'
      : Array.from(document.querySelectorAll('main [data-q]')).map(e => e.dataset.q).join(',');
    return now !== b;
  }, before);
}

/* Presses #back and waits for the previous screen. */
async function back(page) {
  const before = await screenKey(page);
  await page.locator('#back').click();
  await page.waitForFunction(b => {
    const $ = id => document.getElementById(id);
    const now = $('send') ? 'send' : $('start') ? 'welcome'
      : Array.from(document.querySelectorAll('main [data-q]')).map(e => e.dataset.q).join(',');
    return now !== b;
  }, before);
}

/* From the current question screen to the send screen: answers every question of `answers` as it appears
 * (questions that skip logic reveals on the same screen too), calls opts.onScreen(ids) once a screen is
 * answered, then presses Next. With opts.until (a question id), stops on the screen that shows it, before
 * answering anything there. Returns the list of screens seen (their question ids), with .shown: the answers
 * as the screens showed them when Next was pressed (see shownAnswers). */
async function walk(page, answers, opts = {}) {
  const seen = [];
  seen.shown = {};
  for (let n = 0; n < 120; n++) {
    const key = await screenKey(page);
    if (key === 'send') {
      assert.ok(!opts.until, `reached the send screen without seeing ${opts.until}`);
      return seen;
    }
    assert.notEqual(key, 'done', 'the done screen came before the send screen');
    if (opts.until && (await screenIds(page)).includes(opts.until)) return seen;
    const done = new Set();
    for (;;) {
      const todo = (await screenIds(page)).filter(id => !done.has(id));
      if (!todo.length) break;
      for (const id of todo) {
        done.add(id);
        if (Object.prototype.hasOwnProperty.call(answers, id)) await answer(page, id, answers[id]);
      }
    }
    const ids = await screenIds(page);
    seen.push(ids);
    if (opts.onScreen) await opts.onScreen(ids);
    Object.assign(seen.shown, await shownAnswers(page));
    await next(page);
  }
  throw new Error('more than 120 screens: the form never reached the send screen');
}

/* Presses #send and waits for the done screen to show `outcome`: 'receipt' (the collector acknowledged the
 * answers) or 'saved' (they are kept on the phone). The done screen first shows 'saved' while the answers go
 * out, then 'receipt' once they are acknowledged. */
async function send(page, outcome) {
  assert.ok(outcome === 'receipt' || outcome === 'saved');
  await page.locator('#send').click();
  await page.locator('#done').waitFor();
  await page.locator('#' + outcome).waitFor();
}

/* The outbox records (IndexedDB 'diagsante', store 'outbox'). */
function outbox(page) {
  return page.evaluate(() => new Promise((ok, ko) => {
    const r = indexedDB.open('diagsante', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('outbox', { keyPath: 'uuid' });
    r.onerror = () => ko(r.error);
    r.onsuccess = () => {
      const g = r.result.transaction('outbox', 'readonly').objectStore('outbox').getAll();
      g.onsuccess = () => { r.result.close(); ok(g.result); };
      g.onerror = () => ko(g.error);
    };
  }));
}

/* Answers with the codes of multiple-choice questions sorted, for comparing sets. */
function normalize(answers) {
  const out = {};
  for (const [k, v] of Object.entries(answers))
    out[k] = Array.isArray(v) && Q[k] && (Q[k].type === 'multiple' || Q[k].type === 'territory') ? [...v].sort() : v;
  return out;
}

/* The questions whose answers differ between two answer sets (multiple choices compared as sets), as lines
 * "ID: <a> ≠ <b>". */
function answerDiff(a, b, aName = 'a', bName = 'b') {
  const na = normalize(a), nb = normalize(b), out = [];
  for (const id of new Set([...Object.keys(na), ...Object.keys(nb)])) {
    const x = JSON.stringify(na[id]), y = JSON.stringify(nb[id]);
    if (x !== y && !(na[id] && nb[id] && !Array.isArray(na[id]) && typeof na[id] === 'object' &&
        JSON.stringify(Object.entries(na[id]).sort()) === JSON.stringify(Object.entries(nb[id]).sort())))
      out.push(`${id}: ${aName} ${x ?? '(none)'}, ${bName} ${y ?? '(none)'}`);
  }
  return out;
}

module.exports = {
  REPO, COLLECTOR_BIN, FORMS_DIR, FORM, TERRITORIES, terrName, Q, PHONE, CHROMIUM, CHROMIUM_ARGS,
  startCollector, sql, launchBrowser, environment, withPage,
  screenIds, screenKey, shownAnswers, choiceInput, answer, next, back, walk, send, outbox, normalize, answerDiff,
};
