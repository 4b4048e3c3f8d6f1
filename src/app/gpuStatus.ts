// What the page says at once about WebGPU: the adapter, whether it is a fallback (software) one, or what to do.

export interface GpuStatus {
  available: boolean;
  adapterName?: string;
  isFallback?: boolean;
  /** One line for the status bar. */
  summary: string;
  /** What the user can do about it, when WebGPU is missing or slow. */
  advice?: string;
}

const ENABLE =
  'Use a browser with WebGPU: Chrome or Edge 113 or later on Windows, macOS or ChromeOS (Android: 121+), Safari 26+, or Firefox 141+ on Windows; ' +
  'on Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu (and #enable-vulkan) turned on';

function adapterLabel(info: GPUAdapterInfo): string {
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}

export async function detectGpu(): Promise<GpuStatus> {
  if (!window.isSecureContext) {
    return {
      available: false,
      summary: 'WebGPU is unavailable: this page is not a secure context',
      advice: 'Open it over https, or from http://localhost or http://127.0.0.1. Training can use the CPU backend meanwhile.',
    };
  }
  if (!('gpu' in navigator) || !navigator.gpu) {
    return { available: false, summary: 'WebGPU is unavailable in this browser', advice: `${ENABLE}. Training can use the CPU backend meanwhile.` };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { available: false, summary: `WebGPU failed to start: ${(e as Error).message}`, advice: 'Update the browser and the GPU driver. Training can use the CPU backend meanwhile.' };
  }
  if (!adapter) {
    return {
      available: false,
      summary: 'WebGPU is present but found no GPU adapter',
      advice: `Check chrome://gpu: the GPU may be blocklisted or its driver missing (${ENABLE}). Training can use the CPU backend meanwhile.`,
    };
  }
  const info = adapter.info;
  const isFallback = info.isFallbackAdapter ?? false; // older browsers lack the field
  const adapterName = adapterLabel(info);
  return {
    available: true,
    adapterName,
    isFallback,
    summary: `WebGPU ready: ${adapterName}${isFallback ? ' (fallback adapter)' : ''}`,
    advice: isFallback ? 'This is a software (CPU-emulated) adapter: training works but is slow; keep the model small, or try the CPU backend.' : undefined,
  };
}
