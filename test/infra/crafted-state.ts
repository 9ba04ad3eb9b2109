import { createHash } from 'node:crypto';

/** The parts of `terraform show -json <plan>` that a crafted state needs. */
export interface PlanJson {
  readonly terraform_version: string;
  readonly resource_changes: readonly ResourceChange[];
}

export interface ResourceChange {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly provider_name: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly after: Record<string, unknown> | null;
    readonly after_unknown: Record<string, unknown>;
    readonly after_sensitive?: unknown;
    readonly before?: Record<string, unknown> | null;
  };
}

type AttributeType = string | readonly [string, AttributeType] | readonly [string, Record<string, AttributeType>];

export interface SchemaBlock {
  readonly attributes?: Record<string, { readonly type: AttributeType }>;
  readonly block_types?: Record<string, { readonly nesting_mode: string; readonly block: SchemaBlock }>;
}

/** The parts of `terraform providers schema -json` that a crafted state needs. */
export interface SchemaJson {
  readonly provider_schemas: Record<
    string,
    { readonly resource_schemas?: Record<string, { readonly version: number; readonly block: SchemaBlock }> }
  >;
}

const BUILTIN = 'terraform.io/builtin/terraform';
/** The dynamically typed attributes of `terraform_data`, which a state file stores with their type. */
const DYNAMIC = ['input', 'output', 'triggers_replace'] as const;

function typeOf(value: unknown): unknown {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return ['tuple', value.map(typeOf)];
  return ['object', Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeOf(v)]))];
}

/** A UUID that is the same for the same seed, so crafted states are reproducible. */
function fakeUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function fakeAddress(seed: string): string {
  const n = createHash('sha256').update(seed).digest()[0] ?? 0;
  return `10.0.0.${10 + (n % 200)}`;
}

/** What the cloud would have filled in for an attribute that was unknown at plan time. */
function fake(name: string, type: AttributeType, seed: string): unknown {
  if (type === 'string') {
    if (/(^|_)(id|uuid|port)$/.test(name)) return fakeUuid(seed);
    if (/ip|address/.test(name)) return fakeAddress(seed);
    return `crafted-${createHash('sha256').update(seed).digest('hex').slice(0, 24)}`;
  }
  if (type === 'number') return 1;
  if (type === 'bool') return false;
  const [kind, inner] = type as readonly [string, AttributeType];
  if (kind === 'map') return {};
  if (kind === 'list' && inner === 'string' && /ip/.test(name)) return [fakeAddress(seed)];
  if (kind === 'list' && inner === 'string' && /ids$/.test(name)) return [fakeUuid(seed)];
  return [];
}

function fill(value: Record<string, unknown>, unknown: Record<string, unknown>, block: SchemaBlock, seed: string): void {
  for (const [name, { type }] of Object.entries(block.attributes ?? {})) {
    const u = unknown[name];
    if (u === true) value[name] = fake(name, type, `${seed}.${name}`);
    else if (u && typeof u === 'object' && !Array.isArray(u) && value[name] && typeof value[name] === 'object') {
      const map = value[name] as Record<string, unknown>;
      for (const [key, flag] of Object.entries(u)) if (flag === true) map[key] = fake(key, 'string', `${seed}.${name}.${key}`);
    }
  }
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const u = unknown[name];
    const v = value[name];
    if (!Array.isArray(u) || !Array.isArray(v)) continue;
    u.forEach((elementUnknown, i) => {
      if (elementUnknown && typeof elementUnknown === 'object' && v[i] && typeof v[i] === 'object') {
        fill(v[i] as Record<string, unknown>, elementUnknown as Record<string, unknown>, nested.block, `${seed}.${name}.${i}`);
      }
    });
  }
}

type PathStep = { readonly type: 'get_attr'; readonly value: string } | { readonly type: 'index'; readonly value: unknown };

const stringKey = (key: string): PathStep => ({ type: 'index', value: { value: key, type: 'string' } });
const numberKey = (i: number): PathStep => ({ type: 'index', value: { value: i, type: 'number' } });

/** The sensitive paths of a plan's `after_sensitive` tree, in the form of a state file's `sensitive_attributes`. */
function sensitivePaths(tree: unknown, block: SchemaBlock | undefined, prefix: PathStep[] = []): PathStep[][] {
  if (tree === true) return [prefix];
  if (!tree || typeof tree !== 'object' || Array.isArray(tree)) return [];
  return Object.entries(tree).flatMap(([name, t]) => {
    const at = [...prefix, { type: 'get_attr', value: name } as PathStep];
    if (t === true) return [at];
    const nested = block?.block_types?.[name];
    if (nested && Array.isArray(t)) return t.flatMap((e, i) => sensitivePaths(e, nested.block, [...at, numberKey(i)]));
    if (Array.isArray(t)) return t.flatMap((e, i) => (e === true ? [[...at, numberKey(i)]] : []));
    if (t && typeof t === 'object') return Object.entries(t).flatMap(([k, e]) => (e === true ? [[...at, stringKey(k)]] : []));
    return [];
  });
}

