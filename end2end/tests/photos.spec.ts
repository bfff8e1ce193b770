import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { gotoHydrated, signInAsAdmin, waitForHydration } from './helpers';

const FIXTURES = path.resolve(__dirname, '../../tests/fixtures');
const BASE_JPEG = readFileSync(path.join(FIXTURES, 'exif-rotated.jpg'));

/** A JPEG no other test has: the fixture with random bytes after its end marker. */
function uniqueJpeg(): Buffer {
  return Buffer.concat([BASE_JPEG, randomBytes(16)]);
}

/** A word no other test (or run) uses, safe for search and tags. */
function uniqueWord(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

async function uploadPhoto(request: APIRequestContext): Promise<string> {
  const res = await request.post('/api/uploads', {
    multipart: { file: { name: 'e2e.jpg', mimeType: 'image/jpeg', buffer: uniqueJpeg() } },
  });
  expect(res.status(), await res.text()).toBe(201);
  const body = await res.json();
  return body.items[0].id as string;
}

async function setMetadata(request: APIRequestContext, id: string, description: string, tags: string[]) {
  const current = await (await request.get(`/api/photos/${id}`)).json();
  const res = await request.patch(`/api/photos/${id}/metadata`, {
    data: { metadata: { description, tags }, last_modified: current.last_modified },
  });
  expect(res.status(), await res.text()).toBe(200);
}

async function expectNoSeriousA11yViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), `axe on ${what}`).toEqual([]);
}

