// A minimal W3C WebDriver client for headless Firefox through geckodriver: just the commands the
// smoke test needs. (playwright's Firefox is a patched build it would download; Debian's
// firefox-esr speaks WebDriver through geckodriver, which scripts/setup.sh installs.)

import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { OUTPUT, ROOT } from './fixtures.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The WebDriver key of an element reference. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class Firefox {
  /**
   * Starts geckodriver and a headless Firefox with the WebGPU preferences of webdriver.json, plus
   * `prefs` (about:config names and values).
   */
  static async start({ prefs = {} } = {}) {
    const port = await freePort();
    const log = createWriteStream(join(OUTPUT, 'geckodriver.log'));
    const driver = spawn(process.env.GECKODRIVER ?? 'geckodriver', ['--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    driver.stdout.pipe(log);
    driver.stderr.pipe(log);
    const firefox = new Firefox(driver, `http://127.0.0.1:${port}`);
    for (let i = 0; ; i++) {
      try {
        if ((await firefox.send('GET', '/status')).ready) break;
      } catch (error) {
        if (i > 100 || driver.exitCode !== null) throw new Error(`geckodriver did not start: ${error.message}`);
      }
      await sleep(100);
    }
    const options = JSON.parse(readFileSync(join(ROOT, 'webdriver.json'), 'utf8'))['moz:firefoxOptions'] ?? {};
    const session = await firefox.send('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'firefox',
          'moz:firefoxOptions': {
            ...options,
            prefs: { ...options.prefs, ...prefs },
            args: [...(options.args ?? []), '-headless'],
          },
        },
      },
    });
    firefox.session = `/session/${session.sessionId}`;
    firefox.capabilities = session.capabilities;
    await firefox.command('POST', '/timeouts', { script: 300_000, pageLoad: 60_000 });
    await firefox.command('POST', '/window/rect', { width: 1100, height: 1300 });
    return firefox;
  }

  constructor(driver, base) {
    this.driver = driver;
    this.base = base;
    this.session = null;
  }

  async send(method, path, body) {
    const response = await fetch(this.base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = await response.json();
    if (value?.error) throw new Error(`WebDriver ${method} ${path}: ${value.error}: ${value.message}`);
    return value;
  }

  command(method, path, body) {
    return this.send(method, this.session + path, body);
  }

  navigate(url) {
    return this.command('POST', '/url', { url });
  }

  /** Runs `script` (a function body; `arguments` are `args`) in the page and returns its result. */
  execute(script, args = []) {
    return this.command('POST', '/execute/sync', { script, args });
  }

  /** Polls `condition` (a function body returning a truthy value) until it holds. */
  async waitFor(condition, timeout = 300_000) {
    const started = Date.now();
    for (;;) {
      const value = await this.execute(condition);
      if (value) return value;
      if (Date.now() - started > timeout) throw new Error(`timed out waiting for: ${condition}`);
      await sleep(200);
    }
  }

  /** Gives a file input a local file, as a person choosing it would. */
  async chooseFile(selector, path) {
    const element = await this.command('POST', '/element', { using: 'css selector', value: selector });
    await this.command('POST', `/element/${element[ELEMENT]}/value`, { text: path });
  }

  /** Clicks the element `selector` as a person would (a click the page may start sound on, unlike a script's). */
  async click(selector) {
    const element = await this.command('POST', '/element', { using: 'css selector', value: selector });
    await this.command('POST', `/element/${element[ELEMENT]}/click`, {});
  }

  async screenshot() {
    return Buffer.from(await this.command('GET', '/screenshot'), 'base64');
  }

  async quit() {
    try {
      if (this.session) await this.command('DELETE', '');
    } finally {
      this.driver.kill();
    }
  }
}