/**
 * A version 4 state file in which every resource of a creation plan exists, with what the plan knew and made-up,
 * deterministic values where the cloud would have filled something in (ids, addresses, passwords). A plan of a changed
 * config against it, with `-refresh=false`, shows what Terraform would do to a deployment made from the first config,
 * without any cloud.
 */
export function stateFromCreationPlan(plan: PlanJson, schema: SchemaJson): object {
  const resources = plan.resource_changes
    .filter((r) => r.mode === 'managed')
    .map((r) => {
      if (r.change.actions.join() !== 'create') throw new Error(`${r.address} is not planned for creation`);
      const provider = r.provider_name === BUILTIN ? BUILTIN : r.provider_name;
      const resourceSchema = schema.provider_schemas[provider]?.resource_schemas?.[r.type];
      const builtin = r.provider_name === BUILTIN;
      if (!resourceSchema && !builtin) throw new Error(`no schema for ${r.type} of ${provider}`);
      const attributes = structuredClone(r.change.after ?? {});
      if (builtin) {
        if (r.change.after_unknown.id === true) attributes.id = fakeUuid(r.address);
        if (r.change.after_unknown.output === true) attributes.output = attributes.input ?? null;
        for (const key of DYNAMIC) {
          const v = attributes[key];
          if (v !== null && v !== undefined) attributes[key] = { value: v, type: typeOf(v) };
        }
      } else {
        fill(attributes, r.change.after_unknown, resourceSchema?.block ?? {}, r.address);
      }
      return {
        mode: 'managed',
        type: r.type,
        name: r.name,
        provider: `provider["${r.provider_name}"]`,
        instances: [
          {
            schema_version: resourceSchema?.version ?? 0,
            attributes,
            sensitive_attributes: sensitivePaths(r.change.after_sensitive, resourceSchema?.block),
          },
        ],
      };
    });
  return {
    version: 4,
    terraform_version: plan.terraform_version,
    serial: 1,
    lineage: fakeUuid('lineage'),
    outputs: {},
    resources,
    check_results: null,
  };
}

interface StateFile {
  resources: {
    type: string;
    name: string;
    instances: { attributes: Record<string, unknown>; sensitive_attributes: PathStep[][] }[];
  }[];
}

/** Keeps the made-up values where the plan has none, takes every value the plan knows. */
function mergeKnown(prior: unknown, after: unknown, unknown: unknown): unknown {
  if (unknown === true) return prior;
  if (Array.isArray(after)) {
    const priorList = Array.isArray(prior) ? prior : [];
    const unknownList = Array.isArray(unknown) ? unknown : [];
    return after.map((a, i) => mergeKnown(priorList[i], a, unknownList[i]));
  }
  if (after && typeof after === 'object') {
    const priorMap = prior && typeof prior === 'object' ? (prior as Record<string, unknown>) : {};
    const unknownMap = unknown && typeof unknown === 'object' ? (unknown as Record<string, unknown>) : {};
    const keys = new Set([...Object.keys(priorMap), ...Object.keys(after)]);
    return Object.fromEntries(
      [...keys].map((k) => [
        k,
        k in (after as Record<string, unknown>)
          ? mergeKnown(priorMap[k], (after as Record<string, unknown>)[k], unknownMap[k])
          : priorMap[k],
      ]),
    );
  }
  return after;
}

/**
 * Makes a crafted state agree with its own config: values that one resource takes from another (an id, an address, a
 * password) were made up independently, so each round plans the config against the state and copies into the state
 * what the plan knows, until the plan changes nothing. Throws when that does not happen within `rounds`.
 */
export async function settle(
  state: object,
  schema: SchemaJson,
  plan: (state: object) => Promise<PlanJson>,
  rounds = 8,
): Promise<object> {
  let current = structuredClone(state) as StateFile;
  for (let round = 0; round < rounds; round++) {
    const changes = (await plan(current)).resource_changes.filter(
      (r) => r.mode === 'managed' && r.change.actions.join() !== 'no-op',
    );
    if (changes.length === 0) return current;
    current = structuredClone(current);
    for (const change of changes) {
      const resource = current.resources.find((r) => `${r.type}.${r.name}` === change.address);
      const instance = resource?.instances[0];
      if (!instance) throw new Error(`the plan changes ${change.address}, which is not in the crafted state`);
      const after = { ...change.change.after };
      if (change.type === 'terraform_data') for (const key of DYNAMIC) delete after[key];
      instance.attributes = mergeKnown(instance.attributes, after, change.change.after_unknown) as Record<string, unknown>;
      const block = schema.provider_schemas[change.provider_name]?.resource_schemas?.[change.type]?.block;
      instance.sensitive_attributes = sensitivePaths(change.change.after_sensitive, block);
    }
  }
  throw new Error(`the crafted state still differs from its config after ${rounds} rounds`);
}
