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

/** What cloud-init does on a node: the packages it installs, the files it writes and the commands it runs, in that order. */
export interface CloudConfig {
  readonly packages: readonly string[];
  readonly files: readonly BootFile[];
  readonly commands: readonly (readonly string[])[];
}

/** The `#cloud-config` document for a node. */
export function renderCloudConfig(config: CloudConfig): string {
  const document = {
    package_update: config.packages.length > 0,
    packages: [...config.packages],
    write_files: config.files.map((f) => ({ path: f.path, permissions: f.permissions ?? '0644', content: f.content })),
    runcmd: config.commands.map((c) => [...c]),
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
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
