/// <reference lib="dom" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';

const PAGE = `<!doctype html>
<html><head><title>rig smoke</title></head>
<body style="margin:0;background:#fff">
<h1 id="greeting" style="color:#b83f45">served from loopback</h1>
<div id="box" style="width:200px;height:100px;background:rgb(0,128,255)"></div>
<script>document.getElementById('greeting').dataset.rendered = String(1 + 1);</script>
</body></html>`;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('Chromium rig', () => {
  let server: Server;
  let browser: TestBrowser;
  let origin: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('renders a page served on localhost, runs its script and takes a screenshot', async () => {
    const page = await browser.context.newPage();
    const response = await page.goto(`${origin}/smoke`);
    expect(response?.status()).toBe(200);
    expect(requests).toContain('/smoke');
    expect(await page.title()).toBe('rig smoke');
    expect(await page.locator('#greeting').textContent()).toBe('served from loopback');
    expect(await page.locator('#greeting').getAttribute('data-rendered')).toBe('2');
    expect(await page.locator('#box').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(0, 128, 255)');

    const shot = await page.screenshot({ clip: { x: 0, y: 0, width: 400, height: 300 } });
    expect(shot.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(shot.readUInt32BE(16)).toBe(400);
    expect(shot.readUInt32BE(20)).toBe(300);
    expect(shot.length).toBeGreaterThan(1000);

    const box = await page.screenshot({ clip: { x: 0, y: 100, width: 100, height: 50 } });
    const blank = await page.screenshot({ clip: { x: 500, y: 400, width: 100, height: 50 } });
    expect(box.equals(blank)).toBe(false);
    await page.close();
  });

  it('is the Debian build from the rig, headless, with background networking off', async () => {
    const page = await browser.context.newPage();
    await page.goto('chrome://version');
    const text = await page.locator('body').textContent();
    expect(text).toContain('/usr/lib/chromium/chromium');
    expect(text).toContain('--headless');
    expect(text).toContain('--disable-background-networking');
    expect(text).not.toContain('ms-playwright');
    await page.close();
  });
});
