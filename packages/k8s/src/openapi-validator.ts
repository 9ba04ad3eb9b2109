import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

interface Swagger {
  readonly definitions: Record<string, Schema>;
}

interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export class OpenApiError extends Error {
  override readonly name = 'OpenApiError';
}

/** A problem found in one object. */
export interface Violation {
  readonly object: string;
  readonly path: string;
  readonly message: string;
}

/**
 * Kubernetes' swagger definitions, tightened for validation: every object with declared properties is closed
 * (`additionalProperties: false`) unless it preserves unknown fields, and int-or-string accepts both.
 */
function tighten(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tighten);
  if (typeof node !== 'object' || node === null) return node;
  const schema = node as Schema;
  if (schema.format === 'int-or-string') return { anyOf: [{ type: 'string' }, { type: 'integer' }] };
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, tighten(sub)]));
    } else {
      out[key] = tighten(value);
    }
  }
  if (out.properties && out.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (typeof out.$ref === 'string') out.$ref = out.$ref.replace('#/definitions/', 'k8s#/definitions/');
  return out;
}

/** Validates manifests against the OpenAPI (swagger 2.0) schema published with a Kubernetes release. */
export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly byKind = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(swagger: Swagger) {
    const definitions = tighten(swagger.definitions) as Record<string, Schema>;
    this.ajv.addSchema({ $id: 'k8s', definitions }, 'k8s');
    for (const [name, definition] of Object.entries(swagger.definitions)) {
      const gvks = (definition['x-kubernetes-group-version-kind'] ?? []) as GroupVersionKind[];
      for (const gvk of gvks) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        this.byKind.set(`${apiVersion}/${gvk.kind}`, name);
      }
    }
  }

  /** The problems of one object; empty when it is valid. */
  validate(object: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): Violation[] {
    const id = `${object.apiVersion}/${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    const definition = this.byKind.get(`${object.apiVersion}/${object.kind}`);
    if (!definition) return [{ object: id, path: '', message: 'no such apiVersion and kind in this Kubernetes version' }];
    let validate = this.compiled.get(definition);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `k8s#/definitions/${definition}` });
      this.compiled.set(definition, validate);
    }
    if (validate(object)) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => ({
      object: id,
      path: e.instancePath,
      message: `${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
    }));
  }
}
