// Issue 16: a parent whose preferred language is Urdu writes their views and signs a PEEP on a
// 390×844 phone. The SENCO sets the parent's language to Urdu and invites them; the emailed
// invitation and the parent's pages are in Urdu, laid out right to left, with the parent's own
// section titled and labelled in Urdu (the form's "translations") and a visible link to English;
// axe-core finds no WCAG 2.2 AA violation on them. The parent answers in Urdu and signs by typing
// their name in Urdu; the physiotherapist and the SENCO sign; the sealed PDF stays the school's
// English record and holds the parent's answer and typed name exactly as written (pdftotext).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runE2e, signedIn } from './harness.mjs';

const contributeLink = (m) => (/\/c\/[A-Za-z0-9_-]{43}/.exec(m.text) || [null])[0];
const signLink = (m) => (/\/s\/[A-Za-z0-9_-]{43}/.exec(m.text) || [null])[0];
const oneSpace = (s) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

// The parent's words, and the Urdu the shipped PEEP and translations/ur.po give them.
const kAnswer = 'میرے بیٹے کو فائر الارم کی آواز سے بہت ڈر لگتا ہے۔ براہ کرم مشق سے ایک دن پہلے ہمیں بتا دیں۔';
const kTypedName = 'عائشہ بی بی خان';
const kSectionTitle = 'والدین یا نگہداشت کرنے والے کی رائے';      // forms/peep/form.json
const kViewsLabel = 'آپ سب کو کیا بتانا چاہیں گے؟';                // forms/peep/form.json
const kDear = 'محترم/محترمہ';                                          // ur.po: "Dear {{recipient_name}},"
const kAsksYouToSign = 'آپ سے درخواست کرتا ہے کہ آپ';                   // ur.po: "… asks you to read and sign …"
const kSignThisVersion = 'اس ورژن پر دستخط کریں';                     // ur.po: "Sign this version"
// What the live editor writes (ur.po, passed to web/static/live.js in the form's data-words).
const kLiveStatus = 'براہ راست ترمیم جاری ہے۔ اس صفحے پر موجود افراد: {{count}}۔'; // "Editing live. People on this page: {{count}}."
const kLeft = '{{name}} اب یہاں موجود نہیں ہیں۔';                    // "{{name}} left."
const kAddRow = 'قطار شامل کریں';                                      // "Add a row"
const kRowAdded = 'قطار شامل کر دی گئی۔';                              // "Row added."
const kClosedStart = 'اس منصوبے کی موجودہ حالت: ';                      // "This plan is {{state}} now, so it …"
const kClosedEnd = '۔ اس لیے اب اسے یہاں تبدیل نہیں کیا جا سکتا۔ آپ کے حصے کا شکریہ۔';

// Waits (up to 10 s) for `selector`'s text to be `want`; returns what it last held.
async function textBecomes(page, selector, want) {
  try {
    await page.waitForFunction(([s, w]) => (document.querySelector(s) || {}).textContent === w,
      [selector, want], { timeout: 10000 });
  } catch (e) { /* reported by the caller's check */ }
  return page.evaluate((s) => (document.querySelector(s) || {}).textContent, selector);
}

// The page is Urdu, right to left, offers English, and passes axe-core and reflow at 390 px.
async function checkUrduPage(t, page, label, reflowSelectors) {
  const html = await page.evaluate(() => ({ lang: document.documentElement.lang,
    dir: document.documentElement.dir, direction: getComputedStyle(document.body).direction }));
  t.check(html.lang === 'ur' && html.dir === 'rtl' && html.direction === 'rtl',
    `${label}: <html lang="ur" dir="rtl">, laid out right to left`, JSON.stringify(html));
  const english = page.locator('a[hreflang="en"]');
  t.check(await english.count() > 0 && await english.first().isVisible(), `${label}: a visible link to English`);
  await t.checkAxe(page, `${label} (Urdu, right to left, on a phone)`);
  await t.checkReflow(page, `${label} at 390 px`, reflowSelectors);
}

