import { programKey, type Program, type Variant } from './program.js';

type Value = string | number | boolean;

/**
 * Fills a WGSL template. `{{expr}}` is replaced by its value: a slot's (a string is pasted as it is) or an integer
 * expression of slots and loop indices with + - * / % (integer division), parentheses and !. Blocks:
 *   {{#for u < U}} ... {{/for}}              the body once for each u = 0 .. U-1 (any expression as the bound)
 *   {{#if EXACT}} ... {{#else}} ... {{/if}}  the first part where the expression is true (nonzero), else the second
 *   {{#let SLOTS = ROWS}} ... {{/let}}       the body with one more name
 *   {{#define LOADS}} ... {{/define}}        a named part, pasted (with the names where it is pasted) by {{>LOADS}}
 * A block tag alone on its line takes the line with it. A name with no value is a bug, so it throws.
 */
export function fillTemplate(code: string, slots: Record<string, Value>): string {
  const source = code.replace(/^[ \t]*(\{\{[#/>][^}]*\}\})[ \t]*\r?\n/gm, '$1');
  type Part = (env: Record<string, Value>) => string;
  const defined = new Map<string, Part[]>();
  const render = (parts: Part[], env: Record<string, Value>) => parts.map((f) => f(env)).join('');
  const parts = source.split(/\{\{([^}]*)\}\}/); // text, tag, text, tag, ...
  let at = 0;
  // Reads parts from `at` up to the closing tag of the block being read (or the end), leaving `at` on that tag.
  const block = (stop: string[]): Part[] => {
    const out: Part[] = [];
    for (; at < parts.length; at++) {
      if (at % 2 === 0) {
        const text = parts[at];
        out.push(() => text);
        continue;
      }
      const tag = parts[at].trim();
      if (stop.includes(tag)) return out;
      const loop = /^#for\s+(\w+)\s*<\s*(.+)$/.exec(tag);
      const cond = /^#if\s+(.+)$/.exec(tag);
      const binding = /^#let\s+(\w+)\s*=\s*(.+)$/.exec(tag);
      const definition = /^#define\s+(\w+)$/.exec(tag);
      const paste = /^>\s*(\w+)$/.exec(tag);
      const close = (end: string) => {
        if (parts[at]?.trim() !== end) throw new Error(`WGSL template: {{${tag}}} has no {{${end}}}`);
      };
      if (binding) {
        at++;
        const body = block(['/let']);
        close('/let');
        out.push((env) => render(body, { ...env, [binding[1]]: evaluate(binding[2], env) }));
      } else if (definition) {
        at++;
        defined.set(definition[1], block(['/define']));
        close('/define');
      } else if (paste) {
        out.push((env) => {
          const body = defined.get(paste[1]);
          if (!body) throw new Error(`WGSL template: {{>${paste[1]}}} pastes a part never defined`);
          return render(body, env);
        });
      } else if (loop) {
        at++;
        const body = block(['/for']);
        close('/for');
        const [, name, bound] = loop;
        out.push((env) => {
          let text = '';
          for (let i = 0; i < Number(evaluate(bound, env)); i++) text += render(body, { ...env, [name]: i });
          return text;
        });
      } else if (cond) {
        at++;
        const yes = block(['#else', '/if']);
        let no: typeof yes = [];
        if (parts[at]?.trim() === '#else') {
          at++;
          no = block(['/if']);
        }
        close('/if');
        out.push((env) => render(evaluate(cond[1], env) ? yes : no, env));
      } else if (tag.startsWith('#') || tag.startsWith('/')) {
        throw new Error(`WGSL template: {{${tag}}} where it does not belong`);
      } else {
        out.push((env) => String(evaluate(tag, env)));
      }
    }
    return out;
  };
  return render(block([]), slots);
}

/** The value of a template expression: names, integers, + - * / % ( ) and unary ! and -. */
function evaluate(expr: string, env: Record<string, Value>): Value {
  const tokens = expr.match(/\d+|\w+|[-+*/%()!]/g) ?? [];
  if (tokens.join('') !== expr.replace(/\s+/g, '')) throw new Error(`WGSL template: cannot read {{${expr}}}`);
  let i = 0;
  const num = (v: Value) => {
    if (typeof v === 'string') throw new Error(`WGSL template: {{${expr}}} does arithmetic on a string`);
    return Number(v);
  };
  const atom = (): Value => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') throw new Error(`WGSL template: unbalanced parentheses in {{${expr}}}`);
      return v;
    }
    if (t === '!') return !atom();
    if (t === '-') return -num(atom());
    if (t !== undefined && /^\d+$/.test(t)) return Number(t);
    if (t === undefined || !(t in env)) throw new Error(`WGSL template slot {{${t ?? expr}}} has no value`);
    return env[t];
  };
  const product = (): Value => {
    let v = atom();
    while (tokens[i] === '*' || tokens[i] === '/' || tokens[i] === '%') {
      const op = tokens[i++], r = num(atom());
      v = op === '*' ? num(v) * r : op === '/' ? Math.floor(num(v) / r) : num(v) % r;
    }
    return v;
  };
  const sum = (): Value => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const op = tokens[i++], r = num(product());
      v = op === '+' ? num(v) + r : num(v) - r;
    }
    return v;
  };
  const v = sum();
  if (i !== tokens.length) throw new Error(`WGSL template: cannot read {{${expr}}}`);
  return v;
}

/**
 * A templated shader's programs: the code of each is generated from its variant's values alone, and the variant is
 * part of the pipeline cache key, so two different shaders never share a pipeline. Code is generated once a variant.
 */
export function templated<V extends Variant>(name: string, generate: (v: V) => string, entryPoint = 'main'): (v: V) => Program {
  const codes = new Map<string, string>();
  return (variant) => {
    const program = { name, code: '', entryPoint, constants: {}, variant };
    const key = programKey(program);
    let code = codes.get(key);
    if (code === undefined) codes.set(key, (code = generate(variant)));
    return { ...program, code };
  };
}
