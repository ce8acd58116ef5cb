// Foundation journey, keyboard only: the demo SENCO signs in, finds a pupil with the dashboard
// search and opens their page. At a desktop width and at 320 px (WCAG 1.4.10 reflow): axe-core
// finds no WCAG 2.2 AA violation on the login, dashboard and pupil pages, nothing scrolls sideways,
// the key controls are visible, and no page logs an error (a CSP violation would be one).
import { runE2e, tabTo } from './harness.mjs';

const kViewports = [
  { label: 'desktop', width: 1280, height: 800 },
  { label: '320px', width: 320, height: 640 },
];

function pickSubjects(demo) {
  const senco = demo.accounts.find((a) => a.role === 'senco');
  if (!senco) throw new Error('sendflow demo --json lists no SENCO');
  const academy = demo.academies.find((a) => a.name === senco.academy);
  const mine = demo.pupils.filter((p) => p.academy_id === academy.id).sort((a, b) => a.id - b.id);
  // A pupil whose name is not plain ASCII, so the search also proves UTF-8 round trips.
  const pupil = mine.find((p) => /[^\x00-\x7f]/.test(p.name)) ?? mine[0];
  const firstName = pupil.name.split(' ')[0];
  const other = mine.find((p) => !p.name.includes(firstName));
  const elsewhere = demo.pupils.find((p) => p.academy_id !== academy.id);
  return { senco, academy, pupil, query: firstName, other, elsewhere };
}

async function journey(t, server, browser, vp) {
  const { senco, academy, pupil, query, other, elsewhere } = pickSubjects(server.demo);
  const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height },
    locale: 'en-GB' });
  const page = await context.newPage();
  const errors = t.watch(page);
  const at = (what) => `${what} [${vp.label}]`;
  try {
    // Login page: signed-out visitors land on it.
    await page.goto(`${server.baseUrl}/`);
    t.require(new URL(page.url()).pathname === '/login', at('signed out, / leads to the login page'),
      `url is ${page.url()}`);
    await t.checkAxe(page, at('the login page'));
    await t.checkReflow(page, at('login page'), ['#email', '#password', 'button[type=submit]']);

    // First Tab reaches the skip link, and it shows.
    await page.keyboard.press('Tab');
    const skip = page.locator('a.skip-link');
    t.check(await skip.evaluate((el) => el === document.activeElement) && await skip.isVisible() &&
      ((await skip.boundingBox())?.x ?? -1) >= 0, at('the first Tab shows the skip link'));

    // Keyboard alone: Tab to the email field, type, Tab to the password, type, Enter.
    await tabTo(page, '#email');
    await t.screenshot(page, `${vp.label}-login`);
    await page.keyboard.type(senco.email);
    const presses = await tabTo(page, '#password', 3);
    t.check(presses === 1, at('the password field follows the email field in tab order'));
    await page.keyboard.type(senco.password);
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
    t.require(await page.locator('h1').innerText() === 'Dashboard',
      at('Enter in the password field signs the SENCO in to the dashboard'));

    // Dashboard: their academy's pupils, not the other academy's.
    const academyHeading = page.getByRole('heading', { level: 2, name: academy.name });
    t.check(await academyHeading.isVisible(), at(`the dashboard shows ${academy.name}`));
    if (elsewhere) {
      t.check(await page.locator(`a[href="/pupils/${elsewhere.id}"]`).count() === 0,
        at('the dashboard hides pupils of another academy'));
    }
    await t.checkAxe(page, at('the dashboard'));
    await t.checkReflow(page, at('dashboard'), ['#q', 'form[role=search] button',
      `a[href="/pupils/${pupil.id}"]`, 'button.link-button']);
    await t.screenshot(page, `${vp.label}-dashboard`);

    // Search with the keyboard: Tab to the box, type, Enter.
    await tabTo(page, '#q');
    await page.keyboard.type(query);
    await Promise.all([page.waitForURL((u) => u.searchParams.get('q') === query),
      page.keyboard.press('Enter')]);
    const link = page.locator(`a[href="/pupils/${pupil.id}"]`);
    t.require(await link.count() === 1, at(`searching "${query}" finds ${pupil.name}`));
    t.check((await link.innerText()).trim() === pupil.name, at('the result shows the name exactly'),
      `link text is "${await link.innerText()}"`);
    if (other) {
      t.check(await page.locator(`a[href="/pupils/${other.id}"]`).count() === 0,
        at(`the search leaves out ${other.name}`));
    }
    t.check(await page.locator('#q').inputValue() === query, at('the search box keeps the query'));
    await t.checkAxe(page, at('the dashboard with search results'));
    await t.checkReflow(page, at('search results'), ['#q', `a[href="/pupils/${pupil.id}"]`]);
    await t.screenshot(page, `${vp.label}-search`);

    // Open the pupil's page: focus the link with Tab, Enter.
    await tabTo(page, `a[href="/pupils/${pupil.id}"]`);
    await Promise.all([page.waitForURL((u) => u.pathname === `/pupils/${pupil.id}`),
      page.keyboard.press('Enter')]);
    t.check((await page.locator('h1').innerText()).includes(pupil.name),
      at(`Enter on the link opens ${pupil.name}'s page`));
    t.check(await page.getByRole('heading', { level: 2, name: 'Contacts' }).isVisible(),
      at('the pupil page shows their contacts'));
    await t.checkAxe(page, at('the pupil page'));
    await t.checkReflow(page, at('pupil page'), ['h1', '.breadcrumb a', 'button.link-button']);
    await t.screenshot(page, `${vp.label}-pupil`);

    t.check(errors.length === 0, at('no console errors or CSP violations'), errors.join('\n    '));
  } catch (e) {
    await t.screenshot(page, `${vp.label}-failure`).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}

await runE2e('foundation', async (t, { server, browser }) => {
  for (const vp of kViewports) await journey(t, server, browser, vp);
});
