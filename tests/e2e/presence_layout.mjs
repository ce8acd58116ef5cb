// Issue 14 point 8: the "… is here" presence tag never moves the layout. A single editor types in
// a long-text field of a draft PEEP, then clicks a checkbox and a radio below it with a real
// mouse (pressed for 150 ms, as a person does): mouse-down blurs the field, the tag goes, and the
// click must still land on the control it was aimed at. The controls' boxes stay where they were
// while the tag comes and goes. axe-core finds no WCAG 2.2 AA violation with the tag shown.
import { runE2e, signedIn } from './harness.mjs';

runE2e('presence_layout', async (t, { server, browser }) => {
  const draft = server.demo.plans.find((p) => p.state === 'draft' && p.type === 'peep');
  t.require(draft, 'the demo has a draft PEEP');
  const senco = server.demo.accounts.find((a) => a.role === 'senco' && a.academy === draft.academy);
  t.require(senco, 'the demo has a SENCO in that academy');
  const { page, errors } = await signedIn(t, browser, server, senco);
  await page.goto(`${server.baseUrl}/plans/${draft.id}`);
  await page.waitForFunction(() => /Editing live\. People on this page: 1\./.test(
    document.querySelector('.live-status')?.textContent ?? ''), null, { timeout: 20_000 });

  const area = '#f-why_needed';
  const tagUnder = (field) => page.locator(`#f-${field}-field .live-presence`);
  // Where a control is on the page (document coordinates, whatever the scroll).
  const box = (sel) => page.locator(sel).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
  });
  const same = (a, b) => a && b && Math.abs(a.x - b.x) < 0.5 && Math.abs(a.y - b.y) < 0.5;

  // Type in the field above, so the tag shows under it; then click a control below it.
  async function typeThenClick(control, what) {
    const before = await box(control);
    await page.click(area);
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' More detail.', { delay: 10 });
    await tagUnder('why_needed').first().waitFor({ timeout: 10_000 });
    const withTag = await box(control);
    t.check(same(before, withTag), `${what} stays put when the presence tag appears`,
      `before ${JSON.stringify(before)}, with the tag ${JSON.stringify(withTag)}`);
    // Aimed where the control is now; the button is held down while the blur's presence
    // update travels to the server and back.
    // In the middle of the window, clear of the sticky Save bar at its foot.
    await page.locator(control).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const aim = await page.locator(control).boundingBox();
    await page.mouse.click(aim.x + aim.width / 2, aim.y + aim.height / 2, { delay: 150 });
    await page.waitForFunction(() => !document.querySelector('#f-why_needed-field .live-presence'),
      null, { timeout: 10_000 }).catch(() => {});
    t.check(await tagUnder('why_needed').count() === 0, `the tag under the field went on ${what}'s mouse-down`);
    t.check(await page.locator(control).isChecked(), `a real mouse click checked ${what}`);
    const after = await box(control);
    t.check(same(withTag, after), `${what} stays put when the presence tag goes`,
      `with the tag ${JSON.stringify(withTag)}, after ${JSON.stringify(after)}`);
  }

  const checkbox = await page.locator('input[type=checkbox][name="f.mobility_aids"]:not(:checked)').first()
    .getAttribute('id');
  t.require(checkbox, 'the PEEP has an unticked mobility aid checkbox');
  await typeThenClick(`#${checkbox}`, 'the mobility aid checkbox');
  const radio = await page.locator('input[type=radio][name="f.temporary"]:not(:checked)').first()
    .getAttribute('id');
  t.require(radio, 'the PEEP has an unchosen "temporary" radio');
  await typeThenClick(`#${radio}`, 'the "temporary need" radio');

  await page.click(area);
  await tagUnder('why_needed').first().waitFor({ timeout: 10_000 });
  await t.checkAxe(page, 'the editor with a presence tag shown');
  await t.screenshot(page, 'presence');
  t.check(errors.length === 0, 'no console or CSP errors', errors.join('\n    '));
});
