// The first five minutes (issue 14, point 15), in the browser: the demo server's banner on the
// login page, staff pages and a signer's page; the SENCO opens the demo mailbox, opens a parent's
// invitation to sign and follows its link, which opens the signing page without a session.
// axe-core finds no WCAG 2.2 AA violation on any of them.
import { runE2e, signedIn } from './harness.mjs';

runE2e('demo_mailbox', async (t, { server, browser }) => {
  const banner = async (page, where) => {
    const b = page.locator('.demo-banner');
    t.check(await b.isVisible(), `the demo banner shows on ${where}`);
    t.check(/This is a demo server\..*made up.*demo mailbox/s.test(await b.innerText()),
      `the banner on ${where} says the data is made up and where mail goes`);
    t.check(await b.locator('a[href="/demo/mailbox"]').count() === 1,
      `the banner on ${where} links the demo mailbox`);
  };

  // --- The login page.
  const anon = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const login = await anon.newPage();
  const loginErrors = t.watch(login);
  await login.goto(`${server.baseUrl}/login`);
  await banner(login, 'the login page');
  await t.checkAxe(login, 'the login page with the demo banner');

  // --- The SENCO's mailbox: the demo's mail arrives within seconds.
  const senco = server.demo.accounts.find((a) => a.role === 'senco');
  const { page, errors } = await signedIn(t, browser, server, senco);
  await banner(page, 'the dashboard');
  await page.click('.demo-banner a');
  t.require(new URL(page.url()).pathname === '/demo/mailbox', 'the banner link opens the mailbox');
  for (let i = 0; i < 60 && await page.locator('main table tbody tr').count() === 0; i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  const rows = await page.locator('main table tbody tr').count();
  t.require(rows > 0, 'the demo mailbox lists the demo\'s messages');
  t.check(/For the demo only\./.test(await page.locator('main').innerText()),
    'the mailbox page says it is for the demo only');
  t.check(/^\d{1,2} [A-Z][a-z]+ 20\d\d at \d{1,2}:\d\d[ap]m$/.test(
    (await page.locator('main table tbody tr td').first().innerText()).trim()),
  'each message has its date in plain English');
  await t.checkAxe(page, 'the demo mailbox');
  await t.screenshot(page, 'mailbox');

  // --- A parent's invitation to sign: its link is a link.
  const links = await page.locator('main table tbody a').evaluateAll((as) => as
    .filter((a) => /sign/i.test(a.textContent)).map((a) => a.getAttribute('href')));
  let signPath = null;
  for (const href of links) {
    await page.goto(`${server.baseUrl}${href}`);
    const a = page.locator('main pre a[href^="/s/"]');
    if (await a.count()) { signPath = await a.first().getAttribute('href'); break; }
  }
  t.require(signPath, 'a parent\'s invitation to sign is in the mailbox, its link clickable');
  await t.checkAxe(page, 'a message in the demo mailbox');
  await t.screenshot(page, 'message');

  // --- The parent opens it (no session, a phone): the signing page, with the banner.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
  const parent = await phone.newPage();
  const parentErrors = t.watch(parent);
  await parent.goto(`${server.baseUrl}${signPath}`);
  t.check(/You are asked to sign as/.test(await parent.locator('main').innerText()),
    'the link from the mailbox opens the signing page');
  await banner(parent, 'the signing page');
  await t.checkAxe(parent, 'the signing page with the demo banner');

  for (const [who, list] of [['login', loginErrors], ['SENCO', errors], ['parent', parentErrors]])
    t.check(list.length === 0, `no console or CSP errors (${who})`, list.join('\n'));
}, { env: { SENDFLOW_DEMO_MAILBOX: 'true', SENDFLOW_MAIL_POLL_SECONDS: '1' } });
