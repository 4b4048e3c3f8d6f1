/** Fills the {{NAME}} slots of a WGSL template; a slot left unfilled is a bug, so it throws. */
export function fillTemplate(code: string, slots: Record<string, string | number>): string {
  return code.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in slots)) throw new Error(`WGSL template slot {{${name}}} has no value`);
    return String(slots[name]);
  });
}

/** `count` copies of a line pattern, one per index, joined as lines at an indent. */
export function unroll(count: number, line: (i: number) => string, indent = '      '): string {
  return Array.from({ length: count }, (_, i) => indent + line(i)).join('\n');
}
