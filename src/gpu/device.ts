import { UserError } from '../errors.js';

export interface GpuContext {
  device: GPUDevice;
  adapterName: string; // "vendor architecture (description)", for reports
  isFallback: boolean;
  hasSubgroups: boolean;
  subgroupMinSize: number; // 0 when unknown
  hasTimestamps: boolean;
  lost: string | null; // why the device was lost, once it is
}

// Dawn for Node: the object `create()` returns must outlive every device made from it, or Dawn aborts when it is
// garbage-collected (about half of the test runs crashed with SIGABRT while it was a local), so it lives at module
// level, made once even when callers race.
let nodeGpu: Promise<GPU> | undefined;
let context: Promise<GpuContext> | undefined;

/** Where Debian's chromium package puts SwiftShader, a CPU Vulkan driver that Dawn accepts. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Chooses the Vulkan driver before Dawn loads (the loader reads the choice once): a machine with no GPU device
 * node (/dev/dri/renderD*, /dev/nvidia*) gets SwiftShader where it is installed, since the drivers Mesa installs
 * anyway (lavapipe) are refused by Dawn. VK_ICD_FILENAMES or VK_DRIVER_FILES set by the user always win.
 */
async function chooseVulkanDriver(): Promise<void> {
  const env = process.env;
  const fsName = 'node:fs'; // variable specifiers keep Node modules out of browser bundles
  const { existsSync, mkdirSync, readdirSync } = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  const hasGpu = list('/dev/dri').some((f) => f.startsWith('renderD')) || list('/dev').some((f) => /^nvidia\d/.test(f));
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && !hasGpu && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!env.XDG_RUNTIME_DIR && process.getuid) {
    // the Vulkan loader complains on every start without one
    env.XDG_RUNTIME_DIR = `/tmp/xdg-runtime-${process.getuid()}`;
    mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  }
}

/** Whether this runs in Node (Dawn from npm), not in a browser. */
export const inNode = typeof process !== 'undefined' && !!process.versions?.node;

/** navigator.gpu in a browser; in Node, Dawn from the npm package `webgpu`, loaded once. */
export async function findGpu(): Promise<GPU> {
  if (typeof navigator !== 'undefined' && navigator.gpu) return navigator.gpu;
  if (!inNode) {
    throw new UserError('this browser has no WebGPU (navigator.gpu is missing): use Chrome 113+ over https or http://127.0.0.1, or enable chrome://flags/#enable-unsafe-webgpu; or choose the CPU backend');
  }
  nodeGpu ??= loadDawn().catch((e) => {
    nodeGpu = undefined;
    throw e;
  });
  return nodeGpu;
}

async function loadDawn(): Promise<GPU> {
  await chooseVulkanDriver();
  const name = 'webgpu'; // a variable specifier keeps bundlers from pulling Dawn into browser builds
  const dawn = await import(/* @vite-ignore */ name).catch(() => {
    throw new UserError("the npm package 'webgpu' (Dawn for Node) could not be loaded: run `npm install`, or use --backend cpu");
  });
  Object.assign(globalThis, dawn.globals);
  return dawn.create([]) as GPU;
}

async function createContext(): Promise<GpuContext> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new UserError(
      'no WebGPU adapter found: install a Vulkan driver for your GPU, or on a machine without one `apt-get install chromium libvulkan1` (SwiftShader, found by itself there); or use the CPU backend (--backend cpu)',
    );
  }
  const info = adapter.info;
  const hasSubgroups = adapter.features.has('subgroups');
  const hasTimestamps = adapter.features.has('timestamp-query');
  const requiredFeatures: GPUFeatureName[] = [];
  if (hasSubgroups) requiredFeatures.push('subgroups');
  if (hasTimestamps) requiredFeatures.push('timestamp-query');
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    },
  });
  const ctx: GpuContext = {
    device,
    adapterName: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter',
    isFallback: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    hasSubgroups,
    subgroupMinSize: (info as GPUAdapterInfo & { subgroupMinSize?: number }).subgroupMinSize ?? 0,
    hasTimestamps,
    lost: null,
  };
  device.lost.then((e) => {
    ctx.lost = `${e.reason}: ${e.message}`;
    context = undefined; // the next session asks for a fresh device
  });
  return ctx;
}

/** Whether 4 lanes always share a subgroup: what the narrow kernels (subgroupBroadcast among 4 lanes) need. */
export function subgroupsOf4(ctx: Pick<GpuContext, 'hasSubgroups' | 'subgroupMinSize'>): boolean {
  return ctx.hasSubgroups && ctx.subgroupMinSize >= 4;
}

/** The process-wide WebGPU device (created once; re-created after a loss). */
export function gpuContext(): Promise<GpuContext> {
  context ??= createContext().catch((e) => {
    context = undefined;
    throw e;
  });
  return context;
}

export function checkNotLost(ctx: GpuContext): void {
  if (ctx.lost) throw new UserError(`the WebGPU device was lost (${ctx.lost}); the last good weights were kept, start training again`);
}
