import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadConfig } from '@stratus/config';
import { authenticate, networkId, newestImage, resolveCredentials } from './openstack-api.ts';

export interface PinOptions {
  /** The config file to write (created when missing), such as stratus.config.json. */
  readonly file: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the global fetch */
  readonly fetch?: typeof fetch;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

/** What `pin` wrote: the ids before and after. */
export interface PinResult {
  readonly imageId: { readonly before: string; readonly after: string };
  readonly networkId: { readonly before: string; readonly after: string };
}

/**
 * `pnpm openstack:pin`: resolves `openstack.image` to the newest active Glance image of that name and
 * `openstack.network` to its Neutron id, through the OpenStack API (clouds.yaml or `OS_*`), and writes both ids into
 * the config file, leaving everything else in it as it was. Synthesize and review the diff afterwards: a new id
 * replaces every server on the next apply, and nothing else does.
 */
export async function pin(options: PinOptions): Promise<PinResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const config = loadConfig({ env, file: existsSync(options.file) ? options.file : undefined });
  const session = await authenticate(resolveCredentials(env, config.openstack.cloud), options.fetch);
  const image = await newestImage(session, config.openstack.image, options.fetch);
  const network = await networkId(session, config.openstack.network, options.fetch);

  const tree = existsSync(options.file) ? (JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>) : {};
  const openstack = { ...((tree.openstack ?? {}) as Record<string, unknown>), imageId: image.id, networkId: network };
  writeFileSync(`${options.file}.partial`, `${JSON.stringify({ ...tree, openstack }, null, 2)}\n`);
  renameSync(`${options.file}.partial`, options.file);

  const result = {
    imageId: { before: config.openstack.imageId, after: image.id },
    networkId: { before: config.openstack.networkId, after: network },
  };
  const change = (before: string, after: string) => (before === after ? 'unchanged' : `was ${before || 'not pinned'}`);
  log(
    `openstack.imageId = ${image.id} (newest "${image.name}", created ${image.createdAt}; ${change(result.imageId.before, image.id)})`,
  );
  log(`openstack.networkId = ${network} ("${config.openstack.network}"; ${change(result.networkId.before, network)})`);
  log(`wrote ${options.file}: now run pnpm synth and review the diff of dist/terraform before you apply`);
  return result;
}
