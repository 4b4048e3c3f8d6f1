// File handling for the CLI: reading with one-line errors, atomic writes, and the bundled default data.
import { constants } from 'node:fs';
import { access, copyFile, link, lstat, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { decodeDataFile } from '../finance/data.js';
import { UsageError } from './options.js';

/**
 * The S&P 500 file that the vega-datasets package ships. Its package.json `exports` map hides data/ from
 * require.resolve, so resolve the package's entry and step up to the package root.
 */
export function bundledDataPath(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('vega-datasets');
  } catch {
    throw new UserError("the bundled data needs the 'vega-datasets' package, which is not installed; run 'npm install' or pass --data FILE");
  }
  let dir = dirname(entry);
  while (!dir.endsWith('vega-datasets') && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'data', 'sp500-2000.csv');
}

/** A text file (a data file in UTF-8, UTF-16 or Windows-1252; a model's JSON). */
export async function readText(path: string, what: string): Promise<string> {
  return decodeDataFile(await readBytes(path, what));
}

export async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UserError(`${what} '${path}' is a directory; pass a file`);
    return await readFile(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${what} '${path}' does not exist; check the path`);
    if (code === 'EACCES') throw new UserError(`${what} '${path}' cannot be read (permission denied)`);
    throw new UserError(`${what} '${path}' cannot be read: ${(e as Error).message}`);
  }
}

/** A file a run reads, named by its flag ('data', 'model'). */
export interface InputFile {
  flag: string;
  path: string;
}

export interface PlannedOutput {
  flag: string;
  /** As the user gave it, for messages. */
  path: string;
  /** Absolute, through the real (symlink-free) folder: where the rename lands. */
  target: string;
}

/** Outputs checked before any work starts; commitOutputs writes them all or none. */
export interface OutputPlan {
  outputs: PlannedOutput[];
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    if (errno(e) === 'ENOENT') return null;
    throw e;
  }
}

/** Whether the folder ignores case in names (macOS and Windows defaults), probed with a file of its own. */
async function ignoresCase(folder: string): Promise<boolean> {
  const probe = join(folder, `.webgpu-lstm-case-${process.pid}-a`);
  await writeFile(probe, '');
  try {
    return (await statOrNull(probe.slice(0, -1) + 'A')) !== null;
  } finally {
    await rm(probe, { force: true });
  }
}

const noWriteBits = (mode: number) => (mode & 0o222) === 0;

/** The real folder an output lands in, or a UsageError saying why it cannot be written there. */
async function outputFolder(flag: string, path: string): Promise<string> {
  const where = `--${flag} '${path}'`;
  if (path.endsWith(sep) || path.endsWith('/')) throw new UsageError(`${where} names a folder; name a file, like '${join(path, `${flag === 'out' ? 'model' : flag}.json`)}'`);
  const folder = dirname(resolve(path));
  // Walk up to the nearest thing that exists, to say whether a folder is missing or a file stands in the way.
  for (let dir = folder; ; dir = dirname(dir)) {
    const info = await statOrNull(dir);
    if (info?.isDirectory()) break;
    if (info) throw new UsageError(`${where}: '${dir}' is a file, not a folder; choose a path in a folder`);
    if (dirname(dir) === dir) break;
  }
  const info = await statOrNull(folder);
  if (!info) throw new UsageError(`${where}: the folder '${folder}' does not exist; create it first`);
  // Mode bits as well as access(): root passes access() on a read-only folder, and a write there surprises.
  const writable = !noWriteBits(info.mode) && (await access(folder, constants.W_OK).then(() => true, () => false));
  if (!writable) throw new UsageError(`${where}: the folder '${folder}' is not writable`);
  return realpath(folder);
}

/** Keys that compare equal for one file: the real folder and the name, lower-cased where the folder ignores case. */
async function identity(folder: string, name: string, caseless: Map<string, boolean>): Promise<string> {
  if (!caseless.has(folder)) caseless.set(folder, await ignoresCase(folder));
  return join(folder, caseless.get(folder) ? name.toLowerCase() : name);
}

/**
 * Checks every output before any work starts, so a run cannot fail late on a path or destroy a file it should
 * not: each must be a file in an existing, writable folder; not a folder itself, nor read-only; and no two
 * outputs, and no output and input, may be the same file (after '.', '..', symlinks, hard links and, where the
 * folder ignores case, case). Mistakes are UsageErrors (exit code 2).
 */
export async function planOutputs(outputs: Record<string, string | undefined>, inputs: InputFile[] = []): Promise<OutputPlan> {
  const caseless = new Map<string, boolean>();
  const seen: { flag: string; path: string; key: string; inode: string | null; input: boolean }[] = [];
  const inodeOf = (info: { dev: number; ino: number } | null) => (info ? `${info.dev}:${info.ino}` : null);
  for (const input of inputs) {
    const info = await statOrNull(input.path);
    if (!info) continue; // reading it will say it is missing
    const real = await realpath(input.path);
    seen.push({ flag: input.flag, path: input.path, key: await identity(dirname(real), basename(real), caseless), inode: inodeOf(info), input: true });
  }
  const planned: PlannedOutput[] = [];
  for (const [flag, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    if (path.trim() === '') throw new UsageError(`--${flag} needs a file name`);
    const folder = await outputFolder(flag, path);
    const existing = await lstat(join(folder, basename(path))).catch(() => null);
    // A symlink is followed to what it points at: that is the file the user would lose.
    const real = existing?.isSymbolicLink() ? await realpath(join(folder, basename(path))).catch(() => null) : null;
    const target = join(folder, basename(path));
    const info = await statOrNull(target);
    if (info?.isDirectory()) throw new UsageError(`--${flag} '${path}' is a folder; name a file inside it, like '${join(path, `${flag === 'out' ? 'model' : flag}.json`)}'`);
    if (info && noWriteBits(info.mode)) throw new UsageError(`--${flag} '${path}' is read-only; make it writable or choose another name`);
    const key = real ? await identity(dirname(real), basename(real), caseless) : await identity(folder, basename(path), caseless);
    const inode = inodeOf(info);
    const clash = seen.find((s) => s.key === key || (inode !== null && s.inode === inode));
    if (clash?.input) throw new UsageError(`--${flag} '${path}' is the ${clash.flag} file read by this run (--${clash.flag} '${clash.path}'); writing it would destroy it: choose another name`);
    if (clash) throw new UsageError(`--${clash.flag} '${clash.path}' and --${flag} '${path}' are the same file; give each its own`);
    seen.push({ flag, path, key, inode, input: false });
    planned.push({ flag, path, target: real ?? target });
  }
  return { outputs: planned };
}

/**
 * Writes every planned output to a temporary file beside it, then renames them into place only once all are
 * written; if a rename fails, the ones already renamed are put back, so the outputs of one run all change or
 * none does. `contents` holds the text for each output's flag.
 */
export async function commitOutputs(plan: OutputPlan, contents: Record<string, string | Uint8Array>): Promise<void> {
  const temp = (o: PlannedOutput) => join(dirname(o.target), `.${basename(o.target)}.${process.pid}.tmp`);
  const backup = (o: PlannedOutput) => join(dirname(o.target), `.${basename(o.target)}.${process.pid}.old.tmp`);
  const backedUp: PlannedOutput[] = [];
  const renamed: PlannedOutput[] = [];
  let current = plan.outputs[0];
  try {
    for (const o of plan.outputs) {
      current = o;
      const text = contents[o.flag];
      if (text === undefined) throw new Error(`no content for --${o.flag}`);
      await writeFile(temp(o), text);
    }
    for (const o of plan.outputs) {
      current = o;
      if (!(await statOrNull(o.target))) continue;
      await link(o.target, backup(o)).catch(() => copyFile(o.target, backup(o)));
      backedUp.push(o);
    }
    for (const o of plan.outputs) {
      current = o;
      await rename(temp(o), o.target);
      renamed.push(o);
    }
  } catch (e) {
    for (const o of renamed) {
      if (backedUp.includes(o)) await rename(backup(o), o.target).catch(() => {});
      else await rm(o.target, { force: true });
    }
    await Promise.all(plan.outputs.flatMap((o) => [rm(temp(o), { force: true }), rm(backup(o), { force: true })]));
    throw new UserError(`cannot write --${current?.flag} '${current?.path}': ${(e as Error).message}; no output was changed`);
  }
  await Promise.all(backedUp.map((o) => rm(backup(o), { force: true })));
}
