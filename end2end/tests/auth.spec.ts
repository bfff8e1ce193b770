import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import {
  BAD_CREDENTIALS,
  adminCredentials,
  createUser,
  gotoHydrated,
  isLoginUrl,
  randomPassword,
  signIn,
  signInAsAdmin,
  signOut,
  submitSignIn,
  taglineBin,
  uniqueUsername,
  waitForHydration,
} from './helpers';

test.describe('sign in and out', () => {
  test('the admin signs in, sees the photos page and signs out', async ({ page }) => {
    const { username } = adminCredentials();
    // Signed out, / is answered with a redirect to the sign-in page.
    await page.goto('/');
    await expect(page).toHaveURL(
      (url) => isLoginUrl(url) && url.searchParams.get('next') === '/',
    );
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

    await signInAsAdmin(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();

    // The signed-in layout.
    const skip = page.getByRole('link', { name: 'Skip to content', exact: true });
    await expect(skip).toBeAttached();
    const skipTarget = await skip.getAttribute('href');
    expect(skipTarget, 'the skip link should point at an anchor on the page').toMatch(/^#./);
    await expect(page.locator(skipTarget!)).toBeAttached();

    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Photos', exact: true })).toHaveAttribute('href', '/');
    await expect(nav.getByRole('link', { name: 'Settings', exact: true })).toHaveAttribute(
      'href',
      '/settings',
    );
    // The display name of a user made by create-user is their username.
    await expect(page.getByText(username).filter({ visible: true }).first()).toBeVisible();

    await signOut(page);
    await expect(page).toHaveURL(/\/login/);

    // The session is gone: / redirects to /login again, on the server.
    const response = await page.request.get('/', { maxRedirects: 0 });
    expect(response.status(), 'GET / signed out should be a redirect').toBeGreaterThanOrEqual(300);
    expect(response.status()).toBeLessThan(400);
    const location = new URL(response.headers()['location'] ?? '', page.url());
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('next')).toBe('/');

    await page.goto('/');
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  });

  test('a protected page asked for signed out is shown after signing in', async ({ page }) => {
    const { username, password } = adminCredentials();
    await page.goto('/settings');
    await expect(page).toHaveURL(
      (url) => isLoginUrl(url) && url.searchParams.get('next') === '/settings',
    );
    await waitForHydration(page);

    await submitSignIn(page, username, password);
    await expect(page).toHaveURL((url) => url.pathname === '/settings');
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  });

  test('wrong credentials show an inline alert and stay on the sign-in page', async ({ page }) => {
    const { username, password } = adminCredentials();
    const alert = page.getByRole('alert').filter({ hasText: BAD_CREDENTIALS });

    // A known user with a wrong password.
    await gotoHydrated(page, '/login');
    await expect(alert).toHaveCount(0);
    await submitSignIn(page, username, `${password}-wrong`);
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(BAD_CREDENTIALS);
    await expect(page).toHaveURL(isLoginUrl);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

    // An unknown user gets the very same answer (on a fresh page, so that the
    // first alert cannot pass for the second).
    await gotoHydrated(page, '/login');
    await expect(alert).toHaveCount(0);
    await submitSignIn(page, uniqueUsername('nobody'), password);
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(BAD_CREDENTIALS);
    await expect(page).toHaveURL(isLoginUrl);

    // Still signed out.
    await page.goto('/');
    await expect(page).toHaveURL(isLoginUrl);
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the server-rendered form signs in and out', async ({ page }) => {
    const { username, password } = adminCredentials();
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

    await submitSignIn(page, username, password);
    await expect(page).toHaveURL((url) => url.pathname === '/');
    await expect(page.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);

    await signOut(page);
    await page.goto('/');
    await expect(page).toHaveURL(isLoginUrl);
  });
});

test.describe('accessibility', () => {
  const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

  /** Runs axe and expects no "serious" or "critical" violation, listed readably. */
  async function expectNoSeriousViolations(page: Page, testInfo: TestInfo, name: string) {
    const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    await testInfo.attach(`axe-${name}.json`, {
      body: JSON.stringify(results.violations, null, 2),
      contentType: 'application/json',
    });
    const blocking = results.violations.filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    const readable = blocking.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}\n` +
        v.nodes
          .map((n) => `    at ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
          .join('\n'),
    );
    expect(readable, `serious or critical axe violations on ${name}`).toEqual([]);
  }

  test('the sign-in page has no serious violations', async ({ page }, testInfo) => {
    await gotoHydrated(page, '/login');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expectNoSeriousViolations(page, testInfo, '/login');
  });

  test('the settings page has no serious violations', async ({ page }, testInfo) => {
    await signInAsAdmin(page, { next: '/settings' });
    await expect(page.getByRole('heading', { level: 2, name: 'Your sessions' })).toBeVisible();
    await expect(page.getByText('This device')).toBeVisible();
    await expectNoSeriousViolations(page, testInfo, '/settings');
  });

  test('the photos page has no serious violations', async ({ page }, testInfo) => {
    await signInAsAdmin(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
    await expectNoSeriousViolations(page, testInfo, '/');
  });
});

