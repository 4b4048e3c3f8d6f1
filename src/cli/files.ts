// File handling for the CLI: reading with one-line errors, atomic writes, and the bundled default data.
import { access, constants, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';

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

export async function readText(path: string, what: string): Promise<string> {
  return (await readBytes(path, what)).toString('utf8');
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

/** Fails early (before a long run) if the file's folder is missing or not writable. */
export async function checkWritable(path: string, flag: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new UserError(`cannot write ${flag} '${path}': the folder '${dir}' does not exist or is not writable`);
  }
}

/**
 * Writes every file through a temporary file and a rename, only once all temporary files are written, so an
 * existing file is replaced whole or not at all.
 */
export async function writeAtomic(files: { path: string; text: string | Uint8Array }[]): Promise<void> {
  const temps = files.map((f) => `${f.path}.${process.pid}.tmp`);
  let current = files[0]?.path;
  try {
    for (const [i, f] of files.entries()) {
      current = f.path;
      await writeFile(temps[i], f.text);
    }
    for (const [i, f] of files.entries()) {
      current = f.path;
      await rename(temps[i], f.path);
    }
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw new UserError(`cannot write '${current}': ${(e as Error).message}`);
  }
}
