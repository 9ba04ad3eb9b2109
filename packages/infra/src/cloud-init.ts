import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { UserDataTooLargeError } from './errors.ts';

/** Nova's limit on user data, counted after base64. */
export const USER_DATA_LIMIT = 65_535;

/** A file that cloud-init writes before the boot commands run. */
export interface BootFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode. @default '0644' */
  readonly permissions?: string;
}

/** The address of the OpenStack (and EC2) metadata service. */
export const METADATA_SERVICE = '169.254.169.254';

/**
 * What cloud-init does on a node: on every boot the `bootCommands` (before anything else runs), and on the first boot
 * the packages it installs, the files it writes and the commands it runs, in that order.
 */
export interface CloudConfig {
  /** @default none */
  readonly bootCommands?: readonly (readonly string[])[];
  readonly packages: readonly string[];
  readonly files: readonly BootFile[];
  readonly commands: readonly (readonly string[])[];
}

/** The `#cloud-config` document for a node. */
export function renderCloudConfig(config: CloudConfig): string {
  const document = {
    ...(config.bootCommands ? { bootcmd: config.bootCommands.map((c) => [...c]) } : {}),
    // cloud-init's schema refuses an empty package list.
    ...(config.packages.length > 0 ? { package_update: true, packages: [...config.packages] } : {}),
    write_files: config.files.map((f) => ({ path: f.path, permissions: f.permissions ?? '0644', content: f.content })),
    runcmd: config.commands.map((c) => [...c]),
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}

/**
 * Boot commands that close the metadata service to everything on the node, on every boot: processes and host-network
 * pods (`raw OUTPUT`) and containers and pods routed through the node (`raw PREROUTING`), before Docker, k3s or any pod
 * starts. The `raw` table is left alone by Docker, kube-proxy and kube-router, so their rules cannot open it again.
 * Nothing needs the service after cloud-init has read its data source: boot values come from the config drive.
 */
export function metadataFirewall(): string[][] {
  return ['OUTPUT', 'PREROUTING'].map((chain) => [
    'sh',
    '-c',
    `iptables -t raw -C ${chain} -d ${METADATA_SERVICE}/32 -j DROP 2>/dev/null || iptables -t raw -I ${chain} 1 -d ${METADATA_SERVICE}/32 -j DROP`,
  ]);
}

/** Gzip (cloud-init inflates it by itself) and base64, so larger configs fit Nova's limit; the result is the same bytes on every machine. */
export function encodeUserData(text: string): string {
  return gzipSync(Buffer.from(text, 'utf8'), { level: 9 }).toString('base64');
}

/** Encodes user data and throws when it is over Nova's limit. */
export function userDataFor(server: string, text: string): string {
  const encoded = encodeUserData(text);
  if (encoded.length > USER_DATA_LIMIT) throw new UserDataTooLargeError(server, encoded.length, USER_DATA_LIMIT);
  return encoded;
}

/** A short, stable digest, for replacement triggers. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
