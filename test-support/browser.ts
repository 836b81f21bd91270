/**
 * Headless Chromium for tests and tools that must see yieldio in a real browser (the
 * browser test in spec/, and later the teaching docs' visualizer).
 *
 * The browser is Debian's `chromium` package (.ci/run installs it when missing), driven
 * by puppeteer-core, which downloads no browser of its own. `CHROME_PATH` overrides where
 * to find it. `runInPage` loads a script (an ES module, usually made by
 * test-support/bundle.ts) into a blank page and returns what the script hands to
 * `window.__yieldioResult`, so a test reads results computed inside the page.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Where Chromium is, or an Error saying how to get it. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH is ${fromEnv}, which does not exist; point it at a Chromium or Chrome executable`);
    return fromEnv;
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(`no Chromium found at ${CANDIDATES.join(', ')}; install it (apt-get install -y chromium, as .ci/run does) or set CHROME_PATH`);
  }
  return found;
}

/** A headless Chromium; close it with `browser.close()`. */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // CI runs as root, where Chromium's sandbox cannot start; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/**
 * Run `moduleSource` as a module script in a blank page of `browser`; resolves with the
 * value the script assigns to `window.__yieldioResult` (JSON-serializable), or rejects
 * with the page's error.
 */
export async function runInPage(browser: Browser, moduleSource: string, timeoutMs = 15_000): Promise<unknown> {
  const page = await browser.newPage();
  // An uncaught error in the page ends the wait at once, with the page's message.
  const failed = new Promise<never>((_, reject) => {
    page.on('pageerror', (err) => reject(new Error(`the page threw: ${String(err)}`)));
  });
  try {
    await page.goto('about:blank');
    await Promise.race([
      (async () => {
        await page.addScriptTag({ content: moduleSource, type: 'module' });
        await page.waitForFunction(() => '__yieldioResult' in globalThis, { timeout: timeoutMs });
      })(),
      failed,
    ]);
    return await page.evaluate(() => (globalThis as unknown as { __yieldioResult: unknown }).__yieldioResult);
  } finally {
    await page.close();
  }
}
