import { DataResource, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { InfraConfigError } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One OpenStack id a stack needs, with the config field it comes from. */
export interface PinnedId {
  /** The id, such as a Glance image id; empty when it has not been pinned yet. */
  readonly id: string;
  /** The config field that holds it, such as `openstack.imageId`; named in the plan's error. */
  readonly field: string;
  /** The name it was resolved from, for the error message. */
  readonly name: string;
}

export interface PinnedIdsProps {
  /** The ids, by key (such as `image_id`). */
  readonly ids: Readonly<Record<string, PinnedId>>;
}

/**
 * The OpenStack ids a stack uses (image, network), pinned in the config by `pnpm openstack:pin` instead of looked up at
 * plan time, so that a new upload under the same name changes nothing until someone pins and reviews it. The ids sit in
 * a local value and a `terraform_data` whose preconditions make `terraform plan` refuse, naming the field and the
 * command, while one is empty; resources that use the ids depend on it.
 */
export class PinnedIds extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: PinnedIdsProps) {
    super(scope, id);
    for (const pinned of Object.values(props.ids)) {
      if (pinned.id !== '' && !UUID.test(pinned.id)) {
        throw new InfraConfigError(pinned.field, `must be an OpenStack id (a lowercase UUID) or empty, got "${pinned.id}"`);
      }
    }
    const keys = Object.keys(props.ids).sort();
    const ids = new TerraformLocal(this, 'ids', Object.fromEntries(keys.map((key) => [key, props.ids[key]?.id ?? ''])));
    this.resource = new DataResource(this, 'pins', {
      input: ids.expression,
      lifecycle: {
        precondition: keys.map((key) => {
          const pinned = props.ids[key] as PinnedId;
          return {
            condition: `\${local.${ids.friendlyUniqueId}.${key} != ""}`,
            errorMessage: `${pinned.field} is not pinned: run "pnpm openstack:pin" (it resolves "${pinned.name}" through the OpenStack API and writes the id into the config), then synthesize again.`,
          };
        }),
      },
    });
  }
}
