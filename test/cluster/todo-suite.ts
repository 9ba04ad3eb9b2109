import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { type DeployedCluster, sleep, waitForWorkloads } from './deploy.ts';

interface WireTodo {
  readonly id: number;
  readonly title: string;
  readonly completed: boolean;
  readonly order: number;
  readonly url: string;
}

/** One HTTP call through the Ingress: its status, or `network` when no answer came. */
async function call(url: string, method = 'GET', body?: unknown): Promise<{ status: number | 'network'; json?: unknown }> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  } catch {
    return { status: 'network' };
  }
}

const RETRIABLE = new Set<number | 'network'>([502, 503, 504, 'network']);

export function todoSuite(cluster: () => DeployedCluster): void {
  describe('the todo app through the Ingress', () => {
    let browser: TestBrowser;
    let page: Page;
    const api = () => `${cluster().ingressUrl}/api/todos`;
    const serverState = async () => {
      const res = await call(api());
      expect(res.status).toBe(200);
      return (res.json as WireTodo[]).map((t) => `${t.title}${t.completed ? ' ✓' : ''}`);
    };

    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    const items = () => page.locator('.todo-list li');
    const item = (title: string): Locator =>
      items().filter({ has: page.locator('label', { hasText: new RegExp(`^${title}$`) }) });
    const shown = () =>
      items().evaluateAll((lis) =>
        lis.map((li) => `${li.querySelector('label')?.textContent}${li.classList.contains('completed') ? ' ✓' : ''}`),
      );
    const count = () => page.locator('.todo-count').textContent();
    const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 30_000, interval: 100 });

    it('serves TodoMVC in Chromium: create, edit, complete, filter, clear completed, and after a reload the data is back', async () => {
      expect((await call(api(), 'DELETE')).status).toBe(204);
      page = await browser.context.newPage();
      page.setDefaultTimeout(60_000);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${cluster().ingressUrl}/#/`);
      await page.locator('.loading').waitFor({ state: 'detached' });
      expect(await page.locator('.todoapp h1').textContent()).toBe('todos');

      for (const title of ['buy milk', 'walk the dog', 'write tests']) {
        await page.locator('.new-todo').fill(title);
        await page.locator('.new-todo').press('Enter');
      }
      await eventually(shown).toEqual(['buy milk', 'walk the dog', 'write tests']);
      await eventually(serverState).toEqual(['buy milk', 'walk the dog', 'write tests']);

      await item('walk the dog').locator('label').dblclick();
      await page.locator('.todo-list li.editing .edit').fill('walk the cat');
      await page.locator('.todo-list li.editing .edit').press('Enter');
      await eventually(shown).toEqual(['buy milk', 'walk the cat', 'write tests']);
      await eventually(serverState).toEqual(['buy milk', 'walk the cat', 'write tests']);

      await item('buy milk').locator('.toggle').check();
      await eventually(count).toBe('2 items left');
      await eventually(serverState).toEqual(['buy milk ✓', 'walk the cat', 'write tests']);

      await page.locator('.filters a', { hasText: 'Active' }).click();
      await eventually(shown).toEqual(['walk the cat', 'write tests']);
      await page.locator('.filters a', { hasText: 'Completed' }).click();
      await eventually(shown).toEqual(['buy milk ✓']);
      await page.locator('.filters a', { hasText: 'All' }).click();
      await eventually(shown).toEqual(['buy milk ✓', 'walk the cat', 'write tests']);

      await page.locator('.clear-completed').click();
      await eventually(shown).toEqual(['walk the cat', 'write tests']);
      await eventually(serverState).toEqual(['walk the cat', 'write tests']);

      await item('write tests').locator('.toggle').check();
      await eventually(serverState).toEqual(['walk the cat', 'write tests ✓']);
      await page.reload();
      await page.locator('.loading').waitFor({ state: 'detached' });
      await eventually(shown).toEqual(['walk the cat', 'write tests ✓']);
      await eventually(count).toBe('1 item left');

      const origin = new URL(cluster().ingressUrl).origin;
      expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
      expect(requests.some((u) => u.startsWith(`${origin}/api/todos`))).toBe(true);
      expect(requests.some((u) => u.startsWith(`${origin}/assets/`))).toBe(true);
      await page.close();
    });

    it('answers the Todo-Backend API at /api/todos, with URLs that lead back through the Ingress', async () => {
      expect((await call(api(), 'DELETE')).status).toBe(204);
      const created = await call(api(), 'POST', { title: '  through the ingress  ' });
      expect(created.status).toBe(201);
      const todo = created.json as WireTodo;
      expect(todo).toMatchObject({ title: 'through the ingress', completed: false });
      expect(todo.url).toBe(`${api()}/${todo.id}`);
      expect((await call(todo.url)).json).toEqual(todo);
      const patched = await call(todo.url, 'PATCH', { completed: true, title: 'done' });
      expect(patched.status).toBe(200);
      expect(patched.json).toMatchObject({ id: todo.id, title: 'done', completed: true });
      expect(await serverState()).toEqual(['done ✓']);
      expect((await call(api(), 'POST', { title: '' })).status).toBe(400);
      expect((await call(api(), 'POST', 'not an object')).status).toBe(400);
      expect((await call(`${api()}/999999999`)).status).toBe(404);
      expect((await call(todo.url, 'DELETE')).status).toBe(204);
      expect((await call(todo.url)).status).toBe(404);
      expect(await serverState()).toEqual([]);
    });
  });
}

