// Writing a plan together with a parent, in the browser, mail through a real SMTP server: the
// SENCO invites the pupil's parent from the plan page; the parent opens the emailed link on a
// 390×844 phone, with no account, and sees only their own section; the SENCO and the parent type
// into the parent's long-text field at the same moment and both end with the same text holding
// both inputs; each sees the other's presence beside the field. axe-core finds no WCAG 2.2 AA
// violation on either page.
import { runE2e, signedIn } from './harness.mjs';

// The contribution path (/c/<token>) in an email's text.
function linkIn(message) {
  const m = /\/c\/[A-Za-z0-9_-]{43}/.exec(message.text);
  return m ? m[0] : null;
}

runE2e('contribute', async (t, { server, browser, smtp }) => {
  const plan = server.demo.plans.find((p) => p.type === 'peep' && p.state === 'draft');
  t.require(plan, 'the demo has a PEEP being written');
  const senco = server.demo.accounts.find((a) => a.role === 'senco' && a.academy === plan.academy);

  // --- The SENCO invites the parent.
  const { page: desk, errors: deskErrors } = await signedIn(t, browser, server, senco);
  await desk.goto(`${server.baseUrl}/plans/${plan.id}`);
  const options = await desk.locator('#f-contact option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent })));
  const parentOption = options.find((o) => o.value && !/physio|therapist|nurse|dr /i.test(o.label));
  t.require(parentOption, 'the invitation offers the pupil\'s parent', JSON.stringify(options));
  t.check(options.some((o) => /physiotherapist/i.test(o.label)), 'and the physiotherapist, who has a section of the PEEP');
  await desk.selectOption('#f-contact', parentOption.value);
  await Promise.all([desk.waitForNavigation(), desk.click('button:has-text("Email an invitation")')]);
  const contributors = await desk.locator('#contributors').innerText();
  const parentName = parentOption.label.replace(/ \(.*\)$/, '');
  t.check(contributors.includes(parentName) && /Invited/.test(contributors), 'the plan page lists the parent as invited',
    contributors);
  await t.checkAxe(desk, 'the plan page with its contributors');

  const mail = await smtp.waitFor((m) => linkIn(m) !== null && m.text.includes(`Dear ${parentName}`) &&
    /Evacuation/.test(m.text), 'the invitation to contribute, to the parent');
  t.check(!/diagnos|condition|medical|wheelchair/i.test(mail.text), 'the invitation carries no health detail');
  t.require(plan.pupil, 'the demo names the plan\'s pupil');
  t.check(!mail.text.includes(plan.pupil), 'the invitation names the pupil by initials only');
  const link = linkIn(mail);

  // --- The parent, on a phone, through the link.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true, locale: 'en-GB' });
  const parent = await phone.newPage();
  const parentErrors = t.watch(parent);
  await parent.goto(server.baseUrl + link);
  t.check(/Evacuation/i.test(await parent.locator('h1').innerText()), 'the link opens the PEEP');
  const sections = await parent.locator('section.plan-section h2').allInnerTexts();
  t.check(sections.length === 1 && /Parent/.test(sections[0]), 'the parent sees only their own section', sections.join(' | '));

  await desk.goto(`${server.baseUrl}/plans/${plan.id}`);
  for (const p of [desk, parent]) {
    await p.waitForFunction(() => /Editing live\. People on this page: 2\./.test(
      document.querySelector('.live-status')?.textContent ?? ''), null, { timeout: 20_000 });
  }
  t.check(true, 'the SENCO and the parent are both connected live and see two people here');

  const sel = '#f-parent_views';
  await desk.click(sel);
  await parent.click(sel);
  await desk.keyboard.press('Control+Home');
  await parent.keyboard.press('Control+End');
  for (const [p, who] of [[desk, 'the SENCO'], [parent, 'the parent']]) {
    await p.waitForFunction(() => document.querySelectorAll('.live-presence').length >= 2, null,
      { timeout: 10_000 }).catch(() => {});
    t.check(await p.locator('.live-presence').count() >= 2, `${who} sees both people's presence beside the field`);
  }
  t.check(await desk.locator('.live-presence', { hasText: parentName }).count() > 0,
    'the SENCO sees the parent by name beside the field');
  t.check(await parent.locator('[aria-live="polite"]').count() > 0, 'presence is announced politely');

  const one = 'From school: we practise the route each term. ';
  const two = ' From home: she is scared of the alarm.';
  await Promise.all([desk.keyboard.type(one, { delay: 25 }), parent.keyboard.type(two, { delay: 25 })]);
  let va = '', vb = '';
  for (let i = 0; i < 100; i++) {
    va = await desk.inputValue(sel);
    vb = await parent.inputValue(sel);
    if (va === vb && va.includes(one) && va.includes(two)) break;
    await desk.waitForTimeout(100);
  }
  t.check(va === vb, 'the SENCO and the parent end with the same text', `SENCO: ${va}\nparent: ${vb}`);
  t.check(va.includes(one) && va.includes(two), 'the text holds both inputs', va);
  await t.screenshot(parent, 'parent-phone-live');
  await t.screenshot(desk, 'senco-with-parent');
  await t.checkAxe(parent, 'the parent\'s page on a phone, live');
  await t.checkAxe(desk, 'the SENCO\'s page with the parent present');

  // What both saw acknowledged is there for the next person who opens the link.
  const later = await phone.newPage();
  await later.goto(server.baseUrl + link);
  await later.waitForFunction(([s, a, b]) => { const v = document.querySelector(s)?.value ?? ''; return v.includes(a) && v.includes(b); },
    [sel, one.trim(), two.trim()], { timeout: 10_000 }).catch(() => {});
  const again = await later.inputValue(sel);
  t.check(again.includes(one.trim()) && again.includes(two.trim()), 'reopening the link shows both inputs',
    `${again}\nserver log:\n${server.log().split('\n').slice(-15).join('\n')}`);
  t.check(!server.log().includes(link.slice(3)), 'the link\'s token is not in the server log');
  t.check(deskErrors.length === 0 && parentErrors.length === 0, 'no console or CSP errors',
    [...deskErrors, ...parentErrors].join('\n'));
}, { smtp: true });
