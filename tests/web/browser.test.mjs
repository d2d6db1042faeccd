// The web page in a real browser: Debian's chromium driven by playwright-core against a real `bantrack serve`
// on a free loopback port, with a fresh database seeded from seed-data/. Run by tests/web/run.sh (ctest web_tests).
//
// Environment: BANTRACK (the executable), SCREENSHOTS (a directory for the PNGs a person looks at).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bantrack = process.env.BANTRACK ?? path.join(root, 'build/bantrack');
const screenshots = process.env.SCREENSHOTS ?? path.join(root, 'build/screenshots');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TEXAS_RULE = 'us-tx-2025-01-31-chinese-ai-social';

let workDir;
let server;
let baseUrl;
let editorToken;
let browser;
let page;
const foreignRequests = [];
const pageErrors = [];

function bantrackCli(...args) {
  return execFileSync(bantrack, ['--db', path.join(workDir, 'web.db'), ...args], { encoding: 'utf8' }).trim();
}

// Starts `bantrack serve` and resolves with its base URL, read from the first line of its output.
function startServer() {
  server = spawn(
    bantrack,
    [
      '--db',
      path.join(workDir, 'web.db'),
      '--seed',
      path.join(root, 'seed-data'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--web',
      path.join(root, 'web'),
      '--quiet',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/^bantrack: serving (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`bantrack serve exited (${code}) before serving: ${output}`)));
    setTimeout(() => reject(new Error('bantrack serve did not start within 30 s')), 30000);
  });
}

async function api(route) {
  const response = await fetch(baseUrl + route);
  assert.equal(response.status, 200, route);
  return response.json();
}

// A PNG of the page: the viewport, the whole page, or the page down to the bottom of an element.
async function shoot(name, { fullPage = true, downTo } = {}) {
  const file = path.join(screenshots, `${name}.png`);
  if (downTo) {
    const box = await page.locator(downTo).boundingBox();
    const width = page.viewportSize().width;
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height: box.y + box.height + 16 } });
  } else {
    await page.screenshot({ path: file, fullPage });
  }
}

