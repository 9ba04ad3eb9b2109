import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { rig } from './rig.ts';

/** Flags that keep Chromium off the network and quiet: tests only ever talk to 127.0.0.1. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-first-run',
  '--no-default-browser-check',
  '--metrics-recording-only',
];

/** A headless Debian Chromium with a fresh profile, removed again by `close`. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts the Chromium of the rig (`scripts/rig/chromium.sh`) through playwright-core; nothing downloads a browser. */
export async function launchBrowser(): Promise<TestBrowser> {
  const { CHROMIUM } = await rig('chromium');
  if (!CHROMIUM) throw new Error('scripts/rig/chromium.sh start did not print CHROMIUM');
  const userDataDir = mkdtempSync(join(tmpdir(), 'stratus-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 800, height: 600 },
      timeout: 60_000,
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
}
