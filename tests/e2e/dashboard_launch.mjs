// Starting a plan from the dashboard (issue 14, point 14): the demo SENCO chooses a pupil and a
// type in the "Start a plan" form and lands on the new plan; a teacher (no launch_plan in the
// access policy) does not see the form. axe-core finds no WCAG 2.2 AA violation on the dashboard.
import { runE2e, signedIn } from './harness.mjs';

runE2e('dashboard_launch', async (t, { server, browser }) => {
  const senco = server.demo.accounts.find((a) => a.role === 'senco');
  const academy = server.demo.academies.find((a) => a.name === senco.academy);
  const withPeep = new Set(server.demo.plans.filter((p) => p.type === 'peep').map((p) => p.pupil_id));
  const pupil = server.demo.pupils.find((p) => p.academy_id === academy.id && !withPeep.has(p.id));
  t.require(pupil, 'the demo has a pupil without a PEEP');

  const { context, page, errors } = await signedIn(t, browser, server, senco);
  const form = page.locator('form[action="/plans"]');
  t.require(await form.isVisible(), 'the SENCO\'s dashboard has a "Start a plan" form');
  await t.checkAxe(page, 'the dashboard with the "Start a plan" form');
  await t.screenshot(page, 'dashboard');
  await page.selectOption('#launch-pupil', String(pupil.id));
  await page.selectOption('#launch-type', 'peep');
  await Promise.all([page.waitForURL(/\/plans\/\d+$/), form.locator('button[type=submit]').click()]);
  t.check(/Personal Emergency Evacuation Plan/.test(await page.locator('h1').innerText()),
    'launching from the dashboard opens the new PEEP');
  t.check((await page.locator('main').innerText()).includes(pupil.name),
    'the new plan is for the chosen pupil', pupil.name);
  t.check(errors.length === 0, 'no console errors or CSP violations', errors.join('\n    '));
  await context.close();

  const teacher = server.demo.accounts.find((a) => a.role === 'staff');
  t.require(teacher, 'the demo has a teacher');
  const other = await signedIn(t, browser, server, teacher);
  t.check(await other.page.locator('form[action="/plans"]').count() === 0,
    'a teacher, who may not start plans, sees no "Start a plan" form');
  await other.context.close();
});
