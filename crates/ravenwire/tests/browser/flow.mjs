// The reader's flow in Chromium, driven by playwright-core. Run by
// crates/ravenwire/tests/browser.rs, which starts the server and passes:
// RW_BASE (the server's URL, ending in /), RW_FEED_URL (a feed on
// 127.0.0.1 to add), RW_FEED_HEADLINE (a headline of that feed),
// RW_PASSWORD (the admin password), RW_SHOTS (where screenshots go) and
// RW_CHROMIUM (the browser). Any failed step throws, and the process exits 1.

import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('RW_BASE').replace(/\/?$/, '/');
const shots = env('RW_SHOTS');
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

const step = (text) => console.log(`step: ${text}`);
const check = (ok, text) => {
  if (!ok) throw new Error(`check failed: ${text}`);
};

const browser = await chromium.launch({
  executablePath: env('RW_CHROMIUM'),
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
// axe-core is injected as a script, which the site's CSP (rightly) forbids.
const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 } });
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));

async function shot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/// Runs axe-core on the page; serious and critical violations fail.
async function accessible(name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result.violations) {
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes)`);
  }
  check(bad.length === 0, `${name}: ${bad.map((v) => v.id).join(', ')} (axe-core, serious or critical)`);
}

try {
  step('the front page lists stories; open one');
  await page.goto(base);
  await shot('front');
  await accessible('front page');
  const story = page.locator('main a[href*="/story/"]').first();
  check(await story.count() > 0, 'the front page links a story');
  await story.click();
  await page.waitForURL(/\/story\/\d+/);
  check(await page.locator('h1').count() > 0, 'the story page has a heading');
  await shot('story');
  await accessible('story page');

  step('search, then save the search (logging in when asked)');
  await page.fill('#site-search', 'velmora');
  await page.press('#site-search', 'Enter');
  await page.waitForURL(/\/search\?/);
  const searchUrl = page.url();
  check(await page.locator('main').innerText().then((t) => /velmora/i.test(t)), 'the search finds the Velmora stories');
  await shot('search');
  await accessible('search page');
  async function saveSearch() {
    const form = page.locator('form[action="/saved"]');
    check(await form.count() > 0, 'the search page offers to save the search');
    await form.locator('input[name="name"]').fill('Velmora cranes');
    await form.locator('button, input[type="submit"]').first().click();
    await page.waitForLoadState();
  }
  await saveSearch();
  if (page.url().includes('/login')) {
    // Saving is an admin action: log in, then save from the search again.
    await shot('login');
    await accessible('login page');
    await page.fill('input[name="password"]', env('RW_PASSWORD'));
    await page.locator('main form button, main form input[type="submit"]').first().click();
    await page.waitForLoadState();
    check(!page.url().includes('/login'), `logged in (now at ${page.url()})`);
    await page.goto(searchUrl);
    await saveSearch();
  }
  await page.waitForURL(/\/saved\/\d+/);
  check(await page.locator('main').innerText().then((t) => t.includes('Velmora cranes')), 'the saved search has its page');
  const feedLink = page.locator('a[href$="feed.atom"]').first();
  check(await feedLink.count() > 0, 'the saved search offers an Atom feed');
  await shot('saved-search');
  await accessible('saved search page');

  step('log in (if needed) and add a feed from the sources page');
  await page.goto(`${base}sources`);
  if (page.url().includes('/login')) {
    await page.fill('input[name="password"]', env('RW_PASSWORD'));
    await page.locator('main form button, main form input[type="submit"]').first().click();
    await page.waitForURL(/\/sources/);
  }
  await accessible('sources page');
  await page.fill('input[name="url"]', env('RW_FEED_URL'));
  await page.locator('form:has(input[name="url"]) button, form:has(input[name="url"]) input[type="submit"]').first().click();
  await page.waitForLoadState();
  check(await page.locator('main').innerText().then((t) => t.includes(env('RW_FEED_URL'))), 'the sources page lists the new feed');

  step("the feed's articles appear");
  const headline = env('RW_FEED_HEADLINE');
  let seen = false;
  for (let i = 0; i < 60 && !seen; i++) {
    await page.goto(base);
    seen = (await page.locator('main').innerText()).includes(headline);
    if (!seen) await page.waitForTimeout(1000);
  }
  check(seen, `the front page shows "${headline}" within a minute`);
  await page.goto(`${base}sources`);
  await shot('sources');

  step('keyboard: j/k move, o opens, / searches, ? helps, g h goes home');
  await page.goto(base);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('o');
  await page.waitForURL(/\/story\/\d+/);
  await page.keyboard.press('g');
  await page.keyboard.press('h');
  await page.waitForURL((url) => url.pathname === '/');
  await page.keyboard.press('/');
  check(await page.evaluate(() => document.activeElement?.getAttribute('name') === 'q'), '/ focuses the search box');
  await page.keyboard.press('Escape');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  const help = page.locator('#keys-help');
  check(await help.isVisible(), '? shows the keyboard help');
  await shot('keyboard-help');

  check(errors.length === 0, `no script errors: ${errors.join('; ')}`);
  console.log('the browser flow passed');
} catch (e) {
  await shot('failure').catch(() => {});
  console.error(String(e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
