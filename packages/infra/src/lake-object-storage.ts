import { IdentityEc2CredentialV3 } from '@stratus/provider-openstack/identity-ec2-credential-v3';
import { ObjectstorageContainerV1 } from '@stratus/provider-openstack/objectstorage-container-v1';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { InfraConfigError } from './errors.ts';
import { checkNotEmpty } from './validate.ts';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface LakeObjectStorageProps {
  /** The Swift container, which the S3 API serves as the bucket of that name. */
  readonly bucket: string;
  /** The S3 API of the cloud's object store (Swift's `s3api`), such as https://object.example.org. */
  readonly endpoint: string;
  /** The namespace of the lake, where its Secret goes. */
  readonly namespace: string;
  /** The Secret the lake reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from. */
  readonly secret: string;
}

/**
 * The lake's object storage on the OpenStack cloud: a Swift container and EC2-style credentials for Swift's S3 API,
 * made for the user Terraform runs as. The keys exist only in the Terraform state and in sensitive outputs; the
 * operator hands them to the cluster as a Secret (`lake_secret_command`), so they are never in the repo, `dist/` or
 * any server's metadata.
 */
export class LakeObjectStorage extends Construct {
  readonly container: ObjectstorageContainerV1;
  readonly credential: IdentityEc2CredentialV3;

  constructor(scope: Construct, id: string, props: LakeObjectStorageProps) {
    super(scope, id);
    if (!BUCKET.test(props.bucket)) {
      throw new InfraConfigError(
        'bucket',
        `must be an S3 bucket name (3-63 lowercase letters, digits, "." and "-"), got "${props.bucket}"`,
      );
    }
    checkNotEmpty('endpoint', props.endpoint);
    if (!/^https?:\/\/[^/\s]+/.test(props.endpoint)) {
      throw new InfraConfigError(
        'endpoint',
        `must be the URL of the object store's S3 API, such as https://object.example.org, got "${props.endpoint}"`,
      );
    }
    this.container = new ObjectstorageContainerV1(this, 'container', { name: props.bucket });
    this.credential = new IdentityEc2CredentialV3(this, 'credential', {});

    new TerraformOutput(scope, 'lake_bucket', { value: this.container.name, description: "The lake's bucket on Swift's S3 API" });
    new TerraformOutput(scope, 'lake_s3_endpoint', { value: props.endpoint, description: 'The S3 API the lake uses' });
    new TerraformOutput(scope, 'lake_s3_access_key', {
      value: this.credential.access,
      sensitive: true,
      description: 'AWS_ACCESS_KEY_ID of the lake (terraform output -raw lake_s3_access_key)',
    });
    new TerraformOutput(scope, 'lake_s3_secret_key', {
      value: this.credential.secret,
      sensitive: true,
      description: 'AWS_SECRET_ACCESS_KEY of the lake (terraform output -raw lake_s3_secret_key)',
    });
    const output = (name: string) => `"$(terraform output -raw ${name})"`;
    new TerraformOutput(scope, 'lake_secret_command', {
      value: `kubectl -n ${props.namespace} create secret generic ${props.secret} --from-literal=AWS_ACCESS_KEY_ID=${output('lake_s3_access_key')} --from-literal=AWS_SECRET_ACCESS_KEY=${output('lake_s3_secret_key')}`,
      description: 'Creates the lake Secret from the outputs (run it in this stack directory, with the kubeconfig)',
    });
  }
}
