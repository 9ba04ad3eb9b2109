import { rmSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { AppServer } from './app-server.ts';
import { BackendProcess } from './backend-process.ts';
import { buildFrontend, dropDatabase, freshDatabase } from './fixtures.ts';

const DATABASE = 'stratus_e2e';

interface ServerTodo {
  readonly id: number;
  readonly title: string;
  readonly completed: boolean;
  readonly order: number;
}

describe('TodoMVC in headless Chromium: production build, real backend, real PostgreSQL', () => {
  let build: string;
  let backend: BackendProcess;
  let app: AppServer;
  let origin: string;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    build = buildFrontend('stratus-frontend-build-');
    backend = new BackendProcess({ databaseUrl: await freshDatabase(DATABASE) });
    await backend.start();
    app = new AppServer({ root: build, backendUrl: backend.url });
    origin = await app.start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await backend?.stop();
    if (backend) dropDatabase(DATABASE);
    if (build) rmSync(build, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await backend.start();
    expect((await fetch(`${backend.url}/api/todos`, { method: 'DELETE' })).status).toBe(204);
    app.calls.length = 0;
  });

  afterEach(async () => {
    await page?.close();
  });

  const api = async (method: string, path = '', body?: unknown): Promise<unknown> => {
    const res = await fetch(`${backend.url}/api/todos${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /api/todos${path} answered ${res.status}`);
    return res.status === 204 ? undefined : res.json();
  };
  const serverTodos = async () => (await api('GET')) as ServerTodo[];
  const serverState = async () => (await serverTodos()).map((t) => `${t.title}${t.completed ? ' ✓' : ''}`);
  const seed = async (...todos: string[]) => {
    for (const t of todos) await api('POST', '', { title: t.replace(/ ✓$/, ''), completed: t.endsWith(' ✓') });
  };

  /** Opens the app in a fresh tab and waits until the list has loaded. */
  const open = async (hash = '#/') => {
    page = await browser.context.newPage();
    await page.goto(`${origin}/${hash}`);
    await page.locator('.loading').waitFor({ state: 'detached' });
  };
  const newTodo = () => page.locator('.new-todo');
  const items = () => page.locator('.todo-list li');
  const item = (title: string): Locator => items().filter({ has: page.locator('label', { hasText: new RegExp(`^${title}$`) }) });
  const shown = () =>
    items().evaluateAll((lis) =>
      lis.map((li) => `${li.querySelector('label')?.textContent}${li.classList.contains('completed') ? ' ✓' : ''}`),
    );
  const count = () => page.locator('.todo-count').textContent();
  const add = async (...titles: string[]) => {
    for (const t of titles) {
      await newTodo().fill(t);
      await newTodo().press('Enter');
    }
  };
  const visible = (selector: string) => page.locator(selector).isVisible();
  const focusedClass = () => page.evaluate(() => document.activeElement?.className ?? '');
  const alertText = () => page.getByRole('alert').textContent();
  /** Polls until the assertion holds: the page and the server catch up asynchronously, slower on a busy machine. */
  const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

  it('renders the TodoMVC markup with the new-todo input focused, main and footer hidden when empty', async () => {
    await open();
    expect(await page.locator('section.todoapp').count()).toBe(1);
    expect(await page.locator('script[type=module][src^="/assets/index-"]').count()).toBe(1);
    expect(await page.locator('.todoapp h1').textContent()).toBe('todos');
    expect(await page.locator('.todoapp h1').evaluate((h) => getComputedStyle(h).color)).toBe('rgb(184, 63, 69)');
    expect(await newTodo().getAttribute('placeholder')).toBe('What needs to be done?');
    expect(await focusedClass()).toBe('new-todo');
    await eventually(() => visible('.main')).toBe(false);
    await eventually(() => visible('.footer')).toBe(false);

    await add('first');
    await eventually(shown).toEqual(['first']);
    await eventually(() => visible('section.main')).toBe(true);
    await eventually(() => visible('footer.footer')).toBe(true);
    expect(await page.locator('section.main input.toggle-all#toggle-all').count()).toBe(1);
    expect(await page.locator('label[for="toggle-all"]').count()).toBe(1);
    const li = items().first();
    for (const part of ['input.toggle[type=checkbox]', 'label', 'button.destroy', 'input.edit']) {
      expect(await li.locator(part).count(), part).toBe(1);
    }
    expect(await page.locator('ul.filters a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      '#/',
      '#/active',
      '#/completed',
    ]);
  });

  it('adds a trimmed todo on Enter, ignores a blank one, and counts the items left', async () => {
    await open();
    await add('   ');
    await page.waitForTimeout(300);
    await eventually(() => items().count()).toBe(0);
    expect(app.writes()).toEqual([]);

    await add('  Buy milk  ');
    await eventually(shown).toEqual(['Buy milk']);
    expect(await newTodo().inputValue()).toBe('');
    await eventually(count).toBe('1 item left');

    await add('Walk the dog');
    await eventually(shown).toEqual(['Buy milk', 'Walk the dog']);
    await eventually(count).toBe('2 items left');
    await eventually(serverState).toEqual(['Buy milk', 'Walk the dog']);
    await eventually(async () => app.writes()).toEqual(['POST /api/todos', 'POST /api/todos']);
  });

  it('shows a change at once, before the server has answered', async () => {
    await seed('slow');
    await open();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/todos/**', async (route) => {
      await held;
      await route.continue();
    });
    await item('slow').locator('.toggle').check();
    await eventually(shown).toEqual(['slow ✓']);
    await eventually(count).toBe('0 items left');
    expect(await serverState()).toEqual(['slow']);
    release();
    await eventually(serverState).toEqual(['slow ✓']);
    await page.unroute('**/api/todos/**');
  });

  it('keeps the list, its order and completion across a reload', async () => {
    await open();
    await add('one', 'two', 'three');
    await eventually(serverState).toEqual(['one', 'two', 'three']);
    await item('two').locator('.toggle').check();
    await eventually(serverState).toEqual(['one', 'two ✓', 'three']);

    await page.reload();
    await page.locator('.loading').waitFor({ state: 'detached' });
    await eventually(shown).toEqual(['one', 'two ✓', 'three']);
    await eventually(count).toBe('2 items left');
  });

  it('completes todos, shows clear-completed only when something is completed, and deletes', async () => {
    await seed('a', 'b', 'c');
    await open();
    await eventually(() => visible('.clear-completed')).toBe(false);

    await item('b').locator('.toggle').check();
    await eventually(() => item('b').getAttribute('class')).toBe('completed');
    await eventually(count).toBe('2 items left');
    await eventually(() => visible('button.clear-completed')).toBe(true);
    await eventually(serverState).toEqual(['a', 'b ✓', 'c']);

    await item('b').locator('.toggle').uncheck();
    await eventually(() => visible('.clear-completed')).toBe(false);
    await eventually(serverState).toEqual(['a', 'b', 'c']);

    await item('a').locator('.toggle').check();
    await item('c').locator('.toggle').check();
    await eventually(count).toBe('1 item left');
    await page.locator('.clear-completed').click();
    await eventually(shown).toEqual(['b']);
    await eventually(() => visible('.clear-completed')).toBe(false);
    await eventually(serverState).toEqual(['b']);

    await item('b').hover();
    await item('b').locator('.destroy').click();
    await eventually(() => items().count()).toBe(0);
    await eventually(() => visible('.main')).toBe(false);
    await eventually(() => visible('.footer')).toBe(false);
    await eventually(serverState).toEqual([]);
  });

  it('edits on double-click: Enter and blur save trimmed, Escape cancels, an empty title deletes', async () => {
    await seed('a', 'b', 'c');
    await open();

    await item('a').locator('label').dblclick();
    const editing = page.locator('.todo-list li.editing');
    await eventually(() => editing.count()).toBe(1);
    expect(await editing.locator('.edit').inputValue()).toBe('a');
    expect(await focusedClass()).toBe('edit');
    expect(await editing.locator('.toggle').isVisible()).toBe(false);
    expect(await editing.locator('label').isVisible()).toBe(false);
    await editing.locator('.edit').fill('  alpha  ');
    await editing.locator('.edit').press('Enter');
    await eventually(() => editing.count()).toBe(0);
    await eventually(shown).toEqual(['alpha', 'b', 'c']);
    await eventually(serverState).toEqual(['alpha', 'b', 'c']);

    await item('b').locator('label').dblclick();
    await editing.locator('.edit').fill('beta ');
    await newTodo().click();
    await eventually(() => editing.count()).toBe(0);
    await eventually(serverState).toEqual(['alpha', 'beta', 'c']);

    await app.settled();
    const writesBefore = app.writes().length;
    await item('c').locator('label').dblclick();
    await editing.locator('.edit').fill('not saved');
    await editing.locator('.edit').press('Escape');
    await eventually(() => editing.count()).toBe(0);
    await eventually(shown).toEqual(['alpha', 'beta', 'c']);
    await page.waitForTimeout(300);
    expect(app.writes().length).toBe(writesBefore);

    await item('alpha').locator('label').dblclick();
    await editing.locator('.edit').fill('   ');
    await editing.locator('.edit').press('Enter');
    await eventually(shown).toEqual(['beta', 'c']);
    await eventually(serverState).toEqual(['beta', 'c']);
  });

  it('toggle-all reflects the items and sets all of them', async () => {
    await seed('a ✓', 'b');
    await open();
    const toggleAll = page.locator('.toggle-all');
    const toggleAllLabel = page.locator('label[for="toggle-all"]');
    await eventually(() => toggleAll.isChecked()).toBe(false);

    await toggleAllLabel.click();
    await eventually(shown).toEqual(['a ✓', 'b ✓']);
    await eventually(() => toggleAll.isChecked()).toBe(true);
    await eventually(count).toBe('0 items left');
    await eventually(serverState).toEqual(['a ✓', 'b ✓']);

    await toggleAllLabel.click();
    await eventually(shown).toEqual(['a', 'b']);
    await eventually(() => toggleAll.isChecked()).toBe(false);
    await eventually(serverState).toEqual(['a', 'b']);

    await item('a').locator('.toggle').check();
    await eventually(() => toggleAll.isChecked()).toBe(false);
    await item('b').locator('.toggle').check();
    await eventually(() => toggleAll.isChecked()).toBe(true);
    await item('a').locator('.toggle').uncheck();
    await eventually(() => toggleAll.isChecked()).toBe(false);
    await eventually(serverState).toEqual(['a', 'b ✓']);
  });

  it('filters with #/, #/active and #/completed, marks the current one, and follows the back button', async () => {
    await seed('a', 'b ✓', 'c');
    await open();
    const selected = () => page.locator('.filters a.selected').textContent();
    await eventually(selected).toBe('All');

    await page.locator('.filters a', { hasText: 'Active' }).click();
    expect(page.url()).toBe(`${origin}/#/active`);
    await eventually(shown).toEqual(['a', 'c']);
    await eventually(selected).toBe('Active');
    expect(await page.locator('.filters a.selected').count()).toBe(1);

    await page.locator('.filters a', { hasText: 'Completed' }).click();
    await eventually(shown).toEqual(['b ✓']);
    await eventually(selected).toBe('Completed');

    await page.goBack();
    expect(page.url()).toBe(`${origin}/#/active`);
    await eventually(shown).toEqual(['a', 'c']);
    await eventually(selected).toBe('Active');

    await page.goBack();
    await eventually(shown).toEqual(['a', 'b ✓', 'c']);
    await eventually(selected).toBe('All');

    await page.goForward();
    await eventually(shown).toEqual(['a', 'c']);
    await item('a').locator('.toggle').click();
    await eventually(shown).toEqual(['c']);
    await eventually(count).toBe('1 item left');
    await eventually(serverState).toEqual(['a ✓', 'b ✓', 'c']);
    await page.close();

    await open('#/completed');
    await eventually(shown).toEqual(['a ✓', 'b ✓']);
    await eventually(selected).toBe('Completed');
  });

  it('rolls every change back with a visible message while the backend is down, and recovers after', async () => {
    await seed('kept', 'done ✓');
    await open();
    await backend.stop();

    await add('lost');
    await eventually(alertText).toMatch(/^Could not add “lost”: the server answered 502.*It was taken out of the list\./);
    await eventually(shown).toEqual(['kept', 'done ✓']);

    await item('kept').locator('.toggle').click();
    await eventually(alertText).toMatch(/^Could not update “kept”: .*The change was undone\./);
    await eventually(shown).toEqual(['kept', 'done ✓']);
    await eventually(count).toBe('1 item left');

    await item('done').locator('label').dblclick();
    await page.locator('li.editing .edit').fill('renamed');
    await page.locator('li.editing .edit').press('Enter');
    await eventually(alertText).toMatch(/^Could not rename “done”/);
    await eventually(shown).toEqual(['kept', 'done ✓']);

    await item('kept').hover();
    await item('kept').locator('.destroy').click();
    await eventually(alertText).toMatch(/^Could not delete “kept”: .*It is back in the list\./);
    await eventually(shown).toEqual(['kept', 'done ✓']);

    await page.locator('.clear-completed').click();
    await eventually(alertText).toMatch(/^Could not clear the completed todos/);
    await eventually(shown).toEqual(['kept', 'done ✓']);

    await page.getByRole('button', { name: 'Dismiss' }).click();
    await eventually(() => page.getByRole('alert').count()).toBe(0);
    expect(app.calls.filter((c) => c.request !== 'GET /api/todos').every((c) => c.status === 502)).toBe(true);

    await backend.start();
    expect(await serverState()).toEqual(['kept', 'done ✓']);
    await page.reload();
    await page.locator('.loading').waitFor({ state: 'detached' });
    await eventually(shown).toEqual(['kept', 'done ✓']);
    await add('after');
    await eventually(serverState).toEqual(['kept', 'done ✓', 'after']);
    await eventually(() => page.getByRole('alert').count()).toBe(0);
  });
});
