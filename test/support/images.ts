/** Every `image:` value anywhere in a parsed manifest. */
export function imagesIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) imagesIn(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'image' && typeof value === 'string') out.push(value);
      else imagesIn(value, out);
    }
  }
  return out;
}