test.describe('settings', () => {
  test('changing the password signs out the other sessions only', async ({
    page,
    browser,
    baseURL,
  }) => {
    test.skip(
      !taglineBin(),
      'E2E_TAGLINE_BIN is not set: this test needs the server binary to create a fresh user',
    );
    const username = uniqueUsername('pw');
    const oldPassword = randomPassword();
    const newPassword = randomPassword();
    createUser(username, oldPassword);

    // Session A (this page) and session B (a second browser context).
    await signIn(page, username, oldPassword);
    await expect(page.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
    await expect(page.getByText(username).filter({ visible: true }).first()).toBeVisible();

    const contextB = await browser.newContext({ baseURL });
    try {
      const pageB = await contextB.newPage();
      await signIn(pageB, username, oldPassword);
      await expect(pageB.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();

      // A changes the password.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
      await expect(page).toHaveURL((url) => url.pathname === '/settings');
      await waitForHydration(page);
      await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
      await page.getByLabel('Current password', { exact: true }).fill(oldPassword);
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('Confirm new password', { exact: true }).fill(newPassword);
      await page.getByRole('button', { name: 'Change password', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();

      // B's next navigation finds its session gone.
      await pageB.goto('/');
      await expect(pageB, 'the other session should be signed out by the password change').toHaveURL(
        isLoginUrl,
      );
      await waitForHydration(pageB);

      // The old password no longer works; the new one does.
      await submitSignIn(pageB, username, oldPassword);
      await expect(pageB.getByRole('alert').filter({ hasText: BAD_CREDENTIALS })).toBeVisible();
      await signIn(pageB, username, newPassword);
      await expect(pageB.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
    } finally {
      await contextB.close();
    }

    // A, which changed the password, is still signed in.
    await gotoHydrated(page, '/');
    await expect(page).toHaveURL((url) => url.pathname === '/');
    await expect(page.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
  });
});

test.describe('your sessions', () => {
  test('signing out all other sessions ends the other browser', async ({ page, browser, baseURL }) => {
    test.skip(!taglineBin(), 'E2E_TAGLINE_BIN is not set: this test needs the server binary to create a fresh user');
    const username = uniqueUsername('sessions');
    const password = randomPassword();
    createUser(username, password);

    const contextB = await browser.newContext({ baseURL });
    try {
      const pageB = await contextB.newPage();
      await signIn(pageB, username, password);
      await signIn(page, username, password, { next: '/settings' });

      const list = page.getByRole('list').filter({ hasText: 'This device' });
      await expect(list.getByRole('listitem')).toHaveCount(2);
      await page.getByLabel('Your password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign out all other sessions', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Signed out 1 other session' })).toBeVisible();
      await expect(list.getByRole('listitem')).toHaveCount(1);

      // B's next navigation lands on the sign-in page; A is still signed in.
      await pageB.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
      await expect(pageB).toHaveURL(isLoginUrl);
      await page.reload();
      await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    } finally {
      await contextB.close();
    }
  });
});
