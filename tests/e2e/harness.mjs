// Shared harness for the browser tests: a real `sendflow serve` on a loopback port with its own
// SENDFLOW_HOME and the demo trust, Debian's Chromium driven by playwright-core, axe-core checks,
// screenshots under tests/artifacts/e2e/.
//
// A test file is a plain script: `node <file>.mjs SENDFLOW_BINARY REPO_ROOT`. It calls
// runE2e(name, async (t) => { ... }) and exits 0 only when every check passed. The server and the
// browser are stopped whatever happens, including a failure, an exception or the overall timeout.

import { spawn, execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import net from 'node:net';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.SENDFLOW_E2E_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic'];

// WCAG 2.2 level A and AA, as axe-core tags them.
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const kStartTimeoutMs = 20_000;

// The environment for sendflow: ours, minus any SENDFLOW_* the caller had set (a developer's own
// SENDFLOW_HOME or SENDFLOW_CONFIG must not leak into a test).
function sendflowEnv(home) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SENDFLOW_')) env[k] = v;
  return { ...env, SENDFLOW_HOME: home, SENDFLOW_PORT: '0',
    SENDFLOW_LOG_FILE: path.join(home, 'server.log') };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

// A real SMTP server: aiosmtpd (Debian's python3-aiosmtpd) on a loopback port, delivering into a
// Maildir. Fields: port, env (what sendflow needs to send to it), messages(), waitFor(), stop().
export async function startSmtp() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sendflow-smtp-'));
  const maildir = path.join(dir, 'Maildir');
  const port = await freePort();
  const child = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
    '-c', 'aiosmtpd.handlers.Mailbox', maildir], { stdio: 'ignore' });
  const open = () => new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => { sock.destroy(); resolve(true); });
    sock.on('error', () => resolve(false));
  });
  let up = false;
  for (let i = 0; i < 100 && !(up = await open()); i++) await new Promise((r) => setTimeout(r, 50));
  if (!up) { child.kill('SIGKILL'); throw new Error(`aiosmtpd did not start on port ${port}`); }
  // Messages as delivered, decoded by Python's email package: [{to, subject, text, html}].
  const read = `
import email, email.policy, json, os, sys
d = os.path.join(sys.argv[1], 'new')
names = sorted(os.listdir(d), key=lambda n: os.stat(os.path.join(d, n)).st_mtime_ns) if os.path.isdir(d) else []
out = []
for n in names:
    m = email.message_from_bytes(open(os.path.join(d, n), 'rb').read(), policy=email.policy.default)
    r = {'to': str(m['To']), 'subject': str(m['Subject']), 'text': '', 'html': '', 'attachments': 0}
    for part in m.walk():
        if part.get_filename(): r['attachments'] += 1
        elif part.get_content_type() == 'text/plain': r['text'] = part.get_content()
        elif part.get_content_type() == 'text/html': r['html'] = part.get_content()
    out.append(r)
print(json.dumps(out))
`;
  const smtp = {
    port,
    env: { SENDFLOW_SMTP_HOST: '127.0.0.1', SENDFLOW_SMTP_PORT: String(port),
      SENDFLOW_MAIL_POLL_SECONDS: '1' },
    messages: () => JSON.parse(execFileSync('/usr/bin/python3', ['-c', read, maildir], { encoding: 'utf8' })),
    // The first message for which `match` holds, waiting up to `ms` for it to arrive.
    async waitFor(match, what, ms = 30_000) {
      const until = Date.now() + ms;
      for (;;) {
        const found = smtp.messages().find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no email ${what} arrived within ${ms / 1000} s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop() { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); },
  };
  process.once('exit', () => child.kill('SIGKILL'));
  return smtp;
}

// A running server on port 0 with the demo trust seeded.
// Fields: baseUrl, home, demo (the parsed `sendflow demo --json`), stop(), log().
export async function startSendflow(binary, extraEnv = {}) {
  const home = mkdtempSync(path.join(tmpdir(), 'sendflow-e2e-'));
  const env = { ...sendflowEnv(home), ...extraEnv };
  const demoJson = await new Promise((resolve, reject) => {
    execFile(binary, ['demo', '--json'], { env, cwd: home, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => err ? reject(new Error(`sendflow demo failed: ${stderr || err}`))
        : resolve(stdout));
  });
  const demo = JSON.parse(demoJson);

  const child = spawn(binary, ['serve'], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sendflow serve did not start in time')),
      kStartTimeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /listening on https?:\/\/[^\s]+:(\d+)/.exec(line);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sendflow serve exited with ${code} before listening: ${stderr}`));
    });
  });
  child.stdout.resume();

  const server = {
    baseUrl: `http://127.0.0.1:${port}`,
    home,
    demo,
    child,
    stderr: () => stderr,
    log: () => { try { return readFileSync(env.SENDFLOW_LOG_FILE, 'utf8'); } catch { return ''; } },
    // SIGTERM (graceful shutdown), SIGKILL if it takes more than 10 s; resolves to the exit code.
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
  // Last resort when the process ends abruptly (uncaught exception, process.exit).
  process.once('exit', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
  return server;
}

export async function launchChromium() {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

// A desktop browser context signed in as a demo `account` through the real login form. Returns
// { context, page, errors } (errors: console/CSP errors collected by t.watch).
export async function signedIn(t, browser, server, account) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  const errors = t.watch(page);
  await page.goto(`${server.baseUrl}/login`);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('button[type=submit]')]);
  return { context, page, errors };
}

// The page's CSP stays enforced (no bypassCSP): axe-core goes in through the DevTools protocol,
// which a CSP does not govern, so a CSP violation by the application itself still shows up.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Returns axe-core's WCAG 2.2 AA violations on the current page, each as a readable string.
export async function axeViolations(page) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  const result = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'] });
    return { passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id,
      impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) })) };
  }, WCAG_TAGS);
  // A run that checked nothing would pass vacuously (axe not loaded, blank page).
  if (result.passes === 0) return ['axe-core evaluated no rule on this page'];
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.map((n) =>
    `      at ${n.target}\n        ${String(n.summary).replace(/\n/g, '\n        ')}`).join('\n'));
}