/** What the load saw of one logical request: every attempt's status, and whether one finally succeeded. */
interface Attempted {
  readonly what: string;
  readonly statuses: (number | 'network')[];
  readonly startedAt: number;
  ok: boolean;
}

export function todoOutageSuite(cluster: () => DeployedCluster): void {
  describe('the todo app when its database pod is killed', () => {
    it('takes the backend out of readiness and back, answers only 5xx that a retry fixes, and loses no committed todo', async () => {
      const c = cluster();
      const { todo } = c.config;
      const api = `${c.ingressUrl}/api/todos`;
      const log: Attempted[] = [];

      /** A request retried on 502/503/504 or no answer, as a client that honours Retry-After would. */
      const send = async (what: string, method: string, url: string, body?: unknown, deadlineMs = 240_000) => {
        const entry: Attempted = { what, statuses: [], startedAt: Date.now(), ok: false };
        log.push(entry);
        const deadline = Date.now() + deadlineMs;
        for (;;) {
          const res = await call(url, method, body);
          entry.statuses.push(res.status);
          if (typeof res.status === 'number' && res.status < 300) {
            entry.ok = true;
            return res.json;
          }
          if (!RETRIABLE.has(res.status) || Date.now() > deadline) return undefined;
          await sleep(500);
        }
      };

      const committed = new Map<number, string>();
      const post = async (title: string) => {
        const created = (await send(`POST ${title}`, 'POST', api, { title })) as WireTodo | undefined;
        if (created) committed.set(created.id, created.title);
      };
      for (let i = 0; i < 10; i++) await post(`before outage ${i}`);
      expect(committed.size).toBe(10);

      const forward = await c.kubectl.portForward(todo.namespace, `deploy/${todo.backend.service}`, todo.backend.port);
      const readyz: { at: number; status: number | 'network' }[] = [];
      let stop = false;
      const poller = (async () => {
        while (!stop) {
          readyz.push({ at: Date.now(), status: (await call(`${forward.url}/readyz`)).status });
          await sleep(250);
        }
      })();
      const workers = [0, 1, 2].map(async (w) => {
        for (let n = 0; !stop; n++) {
          await post(`during outage ${w}-${n}`);
          await send('GET list', 'GET', api);
          await sleep(100);
        }
      });

      try {
        await sleep(2_000);
        const killedAt = Date.now();
        await c.kubectl.ok([
          '-n',
          todo.namespace,
          'delete',
          'pod',
          `${todo.database.service}-0`,
          '--grace-period=1',
          '--wait=false',
        ]);
        await expect
          .poll(() => readyz.some((r) => r.at > killedAt && r.status === 503), { timeout: 120_000, interval: 500 })
          .toBe(true);
        const downAt = readyz.find((r) => r.at > killedAt && r.status === 503)?.at ?? killedAt;
        await waitForWorkloads(c.kubectl, [todo.namespace], 300_000);
        await expect
          .poll(() => readyz.slice(-8).every((r) => r.status === 200) && readyz.at(-1)?.at, { timeout: 180_000, interval: 500 })
          .toBeGreaterThan(downAt);
        console.info(
          `database killed: /readyz 503 after ${((downAt - killedAt) / 1000).toFixed(1)} s, 200 again after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`,
        );
        await sleep(3_000);
      } finally {
        stop = true;
        await Promise.all([poller, ...workers]);
        forward.close();
      }

      const statuses = log.flatMap((e) => e.statuses);
      const tally = Object.fromEntries([...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length]));
      console.info(`${log.length} requests during the test, attempts by status: ${JSON.stringify(tally)}`);
      expect(statuses.filter((s) => !(RETRIABLE.has(s) || (typeof s === 'number' && s < 300)))).toEqual([]);
      expect(log.filter((e) => !e.ok).map((e) => `${e.what}: ${e.statuses.join(' ')}`)).toEqual([]);
      expect(log.filter((e) => e.what.startsWith('POST during')).length).toBeGreaterThan(10);

      const list = (await send('GET final', 'GET', api)) as WireTodo[];
      const present = new Map(list.map((t) => [t.id, t.title]));
      const lost = [...committed].filter(([id, title]) => present.get(id) !== title);
      expect(lost).toEqual([]);
    });
  });
}
