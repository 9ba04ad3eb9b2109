import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The middle value of `xs`, or the mean of the two middle ones for an even count. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The `q` quantile of `xs` by nearest rank (`quantile(xs, 0.99)` is the p99). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number;
}

/** Replaces the text between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->` (appending the section if missing). */
function replaceSection(document: string, name: string, content: string): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const section = `${open}\n${content.trim()}\n${close}`;
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start !== -1 && end > start) return `${document.slice(0, start)}${section}${document.slice(end + close.length)}`;
  const base = document.trim() ? `${document.trimEnd()}\n\n` : '# Benchmarks\n\n';
  return `${base}${section}\n`;
}

/** Writes `content` as the section `name` of the Markdown file `file` (docs/benchmarks.md). */
export function writeSection(file: string, name: string, content: string): void {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, replaceSection(before, name, content));
}

/** A Markdown table with padded columns, as the formatter writes it; `right` marks right-aligned columns. */
export function table(header: readonly string[], right: readonly boolean[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (right[i] ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)];
}

/** Runs a bench's `main` as its process: exit 0 when it resolves, else its stack on stderr and exit 1. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
