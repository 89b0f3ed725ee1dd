/* budget.test.js -- what the page costs a resident on a cheap phone and a poor connection.
 *
 * (a) Size: the page (HTML, inline style and scripts) compressed with gzip, without the form definition and the
 *     territories (the two <script type="application/json"> blocks, which grow with the questionnaire and are
 *     not code), must stay under 60 KB (61,440 bytes). Both figures are printed: the body actually served with
 *     Accept-Encoding: gzip, and the page with the two blocks emptied, gzip level 9 (node's zlib).
 * (b) Time on "Slow 3G" as Chrome DevTools defines it (front_end/core/sdk/NetworkManager.ts, Slow3GConditions,
 *     named "3G" in recent DevTools): download and upload 500 * 1000 / 8 * 0.8 = 50,000 bytes/s (400 kbit/s),
 *     latency 400 * 5 = 2,000 ms (DevTools applies one request latency of 5 round trips of 400 ms); older
 *     DevTools wrote 500 * 1024 / 8 * 0.8 = 51,200 bytes/s, the same preset. CPU slowed 4 times
 *     (Emulation.setCPUThrottlingRate 4), cold cache, first visit of /f/resident?t=QN09399A. Measured in the
 *     page from navigation start: the welcome screen's #start visible, then, after a tap on it, the first
 *     question #q-R01 visible. Both are printed.
 *     Budget: #start visible under 2,000 ms from navigation start, not counting the preset's fixed request
 *     latency, i.e. under 2,000 + 2,000 ms measured. (A bare 2,000 ms cannot be met by any page under this
 *     preset: its request latency alone is 2,000 ms; what remains, 2,000 ms, pays the page's 40 KB at
 *     50 KB/s, parsing and the first render on the slowed CPU.)
 * (c) What a first visit transfers in all, on a cold cache (a new browser context): the page, the service worker
 *     and the copy of the page the worker keeps for offline use, which must come from the browser's HTTP cache,
 *     not the network (issue 17: it used to be downloaded twice). Each response's bytes are counted at the
 *     network layer of the page and of its service worker (playwright's requestfinished, sizes()); budget
 *     60 KB (61,440 bytes), printed.
 * (d) Since issue 17 the server draws the welcome screen into the HTML before the scripts and the form, so it
 *     paints as the first bytes arrive: #start visible under 800 ms beyond the request latency. The first
 *     question (#q-R01) follows a tap on #start; the time from the tap is printed and must stay under 800 ms
 *     too (the slowed CPU renders the screen).
 * (e) No console error: lib.js fails the test on any. */
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const zlib = require('node:zlib');
const L = require('./lib.js');

const env = L.environment();
const SIZE_BUDGET = 60 * 1024;
const TIME_BUDGET_MS = 800;
const TRANSFER_BUDGET = 60 * 1024;
const SLOW_3G = { offline: false, latency: 400 * 5, downloadThroughput: 500 * 1000 / 8 * 0.8,
  uploadThroughput: 500 * 1000 / 8 * 0.8 };
const CPU_SLOWDOWN = 4;

function get(url, headers) {
  return new Promise((ok, ko) => {
    http.get(url, { headers }, res => {
      const parts = [];
      res.on('data', d => parts.push(d));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', ko);
    }).on('error', ko);
  });
}

test('size: the page without its form definition and territories is under 60 KB gzipped', async () => {
  const url = env.collector.base + '/f/resident';
  const gz = await get(url, { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  const plain = await get(url, {});
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  const html = plain.body.toString('utf8');
  assert.equal(zlib.gunzipSync(gz.body).toString('utf8'), html, 'the gzip body is not the plain page');

  let blocks = 0;
  // The page's own words (id="ui", from forms/pages.json) stay counted: they were part of the script before
  // they became data, and they do not grow with the questionnaire.
  const code = html.replace(/(<script type="application\/json" id="(?:form-def|territories)">)[\s\S]*?(<\/script>)/g, (m, open, close) => {
    blocks++;
    return open + close;
  });
  assert.equal(blocks, 2, 'expected exactly two JSON blocks (form definition, territories)');
  const codeGz = zlib.gzipSync(Buffer.from(code, 'utf8'), { level: 9 }).length;
  // What each part weighs, compressed alone (gzip -9): where to look when the page must shrink.
  const parts = [];
  for (const m of html.matchAll(/<(script|style)([^>]*)>([\s\S]*?)<\/\1>/g)) {
    const id = /id="([^"]+)"/.exec(m[2]);
    parts.push(`${id ? id[1] : m[1] === 'style' ? 'style' : 'script ' + (parts.filter(p => p.startsWith('script')).length + 1)} ` +
      `${zlib.gzipSync(Buffer.from(m[3], 'utf8'), { level: 9 }).length}`);
  }
  const rest = html.replace(/<(script|style)([^>]*)>([\s\S]*?)<\/\1>/g, '');
  parts.push(`html ${zlib.gzipSync(Buffer.from(rest, 'utf8'), { level: 9 }).length}`);
  console.log(`parts (bytes, gzip -9 each): ${parts.join(', ')} (scripts in page order: early tap, engine, app)`);
  console.log(`size: page ${plain.body.length} bytes, served gzipped ${gz.body.length} bytes; ` +
    `without the two JSON blocks ${Buffer.byteLength(code)} bytes, gzip -9 ${codeGz} bytes (budget ${SIZE_BUDGET})`);
  assert.ok(codeGz < SIZE_BUDGET, `${codeGz} bytes gzipped, over the ${SIZE_BUDGET} bytes budget`);
});