// Loads the page afresh at a route (a hash change alone would leave the previous view's elements to match).
async function open(hash, readySelector) {
  await page.goto('about:blank');
  await page.goto(`${baseUrl}/${hash}`);
  await page.waitForSelector(readySelector);
}

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bantrack-web-'));
  fs.mkdirSync(screenshots, { recursive: true });
  baseUrl = await startServer();
  // The token is made with the CLI against the same database while the server runs, as an editor would.
  editorToken = bantrackCli('token', 'create', '--role', 'editor', '--name', 'web-test');
  const context = await chromium.launchPersistentContext(path.join(workDir, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: 1366, height: 900 },
    locale: 'en-GB',
  });
  browser = context;
  page = context.pages()[0] ?? (await context.newPage());
  context.on('request', (request) => {
    if (!request.url().startsWith(baseUrl)) foreignRequests.push(request.url());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('the tracker lists every rule, fast, and states the data version', async () => {
  const { total } = await api('/v1/rules?limit=1');
  // Warm the browser up on the origin (a freshly launched chromium spends its first second starting itself),
  // then time the page as a visitor would see it.
  await page.goto(`${baseUrl}/healthz`);
  await page.goto(`${baseUrl}/#/`, { waitUntil: 'commit' });
  await page.waitForFunction((count) => document.querySelectorAll('table.rules tbody tr').length === count, total, {
    polling: 'raf',
  });
  const listShownAfter = await page.evaluate(() => performance.now());
  console.log(`  tracker: ${total} rows shown ${Math.round(listShownAfter)} ms after navigation`);
  // The bound is loose because ctest runs this beside other tests on two cores, and make test-sanitize runs it
  // against an ASan-built server; the figure printed above is the one to read (598 ms in a parallel ctest run on the
  // 2-core machine). The bound catches a page that waits on itself.
  assert.ok(listShownAfter < 2000, `the list took ${listShownAfter} ms`);
  assert.equal(await page.locator('table.rules tbody tr:visible').count(), total);
  // The tracker states the data version and its last change (and so does every page's footer).
  await page.waitForFunction(() => document.querySelector('main .data-version').textContent.includes('last change'));
  assert.match(await page.textContent('main .data-version'), /Data version 1 · last change .* by seed: import/);
  assert.match(await page.textContent('#data-version'), /Data version 1 · last change .* by seed: import/);
  assert.equal(await page.getAttribute('link[rel="alternate"][type="application/atom+xml"]', 'href'), '/feed.atom');
  await shoot('tracker', { fullPage: false });

  // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
});

test('the tracker filters to an app and sorts, and both are in the URL', async () => {
  const { total } = await api('/v1/rules?app=deepseek&limit=1');
  await open('#/', 'table.rules tbody tr');
  await page.selectOption('#filter-app', 'deepseek');
  await page.waitForFunction(
    (count) => document.querySelectorAll('table.rules tbody tr:not([hidden])').length === count,
    total,
  );
  await page.focus('th button.sort:has-text("Issuer")');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('th:has(button:has-text("Issuer"))', 'aria-sort'), 'ascending');
  const url = page.url();
  assert.match(url, /app=deepseek/);
  assert.match(url, /sort=issuer/);
  // The same URL, opened afresh, shows the same list.
  await page.goto('about:blank');
  await open(url.slice(baseUrl.length + 1), 'table.rules tbody tr');
  await page.waitForFunction(
    (count) => document.querySelectorAll('table.rules tbody tr:not([hidden])').length === count,
    total,
  );
  assert.equal(await page.inputValue('#filter-app'), 'deepseek');
  const issuers = await page
    .locator('table.rules tbody tr:not([hidden]) td[data-column="issuer"] .issuer > a')
    .allTextContents();
  assert.deepEqual(
    issuers,
    [...issuers].sort((a, b) => a.localeCompare(b)),
  );
});

test("an app's page shows the map with the restricting countries coloured, and the chart", async () => {
  await open('#/', 'table.rules tbody tr');
  await page.click('table.rules tbody a[href="#/app/deepseek"] >> nth=0');
  await page.waitForSelector('svg.world-map a.country-link');
  assert.ok((await page.locator('svg.world-map path.country').count()) > 150, 'real country geometry');
  for (const [country, colour] of [
    ['Italy', 'ban'],
    ['United States', 'ban'],
    ['Taiwan', 'ban'],
    ['India', 'restrict'],
    ['France', 'pending'],
  ]) {
    const link = page.locator(`svg.world-map a.country-link[aria-label^="${country}:"]`);
    assert.equal(await link.count(), 1, `${country} is coloured`);
    assert.match(await link.locator('path').getAttribute('class'), new RegExp(`class-${colour}`), country);
  }
  const colours = await page
    .locator('svg.world-map path.country')
    .evaluateAll((paths) => new Set(paths.map((p) => getComputedStyle(p).fill)).size);
  assert.ok(colours >= 4, 'ban, restriction, pending and none are distinct fills');
  // A country's name shows on focus.
  await page.focus('svg.world-map a.country-link[aria-label^="Italy:"]');
  assert.match(await page.textContent('.map-tooltip'), /^Italy: ban in force/);
  const bands = page.locator('svg.step-chart path.band');
  assert.equal(await bands.count(), 2);
  assert.ok((await bands.first().getAttribute('d')).length > 50, 'the chart has steps');
  assert.match(await page.textContent('#chart-heading'), /Rules in force against DeepSeek/);
  await page.evaluate(() => document.activeElement.blur());
  await page.mouse.move(0, 0);
  await shoot('app-page', { downTo: 'section:has(#chart-heading)' });
});

test("an entity's page shows what it issued, what it inherits and its sub-bodies; the timeline pages on", async () => {
  await open('#/entity/us-tx', 'h1');
  await page.waitForSelector('text=Issued by Texas');
  assert.ok(
    (await page.locator(`section:has(h2:has-text("Issued by Texas")) a[href="#/rule/${TEXAS_RULE}"]`).count()) === 1,
  );
  assert.equal(await page.locator('dl.facts a[href="#/entity/us-tx-dps"]').count(), 1, 'sub-bodies are listed');
  await shoot('entity-page');

  await open('#/entity/us-tx-dps', 'h1');
  const government = page.locator('section:has(h3:has-text("Its government devices"))');
  assert.deepEqual(await government.locator(`tr[data-rule="${TEXAS_RULE}"] ol.path li`).allInnerTexts(), [
    'Texas Department of Public Safety',
    'Texas',
  ]);

  const { total } = await api('/v1/timeline?limit=1');
  await open('#/timeline', '.timeline-event');
  assert.equal(await page.locator('.timeline-event').count(), 50);
  await shoot('timeline', { fullPage: false });
  await page.click('button:has-text("Show older events")');
  await page.waitForFunction((count) => document.querySelectorAll('.timeline-event').length === count, total);
  assert.equal(await page.getAttribute('a:has-text("Atom feed") >> nth=0', 'href'), '/feed.atom');
});

test('a check shows the verdict, the decisive rule, the owner-to-issuer path and linked sources', async () => {
  await open('#/check', 'form.check-form');
  await page.fill('#check-app', 'deepseek');
  await page.check('input[name="device"][value="government"]');
  await page.fill('#check-owner', 'us-tx-dps');
  await page.fill('#check-as_of', '2025-02-01');
  await page.click('button:has-text("Check")');
  await page.waitForSelector('.verdict');
  assert.equal((await page.textContent('.verdict-word')).trim(), 'Banned');
  const card = page.locator(`.match-card[data-rule="${TEXAS_RULE}"]`);
  assert.equal(await card.count(), 1);
  assert.match(await card.locator('h3').innerText(), /Texas bans DeepSeek/);
  const path = await card.locator('ol.path').first().locator('li').allInnerTexts();
  assert.deepEqual(path, ['Texas Department of Public Safety (owner)', 'Texas (issuer)']);
  const sources = await card.locator('.sources a').evaluateAll((links) => links.map((link) => link.href));
  assert.ok(sources.length > 0 && sources.every((href) => /^https?:\/\//.test(href)), 'sources are links');
  assert.match(page.url(), /#\/check\?app=deepseek&device=government&owner=us-tx-dps&as_of=2025-02-01/);
  await shoot('check-result');

  // A device with an owner, a location and a network: the other matches are listed with their roles.
  await open(
    '#/check?app=tiktok&device=government&owner=us-navy&location=us-tx&network=us-dod&as_of=2025-03-01',
    '.verdict',
  );
  assert.equal((await page.textContent('.verdict-word')).trim(), 'Banned');
  assert.match(await page.textContent('tr[data-rule="us-2024-04-24-pafaca"] td[data-column="role"]'), /Inactive/);
  await shoot('check-result-other-matches');
});

test('check errors appear beside the field they concern', async () => {
  await open('#/check?app=no-such-app&device=government', '.field-error');
  assert.match(await page.textContent('[data-path="app"] .field-error'), /not an app id/);
  assert.equal(await page.getAttribute('#check-app', 'aria-invalid'), 'true');
  await open('#/check?app=deepseek&device=government&owner=nobody', '.field-error');
  assert.match(await page.textContent('[data-path="owner"] .field-error'), /unknown entity "nobody"/);
  await open('#/check?app=deepseek&device=government&as_of=2025-02-30', '.field-error');
  assert.match(await page.textContent('[data-path="as_of"] .field-error'), /not a date/);
});

test('an editor edits a rule: refused edits show errors beside the fields; saved ones show everywhere', async () => {
  await open(`#/edit/${TEXAS_RULE}`, 'form.rule-form');
  await page.fill('#editor-token', editorToken);
  await page.click('button:has-text("Use this token")');
  await page.waitForSelector('text=A token is set for this tab');
  assert.equal(await page.evaluate(() => window.localStorage.length), 0, 'nothing in localStorage');
  assert.ok(!page.url().includes(editorToken), 'the token is not in the URL');

  // A refused edit: no scope, a bad source URL, a timeline entry out of order, an unknown issuer.
  for (const box of await page.locator('fieldset[data-path="scope"] input').all()) await box.uncheck();
  await page.fill('#rule-issuer', 'nowhere');
  await page.fill('[data-path="sources[0].url"] input', 'not a url');
  await page.click('button:has-text("Add entry")');
  await page.fill('[data-path="timeline[1].date"] input', '2025-01-01');
  await page.fill('#rule-reason', 'web test: a refused edit');
  await page.click('button:has-text("Save changes")');
  await page.waitForSelector('.error-summary:not([hidden])');
  assert.match(await page.textContent('[data-path="scope"] .field-error'), /at least one scope/);
  assert.match(await page.textContent('[data-path="issuer"] .field-error'), /unknown entity "nowhere"/);
  assert.match(await page.textContent('[data-path="sources[0].url"] .field-error'), /not an http\(s\) URL/);
  assert.match(await page.textContent('[data-path="timeline[1].date"] .field-error'), /dates must ascend/);
  assert.match(await page.textContent('.error-summary h2'), /Not saved: the server found 4 problems/);
  await shoot('editor-errors');

  // A refused token is explained.
  await page.evaluate(() => window.sessionStorage.setItem('bantrack.editorToken', 'bt_not-a-token'));
  await page.click('button:has-text("Save changes")');
  await page.waitForSelector('.token-panel .alert-error');
  assert.match(await page.textContent('.token-panel .alert-error'), /did not accept the token/);
  await page.evaluate((token) => window.sessionStorage.setItem('bantrack.editorToken', token), editorToken);

  // A good edit: the Texas rule becomes a restriction.
  await open(`#/edit/${TEXAS_RULE}`, 'form.rule-form');
  await page.check('input[name="effect"][value="restrict"]');
  await page.fill('#rule-reason', 'web test: downgrade to a restriction');
  await page.click('button:has-text("Save changes")');
  await page.waitForSelector('.alert-success');
  assert.match(await page.textContent('.alert-success'), /Saved .* version 2/);
  await page.waitForFunction(() => document.getElementById('data-version').textContent.startsWith('Data version 2'));
  assert.match(
    await page.textContent('#data-version'),
    /by token:web-test: update of rule us-tx-2025-01-31-chinese-ai-social — “web test: downgrade/,
  );

  await page.click('.site-nav a:has-text("Tracker")');
  await page.waitForSelector(`tr[data-rule="${TEXAS_RULE}"]`);
  assert.equal(
    (await page.textContent(`tr[data-rule="${TEXAS_RULE}"] td[data-column="effect"]`)).trim(),
    'Restriction',
  );

  await open('#/check?app=deepseek&device=government&owner=us-tx-dps&as_of=2025-02-01', '.verdict');
  assert.equal((await page.textContent('.verdict-word')).trim(), 'Restricted');
});

test('a phone-width screen renders every view without horizontal scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [hash, ready] of [
    ['#/', 'table.rules tbody tr'],
    ['#/app/deepseek', 'svg.world-map a.country-link'],
    ['#/entity/us-tx-dps', 'section.panel'],
    ['#/timeline', '.timeline-event'],
    ['#/check?app=deepseek&device=government&owner=us-tx-dps&as_of=2025-02-01', '.verdict'],
    [`#/edit/${TEXAS_RULE}`, 'form.rule-form'],
  ]) {
    await open(hash, ready);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${hash} is ${width} px wide`);
    if (hash === '#/') await shoot('phone-tracker', { fullPage: false });
    if (hash.startsWith('#/check')) await shoot('phone-check');
  }
  await page.setViewportSize({ width: 1366, height: 900 });
});

test('the page asked no other host and threw no error', () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});
