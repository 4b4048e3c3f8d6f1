// Runs the CLI in-process with captured stdout/stderr, as the CLI tests all do.
import { main } from '../../src/cli/main.js';

/** Settings that make `train` quick in tests. */
export const SMALL = ['--backend', 'cpu', '--window', '10', '--hidden', '8', '--epochs', '1', '--batch', '32'];

export async function run(...argv: string[]) {
  const out = { text: '' };
  const err = { text: '' };
  const stream = (sink: { text: string }) => ({ write: (s: string) => ((sink.text += s), true), isTTY: false }) as unknown as NodeJS.WriteStream;
  const code = await main(argv, { stdout: stream(out), stderr: stream(err) });
  return { code, stdout: out.text, stderr: err.text };
}