test.describe('the photo library', () => {
  test.beforeEach(async ({ page }) => {
    await signInAsAdmin(page);
  });

  test('browse the gallery, open a photo, edit it, reload and see the edit kept', async ({ page }) => {
    const id = await uploadPhoto(page.request);
    const word = uniqueWord('lake');
    await gotoHydrated(page, '/');
    await expect(page.getByRole('heading', { level: 1, name: 'Photos' })).toBeVisible();
    const link = page.locator(`a[href^="/photos/${id}"]`);
    await expect(link).toBeVisible();
    await expect(link.locator('img')).toHaveAttribute('alt', 'Photo');
    await link.click();
    await expect(page).toHaveURL((url) => url.pathname === `/photos/${id}`);
    await waitForHydration(page);
    await expect(page.getByRole('img', { name: 'Photo' })).toBeVisible();
    await expect(page.getByText('Canon EOS 80D')).toBeVisible();

    await page.getByLabel('Description', { exact: true }).fill(`A ${word} at dawn`);
    await page.getByLabel('Tags', { exact: true }).fill(`Holiday, ${word}`);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('Description', { exact: true })).toHaveValue(`A ${word} at dawn`);
    await expect(page.getByLabel('Tags', { exact: true })).toHaveValue(`Holiday, ${word}`);
    await expect(page.getByRole('img', { name: `A ${word} at dawn` })).toBeVisible();
  });

  test('two people edit the same photo: the second sees the first text and keeps their own', async ({ page, browser }) => {
    const id = await uploadPhoto(page.request);
    const other = await browser.newContext();
    const second = await other.newPage();
    await signInAsAdmin(second);

    await gotoHydrated(page, `/photos/${id}`);
    await gotoHydrated(second, `/photos/${id}`);

    await page.getByLabel('Description', { exact: true }).fill('First version');
    await page.getByLabel('Tags', { exact: true }).fill('first');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();

    await second.getByLabel('Description', { exact: true }).fill('Second version');
    await second.getByLabel('Tags', { exact: true }).fill('second');
    await second.getByRole('button', { name: 'Save' }).click();
    const conflict = second.locator('.conflict');
    await expect(conflict).toBeVisible();
    await expect(conflict.getByText('First version')).toBeVisible();
    await expect(conflict.getByText('Second version')).toBeVisible();
    await conflict.getByRole('button', { name: 'Keep mine' }).click();
    await expect(second.getByText('Saved.')).toBeVisible();
    await expect(conflict).toBeHidden();

    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('Description', { exact: true })).toHaveValue('Second version');
    await expect(page.getByLabel('Tags', { exact: true })).toHaveValue('second');
    await other.close();
  });

  test('the saved version can be taken instead', async ({ page, browser }) => {
    const id = await uploadPhoto(page.request);
    await gotoHydrated(page, `/photos/${id}`);
    await setMetadata(page.request, id, 'Saved elsewhere', ['elsewhere']);
    await page.getByLabel('Description', { exact: true }).fill('Mine');
    await page.getByRole('button', { name: 'Save' }).click();
    const conflict = page.locator('.conflict');
    await expect(conflict).toBeVisible();
    await conflict.getByRole('button', { name: 'Use the saved version' }).click();
    await expect(page.getByLabel('Description', { exact: true })).toHaveValue('Saved elsewhere');
    await expect(page.getByLabel('Tags', { exact: true })).toHaveValue('elsewhere');
    void browser;
  });

  test('search and tag filters narrow the gallery', async ({ page }) => {
    const word = uniqueWord('fox');
    const tag = uniqueWord('Tag');
    const a = await uploadPhoto(page.request);
    const b = await uploadPhoto(page.request);
    await setMetadata(page.request, a, `The ${word} jumps`, [tag]);
    await setMetadata(page.request, b, 'Something else', [tag.toUpperCase()]);

    await gotoHydrated(page, '/');
    await page.getByLabel('Search descriptions and tags').fill(word);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL((url) => url.searchParams.get('q') === word);
    await expect(page.getByText('1 photo', { exact: true })).toBeVisible();
    await expect(page.locator(`a[href*="/photos/${a}"]`)).toBeVisible();
    await expect(page.locator(`a[href*="/photos/${b}"]`)).toHaveCount(0);

    // A tag link on the photo page filters the gallery, whatever the case.
    await gotoHydrated(page, `/photos/${b}`);
    await page.getByRole('list', { name: 'Saved tags' }).getByRole('link', { name: tag.toLowerCase(), exact: false }).first().click();
    await expect(page).toHaveURL((url) => url.pathname === '/' && url.searchParams.getAll('tag').length === 1);
    await expect(page.getByText('2 photos', { exact: true })).toBeVisible();
  });

  test('upload several files with progress; a text file is refused', async ({ page }) => {
    await gotoHydrated(page, '/upload');
    await page.getByLabel('Photos').setInputFiles([
      { name: 'one.jpg', mimeType: 'image/jpeg', buffer: uniqueJpeg() },
      { name: 'two.jpg', mimeType: 'image/jpeg', buffer: uniqueJpeg() },
      { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo at all') },
    ]);
    await page.getByRole('button', { name: 'Upload' }).click();
    const rows = page.locator('.upload');
    await expect(rows).toHaveCount(3);
    for (const name of ['one.jpg', 'two.jpg']) {
      const row = rows.filter({ hasText: name });
      await expect(row.getByText('Uploaded.')).toBeVisible();
      await expect(row.getByRole('progressbar')).toHaveJSProperty('value', 100);
      await expect(row.getByRole('link', { name: 'Open the photo' })).toBeVisible();
    }
    await expect(rows.filter({ hasText: 'notes.jpg' }).locator('.error')).toContainText(/not a (JPEG|supported|photo|image)/i);
    await rows.filter({ hasText: 'one.jpg' }).getByRole('link', { name: 'Open the photo' }).click();
    await expect(page).toHaveURL(/\/photos\//);
  });

  test('keyboard: arrows move between photos, Esc goes back to the gallery page', async ({ page }) => {
    const tag = uniqueWord('kbd');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await uploadPhoto(page.request);
      await setMetadata(page.request, id, `Keyboard ${i}`, [tag]);
      ids.push(id);
    }
    // Newest first: the last upload leads.
    await gotoHydrated(page, `/?tag=${tag}`);
    const links = page.getByRole('list', { name: 'Photos' }).getByRole('link');
    await expect(links).toHaveCount(3);
    const first = await links.nth(0).getAttribute('href');
    const second = await links.nth(1).getAttribute('href');
    await links.nth(0).click();
    await expect(page).toHaveURL((url) => url.pathname + url.search === first);
    await waitForHydration(page);

    await page.keyboard.press('ArrowRight');
    await expect(page).toHaveURL((url) => url.pathname + url.search === second);
    // The second photo has loaded (its "Previous" leads back) before the next key.
    await expect(page.getByRole('link', { name: 'Previous', exact: true })).toHaveAttribute('href', first!);
    await page.keyboard.press('ArrowLeft');
    await expect(page).toHaveURL((url) => url.pathname + url.search === first);
    // Typing in the editor does not navigate.
    await page.getByLabel('Description', { exact: true }).press('ArrowRight');
    await expect(page).toHaveURL((url) => url.pathname + url.search === first);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Escape');
    await expect(page).toHaveURL((url) => url.pathname === '/' && url.searchParams.get('tag') === tag);
  });

  test('axe finds no serious or critical violation on the gallery, photo, tags and upload pages', async ({ page }) => {
    const id = await uploadPhoto(page.request);
    await setMetadata(page.request, id, 'Accessible photo', [uniqueWord('a11y')]);
    for (const path of ['/', `/photos/${id}`, '/tags', '/upload']) {
      await gotoHydrated(page, path);
      await expectNoSeriousA11yViolations(page, path);
    }
  });
});
