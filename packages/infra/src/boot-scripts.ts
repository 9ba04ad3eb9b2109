import { readFileSync } from 'node:fs';
import type { BootFile } from './cloud-init.ts';

/** Where the boot scripts are installed on a node. */
export const BOOT_DIR = '/usr/local/lib/stratus';

export type BootScript = 'common' | 'web' | 'k3s-server' | 'k3s-agent';

/** The text of a boot script under src/boot. */
export function bootScript(name: BootScript): string {
  return readFileSync(new URL(`./boot/${name}.sh`, import.meta.url), 'utf8');
}

/** The shared helpers and one role's script, as files for cloud-init to write. */
export function bootFiles(role: Exclude<BootScript, 'common'>): BootFile[] {
  return [
    { path: `${BOOT_DIR}/common.sh`, content: bootScript('common'), permissions: '0644' },
    { path: `${BOOT_DIR}/${role}.sh`, content: bootScript(role), permissions: '0755' },
  ];
}