test('time: Slow 3G and a 4x slower CPU, first visit: welcome and first question', async () => {
  await L.withPage(env, { timeout: 30000 }, async ({ page, context }) => {
    // Marks taken in the page at the first animation frame where each element is visible.
    await context.addInitScript(() => {
      const marks = window.__marks = {};
      const look = () => {
        for (const id of ['start', 'q-R01']) {
          const e = !marks[id] && document.getElementById(id);
          if (e && e.checkVisibility()) marks[id] = performance.now();
        }
        if (!marks['q-R01']) requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
      addEventListener('pointerdown', () => { if (!marks.tap) marks.tap = performance.now(); }, true);
    });
    // Every response of the page and of its service worker, with the bytes it took on the wire.
    const wire = [];
    context.on('requestfinished', async req => {
      const sz = await req.sizes().catch(() => null);
      const res = await req.response().catch(() => null);
      wire.push({ url: req.url(), sw: !!req.serviceWorker(), bytes: sz ? sz.responseBodySize + sz.responseHeadersSize : 0,
        cached: res ? (res.fromServiceWorker() ? 'sw' : '') : '' });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });

    await page.goto(env.collector.base + '/f/resident?t=QN09399A', { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__marks && window.__marks.start, null, { polling: 100 });
    await page.locator('#start').click();
    await page.waitForFunction(() => window.__marks['q-R01'], null, { polling: 100 });
    const m = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return Object.assign({ responseStart: nav.responseStart, responseEnd: nav.responseEnd,
        transfer: nav.transferSize, dcl: nav.domContentLoadedEventEnd }, window.__marks);
    });
    // The offline copy is in the worker's cache once the page has put it there.
    await page.waitForFunction(() => caches.open('diagsante-pages-v1')
      .then(c => c.match(location.origin + location.pathname)).then(r => !!r), null, { polling: 100 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const r = x => Math.round(x);
    console.log(`time (Slow 3G: ${SLOW_3G.downloadThroughput} B/s, ${SLOW_3G.latency} ms latency; CPU /${CPU_SLOWDOWN}): ` +
      `last byte ${r(m.responseEnd)} ms (${m.transfer} bytes), ` +
      `#start visible ${r(m.start)} ms (${r(m.start - SLOW_3G.latency)} ms beyond the request latency), ` +
      `tap ${r(m.tap)} ms, #q-R01 visible ${r(m['q-R01'])} ms (${r(m['q-R01'] - m.tap)} ms after the tap)`);
    const total = wire.reduce((a, w) => a + w.bytes, 0);
    console.log(`first visit on the wire: ${total} bytes in ${wire.length} responses (budget ${TRANSFER_BUDGET}): ` +
      wire.map(w => `${new URL(w.url).pathname}${w.sw ? ' (by the worker)' : ''}${w.cached ? ' (' + w.cached + ')' : ''} ${w.bytes}`).join(', '));
    assert.ok(total < TRANSFER_BUDGET, `${total} bytes on a first visit, over ${TRANSFER_BUDGET}`);
    const pages = wire.filter(w => new URL(w.url).pathname === '/f/resident' && w.bytes > 2000);
    assert.equal(pages.length, 1, 'the page went over the network more than once');
    assert.ok(m.responseEnd >= SLOW_3G.latency, 'the network emulation was not applied');
    assert.ok(m.start - SLOW_3G.latency < TIME_BUDGET_MS, `#start visible ${r(m.start)} ms after navigation start: ` +
      `over ${TIME_BUDGET_MS} ms + the ${SLOW_3G.latency} ms request latency`);
    assert.ok(m['q-R01'] > m.tap);
    assert.ok(m['q-R01'] - m.tap < TIME_BUDGET_MS, `#q-R01 visible ${r(m['q-R01'] - m.tap)} ms after the tap`);
  });
});
