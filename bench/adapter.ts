import { UserError } from '../src/index.js';

/** The WebGPU adapter the contenders share: from navigator.gpu in the page, from Dawn (npm `webgpu`) in Node. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

// Dawn for Node aborts if the object create() returned is collected while a device lives: keep it here.
let nodeGpu: GPU | undefined;

async function findGpu(): Promise<GPU | undefined> {
  if (typeof navigator !== 'undefined' && navigator.gpu) return navigator.gpu;
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  if (!nodeGpu) {
    const name = 'webgpu'; // a variable specifier keeps the page bundle free of Dawn
    const dawn = await import(/* @vite-ignore */ name).catch((e: Error) => {
      throw new UserError(`the npm package 'webgpu' (Dawn for Node) did not load (${e.message.split('\n')[0]}): run npm install, or bench in the browser (drop --node)`);
    });
    Object.assign(globalThis, dawn.globals);
    nodeGpu = dawn.create([]) as GPU;
  }
  return nodeGpu;
}

/** The adapter's identity, or null when there is no WebGPU or no adapter. */
export async function probeAdapter(): Promise<AdapterReport | null> {
  const gpu = await findGpu();
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter ?? false,
  };
}