runE2e('urdu_parent_phone', async (t, { server, browser, smtp }) => {
  const senco = server.demo.accounts.find((a) => a.role === 'senco' && /Hillcrest/.test(a.academy));
  const plan = server.demo.plans.find((p) => p.type === 'peep' && p.state === 'draft' && p.academy === senco.academy);
  t.require(plan, 'the demo has a PEEP being written at the SENCO\'s academy');
  const { page: staff, errors: staffErrors } = await signedIn(t, browser, server, senco);
  const planUrl = `${server.baseUrl}/plans/${plan.id}`;

  // --- The SENCO gives the parent Urdu as their language, then invites them to contribute.
  await staff.goto(planUrl);
  const options = await staff.locator('#f-contact option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent })));
  const parentOption = options.find((o) => o.value && /\((Mother|Father|.*carer.*)\)/i.test(o.label));
  t.require(parentOption, 'the invitation offers the pupil\'s parent', JSON.stringify(options));
  const contactId = parentOption.value;
  await staff.goto(`${server.baseUrl}/contacts/${contactId}/edit`);
  t.require(await staff.locator('#language option[value="ur"]').count() === 1, 'the contact form offers Urdu');
  await staff.selectOption('#language', 'ur');
  await Promise.all([staff.waitForNavigation(), staff.click('button:has-text("Save contact")')]);
  await staff.goto(`${server.baseUrl}/contacts/${contactId}/edit`);
  t.require(await staff.locator('#language').inputValue() === 'ur', 'the parent\'s language is saved as Urdu');
  await staff.goto(`${server.baseUrl}/pupils/${plan.pupil_id}`);
  const parentAddress = (await staff.locator('ul.contacts li', { has: staff.locator(`a[href="/contacts/${contactId}/edit"]`) })
    .locator('.hint').innerText()).trim();

  await staff.goto(planUrl);
  await staff.selectOption('#f-contact', contactId);
  await Promise.all([staff.waitForNavigation(), staff.click('button:has-text("Email an invitation")')]);
  const invitation = await smtp.waitFor((m) => m.to.includes(parentAddress) && contributeLink(m) !== null,
    'inviting the parent to contribute');
  t.check(invitation.text.includes(kDear), 'the invitation is in Urdu', invitation.text.slice(0, 400));
  t.check(invitation.text.includes(kSectionTitle), 'it names the parent\'s section in Urdu, from the form',
    invitation.text.slice(0, 400));
  t.check(!/diagnos|condition|medical|wheelchair/i.test(invitation.text), 'the invitation carries no health detail');

  // --- The parent, on a phone, writes their views in Urdu.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true, locale: 'ur-PK' });
  const parent = await phone.newPage();
  const parentErrors = t.watch(parent);
  const link = contributeLink(invitation);
  // (The SENCO is back on the plan page after inviting them: open, live.)
  await parent.goto(server.baseUrl + link);
  const titles = (await parent.locator('section.plan-section h2').allInnerTexts()).map(oneSpace);
  t.check(titles.length === 1 && titles[0] === kSectionTitle, 'the parent\'s section is titled in Urdu',
    titles.join(' | '));
  const label = oneSpace(await parent.locator('label[for="f-parent_views"]').innerText());
  t.check(label.includes(kViewsLabel), 'their question is asked in Urdu', label);
  // The live editor speaks Urdu: its status line counts the SENCO (on the plan page) and the
  // parent in the page's digits, and says in Urdu when the SENCO leaves.
  const digits = (n) => parent.evaluate((k) => new Intl.NumberFormat(document.documentElement.lang).format(k), n);
  let shown = await textBecomes(parent, '.live-status', kLiveStatus.replace('{{count}}', await digits(2)));
  t.check(shown === kLiveStatus.replace('{{count}}', await digits(2)),
    'the live status line is in Urdu, counting the SENCO and the parent', shown);
  await staff.goto(`${server.baseUrl}/pupils/${plan.pupil_id}`);
  shown = await textBecomes(parent, '.live-status', kLiveStatus.replace('{{count}}', await digits(1)));
  t.check(shown === kLiveStatus.replace('{{count}}', await digits(1)), 'the status line counts again in Urdu', shown);
  const said = await parent.evaluate(() => [...document.querySelectorAll('[aria-live]')].pop().textContent);
  const left = new RegExp('^(.+)' + kLeft.replace('{{name}}', '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$').exec(said);
  t.check(left !== null && left[1].trim() !== '', 'the parent hears in Urdu that the SENCO left', said);
  // No section a parent writes has a table: the row words are checked where the page hands them
  // to the script.
  const words = JSON.parse(await parent.locator('form.plan-form').getAttribute('data-words'));
  t.check(words.add_row === kAddRow && words.row_added === kRowAdded && words.en.length === 0,
    'the live editor\'s row words are the catalogue\'s Urdu', JSON.stringify(words));
  await checkUrduPage(t, parent, 'the contribution page', ['#f-parent_views']);
  await parent.fill('#f-parent_views', kAnswer);
  await Promise.all([parent.waitForNavigation(), parent.locator('form button[type=submit]').last().click()]);
  const reopened = await phone.newPage();
  await reopened.goto(server.baseUrl + link);
  t.check(await reopened.inputValue('#f-parent_views') === kAnswer, 'the Urdu answer is kept exactly as written');
  await reopened.close();
  await t.screenshot(parent, 'urdu-parent-contribution');

  // --- The SENCO assigns the signers and sends the plan (the parent's page stays open, live).
  await staff.goto(planUrl);
  const sencoName = await staff.locator('#signer-senco option').nth(1).innerText();
  const assign = async (slot, pick) => {
    const select = staff.locator(`#signer-${slot}`);
    const os = await select.locator('option').evaluateAll((xs) => xs.map((o) => ({ value: o.value, label: o.textContent })));
    const chosen = os.find((o) => o.value && pick(o));
    t.require(chosen, `the ${slot} slot offers the right person`, JSON.stringify(os));
    await select.selectOption(chosen.value);
    await Promise.all([staff.waitForNavigation(), staff.locator(`#f-signer-${slot} button[type=submit]`).click()]);
    return chosen;
  };
  await assign('parent_carer', (o) => o.value === `contact:${contactId}`);
  const physioOption = await assign('health_professional', (o) => /physiotherapist/i.test(o.label));
  for (const slot of ['senco', 'named_helper', 'premises_lead']) await assign(slot, (o) => o.label === sencoName);
  await Promise.all([staff.waitForNavigation(), staff.click('button:has-text("Send for signature")')]);
  t.require(/Awaiting signatures/i.test(await staff.locator('main').innerText()), 'the plan awaits signatures');
  // The parent, still on their page, types: the live editor says why it cannot be changed, in Urdu.
  await parent.locator('#f-parent_views').press('End');
  await parent.locator('#f-parent_views').type('!');
  try {
    await parent.waitForFunction((s) => (document.querySelector('.live-status') || {}).textContent.startsWith(s),
      kClosedStart, { timeout: 10000 });
  } catch (e) { /* reported below */ }
  const closed = await parent.locator('.live-status').textContent();
  t.check(closed.startsWith(kClosedStart) && closed.endsWith(kClosedEnd),
    'the parent reads in Urdu why their part can no longer be changed live', closed);
  t.check(await parent.locator('#f-parent_views').getAttribute('readonly') !== null, 'their answer is read-only now');

  // --- The parent signs on the phone, typing their name in Urdu.
  const signMail = await smtp.waitFor((m) => m.to.includes(parentAddress) && signLink(m) !== null, 'asking the parent to sign');
  t.check(signMail.text.includes(kDear) && signMail.text.includes(kAsksYouToSign), 'the request to sign is in Urdu',
    signMail.text.slice(0, 400));
  const parentSignLink = signLink(signMail);
  await parent.goto(server.baseUrl + parentSignLink);
  t.check(oneSpace(await parent.locator('.plan-readonly').innerText()).includes(oneSpace(kAnswer)),
    'the plan to sign shows the parent\'s Urdu answer');
  await checkUrduPage(t, parent, 'the signing page', ['#consent-box', '#sign-form button[type=submit]']);
  await parent.check('#consent-box');
  if (await parent.locator('#method-typed').count()) await parent.check('#method-typed');
  await parent.fill('#typed-name', kTypedName);
  const signButton = parent.locator('#sign-form button[type=submit]');
  t.check(oneSpace(await signButton.innerText()) === kSignThisVersion, 'the sign button is in Urdu');
  await t.screenshot(parent, 'urdu-parent-signing');
  await Promise.all([parent.waitForNavigation(), signButton.click()]);
  t.check(await parent.locator('.error-summary').count() === 0, 'the Urdu signature is accepted',
    await parent.locator('main').innerText());
  await checkUrduPage(t, parent, 'the page after signing', []);

  // --- The physiotherapist and the SENCO sign; the plan is sealed.
  const physioAddress = await (async () => {
    await staff.goto(`${server.baseUrl}/pupils/${plan.pupil_id}`);
    const id = physioOption.value.split(':')[1];
    return (await staff.locator('ul.contacts li', { has: staff.locator(`a[href="/contacts/${id}/edit"]`) })
      .locator('.hint').innerText()).trim();
  })();
  const physioMail = await smtp.waitFor((m) => m.to.includes(physioAddress) && signLink(m) !== null, 'asking the physiotherapist to sign');
  const laptop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const physio = await laptop.newPage();
  await physio.goto(server.baseUrl + signLink(physioMail));
  await physio.check('#consent-box');
  await physio.fill('#typed-name', 'Dr Imogen Taylor');
  await Promise.all([physio.waitForNavigation(), physio.click('#sign-form button[type=submit]')]);
  for (let i = 0; i < 3; i++) {
    await staff.goto(planUrl);
    const button = staff.locator('#sign a.button').first();
    if (!(await button.count())) break;
    await Promise.all([staff.waitForNavigation(), button.click()]);
    await staff.check('#consent-box');
    await Promise.all([staff.waitForNavigation(), staff.click('button:has-text("Sign this version")')]);
  }
  await staff.goto(planUrl);
  t.require(/\bActive\b/.test(await staff.locator('main').innerText()), 'the last signature makes the plan active');
  const sealed = staff.locator('a:has-text("Download the signed and sealed PDF")');
  t.require(await sealed.count() > 0, 'the plan page links to the sealed PDF');
  const pdf = await staff.request.get(server.baseUrl + await sealed.first().getAttribute('href'));
  t.require(pdf.status() === 200, 'the sealed PDF downloads');
  const pdfPath = path.join(server.home, 'urdu-sealed.pdf');
  writeFileSync(pdfPath, await pdf.body());
  const sig = execFileSync('/usr/bin/pdfsig', [pdfPath], { encoding: 'utf8' });
  t.check(sig.includes('Signature is Valid.') && sig.includes('Total document signed'), 'pdfsig: the seal is valid', sig);
  const text = oneSpace(execFileSync('/usr/bin/pdftotext', [pdfPath, '-'], { encoding: 'utf8' }));
  t.check(text.includes(oneSpace(kAnswer)), 'the sealed PDF holds the parent\'s Urdu answer exactly (pdftotext)',
    text.slice(0, 1500));
  t.check(text.includes(kTypedName), 'the sealed PDF holds the parent\'s Urdu typed name exactly (pdftotext)');
  t.check(!/not shown/i.test(text), 'no placeholder stands in for the Urdu text');
  t.check(/What would you like everyone to know\?/.test(text) && !text.includes(kViewsLabel),
    'the PDF asks its questions in English: the plan is the school\'s record');

  t.check(staffErrors.length === 0 && parentErrors.length === 0, 'no console or CSP errors',
    [...staffErrors, ...parentErrors].join('\n    '));
  t.check(!server.log().includes(link.slice(3)) && !server.log().includes(parentSignLink.slice(3)),
    'the server log never holds the parent\'s tokens');
}, { smtp: true });
