// The whole PEEP sign-off in the browser, mail through a real SMTP server: the SENCO assigns the
// signers and sends the plan; the parent opens the emailed link on a 390×844 phone and draws a
// signature; the physiotherapist signs with the keyboard only; the SENCO signs the staff slots;
// the plan becomes active with a sealed PDF, and the parent's "signed" email links to it; the
// parent then asks for a review from that link, and the SENCO is emailed at once.
// axe-core finds no WCAG 2.2 AA violation on the signing pages.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runE2e, signedIn, tabTo } from './harness.mjs';

// The signing path (/s/<token>) in an email's text.
function linkIn(message) {
  const m = /\/s\/[A-Za-z0-9_-]{43}/.exec(message.text);
  return m ? m[0] : null;
}

runE2e('esign', async (t, { server, browser, smtp }) => {
  const senco = server.demo.accounts.find((a) => a.role === 'senco' && /Hillcrest/.test(a.academy));
  const plan = server.demo.plans.find((p) => p.type === 'peep' && p.state === 'draft' && p.academy === senco.academy);
  t.require(plan, 'the demo has a PEEP ready to send at the SENCO\'s academy');

  // --- The SENCO assigns the signers and sends the plan.
  const { context: desk, page: staff, errors: staffErrors } = await signedIn(t, browser, server, senco);
  const planUrl = `${server.baseUrl}/plans/${plan.id}`;
  await staff.goto(planUrl);
  const sencoName = await staff.locator('#signer-senco option').nth(1).innerText();
  const assign = async (slot, pick) => {
    const select = staff.locator(`#signer-${slot}`);
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent })));
    const chosen = options.find((o) => o.value && pick(o.label));
    t.require(chosen, `the ${slot} slot offers the right person`, JSON.stringify(options));
    await select.selectOption(chosen.value);
    await Promise.all([staff.waitForNavigation(),
      staff.locator(`#f-signer-${slot} button[type=submit]`).click()]);
    t.check(await staff.locator(`#f-signer-${slot}`).innerText().then((s) => s.includes(chosen.label.replace(/ \(.*\)$/, ''))),
      `the ${slot} slot shows who was chosen`);
    return chosen;
  };
  const parentOption = await assign('parent_carer', (l) => /\((Mother|Father|.*carer.*)\)/i.test(l));
  const physioOption = await assign('health_professional', (l) => /physiotherapist/i.test(l));
  t.check(!(await staff.locator('#signer-parent_carer option', { hasText: /physiotherapist/i }).count()),
    'the parent slot does not offer the physiotherapist');
  await assign('senco', (l) => l === sencoName);
  await assign('named_helper', (l) => l === sencoName);
  await assign('premises_lead', (l) => l === sencoName);
  await t.checkAxe(staff, 'the plan page with its signers');
  await Promise.all([staff.waitForNavigation(), staff.click('button:has-text("Send for signature")')]);
  t.require(/Awaiting signatures/i.test(await staff.locator('main').innerText()),
    'sending moves the plan to awaiting signatures');
  t.check(await staff.locator('button:has-text("Send the link again")').count() >= 2,
    'the SENCO can send each emailed signer their link again');
  await t.checkAxe(staff, 'the plan page with its signature requests');

  // --- The parent: the emailed link, on a phone, draws a signature.
  const invite = async (who) => smtp.waitFor((m) => m.to.includes(who) && linkIn(m) && /sign/i.test(m.subject),
    `inviting ${who} to sign`);
  const contactEmail = async (value) => {
    // The contact's address, from the pupil page the SENCO sees.
    await staff.goto(`${server.baseUrl}/pupils/${plan.pupil_id}`);
    const id = value.split(':')[1];
    const item = staff.locator('ul.contacts li', { has: staff.locator(`a[href="/contacts/${id}/edit"]`) });
    return (await item.locator('.hint').innerText()).trim();
  };
  const parentAddress = await contactEmail(parentOption.value);
  const physioAddress = await contactEmail(physioOption.value);
  const parentMail = await invite(parentAddress);
  t.check(!/diagnos|condition|medical/i.test(parentMail.text), 'the invitation carries no health detail');
  t.check(parentMail.attachments === 0, 'the invitation attaches nothing');
  const parentLink = linkIn(parentMail);

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true, locale: 'en-GB' });
  const parent = await phone.newPage();
  const parentErrors = t.watch(parent);
  await parent.goto(server.baseUrl + parentLink);
  t.check(await parent.locator('h1').innerText().then((s) => /Evacuation/i.test(s)), 'the link opens the PEEP to sign');
  t.check(await parent.locator('.hash').innerText().then((s) => /^[0-9a-f]{64}$/.test(s.trim())),
    'the signing page shows the version\'s content hash');
  const shown = await parent.locator('.plan-readonly').innerText();
  t.check(!/\b(user|contact|pupil):\d+\b/.test(shown), 'people in the plan show by name, never by reference',
    (/.{0,60}\b(user|contact|pupil):\d+\b.{0,20}/.exec(shown) || [''])[0]);
  await t.checkAxe(parent, 'the signing page on a phone');
  await t.checkReflow(parent, 'signing page at 390 px', ['#consent-box', 'button:has-text("Sign this version")']);
  await parent.check('#consent-box');
  await parent.check('#method-drawn');
  const pad = parent.locator('canvas.signature-pad');
  t.require(await pad.isVisible(), 'choosing to draw shows the signature pad');
  const box = await pad.boundingBox();
  await parent.mouse.move(box.x + 20, box.y + box.height * 0.7);
  await parent.mouse.down();
  for (let i = 1; i <= 20; i++)
    await parent.mouse.move(box.x + 20 + i * (box.width - 40) / 20, box.y + box.height * (0.7 - 0.4 * Math.sin(i / 3)));
  await parent.mouse.up();
  t.check(await parent.locator('input[name="drawing"]').inputValue().then((v) => v.startsWith('data:image/png;base64,')),
    'the drawing becomes a PNG');
  await t.screenshot(parent, 'parent-phone');
  await Promise.all([parent.waitForNavigation(), parent.click('button:has-text("Sign this version")')]);
  t.check(/your signature was recorded/i.test(await parent.locator('main').innerText()), 'the parent is told it worked');
  await t.checkAxe(parent, 'the signing page after signing');

  // --- The physiotherapist: keyboard only.
  const physioMail = await invite(physioAddress);
  const laptop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const physio = await laptop.newPage();
  const physioErrors = t.watch(physio);
  await physio.goto(server.baseUrl + linkIn(physioMail));
  await tabTo(physio, '#consent-box', 80);
  await physio.keyboard.press('Space');
  t.check(await physio.isChecked('#consent-box'), 'the consent box ticks with the keyboard');
  await tabTo(physio, '#typed-name', 10);
  await physio.keyboard.press('Control+A');
  await physio.keyboard.type('Dr Imogen Taylor');
  await tabTo(physio, '#sign-form button[type=submit]', 10);
  await Promise.all([physio.waitForNavigation(), physio.keyboard.press('Enter')]);
  t.check(/your signature was recorded/i.test(await physio.locator('main').innerText()),
    'the physiotherapist signed with the keyboard only');
  await t.checkAxe(physio, 'the signing page (keyboard signer)');

  // --- The SENCO signs each of their slots.
  for (let i = 0; i < 3; i++) {
    await staff.goto(planUrl);
    const button = staff.locator('#sign a.button').first();
    if (!(await button.count())) break;
    await Promise.all([staff.waitForNavigation(), button.click()]);
    if (i === 0) await t.checkAxe(staff, 'the staff signing page');
    await staff.check('#consent-box');
    await Promise.all([staff.waitForNavigation(), staff.click('button:has-text("Sign this version")')]);
    t.check(/your signature was recorded/i.test(await staff.locator('main').innerText()), `the SENCO signed (${i + 1})`);
  }
  await staff.goto(planUrl);
  const main = await staff.locator('main').innerText();
  t.check(/\bActive\b/.test(main), 'the last signature makes the plan active', main.slice(0, 400));
  const sealed = staff.locator('a:has-text("Download the signed and sealed PDF")');
  t.require(await sealed.count() > 0, 'the plan page links to the sealed PDF');
  const pdf = await staff.request.get(server.baseUrl + await sealed.first().getAttribute('href'));
  t.require(pdf.status() === 200, 'the sealed PDF downloads');
  const pdfPath = path.join(server.home, 'e2e-sealed.pdf');
  writeFileSync(pdfPath, await pdf.body());
  const sig = execFileSync('/usr/bin/pdfsig', [pdfPath], { encoding: 'utf8' });
  t.check(sig.includes('Signature is Valid.') && sig.includes('Total document signed'),
    'pdfsig: the seal is valid and covers the whole file', sig);
  const text = execFileSync('/usr/bin/pdftotext', [pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  for (const name of [parentOption.label.replace(/ \(.*\)$/, ''), 'Dr Imogen Taylor', sencoName])
    t.check(text.includes(name), `the sealed PDF names ${name}`);
  t.check(/Audit certificate/.test(text), 'the sealed PDF ends with the audit certificate');
  await t.screenshot(staff, 'sealed');

  // --- The parent is told, with their same link now offering the sealed PDF.
  const done = await smtp.waitFor((m) => m.to.includes(parentAddress) && /\/sealed\.pdf/.test(m.text),
    'telling the parent the plan is signed');
  t.check(done.attachments === 0, 'the "signed" email attaches nothing (the PDF holds special-category data)');
  t.check(done.text.includes(`${parentLink}/sealed.pdf`), 'the "signed" email uses the parent\'s one link');
  const download = await parent.request.get(`${server.baseUrl}${parentLink}/sealed.pdf`);
  t.check(download.status() === 200 && download.headers()['content-type'] === 'application/pdf',
    'the parent downloads the sealed PDF through their link');
  await parent.goto(server.baseUrl + parentLink);
  t.check(await parent.locator('a:has-text("Download the signed and sealed PDF")').count() > 0,
    'the parent\'s link now offers the sealed PDF');

  // --- The parent asks for a review from the same link, on the phone (issue 14).
  t.check(done.text.includes(`${parentLink}/review`), 'the "signed" email offers to ask for a review');
  const askLink = parent.locator('a:has-text("Ask for a review of this plan")');
  t.require(await askLink.count() > 0, 'the parent\'s link offers to ask for a review');
  await Promise.all([parent.waitForNavigation(), askLink.click()]);
  t.check(/Ask for a review/.test(await parent.locator('h1').innerText()), 'the review page opens');
  await t.checkAxe(parent, 'the ask-for-a-review page on a phone');
  await t.checkReflow(parent, 'review page at 390 px', ['#reason_text', 'button:has-text("Send my request")']);
  await Promise.all([parent.waitForNavigation(), parent.click('button:has-text("Send my request")')]);
  const summary = parent.locator('.error-summary');
  t.check(await summary.count() > 0 && /Select why this is needed/.test(await summary.innerText()),
    'asking without a reason says what to do');
  t.check(await summary.locator('a[href="#reason_code"]').count() === 1, 'the error links to the first reason');
  await t.checkAxe(parent, 'the review page with its errors');
  await t.checkReflow(parent, 'review page with errors at 390 px', ['#reason_text']);
  await t.screenshot(parent, 'review-request-errors-phone');
  await parent.getByLabel('There has been an incident').check();
  await parent.fill('#reason_text', 'He slipped on the ramp at break; the evacuation chair was not there.');
  await Promise.all([parent.waitForNavigation(), parent.click('button:has-text("Send my request")')]);
  t.check(/Your request was sent/.test(await parent.locator('main').innerText()), 'the parent is told the request was sent');
  t.check(/Your requests so far/.test(await parent.locator('main').innerText()), 'the page lists the parent\'s request');
  await t.checkAxe(parent, 'the review page after asking');
  const parentName = parentOption.label.replace(/ \(.*\)$/, '');
  const asked = await smtp.waitFor((m) => m.to.includes(senco.email) && /Review needed now/.test(m.subject)
    && m.text.includes(parentName), 'emailing the SENCO the parent\'s request for a review');
  t.check(!/ramp|evacuation chair/i.test(asked.text + asked.html), 'the request email carries no free-text detail');
  t.check(asked.text.includes(`/plans/${plan.id}`), 'the request email links to the plan');
  const again = await parent.request.get(`${server.baseUrl}${parentLink}/sealed.pdf`);
  t.check(again.status() === 200, 'the link still downloads the sealed PDF after asking');
  await staff.goto(planUrl);
  const requests = await staff.locator('#review-requests').innerText();
  t.check(requests.includes(parentName) && /\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d{2}(am|pm)/.test(requests),
    'the plan page lists the request by name, with a plain English time', requests);
  await t.checkAxe(staff, 'the plan page with its requests for a review');

  // The one 422 is the review form sent without a reason, on purpose.
  const errors = [...staffErrors, ...parentErrors.filter((e) => !/status of 422 .*\/review\)$/.test(e)),
    ...physioErrors];
  t.check(errors.length === 0, 'no console errors or CSP violations', errors.join('\n    '));
  t.check(!server.log().includes(parentLink.slice(3)), 'the server log never holds a signer\'s token');
  await Promise.all([desk.close(), phone.close(), laptop.close()]);
}, { smtp: true, timeoutMs: 200_000 });
