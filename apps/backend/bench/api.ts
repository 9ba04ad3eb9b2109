import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { median, table, writeSection } from '../../../test/support/bench-report.ts';
import { rig } from '../../../test/support/rig.ts';

const backendDir = fileURLToPath(new URL('..', import.meta.url));
const benchmarksFile = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const LIST_SIZE = 100;
const STEADY_RATE = 300;

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

function startProcess(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: backendDir,
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function load(options: autocannon.Options): Promise<Run> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

/** Replaces all todos with `count` new ones and returns their ids. */
async function seed(api: string, count: number): Promise<number[]> {
  await fetch(`${api}/api/todos`, { method: 'DELETE' });
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const title = `Todo number ${i + 1}: buy milk, call Alice, fix the bike — ünïcödé ✓`;
    const res = await fetch(`${api}/api/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title, completed: i % 3 === 0 }),
    });
    ids.push(((await res.json()) as { id: number }).id);
  }
  return ids;
}

/** Each connection toggles a todo, then lists: every list read follows a write, so it is built afresh. */
function patchThenList(api: string, ids: readonly number[]): autocannon.Options {
  let next = 0;
  return {
    url: api,
    requests: [
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          next = (next + 1) % ids.length;
          return { ...req, path: `/api/todos/${ids[next]}`, body: JSON.stringify({ completed: next % 2 === 0 }) };
        },
      },
      { method: 'GET', path: '/api/todos' },
    ],
  };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (n: number) => `${fmt(n * 100)}%`;

async function main(): Promise<void> {
  const server = await rig('postgres');
  const adminUrl = server.DATABASE_URL;
  if (!adminUrl) throw new Error('the postgres rig printed no DATABASE_URL');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS bench_api WITH (FORCE)');
  await admin.query('CREATE DATABASE bench_api');
  await admin.end();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = '/bench_api';

  const helloPort = await freePort();
  const apiPort = await freePort();
  const hello = startProcess('bench/hello.ts', { PORT: String(helloPort) });
  const backend = startProcess('src/main.ts', {
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl.toString(),
    LOG_LEVEL: 'info',
  });
  const helloUrl = `http://127.0.0.1:${helloPort}/`;
  const api = `http://127.0.0.1:${apiPort}`;
  try {
    await waitFor(helloUrl);
    await waitFor(`${api}/readyz`);
    const create: autocannon.Options = {
      url: `${api}/api/todos`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Benchmark todo — ✓' }),
    };
    await seed(api, LIST_SIZE);
    process.stderr.write('warming up\n');
    await load({ url: helloUrl, duration: 2 });
    await load({ url: `${api}/api/todos`, duration: 2 });

    const runs = { hello: [] as Run[], list: [] as Run[], create: [] as Run[], changing: [] as Run[] };
    const steady = { hello: [] as Run[], list: [] as Run[], create: [] as Run[] };
    for (let round = 1; round <= ROUNDS; round++) {
      const ids = await seed(api, LIST_SIZE);
      runs.hello.push(await load({ url: helloUrl }));
      runs.list.push(await load({ url: `${api}/api/todos` }));
      runs.changing.push(await load(patchThenList(api, ids)));
      await seed(api, LIST_SIZE);
      runs.create.push(await load(create));
      await seed(api, LIST_SIZE);
      steady.hello.push(await load({ url: helloUrl, overallRate: STEADY_RATE }));
      steady.list.push(await load({ url: `${api}/api/todos`, overallRate: STEADY_RATE }));
      steady.create.push(await load({ ...create, overallRate: STEADY_RATE }));
      process.stderr.write(
        `round ${round}: hello ${fmt(runs.hello.at(-1)?.rps ?? 0)}, list ${fmt(runs.list.at(-1)?.rps ?? 0)}, create ${fmt(runs.create.at(-1)?.rps ?? 0)}, patch+list ${fmt(runs.changing.at(-1)?.rps ?? 0)} req/s\n`,
      );
    }

    const m = (rs: Run[], k: keyof Run) => median(rs.map((r) => r[k]));
    /** The median over rounds of the workload's req/s divided by the hello-world's of the same round. */
    const ratio = (rs: Run[]) => median(rs.map((r, i) => r.rps / (runs.hello[i]?.rps ?? Number.NaN)));
    const rows = [
      ['bare Express hello-world (ceiling)', runs.hello],
      [`GET /api/todos (${LIST_SIZE} todos)`, runs.list],
      ['POST /api/todos', runs.create],
      [`PATCH one todo, then GET /api/todos (${LIST_SIZE} todos), alternating`, runs.changing],
    ] as const;
    const steadyRows = [
      ["bare Express hello-world (the machine's noise floor)", steady.hello],
      [`GET /api/todos (${LIST_SIZE} todos)`, steady.list],
      ['POST /api/todos', steady.create],
    ] as const;
    const errors = (rs: Run[]) => rs.reduce((n, r) => n + r.errors, 0);
    const cpu = cpus()[0]?.model.trim() ?? 'unknown';
    const listRatio = ratio(runs.list);
    const createRatio = ratio(runs.create);
    const allErrors = [...rows, ...steadyRows].reduce((n, [, rs]) => n + errors(rs), 0);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const steadyP99 = Math.max(m(steady.list, 'p99'), m(steady.create, 'p99'));
    const text = [
      '## `pnpm bench:api`: the todo backend on PostgreSQL',
      '',
      `Machine: ${cpus().length} CPUs (${cpu}), Node ${process.version}, PostgreSQL ${server.PG_MAJOR} from the rig`,
      '(`scripts/rig/postgres.sh`: fsync and synchronous_commit off), all on the same machine as autocannon.',
      `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds of hello / list / patch+list / create`,
      `and then the same at a steady ${STEADY_RATE} req/s;`,
      'medians of the rounds. The backend runs as in production (pino JSON log line per request to /dev/null,',
      'metrics, CORS, request ids); the hello-world is `res.send("Hello World!")` on Express 5, started the same way.',
      '',
      ...table(
        ['workload', 'req/s (median)', 'p50 ms', 'p99 ms', 'of hello-world (median of rounds)', 'errors'],
        [false, true, true, true, true, true],
        rows.map(([name, rs]) => [
          name,
          fmt(m(rs, 'rps')),
          fmt(m(rs, 'p50')),
          fmt(m(rs, 'p99')),
          pct(ratio(rs)),
          String(errors(rs)),
        ]),
      ),
      '',
      `Steady ${STEADY_RATE} req/s (autocannon \`overallRate\`, ${SECONDS} s, latency corrected for coordinated omission; medians of the rounds):`,
      '',
      ...table(
        ['workload', 'p50 ms', 'p99 ms', 'errors'],
        [false, true, true, true],
        steadyRows.map(([name, rs]) => [name, fmt(m(rs, 'p50')), fmt(m(rs, 'p99')), String(errors(rs))]),
      ),
      '',
      'Targets:',
      '',
      `- listing ≥ 60% of hello-world: ${pct(listRatio)}, ${verdict(listRatio >= 0.6)}`,
      `- creating ≥ 60% of hello-world: ${pct(createRatio)}, ${verdict(createRatio >= 0.6)}`,
      `- p99 ≤ 25 ms at ${STEADY_RATE} req/s: ${fmt(steadyP99)} ms (the worse of list and create), ${verdict(steadyP99 <= 25)}`,
      `- failed or non-2xx responses: ${allErrors}`,
      '',
      'How: PostgreSQL builds the JSON text (one row, sent as it is), every query is a named prepared statement,',
      'concurrent list reads share one query, and the list is re-read only when `pg_current_snapshot()` shows that',
      'some transaction has written since (so the GET row above mostly serves the remembered list after a one-row',
      'snapshot query, and the PATCH-then-GET row shows the cost when every list has to be rebuilt). Concurrent',
      'creations share one INSERT (group commit). Request logs are buffered (4 kB or 1 s).',
      '',
      'Per round (req/s): ' +
        runs.hello
          .map(
            (h, i) =>
              `hello ${fmt(h.rps)} / list ${fmt(runs.list[i]?.rps ?? 0)} / create ${fmt(runs.create[i]?.rps ?? 0)} / patch+list ${fmt(runs.changing[i]?.rps ?? 0)}`,
          )
          .join('; '),
    ].join('\n');
    writeSection(benchmarksFile, 'api', text);
    process.stdout.write(`${text}\n`);
    if (allErrors > 0) {
      process.stderr.write(`${allErrors} requests failed; the numbers above are not trustworthy\n`);
      process.exitCode = 1;
    }
  } finally {
    hello.kill('SIGTERM');
    backend.kill('SIGTERM');
  }
}

await main();
