import { findGpu } from '../src/gpu/device.js';

/** The WebGPU adapter the contenders share: from navigator.gpu in the page, from Dawn (npm `webgpu`) in Node. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** The adapter's identity, or null when there is no WebGPU or no adapter. */
export async function probeAdapter(): Promise<AdapterReport | null> {
  const gpu = await findGpu().catch(() => undefined); // a page without navigator.gpu: no adapter
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
