import { CONFIG_FILE_ENV } from '@stratus/config';
import { pin } from './openstack-pin.ts';

/** `pnpm openstack:pin`: writes the current image and network ids into `$STRATUS_CONFIG` or stratus.config.json. */
await pin({ file: process.env[CONFIG_FILE_ENV] ?? 'stratus.config.json' }).catch((e: Error) => {
  console.error(`openstack:pin: ${e.message}`);
  process.exit(1);
});
