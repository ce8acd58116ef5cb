// Live editing in the browser: two staff members of the same academy (the SENCO and a member of
// staff) open the same draft plan in two Chromium contexts, see each other's presence beside the
// field, type into the same long-text field at the same time, and both end with the same text
// holding both inputs. Then both change one single-line answer at the same moment: the value is
// the same on both pages, the one overwritten is told what they lost and restores it in one click.
// Then both add a row to a repeating table at the same moment (both rows land on both pages), a
// cell typed on one page appears on the other, and a row removed on one goes from both.
// axe-core finds no WCAG 2.2 AA violation with the live indicators and the notice shown.
import { runE2e, signedIn } from './harness.mjs';

runE2e('live', async (t, { server, browser }) => {
  const senco = server.demo.accounts.find((a) => a.role === 'senco');
  const staff = server.demo.accounts.find((a) => a.role === 'staff' && a.academy === senco.academy);
  t.require(staff, 'the demo has a member of staff in the SENCO\'s academy');
  // A risk assessment: long text, single-line answers, person fields and a repeating table.
  const draft = server.demo.plans.find((p) => p.state === 'draft' && p.academy === senco.academy && p.type === 'risk_assessment');
  t.require(draft, 'the demo has a draft plan in that academy');

  async function open(account) {
    const { page, errors } = await signedIn(t, browser, server, account);
    // Keeps the page's WebSocket reachable, so a test can hold its incoming frames for a moment.
    await page.addInitScript(() => {
      const Native = window.WebSocket;
      window.WebSocket = function (...args) { const s = new Native(...args); window.__liveSocket = s; return s; };
      window.WebSocket.prototype = Native.prototype;
    });
    await page.goto(`${server.baseUrl}/plans/${draft.id}`);
    return { page, errors };
  }
  // A page stops hearing the server for a while (its frames are kept), then hears them all.
  const holdFrames = (page) => page.evaluate(() => {
    const s = window.__liveSocket;
    window.__held = [];
    window.__deliver = s.onmessage;
    s.onmessage = (e) => window.__held.push(e);
  });
  const deliverHeld = (page) => page.evaluate(() => {
    const s = window.__liveSocket;
    s.onmessage = window.__deliver;
    window.__held.forEach((e) => window.__deliver(e));
  });
  const a = await open(senco);
  const b = await open(staff);
  // Both pages are connected live and each sees the two of them.
  const bothLive = async () => {
    for (const p of [a.page, b.page]) {
      await p.waitForFunction(() => /Editing live\. People on this page: 2\./.test(document.querySelector('.live-status')?.textContent ?? ''),
        null, { timeout: 20_000 });
    }
  };

  const area = 'form.plan-form textarea[name^="f."]';
  const id = await a.page.locator(area).first().getAttribute('id');
  t.require(id, 'the plan has a long-text field');
  const sel = `#${id}`;
  await bothLive();
  t.check(true, 'both editors are connected live and see two people here');

  await a.page.click(sel);
  await b.page.click(sel);
  // One writes at the start, the other at the end: character-level OT with both carets at one
  // position would interleave the two runs keystroke by keystroke (see docs/live.md).
  await a.page.keyboard.press('Control+Home');
  await b.page.keyboard.press('Control+End');
  // Presence beside the field, both ways (each sees the other's tag; their own too).
  for (const [p, who] of [[a.page, 'the SENCO'], [b.page, 'the member of staff']]) {
    await p.waitForFunction(() => document.querySelectorAll('.live-presence').length >= 2, null,
      { timeout: 10_000 }).catch(() => {});
    t.check(await p.locator('.live-presence').count() >= 2,
      `${who} sees both people's presence beside the field`);
  }
  t.check(await a.page.locator('[aria-live="polite"]').count() > 0, 'presence is announced politely');

  const one = 'Alpha from the SENCO. ';
  const two = ' Bravo from staff.';
  await Promise.all([a.page.keyboard.type(one, { delay: 25 }), b.page.keyboard.type(two, { delay: 25 })]);
  let va = '', vb = '';
  for (let i = 0; i < 100; i++) {
    va = await a.page.inputValue(sel);
    vb = await b.page.inputValue(sel);
    if (va === vb && va.includes(one) && va.includes(two)) break;
    await a.page.waitForTimeout(100);
  }
  t.check(va === vb, 'both editors end with the same text', `A: ${va}\nB: ${vb}`);
  t.check(va.includes(one) && va.includes(two), 'the text holds both inputs', va);
  await t.screenshot(a.page, 'two-editors');

  // A whole-value field: last writer wins, the other is told and can restore their answer.
  const name = await a.page.evaluate(() => {
    const el = Array.from(document.querySelectorAll('form.plan-form input[type=text][name^="f."]'))
      .find((e) => e.name.split('.').length === 2 && !document.querySelector(`[name="${e.name}._text"]`));
    return el ? el.name : null;
  });
  t.require(name, 'the plan has a single-line text answer');
  const input = `form.plan-form input[name="${name}"]`;
  const setIn = async (page, value) => { await page.fill(input, value); await page.dispatchEvent(input, 'change'); };
  await setIn(a.page, 'From the SENCO');
  await b.page.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [input, 'From the SENCO'],
    { timeout: 10_000 }).catch(() => {});
  t.check(await b.page.inputValue(input) === 'From the SENCO', 'a changed answer appears on the other page');
  // The staff member answers before hearing of the SENCO's new answer (their page holds its
  // incoming frames meanwhile), so the server sees two answers to one field revision.
  await holdFrames(b.page);
  await setIn(a.page, 'SENCO again');
  await b.page.waitForFunction(() => window.__held.some((e) => JSON.parse(e.data).type === 'set'), null,
    { timeout: 10_000 });
  await setIn(b.page, 'Staff answer');
  await deliverHeld(b.page);
  let notice = null;
  for (let i = 0; i < 100 && !notice; i++) {
    for (const p of [a.page, b.page]) if (await p.locator('.live-overwritten').count()) notice = p;
    if (!notice) await a.page.waitForTimeout(100);
  }
  t.require(notice, 'the editor whose answer was overwritten is told');
  const [winnerValue, loserValue] = notice === a.page ? ['Staff answer', 'SENCO again'] : ['SENCO again', 'Staff answer'];
  const shown = [await a.page.inputValue(input), await b.page.inputValue(input)];
  t.check(shown[0] === winnerValue && shown[1] === winnerValue, 'both pages show the later answer',
    `winner ${winnerValue}; SENCO page ${shown[0]}, staff page ${shown[1]}`);
  t.check((await notice.locator('.live-overwritten').innerText()).includes(loserValue),
    'the notice shows the answer that was lost');
  await notice.locator('.live-overwritten').scrollIntoViewIfNeeded();
  await notice.screenshot({ path: `${t.artifactsDir}/live-overwritten.png` });
  await t.checkAxe(notice, 'the editor with an overwrite notice');
  await notice.click('.live-overwritten button');
  const other = notice === a.page ? b.page : a.page;
  await other.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [input, loserValue],
    { timeout: 10_000 }).catch(() => {});
  t.check(await notice.inputValue(input) === loserValue && await other.inputValue(input) === loserValue,
    'one click restores the lost answer on both pages');

  // A person field that takes a typed name ("Someone else"): the healthcare plan's. The SENCO
  // starts one for a pupil of the academy; both open it.
  const pupil = server.demo.pupils.find((p) => p.academy_id === server.demo.academies.find((x) => x.name === senco.academy).id);
  await a.page.goto(`${server.baseUrl}/pupils/${pupil.id}`);
  await a.page.selectOption('#plan-type', 'healthcare_plan');
  await Promise.all([a.page.waitForURL(/\/plans\/\d+$/), a.page.click('text=Start plan')]);
  await b.page.goto(a.page.url());
  await bothLive();
  const person = await a.page.evaluate(() => {
    const typed = Array.from(document.querySelectorAll('form.plan-form input[name$="._text"]'))
      .find((e) => e.name.split('.').length === 3);
    return typed ? typed.name.slice(0, -6) : null;
  });
  t.require(person, 'the healthcare plan has a person field that takes a typed name');
  await a.page.selectOption(`select[name="${person}"]`, '_other');
  await a.page.fill(`input[name="${person}._text"]`, 'Mrs Dee Visiting');
  await a.page.dispatchEvent(`input[name="${person}._text"]`, 'change');
  await b.page.waitForFunction((n) => document.querySelector(`input[name="${n}._text"]`)?.value === 'Mrs Dee Visiting',
    person, { timeout: 10_000 }).catch(() => {});
  t.check(await b.page.inputValue(`select[name="${person}"]`) === '_other' &&
    await b.page.inputValue(`input[name="${person}._text"]`) === 'Mrs Dee Visiting',
    'a typed name in a person field appears on the other page');
  const listed = await a.page.locator(`select[name="${person}"] option`).nth(1).getAttribute('value');
  await a.page.selectOption(`select[name="${person}"]`, listed);
  await b.page.waitForFunction(([n, v]) => document.querySelector(`select[name="${n}"]`)?.value === v,
    [person, listed], { timeout: 10_000 }).catch(() => {});
  t.check(await b.page.inputValue(`select[name="${person}"]`) === listed && await b.page.inputValue(`input[name="${person}._text"]`) === '',
    'choosing someone from the list replaces the typed name on the other page');
  await t.checkAxe(b.page, 'the healthcare plan editor, live');
  await a.page.goto(`${server.baseUrl}/plans/${draft.id}`);
  await b.page.goto(`${server.baseUrl}/plans/${draft.id}`);
  await bothLive();

  // A repeating table: both add a row at the same moment, then one removes a row; nobody loses a row.
  const table = await a.page.evaluate(() => {
    const b = document.querySelector('.live-add-row');
    return b ? b.closest('.table-field').querySelector('input.row-count').name.slice(5) : null;
  });
  t.require(table, 'a repeating table of the plan is live (it has an "Add a row" button)');
  const rowsOf = (page) => page.locator(`fieldset.table-row[data-row-id]:has([name^="f.${table}."])`);
  const n0 = await rowsOf(a.page).count();
  t.check(await rowsOf(b.page).count() === n0, 'both pages show the same rows');
  const addOn = (page) => page.locator(`input.row-count[name="rows.${table}"]`).locator('xpath=..').locator('.live-add-row').click();
  await Promise.all([addOn(a.page), addOn(b.page)]);
  for (const p of [a.page, b.page]) {
    await p.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n,
      [`fieldset.table-row[data-row-id]`, n0 + 2], { timeout: 10_000 }).catch(() => {});
  }
  t.check(await rowsOf(a.page).count() === n0 + 2 && await rowsOf(b.page).count() === n0 + 2,
    'two rows added at the same moment are both on both pages',
    `SENCO page ${await rowsOf(a.page).count()}, staff page ${await rowsOf(b.page).count()}, before ${n0}`);
  // A cell typed on one page appears on the other; the form-post names follow the rows.
  const cell = rowsOf(a.page).last().locator('input[type=text], textarea').first();
  const cellName = await cell.getAttribute('name');
  await cell.fill('Typed live in a new row');
  await cell.dispatchEvent('change');
  await b.page.waitForFunction(([n, v]) => document.querySelector(`[name="${n}"]`)?.value === v,
    [cellName, 'Typed live in a new row'], { timeout: 10_000 }).catch(() => {});
  t.check(await b.page.inputValue(`[name="${cellName}"]`) === 'Typed live in a new row', 'a cell typed on one page appears on the other');
  t.check(await b.page.inputValue(`input.row-count[name="rows.${table}"]`) === String(n0 + 2), 'the row count the form posts follows the rows');
  // A choice in a row (radio buttons keep a group per row): checked on one page, shown on the other.
  const radio = rowsOf(a.page).last().locator('input[type=radio]').first();
  if (await radio.count()) {
    const radioId = await radio.getAttribute('id');
    await radio.check();
    await b.page.waitForFunction((id) => document.getElementById(id)?.checked, radioId, { timeout: 10_000 }).catch(() => {});
    t.check(await b.page.isChecked(`#${radioId}`), 'a choice made in a row appears on the other page');
    t.check(await a.page.locator(`fieldset.table-row[data-row-id] input[type=radio]:checked`).count() ===
      await b.page.locator(`fieldset.table-row[data-row-id] input[type=radio]:checked`).count(),
      'both pages show the same choices in every row');
  }
  // Both answer the same cell at once (the staff page holds its incoming frames meanwhile): the
  // later answer is on both pages; the earlier writer is told what they lost and restores it.
  const setCell = async (page, value) => { await page.fill(`[name="${cellName}"]`, value); await page.dispatchEvent(`[name="${cellName}"]`, 'change'); };
  await holdFrames(b.page);
  await setCell(a.page, 'Cell from the SENCO');
  await b.page.waitForFunction(() => window.__held.some((e) => JSON.parse(e.data).type === 'cell'), null, { timeout: 10_000 });
  await setCell(b.page, 'Cell from staff');
  await deliverHeld(b.page);
  let cellNotice = null;
  for (let i = 0; i < 100 && !cellNotice; i++) {
    for (const p of [a.page, b.page]) if (await p.locator('fieldset.table-row .live-overwritten').count()) cellNotice = p;
    if (!cellNotice) await a.page.waitForTimeout(100);
  }
  t.require(cellNotice, 'the editor whose cell answer was overwritten is told');
  const [cellWinner, cellLoser] = cellNotice === a.page ? ['Cell from staff', 'Cell from the SENCO'] : ['Cell from the SENCO', 'Cell from staff'];
  t.check(await a.page.inputValue(`[name="${cellName}"]`) === cellWinner && await b.page.inputValue(`[name="${cellName}"]`) === cellWinner,
    'both pages show the later cell answer');
  t.check((await cellNotice.locator('fieldset.table-row .live-overwritten').innerText()).includes(cellLoser),
    'the cell notice shows the answer that was lost');
  await t.checkAxe(cellNotice, 'a table with a cell overwrite notice');
  await cellNotice.click('fieldset.table-row .live-overwritten button');
  const cellOther = cellNotice === a.page ? b.page : a.page;
  await cellOther.waitForFunction(([n, v]) => document.querySelector(`[name="${n}"]`)?.value === v, [cellName, cellLoser],
    { timeout: 10_000 }).catch(() => {});
  t.check(await cellOther.inputValue(`[name="${cellName}"]`) === cellLoser, 'one click restores the lost cell answer on the other page too');

  await rowsOf(b.page).first().locator('.live-remove-row').click();
  for (const p of [a.page, b.page]) {
    await p.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n,
      [`fieldset.table-row[data-row-id]`, n0 + 1], { timeout: 10_000 }).catch(() => {});
  }
  t.check(await rowsOf(a.page).count() === n0 + 1 && await rowsOf(b.page).count() === n0 + 1, 'a removed row goes from both pages');
  t.check(await a.page.inputValue(`[name="f.${table}.${n0}.${cellName.split('.')[3]}"]`) === cellLoser,
    'the typed cell kept its value when the rows above it moved');
  await a.page.locator('.table-field:has(.live-add-row)').first().screenshot({ path: `${t.artifactsDir}/live-table.png` });

  await t.checkAxe(a.page, 'the plan editor with live presence');
  await t.checkAxe(b.page, 'the second editor with live presence');
  t.check(a.errors.length === 0 && b.errors.length === 0, 'no console or CSP errors',
    [...a.errors, ...b.errors].join('\n'));
});
