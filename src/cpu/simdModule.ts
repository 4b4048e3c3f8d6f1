import { LSTM_CPU_WASM } from './lstmWasm.js';

/** The CPU kernels' WebAssembly, compiled for this runtime, and which build it is. */
export interface CompiledLstmWasm {
  module: WebAssembly.Module;
  relaxedSimd: boolean; // fused multiply-add (relaxed SIMD); else plain SIMD
}

const decode = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

let compiled: Promise<CompiledLstmWasm | null> | null = null;

/**
 * The relaxed-SIMD build where this runtime validates it (Chrome 114+, Node 22+), else the plain SIMD build;
 * null where WebAssembly or its SIMD is missing (the JS fast path then runs). Compiled once per thread.
 */
export function compileLstmWasm(): Promise<CompiledLstmWasm | null> {
  compiled ??= (async () => {
    if (typeof WebAssembly !== 'object') return null;
    for (const [relaxedSimd, b64] of [[true, LSTM_CPU_WASM.relaxedSimd], [false, LSTM_CPU_WASM.simd]] as const) {
      const bytes = decode(b64);
      if (WebAssembly.validate(bytes)) return { module: await WebAssembly.compile(bytes), relaxedSimd };
    }
    return null;
  })();
  return compiled;
}
