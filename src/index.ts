// webgpu-lstm: LSTM training on WebGPU with fused WGSL kernels, a Float64 CPU reference, and a volatility /
// market-risk layer built on them. The root exports both; `webgpu-lstm/engine` and `webgpu-lstm/finance` each alone.
export * from './engineApi.js';
export * from './finance/index.js';
