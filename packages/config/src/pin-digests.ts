import { type ResolveOptions, resolveDigest } from './registry.ts';

export class PinDigestsError extends Error {
  override readonly name = 'PinDigestsError';
}

/** The default of `images.upstreamDigests` in the schema's source: from `.default({` to its closing `})`. */
const BLOCK = /(upstreamDigests: z[\s\S]*?\.default\(\{\n)([\s\S]*?)(\n(\s*)\}\))/;

/** The schema source with the default of `images.upstreamDigests` replaced by `digests`, one entry a line, sorted. */
export function rewriteUpstreamDigests(source: string, digests: Readonly<Record<string, string>>): string {
  const match = BLOCK.exec(source);
  if (!match) throw new PinDigestsError("cannot find the default of 'images.upstreamDigests' in the schema source");
  const indent = `${match[4] ?? ''}  `;
  const lines = Object.keys(digests)
    .sort()
    .map((ref) => `${indent}${JSON.stringify(ref).replace(/^"|"$/g, "'")}: '${digests[ref]}',`);
  return source.replace(BLOCK, (_, open: string, __: string, close: string) => `${open}${lines.join('\n')}${close}`);
}

export interface PinResult {
  readonly digests: Record<string, string>;
  /** `repository:tag` that could not be resolved, with why; they stay unpinned. */
  readonly failed: ReadonlyArray<{ readonly ref: string; readonly error: string }>;
}

/** Resolves the digest of every `repository:tag`; one that fails keeps its previous digest, if any, and is reported. */
export async function pinDigests(
  refs: readonly string[],
  previous: Readonly<Record<string, string>>,
  options: ResolveOptions = {},
): Promise<PinResult> {
  const digests: Record<string, string> = {};
  const failed: { ref: string; error: string }[] = [];
  for (const ref of [...new Set(refs)].sort()) {
    try {
      digests[ref] = await resolveDigest(ref, options);
    } catch (e) {
      failed.push({ ref, error: (e as Error).message });
      const kept = previous[ref];
      if (kept) digests[ref] = kept;
    }
  }
  return { digests, failed };
}
