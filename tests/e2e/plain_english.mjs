// Plain English wherever a person reads (issue 14, point 12): on every page a SENCO, a governor
// and a trust admin read for a demo plan (dashboard, pupil, plan, audit trail, version history,
// changes, who read the records, reviews overview, mail, users, retention), the visible text
// has no ISO timestamp or date, no "user:12" actor reference and no raw JSON. Point 13: the
// reviews chart's axis has whole-number ticks, each once, and no table is left empty. axe-core
// finds no WCAG 2.2 AA violation on the audit trail, the history and the reviews overview.
import { runE2e, signedIn } from './harness.mjs';

const ISO_STAMP = /\d{4}-\d\d-\d\dT\d\d:/;
const ISO_DATE = /\b\d{4}-\d\d-\d\d\b/;
const ACTOR_REF = /\b(user|contact):\d/;
const RAW_JSON = /\{"/;

async function checkPlain(t, page, url, label) {
  const res = await page.goto(url);
  t.check(res.status() === 200, `${label}: 200`, `${url} answered ${res.status()}`);
  const text = await page.locator('body').innerText();
  for (const [re, what] of [[ISO_STAMP, 'ISO timestamp'], [ISO_DATE, 'ISO date'],
    [ACTOR_REF, '"user:N" reference'], [RAW_JSON, 'raw JSON']]) {
    const m = re.exec(text);
    t.check(!m, `${label}: the visible text has no ${what}`,
      m ? `…${text.slice(Math.max(0, m.index - 80), m.index + 80)}…` : '');
  }
  return text;
}

runE2e('plain_english', async (t, { server, browser }) => {
  const base = server.baseUrl;
  const senco = server.demo.accounts.find((a) => a.role === 'senco');
  const academy = senco.academy;
  // A sealed plan of the SENCO's academy: launched, edited, sent, signed and sealed.
  const plan = server.demo.plans.find((p) => p.academy === academy && p.sealed_pdf);
  t.require(plan, 'the demo has a sealed plan in the SENCO\'s academy');

  const s = await signedIn(t, browser, server, senco);
  await checkPlain(t, s.page, `${base}/`, 'dashboard');
  await checkPlain(t, s.page, `${base}/pupils/${plan.pupil_id}`, 'pupil page');
  await checkPlain(t, s.page, `${base}/plans/${plan.id}`, 'plan page');
  const audit = await checkPlain(t, s.page, `${base}/plans/${plan.id}/audit`, 'audit trail');
  t.check(/Ms Siobhán Ní Bhriain \(SENCO\)/.test(audit), 'the audit trail names the SENCO with her role');
  t.check(/Started the plan/.test(audit) && /Signed version \d/.test(audit),
    'the audit trail describes events in words', audit.slice(0, 600));
  t.check(/\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d\d[ap]m/.test(audit),
    'the audit trail gives times as "2 December 2026 at 3:48pm"');
  await t.checkAxe(s.page, 'the audit trail');
  await t.screenshot(s.page, 'audit');
  const history = await checkPlain(t, s.page, `${base}/plans/${plan.id}/history`, 'version history');
  t.check(/\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d\d[ap]m/.test(history),
    'the history gives times in plain English');
  await t.checkAxe(s.page, 'the version history');
  await checkPlain(t, s.page, `${base}/plans/${plan.id}/diff?from=1&to=2`, 'changes');
  await s.context.close();

  const governor = server.demo.accounts.find((a) => a.role === 'governor');
  // A governor's home is /governor (signedIn waits for "/"): sign in through the form here.
  const gc = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const gp = await gc.newPage();
  await gp.goto(`${base}/login`);
  await gp.fill('#email', governor.email);
  await gp.fill('#password', governor.password);
  await Promise.all([gp.waitForURL((u) => u.pathname === '/governor'), gp.click('button[type=submit]')]);
  await checkPlain(t, gp, `${base}/governor`, 'reviews overview');
  // Point 13: the chart's y-axis has whole-number ticks, each once, rising from 0; no table is
  // left empty (an empty list says "None.").
  const ticks = await gp.locator('svg.timeline text[text-anchor="end"]').allTextContents();
  t.check(ticks.length >= 2 && ticks[0] === '0' && ticks.every((v) => /^\d+$/.test(v)) &&
    new Set(ticks).size === ticks.length &&
    ticks.every((v, i) => i === 0 || Number(v) > Number(ticks[i - 1])),
  'the reviews chart\'s y-axis labels are whole numbers, each once', ticks.join(', '));
  const emptyTables = await gp.locator('table tbody:not(:has(tr))').count();
  t.check(emptyTables === 0, 'no table on the reviews overview is left empty');
  await t.checkAxe(gp, 'the reviews overview');
  await gc.close();

  const admin = server.demo.accounts.find((a) => a.role === 'trust_admin');
  const a = await signedIn(t, browser, server, admin);
  await checkPlain(t, a.page, `${base}/admin/mail`, 'mail');
  await checkPlain(t, a.page, `${base}/admin/users`, 'users');
  await checkPlain(t, a.page, `${base}/admin/retention`, 'retention');
  await checkPlain(t, a.page, `${base}/plans/${plan.id}/audit`, 'audit trail (trust admin)');
  const reads = await checkPlain(t, a.page, `${base}/pupils/${plan.pupil_id}/reads`,
    'who read the records');
  t.check(/\(SENCO\)/.test(reads), 'the reads page names readers with their role', reads.slice(0, 400));
  await a.context.close();
});
