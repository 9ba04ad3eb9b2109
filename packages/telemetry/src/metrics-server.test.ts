import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer } from './metrics-server.ts';

describe('MetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(() => server?.close());

  it('serves the registry on /metrics, health on /healthz and 404 elsewhere', async () => {
    const registry = new Registry();
    new Counter({ name: 'things_total', help: 'Things.', registers: [registry] }).inc(3);
    let healthy = true;
    server = new MetricsServer(registry);
    const port = await server.listen(0, () => healthy);
    const base = `http://127.0.0.1:${port}`;
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('things_total 3');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    healthy = false;
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });
});
