import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import type { StratusConfig } from '@stratus/config';
import { OpenstackProvider } from '@stratus/provider-openstack/provider';
import { OPENSTACK_PROVIDER_VERSION } from '@stratus/provider-openstack/version';
import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { InfraConfigError } from './errors.ts';

/** The state file of a stack with the local backend, relative to the stack's directory (where terraform runs). */
export const LOCAL_STATE = 'terraform.tfstate';

export interface StratusStackProps {
  /** The validated platform config. */
  readonly config: StratusConfig;
}

/**
 * A stack with the OpenStack and random providers pinned, credentials left to `OS_*` or clouds.yaml, and a backend
 * that keeps no absolute path: a local file next to the stack, or an S3 API when `openstack.state.backend` is `s3`.
 */
export class StratusStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: StratusStackProps) {
    super(scope, id);
    const { openstack, versions } = props.config;
    if (versions.openstackProvider !== OPENSTACK_PROVIDER_VERSION) {
      throw new InfraConfigError(
        'versions.openstackProvider',
        `is ${versions.openstackProvider} but the bindings in packages/provider-openstack were generated from ${OPENSTACK_PROVIDER_VERSION}: run pnpm --filter @stratus/provider-openstack generate`,
      );
    }
    new OpenstackProvider(this, 'openstack', {
      cloud: openstack.cloud === '' ? undefined : openstack.cloud,
      region: openstack.region === '' ? undefined : openstack.region,
    });
    new RandomProvider(this, 'random');
    this.addOverride('terraform.required_providers.random.version', versions.randomProvider);

    if (openstack.state.backend === 's3') {
      new S3Backend(this, {
        bucket: openstack.state.bucket,
        key: `stratus/${id}.tfstate`,
        region: openstack.state.region,
        endpoints: openstack.state.endpoint === '' ? undefined : { s3: openstack.state.endpoint },
        usePathStyle: true,
        skipCredentialsValidation: true,
        skipRegionValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: true,
        skipS3Checksum: true,
      });
    } else {
      new LocalBackend(this, { path: LOCAL_STATE });
    }
  }
}
