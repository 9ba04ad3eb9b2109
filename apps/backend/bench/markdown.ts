import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Replaces the text between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->` (appending the section if missing). */
export function replaceSection(document: string, name: string, content: string): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const section = `${open}\n${content.trim()}\n${close}`;
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start !== -1 && end > start) return `${document.slice(0, start)}${section}${document.slice(end + close.length)}`;
  const base = document.trim() ? `${document.trimEnd()}\n\n` : '# Benchmarks\n\n';
  return `${base}${section}\n`;
}

export function writeSection(file: string, name: string, content: string): void {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, replaceSection(before, name, content));
}
