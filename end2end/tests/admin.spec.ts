import AxeBuilder from '@axe-core/playwright';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import {
  createUser,
  gotoHydrated,
  isLoginUrl,
  randomPassword,
  signIn,
  signInAsAdmin,
  submitSignIn,
  taglineBin,
  uniqueUsername,
  waitForHydration,
} from './helpers';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function expectNoSeriousViolations(page: Page, testInfo: TestInfo, name: string) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  await testInfo.attach(`axe-${name.replace(/\//g, '_')}.json`, {
    body: JSON.stringify(results.violations, null, 2),
    contentType: 'application/json',
  });
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n'),
    );
  expect(blocking, `serious or critical axe violations on ${name}`).toEqual([]);
}

test.describe('admin dashboard', () => {
  test('the admin revokes a member session and its next navigation lands on /login', async ({
    page,
    browser,
    baseURL,
  }) => {
    test.skip(!taglineBin(), 'E2E_TAGLINE_BIN is not set: this test needs a fresh user');
    const member = uniqueUsername('revoked');
    const password = randomPassword();
    createUser(member, password);

    const memberContext = await browser.newContext({ baseURL });
    try {
      const memberPage = await memberContext.newPage();
      await signIn(memberPage, member, password);
      await expect(memberPage.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
      // A member is refused the dashboard, by the server.
      const refused = await memberPage.request.get('/admin/sessions', { maxRedirects: 0 });
      expect(refused.status()).toBe(403);

      await signInAsAdmin(page, { next: '/admin/sessions' });
      await gotoHydrated(page, `/admin/sessions?user=${member}`);
      await expect(page.getByRole('heading', { level: 1, name: 'Sessions' })).toBeVisible();
      const counts = page.getByLabel('Who is signed in');
      await expect(counts).toContainText('Users signed in');
      const row = page.getByRole('row').filter({ hasText: member });
      await expect(row).toHaveCount(1);
      await expect(row).toContainText('Browser');
      await expect(row).toContainText('Chrome');
      await row.getByRole('button', { name: /^Revoke / }).click();
      await expect(page.getByRole('status').filter({ hasText: 'No live session' })).toBeVisible();

      // The member's very next navigation (a client-side one) finds the session gone.
      await memberPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tags', exact: true }).click();
      await expect(memberPage).toHaveURL(isLoginUrl);

      // The audit log says who revoked whose session.
      await gotoHydrated(page, `/admin/audit?user=${member}&event=session.revoked`);
      const entry = page.getByRole('row').filter({ hasText: 'Session revoked' });
      await expect(entry).toHaveCount(1);
      await expect(entry).toContainText(member);
      await expect(entry).toContainText('admin');
    } finally {
      await memberContext.close();
    }
  });

  test('the admin creates, disables and enables a user', async ({ page, browser, baseURL }) => {
    const username = uniqueUsername('made');
    const password = randomPassword();
    await signInAsAdmin(page, { next: '/admin/users' });
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Display name', { exact: true }).fill('Made In Test');
    await page.getByLabel('Initial password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Create user', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: `Created ${username}.` })).toBeVisible();
    const row = page.getByRole('row').filter({ hasText: username });
    await expect(row).toContainText('Made In Test');
    await expect(row).toContainText('member');

    const other = await browser.newContext({ baseURL });
    try {
      const userPage = await other.newPage();
      await signIn(userPage, username, password);

      await row.getByRole('button', { name: `Disable ${username}`, exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: `${username} disabled` })).toBeVisible();
      await expect(row).toContainText('disabled');
      await userPage.goto('/');
      await expect(userPage, 'disabling ends the user’s sessions').toHaveURL(isLoginUrl);

      await row.getByRole('button', { name: `Enable ${username}`, exact: true }).click();
      await expect(row).toContainText('active');
      await waitForHydration(userPage);
      await submitSignIn(userPage, username, password);
      await expect(userPage.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
    } finally {
      await other.close();
    }

    // The last admin cannot be demoted: the page says so.
    const adminRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'admin', exact: true }) });
    await adminRow.getByRole('button', { name: 'Make admin a member', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('The last admin cannot be demoted or disabled.');
  });

  test('repeated bad passwords show the throttling message', async ({ page }) => {
    test.skip(!taglineBin(), 'E2E_TAGLINE_BIN is not set: this test needs a fresh user');
    const username = uniqueUsername('throttled');
    const password = randomPassword();
    createUser(username, password);
    let throttled = false;
    for (let attempt = 0; attempt < 12 && !throttled; attempt++) {
      // A fresh form each time, so the alert read below is this attempt's.
      await gotoHydrated(page, '/login');
      await expect(page.getByRole('alert')).toHaveCount(0);
      await submitSignIn(page, username, `${password}-wrong`);
      const alert = page.getByRole('alert');
      await expect(alert).toBeVisible();
      throttled = /Too many/i.test((await alert.textContent()) ?? '');
    }
    expect(throttled, 'the sign-in form should say it is throttled after repeated failures').toBe(true);
    await expect(page.getByRole('alert')).toContainText(/try again in \d+/i);
    // Even the right password is refused while throttled, with the same message.
    await gotoHydrated(page, '/login');
    await submitSignIn(page, username, password);
    await expect(page.getByRole('alert')).toContainText(/Too many/i);
    await expect(page).toHaveURL(isLoginUrl);
  });

  for (const path of ['/admin', '/admin/users', '/admin/sessions', '/admin/audit']) {
    test(`${path} has no serious accessibility violations`, async ({ page }, testInfo) => {
      await signInAsAdmin(page, { next: path });
      await expect(page.getByRole('navigation', { name: 'Admin' })).toBeVisible();
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      if (path !== '/admin') {
        await expect(page.getByRole('table')).toBeVisible();
      }
      await expectNoSeriousViolations(page, testInfo, path);
    });
  }
});

test.describe('rescan', () => {
  test('an admin rescans the storage folder from /admin and sees the outcome', async ({ page }) => {
    const photosDir = process.env.E2E_PHOTOS_DIR;
    test.skip(!photosDir, 'E2E_PHOTOS_DIR is not set: this test needs the server’s storage folder');
    const fixtures = path.resolve(__dirname, '../../tests/fixtures');
    const folder = path.join(photosDir!, `e2e-rescan-${randomBytes(4).toString('hex')}`);
    mkdirSync(folder, { recursive: true });
    const jpeg = readFileSync(path.join(fixtures, 'exif-rotated.jpg'));
    // Two photos no other test has (random bytes after the end marker), and a text file named .jpg.
    writeFileSync(path.join(folder, 'one.jpg'), Buffer.concat([jpeg, randomBytes(16)]));
    writeFileSync(path.join(folder, 'two.jpg'), Buffer.concat([jpeg, randomBytes(16)]));
    copyFileSync(path.join(fixtures, 'not-an-image.jpg'), path.join(folder, 'notes.jpg'));

    await signInAsAdmin(page, { next: '/admin' });
    const panel = page.getByRole('region', { name: 'Rescan the storage folder' });
    await panel.getByRole('button', { name: 'Start rescan', exact: true }).click();
    const status = panel.getByRole('status');
    await expect(status).toContainText('Last rescan:', { timeout: 30_000 });
    await expect(status).toContainText(/Imported ([2-9]|\d{2,}),/);
    await expect(status).toContainText(/errors [1-9]\d*\./);
    await expect(panel.getByRole('button', { name: 'Start rescan', exact: true })).toBeEnabled();
  });
});
