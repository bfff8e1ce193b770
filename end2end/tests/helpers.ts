import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect, type Page } from '@playwright/test';

/** The selector the app sets on <body> once the WebAssembly has hydrated. */
export const HYDRATED = 'body[data-hydrated="true"]';

/** The exact text shown for a wrong password and for an unknown user alike. */
export const BAD_CREDENTIALS = 'Incorrect username or password.';

/** Username and password of the admin that scripts/e2e.sh creates. */
export function adminCredentials(): { username: string; password: string } {
  const username = process.env.E2E_ADMIN_USERNAME ?? 'admin';
  const password = process.env.E2E_ADMIN_PASSWORD;
  if (!password) {
    throw new Error(
      'E2E_ADMIN_PASSWORD is not set: run the suite through scripts/e2e.sh ' +
        '(or export E2E_ADMIN_USERNAME and E2E_ADMIN_PASSWORD for a running server).',
    );
  }
  return { username, password };
}

/** Waits until the page's WebAssembly has hydrated (JavaScript must be on). */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(
    page.locator(HYDRATED),
    `the page at ${page.url()} should hydrate (expected ${HYDRATED})`,
  ).toBeAttached({ timeout: 45_000 });
}

/** Navigates to `path` (following any redirect) and waits for hydration. */
export async function gotoHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
}

/** Fills the sign-in form of the current page and submits it, as a person would. */
export async function submitSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** True when `url` is /login (with whatever `next`). */
export function isLoginUrl(url: URL): boolean {
  return url.pathname === '/login';
}

/**
 * Signs in through /login (with `?next=` when `next` is given) and waits until
 * the browser has landed, hydrated, on `next` (default `/`).
 */
export async function signIn(
  page: Page,
  username: string,
  password: string,
  options: { next?: string } = {},
): Promise<void> {
  const next = options.next ?? '/';
  const loginPath = options.next ? `/login?next=${encodeURIComponent(options.next)}` : '/login';
  await gotoHydrated(page, loginPath);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await submitSignIn(page, username, password);
  await expect(page, `signing in as ${username} should land on ${next}`).toHaveURL(
    (url) => url.pathname === next,
  );
  await waitForHydration(page);
}

/** Signs in as the admin of scripts/e2e.sh; lands on `next` (default `/`). */
export async function signInAsAdmin(page: Page, options: { next?: string } = {}): Promise<void> {
  const { username, password } = adminCredentials();
  await signIn(page, username, password, options);
}

/**
 * Presses "Sign out" (a form posting to /logout) and waits for /login.
 * Works with JavaScript on or off; callers that need hydration wait for it.
 */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page, 'signing out should land on /login').toHaveURL(isLoginUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
}

/** A username no other test (or earlier run) uses: `e2e-<prefix>-<random>`. */
export function uniqueUsername(prefix = 'user'): string {
  return `e2e-${prefix}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** A long random password (letters, digits, '-' and '_'). */
export function randomPassword(): string {
  return `pw-${randomBytes(18).toString('base64url')}`;
}

/** The binary that `createUser` runs, or undefined when the suite runs without it. */
export function taglineBin(): string | undefined {
  return process.env.E2E_TAGLINE_BIN || undefined;
}

/**
 * Creates a user with `E2E_TAGLINE_BIN create-user <name> [--admin]`, the
 * password on standard input, and the server's environment taken from the
 * E2E_* variables (E2E_DATABASE_URL, E2E_DATA_DIR, E2E_REDIS_PREFIX).
 */
export function createUser(
  username: string,
  password: string,
  options: { admin?: boolean } = {},
): void {
  const bin = taglineBin();
  if (!bin) {
    throw new Error('E2E_TAGLINE_BIN is not set: cannot create a user for this test.');
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  const mapping: Array<[string, string]> = [
    ['E2E_DATABASE_URL', 'DATABASE_URL'],
    ['E2E_DATA_DIR', 'DATA_DIR'],
    ['E2E_REDIS_PREFIX', 'REDIS_PREFIX'],
  ];
  for (const [from, to] of mapping) {
    const value = process.env[from];
    if (value !== undefined) env[to] = value;
  }
  const args = ['create-user', username];
  if (options.admin) args.push('--admin');
  // No trailing newline: works whether the binary reads a line or all of stdin.
  const result = spawnSync(bin, args, {
    input: password,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) {
    throw new Error(`could not run ${bin} ${args.join(' ')}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(
      `${bin} ${args.join(' ')} exited with ${result.status ?? `signal ${result.signal}`}\n` +
        `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
}
