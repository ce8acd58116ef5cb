// Plan editor journey: the demo SENCO launches a PEEP for a pupil, is told what is missing in a
// GOV.UK-style error summary, fixes an invalid answer, uses a conditional question (it appears
// only when its condition holds), saves, and sees the version history; then sets an EHCP review's
// meeting after the review is due and sees the warning beside the field. axe-core finds no
// WCAG 2.2 AA violation on the editor, the error state, the history or the warning, and nothing
// scrolls sideways at 320 px.
import { runE2e, signedIn } from './harness.mjs';

runE2e('plans', async (t, { server, browser }) => {
  const senco = server.demo.accounts.find((a) => a.role === 'senco');
  const academy = server.demo.academies.find((a) => a.name === senco.academy);
  // A pupil of the SENCO's academy without a PEEP yet.
  const withPeep = new Set(server.demo.plans.filter((p) => p.type === 'peep').map((p) => p.pupil_id));
  const pupil = server.demo.pupils.find((p) => p.academy_id === academy.id && !withPeep.has(p.id));
  t.require(pupil, 'the demo has a pupil without a PEEP');

  const { context, page, errors } = await signedIn(t, browser, server, senco);

  // Launch from the pupil's page.
  await page.goto(`${server.baseUrl}/pupils/${pupil.id}`);
  await page.selectOption('#plan-type', 'peep');
  await Promise.all([page.waitForURL(/\/plans\/\d+$/), page.click('text=Start plan')]);
  const planUrl = page.url();
  t.check(/Personal Emergency Evacuation Plan/.test(await page.locator('h1').innerText()),
    'launching opens the new PEEP');
  t.check(await page.locator('text=Still to complete before sending for signature').isVisible(),
    'the editor lists what is still to complete');
  await t.checkAxe(page, 'the plan editor');
  await t.screenshot(page, 'editor');

  // Sending too early: an error summary naming exactly what is missing, with focus on it.
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Send for signature")')]);
  const summary = page.locator('.error-summary');
  t.require(await summary.isVisible(), 'sending an incomplete PEEP shows the error summary');
  const summaryText = await summary.innerText();
  t.check(/why/i.test(summaryText), 'the summary names the missing "why" question', summaryText);
  t.check(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')),
    'focus moves to the error summary');
  await t.checkAxe(page, 'the editor with an error summary');

  // The conditional question: hidden until "temporary" is Yes.
  const until = page.locator('#f-temporary_until-field');
  t.check(!(await until.isVisible()), 'the "temporary until" question is hidden at first');
  await page.check('#f-temporary');  // Yes
  t.check(await until.isVisible(), 'answering Yes shows the "temporary until" question');

  // An invalid answer: the date must be after today.
  await page.fill('#f-why_needed', 'Broken leg: uses crutches until the cast comes off.');
  await page.fill('#f-temporary_until', '2020-01-01');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save changes")')]);
  t.require(await page.locator('.error-summary').isVisible(), 'an invalid date shows the error summary');
  t.check(await page.locator('#f-temporary_until-error').isVisible(), 'the error is shown at the field too');
  t.check((await page.inputValue('#f-why_needed')).startsWith('Broken leg'),
    'the answers typed are kept after an error');
  await t.screenshot(page, 'error');

  // Fix it and save.
  const next = new Date(Date.now() + 60 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.fill('#f-temporary_until', next);
  await Promise.all([page.waitForURL(/saved=1/), page.click('button:has-text("Save changes")')]);
  t.check(/saved as version 2/.test(await page.locator('.notice').first().innerText()),
    'saving says which version was made');
  t.check(await page.inputValue('#f-temporary_until') === next, 'the date was saved');

  // Version history.
  await page.click('text=Version history');
  const rows = page.locator('table tbody tr');
  t.check(await rows.count() === 2, 'the history lists both versions');
  await t.checkAxe(page, 'the version history');
  await page.click('text=What changed');
  t.check(await page.locator('text=Broken leg').first().isVisible(), 'the diff shows the new answer');

  // An EHCP review whose meeting is set after the review is due (12 months from the last review
  // or the plan's issue, 6 for an under-5): saved, with a visible warning beside the field.
  const ehcp = server.demo.plans.find((p) => p.type === 'ehcp_annual_review' && p.state === 'draft' && p.academy === senco.academy);
  t.require(ehcp, 'the demo has an EHCP review in draft');
  await page.goto(`${server.baseUrl}/plans/${ehcp.id}`);
  t.check(await page.locator('#f-meeting_date-warning').count() === 0, 'a meeting in time has no warning');
  const late = new Date(Date.now() + 400 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.fill('#f-meeting_date', late);
  await Promise.all([page.waitForURL(/saved=1/), page.click('button:has-text("Save changes")')]);
  const warning = page.locator('#f-meeting_date-warning');
  t.require(await warning.isVisible(), 'a late meeting shows a warning beside the meeting date');
  t.check(/This meeting is after the review is due on \d{1,2} [A-Z][a-z]+ \d{4}/.test(await warning.innerText()),
    'the warning says when the review is due', await warning.innerText());
  t.check((await page.getAttribute('#f-meeting_date', 'aria-describedby') || '').includes('f-meeting_date-warning'),
    'the date input is described by the warning');
  t.check(await page.locator('text=Hold the review (within').first().isVisible(),
    'the deadlines list when the review is due');
  await t.checkAxe(page, 'the EHCP editor with a late-meeting warning');
  await t.screenshot(page, 'ehcp-late-meeting');

  // The editor reflows at 320 px.
  await page.setViewportSize({ width: 320, height: 640 });
  await page.goto(planUrl);
  await t.checkReflow(page, 'plan editor at 320 px', ['#f-why_needed', 'button:has-text("Save changes")']);
  // 422 answers to invalid input are expected; anything else (a CSP violation, a script error) is not.
  const unexpected = errors.filter((e) => !/status of 422/.test(e));
  t.check(unexpected.length === 0, 'no console errors or CSP violations', unexpected.join('\n    '));
  await context.close();
});
