import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBackend, startBackend } from './support/backend.ts';
import { embeddedDatabase, serverDatabase, type TestDatabase } from './support/databases.ts';

interface Todo {
  id: number;
  title: string;
  completed: boolean;
  order: number;
  url: string;
}

interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

const databases: [string, () => Promise<TestDatabase>][] = [
  ['PostgreSQL from the rig', () => serverDatabase('api')],
  ['the embedded default (PGlite)', embeddedDatabase],
];

const TRICKY_TITLES = [
  "Robert'); DROP TABLE todos;--",
  `'' OR 1=1; -- " \\ \\\\ %_ $1 $$ ?; :name E'\\x00' /* */`,
  'ünïcödé — “quotes” ‘single’ … ©®™',
  '日本語のタスク 中文 한국어',
  'emoji 👩‍👩‍👧‍👦 🏳️‍🌈 😀 ✅',
  'عربى עברית mixed RTL',
  'e\u0301 combining, zero\u200Bwidth, line\u2028separator, tab\tinside',
  '{"json":"inside"} <script>alert(1)</script> &amp;',
];

describe.each(databases)('the todo API on %s', (_name, makeDatabase) => {
  let db: TestDatabase;
  let backend: RunningBackend;
  let api: string;

  async function call<T = unknown>(
    method: string,
    path: string,
    init: { json?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    } else if (init.raw !== undefined) {
      body = init.raw;
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${backend.url}${path}`, { method, headers, body });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: (type.includes('json') && text ? JSON.parse(text) : text) as T,
    };
  }

  const create = async (json: unknown) => {
    const res = await call<Todo>('POST', '/api/todos', { json });
    expect(res.status).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    db = await makeDatabase();
    backend = await startBackend(db.env);
    api = `${backend.url}/api/todos/`;
  });

  afterAll(async () => {
    await backend?.stop();
    await db?.drop();
  });

  beforeEach(async () => {
    expect((await call('DELETE', '/api/todos')).status).toBe(204);
  });

  describe('the Todo-Backend contract', () => {
    it('starts with an empty list, as JSON with CORS', async () => {
      const res = await call<Todo[]>('GET', '/api/todos');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.body).toEqual([]);
    });

    it('creates a todo: 201, not completed, an absolute url that answers with the same todo', async () => {
      const res = await call<Todo>('POST', '/api/todos', { json: { title: 'walk the dog' } });
      expect(res.status).toBe(201);
      const todo = res.body;
      expect(todo).toEqual({
        id: expect.any(Number),
        title: 'walk the dog',
        completed: false,
        order: expect.any(Number),
        url: `${api}${todo.id}`,
      });
      expect(res.headers.get('location')).toBe(todo.url);
      const fetched = await fetch(todo.url);
      expect(fetched.status).toBe(200);
      expect(await fetched.json()).toEqual(todo);
      expect((await call<Todo[]>('GET', '/api/todos')).body).toEqual([todo]);
    });

    it('takes order and completed when given, trims the title and ignores other fields', async () => {
      const todo = await create({ title: '  padded\n', order: 523, completed: true, id: 99, url: 'http://evil/', extra: [1] });
      expect(todo).toMatchObject({ title: 'padded', order: 523, completed: true });
      expect(todo.id).not.toBe(99);
      expect(todo.url).toBe(`${api}${todo.id}`);
    });

    it('lists by order, then by creation; a todo without order goes to the end', async () => {
      const b = await create({ title: 'b', order: 2 });
      const a1 = await create({ title: 'a1', order: 1 });
      const a2 = await create({ title: 'a2', order: 1 });
      const last = await create({ title: 'last' });
      expect(last.order).toBe(3);
      const negative = await create({ title: 'negative', order: -5 });
      const list = await call<Todo[]>('GET', '/api/todos');
      expect(list.body.map((t) => t.title)).toEqual(['negative', 'a1', 'a2', 'b', 'last']);
      expect(list.body).toEqual([negative, a1, a2, b, last]);
    });

    it('answers each of many concurrent creations with its own todo', async () => {
      const inputs = Array.from({ length: 40 }, (_, i) => ({
        title: `parallel ${i}`,
        completed: i % 2 === 0,
        ...(i % 3 === 0 ? { order: 1000 + i } : {}),
      }));
      const created = await Promise.all(inputs.map((json) => create(json)));
      created.forEach((todo, i) => {
        const input = inputs[i];
        expect(todo).toMatchObject({ title: input?.title, completed: input?.completed });
        if (input && 'order' in input) expect(todo.order).toBe(input.order);
        expect(todo.url).toBe(`${api}${todo.id}`);
      });
      expect(new Set(created.map((t) => t.id)).size).toBe(40);
      const defaults = created.filter((_, i) => i % 3 !== 0).map((t) => t.order);
      expect(new Set(defaults).size).toBe(defaults.length);
      const listed = (await call<Todo[]>('GET', '/api/todos')).body;
      expect(listed).toHaveLength(40);
      expect([...listed].sort((a, b) => a.id - b.id)).toEqual([...created].sort((a, b) => a.id - b.id));
    });

    it('patches title, completed and order, each on its own and together, ignoring id and url', async () => {
      const todo = await create({ title: 'original', order: 1 });
      const path = `/api/todos/${todo.id}`;
      expect((await call<Todo>('PATCH', path, { json: { completed: true } })).body).toEqual({ ...todo, completed: true });
      expect((await call<Todo>('PATCH', path, { json: { title: ' renamed ' } })).body).toEqual({
        ...todo,
        completed: true,
        title: 'renamed',
      });
      expect((await call<Todo>('PATCH', path, { json: { order: 7, id: 1234, url: 'x' } })).body).toEqual({
        ...todo,
        completed: true,
        title: 'renamed',
        order: 7,
      });
      const all = await call<Todo>('PATCH', path, { json: { title: 'all', completed: false, order: -1 } });
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ ...todo, title: 'all', completed: false, order: -1 });
      expect((await call<Todo>('PATCH', path, { json: {} })).body).toEqual(all.body);
      expect((await call<Todo>('GET', path)).body).toEqual(all.body);
    });

    it('deletes one todo, then answers 404 for it', async () => {
      const keep = await create({ title: 'keep' });
      const gone = await create({ title: 'gone' });
      const res = await call('DELETE', `/api/todos/${gone.id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await call('GET', `/api/todos/${gone.id}`)).status).toBe(404);
      expect((await call('DELETE', `/api/todos/${gone.id}`)).status).toBe(404);
      expect((await call<Todo[]>('GET', '/api/todos')).body).toEqual([keep]);
    });

    it('deletes all todos', async () => {
      await create({ title: 'one' });
      await create({ title: 'two' });
      expect((await call('DELETE', '/api/todos')).status).toBe(204);
      expect((await call('GET', '/api/todos')).body).toEqual([]);
    });
  });

  describe('exact storage', () => {
    it.each(TRICKY_TITLES)('stores and reads back %j exactly', async (title) => {
      const todo = await create({ title });
      expect(todo.title).toBe(title);
      expect((await call<Todo>('GET', `/api/todos/${todo.id}`)).body.title).toBe(title);
      const patched = await call<Todo>('PATCH', `/api/todos/${todo.id}`, { json: { title: `${title}!` } });
      expect(patched.body.title).toBe(`${title}!`);
      expect((await call<Todo[]>('GET', '/api/todos')).body.map((t) => t.title)).toEqual([`${title}!`]);
    });

    it('keeps a title of exactly 1,000 characters, counted in code points', async () => {
      const title = '😀'.repeat(500) + 'ä'.repeat(500);
      expect((await create({ title: ` ${title} ` })).title).toBe(title);
    });

    it('keeps the extreme order values', async () => {
      const high = await create({ title: 'high', order: 2147483647 });
      const low = await create({ title: 'low', order: -2147483648 });
      expect([high.order, low.order]).toEqual([2147483647, -2147483648]);
      expect((await create({ title: 'after the largest order' })).order).toBe(2147483647);
    });
  });

  describe('bad input gets a 4xx with a message, never a 5xx', () => {
    const badBodies: [string, unknown, RegExp][] = [
      ['no title', {}, /title is required/],
      ['an empty title', { title: '' }, /title must not be empty/],
      ['a blank title', { title: ' \n\t ' }, /title must not be empty/],
      ['a title of 1,001 characters', { title: 'x'.repeat(1001) }, /at most 1000 characters/],
      ['a number as title', { title: 42 }, /title must be a string/],
      ['null as title', { title: null }, /title must be a string/],
      ['a NUL character', { title: 'a\u0000b' }, /NUL/],
      ['a string as completed', { title: 't', completed: 'true' }, /completed must be a boolean/],
      ['a number as completed', { title: 't', completed: 1 }, /completed must be a boolean/],
      ['a fraction as order', { title: 't', order: 1.5 }, /order must be an integer/],
      ['a string as order', { title: 't', order: '1' }, /order must be an integer/],
      ['an order beyond 32 bits', { title: 't', order: 2147483648 }, /order must be an integer/],
      ['an array body', [{ title: 't' }], /the body must be a JSON object/],
    ];

    it.each(badBodies)('POST with %s: 400', async (_what, json, message) => {
      const res = await call<{ error: string }>('POST', '/api/todos', { json });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
      expect((await call('GET', '/api/todos')).body).toEqual([]);
    });

    it.each(badBodies.filter(([what]) => what !== 'no title'))(
      'PATCH with %s: 400, the todo unchanged',
      async (_what, json, message) => {
        const todo = await create({ title: 'stays', order: 3 });
        const res = await call<{ error: string }>('PATCH', `/api/todos/${todo.id}`, { json });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatch(message);
        expect((await call('GET', `/api/todos/${todo.id}`)).body).toEqual(todo);
      },
    );

    it('names every problem of a body at once', async () => {
      const res = await call<{ error: string }>('POST', '/api/todos', { json: { title: '', completed: 'no', order: 'x' } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/title must not be empty; completed must be a boolean; order must be an integer/);
    });

    it.each([
      ['POST', '/api/todos'],
      ['PATCH', '/api/todos/1'],
    ])('%s with malformed JSON: 400', async (method, path) => {
      for (const raw of ['{"title": "x"', "{'title': 'x'}", 'not json', '{"title": "x"} trailing', '{"title": "x",}']) {
        const res = await call<{ error: string }>(method, path, { raw });
        expect(res.status, raw).toBe(400);
        expect(res.body.error, raw).toMatch(/malformed JSON/);
      }
      for (const raw of ['"just a string"', 'null', '42']) {
        const res = await call<{ error: string }>(method, path, { raw });
        expect(res.status, raw).toBe(400);
        expect(res.body.error, raw).toMatch(/the body must be a JSON object/);
      }
      const notUtf8 = await fetch(`${backend.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
      });
      expect(notUtf8.status).toBe(400);
    });

    it('POST and PATCH with a body over 100 kB: 413', async () => {
      const todo = await create({ title: 'small' });
      const big = JSON.stringify({ title: 'x', padding: 'p'.repeat(100 * 1024) });
      for (const [method, path] of [
        ['POST', '/api/todos'],
        ['PATCH', `/api/todos/${todo.id}`],
      ] as const) {
        const res = await call<{ error: string }>(method, path, { raw: big });
        expect(res.status).toBe(413);
        expect(res.body.error).toMatch(/at most 100 kB/);
      }
      const chunked = await fetch(`${backend.url}/api/todos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 30; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(4096)));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
      const justUnder = JSON.stringify({ title: 'fits', padding: 'p'.repeat(100 * 1024 - 40) });
      expect((await call('POST', '/api/todos', { raw: justUnder })).status).toBe(201);
    });

    it('a body that is not JSON: 415', async () => {
      const res = await call<{ error: string }>('POST', '/api/todos', {
        raw: 'title=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
      expect(res.body.error).toMatch(/Content-Type: application\/json/);
      const gzip = await call<{ error: string }>('POST', '/api/todos', {
        raw: '{"title":"x"}',
        headers: { 'content-encoding': 'gzip' },
      });
      expect(gzip.status).toBe(415);
      expect(gzip.body.error).toMatch(/Content-Encoding gzip is not supported/);
    });

    it('a POST without a body: 400', async () => {
      const res = await call<{ error: string }>('POST', '/api/todos');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/the body must be a JSON object/);
    });

    it.each([
      '999999',
      'abc',
      '1.5',
      '-1',
      '0',
      '01',
      '1e3',
      '99999999999999999999',
      '9223372036854775808',
      '%20',
      "1'%20OR%20'1'='1",
    ])('unknown or non-numeric id %j: 404 for GET, PATCH and DELETE', async (id) => {
      for (const [method, json] of [['GET'], ['PATCH', { title: 'x' }], ['DELETE']] as const) {
        const res = await call<{ error: string }>(method, `/api/todos/${id}`, json ? { json } : {});
        expect(res.status, `${method} ${id}`).toBe(404);
        expect(res.body.error).toBe('todo not found');
      }
    });

    it('a PATCH with a bad body on an unknown id: 404 or 400, not 5xx', async () => {
      expect((await call('PATCH', '/api/todos/abc', { json: { title: '' } })).status).toBe(404);
      expect((await call('PATCH', '/api/todos/12345', { raw: '{' })).status).toBe(400);
    });

    it('an unsupported method: 405 with Allow; an unknown path: 404', async () => {
      const put = await call('PUT', '/api/todos/1', { json: { title: 'x' } });
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET, PATCH, DELETE');
      expect((await call('PATCH', '/api/todos', { json: {} })).status).toBe(405);
      const unknown = await call<{ error: string }>('GET', '/api/nothing');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatch(/not found/);
    });
  });

  describe('HTTP around the API', () => {
    it('answers CORS preflights for PATCH and DELETE from any origin', async () => {
      for (const method of ['PATCH', 'DELETE']) {
        const res = await call('OPTIONS', '/api/todos/1', {
          headers: {
            origin: 'http://app.example',
            'access-control-request-method': method,
            'access-control-request-headers': 'content-type',
          },
        });
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-allow-methods')).toContain(method);
        expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
      }
      const actual = await call('DELETE', '/api/todos', { headers: { origin: 'http://app.example' } });
      expect(actual.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('builds url from X-Forwarded-Proto and X-Forwarded-Host', async () => {
      const todo = (
        await call<Todo>('POST', '/api/todos', {
          json: { title: 'behind a proxy' },
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'todo.example.org' },
        })
      ).body;
      expect(todo.url).toBe(`https://todo.example.org/api/todos/${todo.id}`);
      const listed = await call<Todo[]>('GET', '/api/todos', {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'other.example' },
      });
      expect(listed.body[0]?.url).toBe(`https://other.example/api/todos/${todo.id}`);
    });

    it('builds url from PUBLIC_URL when it is set, whatever the headers say', async () => {
      const other = await startBackend({ ...db.env, PUBLIC_URL: 'https://todo.example.org/' });
      try {
        const res = await fetch(`${other.url}/api/todos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-host': 'ignored.example' },
          body: JSON.stringify({ title: 'public' }),
        });
        const todo = (await res.json()) as Todo;
        expect(todo.url).toBe(`https://todo.example.org/api/todos/${todo.id}`);
        expect(res.headers.get('location')).toBe(todo.url);
      } finally {
        await other.stop();
      }
    });

    it('tags the list with an ETag and answers 304 while it is unchanged', async () => {
      await create({ title: 'cached' });
      const first = await call('GET', '/api/todos');
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await call('GET', '/api/todos', { headers: { 'if-none-match': etag ?? '' } });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      await create({ title: 'changed' });
      expect((await call('GET', '/api/todos', { headers: { 'if-none-match': etag ?? '' } })).status).toBe(200);
    });

    it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
      expect((await call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe(
        'abc-123',
      );
      expect(
        (await call('GET', '/healthz', { headers: { 'x-request-id': `bad id ${'x'.repeat(200)}` } })).headers.get('x-request-id'),
      ).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('serves /healthz, /readyz and /metrics', async () => {
      expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(await call('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      await call('GET', '/api/todos/abc');
      const metrics = await call<string>('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(metrics.body).toMatch(
        /^http_request_duration_seconds_bucket\{le="0.005",route="\/api\/todos",method="DELETE",status="204"\} \d+$/m,
      );
      expect(metrics.body).toMatch(
        /^http_request_duration_seconds_count\{route="\/api\/todos\/:id",method="GET",status="404"\} [1-9]/m,
      );
      for (const name of [
        'pg_pool_total_connections',
        'pg_pool_idle_connections',
        'pg_pool_waiting_clients',
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_seconds',
      ]) {
        expect(metrics.body).toMatch(new RegExp(`^${name} \\d`, 'm'));
      }
    });
  });
});
