// Issue 14 point 10: the drawn-signature pad fits a 390×844 phone. The SENCO signs a plan that
// awaits signatures on a phone (device pixel ratio 3): with the pad shown the page does not
// widen, the pad is inside the window and its bitmap follows its CSS size; a stroke drawn
// survives turning the phone round (and back), and signing with it works. axe-core finds no
// WCAG 2.2 AA violation with the pad shown.
import { runE2e } from './harness.mjs';

runE2e('signature_pad_phone', async (t, { server, browser }) => {
  const plan = server.demo.plans.find((p) => p.state === 'awaiting_signatures');
  t.require(plan, 'the demo has a plan awaiting signatures');
  const senco = server.demo.accounts.find((a) => a.role === 'senco' && a.academy === plan.academy);
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3,
    isMobile: true, hasTouch: true, locale: 'en-GB' });
  const page = await phone.newPage();
  const errors = t.watch(page);
  await page.goto(`${server.baseUrl}/login`);
  await page.fill('#email', senco.email);
  await page.fill('#password', senco.password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('button[type=submit]')]);
  await page.goto(`${server.baseUrl}/plans/${plan.id}`);
  const signLink = page.locator('#sign a.button').first();
  t.require(await signLink.count() > 0, 'the SENCO has a slot to sign on the plan');
  await Promise.all([page.waitForNavigation(), signLink.click()]);

  await page.check('#consent-box');
  await page.check('#method-drawn');
  const pad = page.locator('canvas.signature-pad');
  t.require(await pad.isVisible(), 'choosing to draw shows the signature pad');
  // A page wider than the phone makes a mobile browser zoom out (innerWidth grows with it).
  const widths = () => page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth }));
  let w = await widths();
  t.check(w.scrollWidth <= 390 && w.innerWidth === 390, 'with the pad shown the page is not wider than 390 px',
    JSON.stringify(w));
  await t.checkReflow(page, 'signing page at 390 px with the pad shown',
    ['canvas.signature-pad', 'button:has-text("Sign this version")']);
  const sizes = () => pad.evaluate((c) => ({ css: c.clientWidth, cssH: c.clientHeight, bitmap: c.width,
    bitmapH: c.height }));
  let s = await sizes();
  t.check(Math.abs(s.bitmap - s.css * 2) <= 1 && Math.abs(s.bitmapH - s.cssH * 2) <= 1,
    'the pad\'s bitmap is its CSS size times the pixel ratio (capped at 2)', JSON.stringify(s));

  const inked = () => pad.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
    return n;
  });
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + 20, box.y + box.height * 0.7);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++)
    await page.mouse.move(box.x + 20 + i * (box.width - 40) / 20, box.y + box.height * (0.7 - 0.4 * Math.sin(i / 3)));
  await page.mouse.up();
  const drawing = page.locator('input[name="drawing"]');
  t.check((await drawing.inputValue()).startsWith('data:image/png;base64,'), 'the drawing becomes a PNG');
  const inkBefore = await inked();
  t.check(inkBefore > 50, 'the stroke shows on the pad', `${inkBefore} dark pixels`);

  // Turned round and back: the pad follows the new width and the drawing is kept.
  await page.setViewportSize({ width: 844, height: 390 });
  await page.waitForFunction(() => {
    const c = document.querySelector('canvas.signature-pad');
    return Math.abs(c.width - c.clientWidth * 2) <= 1;
  }, null, { timeout: 5_000 }).catch(() => {});
  s = await sizes();
  t.check(s.css > box.width + 50 && Math.abs(s.bitmap - s.css * 2) <= 1,
    'turned to landscape, the pad widens and its bitmap follows', JSON.stringify(s));
  t.check(await inked() > 50, 'the drawing is kept in landscape');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction((w) => document.querySelector('canvas.signature-pad').clientWidth <= w,
    box.width + 1, { timeout: 5_000 }).catch(() => {});
  await page.waitForTimeout(100);
  t.check(await inked() > 50, 'the drawing is kept after turning back to portrait');
  t.check((await drawing.inputValue()).startsWith('data:image/png;base64,'), 'the kept drawing is what is sent');
  w = await widths();
  t.check(w.scrollWidth <= 390 && w.innerWidth === 390, 'back in portrait the page is not wider than 390 px',
    JSON.stringify(w));
  await t.checkReflow(page, 'signing page back at 390 px', ['canvas.signature-pad']);
  await t.checkAxe(page, 'the signing page on a phone with the pad shown');
  await t.screenshot(page, 'pad');

  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign this version")')]);
  t.check(/your signature was recorded/i.test(await page.locator('main').innerText()),
    'signing with the drawn signature works on the phone');
  t.check(errors.length === 0, 'no console or CSP errors', errors.join('\n    '));
});
