// Issue 14 points 9 and 11 in the browser, on a draft PEEP as its SENCO:
// - a hidden answer never blocks saving: "Yes" to "Is this a temporary need?", an end date in the
//   past, Save: the error summary names the end date; "No", Save: saved, and the plan keeps no
//   end date (the hidden input still held it);
// - every link of the error summary and of "Still to complete" moves the focus to an input that
//   exists (a radio or checkbox group: its first option; a table: its first cell), and the
//   messages say what to do in plain words, not glued from the question.
// axe-core finds no WCAG 2.2 AA violation on the page with the summary or the list shown.
import { runE2e, signedIn } from './harness.mjs';

runE2e('editor_errors', async (t, { server, browser }) => {
  const draft = server.demo.plans.find((p) => p.state === 'draft' && p.type === 'peep');
  t.require(draft, 'the demo has a draft PEEP');
  const senco = server.demo.accounts.find((a) => a.role === 'senco' && a.academy === draft.academy);
  const { page, errors } = await signedIn(t, browser, server, senco);
  const planUrl = `${server.baseUrl}/plans/${draft.id}`;
  await page.goto(planUrl);
  await page.waitForFunction(() => /Editing live/.test(document.querySelector('.live-status')?.textContent ?? ''),
    null, { timeout: 20_000 });
  const save = async () => {
    await Promise.all([page.waitForNavigation(), page.click('form.plan-form button[type=submit]')]);
  };

  // Every link in `container`, clicked: the focus lands on the element its href names.
  async function followLinks(container, what) {
    const hrefs = await page.locator(`${container} a[href^="#"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    t.check(hrefs.length > 0, `${what} has links`);
    for (let i = 0; i < hrefs.length; i++) {
      const target = hrefs[i].slice(1);
      await page.locator(`${container} a[href^="#"]`).nth(i).click();
      const focused = await page.evaluate((id) => {
        const el = document.activeElement;
        // A table with no row (live editing removed them): the link's field is the table.
        const table = [...document.querySelectorAll('.table-field')].find((b) => id.startsWith(b.id.slice(0, -'field'.length)));
        return { id: el?.id ?? '', tag: el?.tagName ?? '', exists: !!document.getElementById(id),
          inTable: !!(table && table.contains(el)) };
      }, target);
      t.check(focused.exists ? focused.id === target && /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tag)
        : focused.inTable && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(focused.tag),
      `${what}: the link to #${target} moves the focus to that input (or, for a table left without rows, into it)`,
      JSON.stringify(focused));
    }
    return hrefs;
  }

  // --- Point 9: Yes, an end date in the past, Save.
  await page.check('#f-temporary');
  t.require(await page.locator('#f-temporary_until').isVisible(), '"Yes" reveals the end date');
  await page.fill('#f-temporary_until', '2020-01-01');
  // Leave questions unanswered for "Still to complete" later: the reason, the alert methods and
  // every route.
  await page.fill('#f-why_needed', '');
  for (const box of await page.locator('input[name="f.alert_methods"]:checked').all()) await box.uncheck();
  // Live editing removes a row at once with its own button.
  const removeRow = page.locator('#f-routes-field .live-remove-row');
  for (let n = await removeRow.count(); n > 0; n--) {
    await removeRow.first().click();
    await page.waitForFunction((left) => document.querySelectorAll('#f-routes-field .live-remove-row').length < left,
      n, { timeout: 10_000 });
  }
  await save();
  const summary = page.locator('.error-summary');
  t.require(await summary.count() > 0, 'a past end date is refused with an error summary');
  const summaryText = await summary.innerText();
  t.check(/The expected end date must be after today/.test(summaryText),
    'the summary names the end date in plain words', summaryText);
  t.check(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')),
    'the focus is on the error summary');
  await t.checkAxe(page, 'the editor with an error summary');
  await followLinks('.error-summary', 'the error summary');

  // "No" hides the end date; its input still holds the past date and is posted with the form.
  await page.check('#f-temporary-no');
  t.check(!(await page.locator('#f-temporary_until').isVisible()), '"No" hides the end date');
  t.check(await page.inputValue('#f-temporary_until') === '2020-01-01', 'the hidden input still holds the date');
  await save();
  t.check(await page.locator('.error-summary').count() === 0, 'saving with "No" works: no error summary',
    await page.locator('main').innerText().then((s) => s.slice(0, 300)));
  const api = await page.request.get(`${server.baseUrl}/api/v1/plans/${draft.id}`);
  const values = (await api.json()).values ?? {};
  t.check(values.temporary === false && !('temporary_until' in values),
    'the saved plan has "No" and no end date', JSON.stringify({ temporary: values.temporary,
      temporary_until: values.temporary_until }));

  // --- Point 11: "Still to complete" in plain words, each link reaching its input.
  const missing = page.locator('.notice:has(#missing-title)');
  t.require(await missing.count() > 0, 'the plan lists what is still to complete');
  const missingText = await missing.innerText();
  for (const m of ['Enter why the pupil needs a PEEP', 'Select how the pupil is alerted',
    'Add at least 1 row to the routes from each room']) {
    t.check(missingText.includes(m), `"Still to complete" says "${m}"`, missingText);
  }
  t.check(!/Enter [A-Z]|Select yes or no for [A-Z]|\?\s*$/m.test(missingText),
    'no message is glued from a question', missingText);
  await t.checkAxe(page, 'the editor with "Still to complete"');
  const hrefs = await followLinks('.notice:has(#missing-title)', '"Still to complete"');
  t.check(hrefs.includes('#f-alert_methods') && hrefs.includes('#f-routes-0-location'),
    'the checkbox group and the table link to their first input', hrefs.join(' '));
  // The refused save's 422 is the page's answer, not an error of the page.
  const unexpected = errors.filter((e) => !/status of 422/.test(e));
  t.check(unexpected.length === 0, 'no other console or CSP errors', unexpected.join('\n    '));
});