// Presses Tab until `selector` has the focus; fails after `max` presses. Returns the presses used,
// so a test can also assert on the tab order.
export async function tabTo(page, selector, max = 25) {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return i;
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  throw new Error(`${selector} not reached with ${max} presses of Tab (focus is on ${at})`);
}

// Test context handed to the test body: soft checks (the test goes on and fails at the end),
// screenshots, and console/CSP error collection per page.
class TestContext {
  constructor(name, artifactsDir) {
    this.name = name;
    this.artifactsDir = artifactsDir;
    this.passed = 0;
    this.failures = [];
  }

  check(ok, what, detail = '') {
    if (ok) {
      this.passed++;
      console.log(`ok - ${what}`);
    } else {
      this.failures.push(what);
      console.log(`not ok - ${what}${detail ? `\n    ${detail}` : ''}`);
    }
    return ok;
  }

  // Hard check: stops the test (later steps depend on it).
  require(ok, what, detail = '') {
    if (!this.check(ok, what, detail)) throw new Error(`required check failed: ${what}`);
  }

  async screenshot(page, label) {
    const file = path.join(this.artifactsDir, `${this.name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`# screenshot ${path.relative(process.cwd(), file)}`);
    return file;
  }

  async checkAxe(page, label) {
    const violations = await axeViolations(page);
    this.check(violations.length === 0, `axe-core: 0 WCAG 2.2 AA violations on ${label}`,
      violations.join('\n    '));
  }

  // No horizontal scrolling at the current viewport, and every selector visible and inside it.
  async checkReflow(page, label, selectors) {
    const { scrollWidth, width } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth }));
    this.check(scrollWidth <= width, `${label}: no horizontal scrolling at ${width} px`,
      `document scrollWidth is ${scrollWidth}`);
    for (const s of selectors) {
      const loc = page.locator(s).first();
      const visible = await loc.isVisible();
      const box = visible ? await loc.boundingBox() : null;
      const inside = box && box.x >= 0 && box.x + box.width <= width + 0.5 && box.width > 0;
      this.check(visible && inside, `${label}: ${s} visible within ${width} px`,
        visible ? `box ${JSON.stringify(box)}` : 'not visible');
    }
  }

  // Collects console errors and page errors (a CSP violation is one) on `page`.
  watch(page) {
    const errors = [];
    page.on('console', (m) => {
      // Chromium asks for /favicon.ico on its own; its 404 is not the page's doing.
      if (m.type() !== 'error' || /\/favicon\.ico$/.test(m.location()?.url ?? '')) return;
      errors.push(`console: ${m.text()} (${m.location()?.url ?? ''})`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    return errors;
  }
}

// Runs one browser test. Never returns: exits 0 when every check passed, 1 otherwise.
// With { smtp: true } the server sends its mail to a real SMTP server, handed to the body as `smtp`;
// `env`: more SENDFLOW_* settings for the server (e.g. the demo mailbox).
export async function runE2e(name, body,
  { timeoutMs = 150_000, smtp: wantSmtp = false, env: extraEnv = {} } = {}) {
  const [binary, repoRoot] = process.argv.slice(2);
  if (!binary || !repoRoot) {
    console.error(`usage: node ${path.basename(process.argv[1])} SENDFLOW_BINARY REPO_ROOT`);
    process.exit(2);
  }
  const artifactsDir = path.join(repoRoot, 'tests', 'artifacts', 'e2e');
  mkdirSync(artifactsDir, { recursive: true });
  const t = new TestContext(name, artifactsDir);
  let server = null;
  let browser = null;
  let smtp = null;
  let crashed = null;
  const started = Date.now();
  const watchdog = setTimeout(() => {
    console.log(`not ok - ${name} did not finish within ${timeoutMs / 1000} s`);
    if (server) {
      server.child.kill('SIGKILL');
      rmSync(server.home, { recursive: true, force: true });
    }
    process.exit(1);
  }, timeoutMs);
  try {
    if (wantSmtp) smtp = await startSmtp();
    server = await startSendflow(path.resolve(binary), { ...(smtp ? smtp.env : {}), ...extraEnv });
    browser = await launchChromium();
    await body(t, { server, browser, smtp });
  } catch (e) {
    crashed = e;
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) {
      const code = await server.stop();
      t.check(code === 0, 'the server shut down cleanly on SIGTERM', `exit code ${code}`);
      if (crashed || t.failures.length) {
        console.log(`# server log (${server.home}/server.log):\n` + server.log().split('\n')
          .slice(-40).map((l) => `#   ${l}`).join('\n'));
      }
      rmSync(server.home, { recursive: true, force: true });
    }
    if (smtp) smtp.stop();
    clearTimeout(watchdog);
  }
  if (crashed) {
    t.failures.push(String(crashed.message));
    console.log(`not ok - ${name} stopped: ${crashed.stack || crashed}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`# ${name}: ${t.passed} checks passed, ${t.failures.length} failed in ${seconds} s`);
  if (t.failures.length) console.log('# failed:\n' + t.failures.map((f) => `#   ${f}`).join('\n'));
  process.exit(t.failures.length ? 1 : 0);
}
