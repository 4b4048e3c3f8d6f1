// Global-memory traffic (bytes requested by lanes, before any cache) and parallelism (workgroups × lanes) of the wide
// kernels in one training step of a 1-layer model, before and after the GPU changes, as markdown rows. The formulas
// are read off the shaders by hand (each is commented); nothing here runs a kernel. Usage: node scripts/wide-traffic.mjs
const f32 = 4;
const ceil = Math.ceil;
const MB = (bytes) => `${(bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 1)} MB`;

// splitK in src/gpu/matmul.ts: 128 workgroups wanted, none with under 256 of K, chunks a multiple of 16.
function splitK(tiles, K) {
  const want = Math.max(1, Math.min(Math.floor(128 / tiles), ceil(K / 256)));
  const chunk = Math.max(16, ceil(K / want / 16) * 16);
  return ceil(K / chunk);
}

function rows({ H, T, I, B }, wgStorage) {
  const G = 4 * H, TB = T * B;
  const fused = (R) => 10 * R * ceil(64 / H) * H * f32 <= wgStorage; // fusedFits in src/gpu/lstm.ts
  const out = [];
  const add = (kernel, before, after) => out.push({ kernel, before, after });
  const wg = (groups, lanes) => `${groups} × ${lanes}`;
  // Recurrence, forward. Every variant reads xproj and writes activations, hseq, cseq once: 2·T·B·4H + 2·T·B·H floats.
  const io = (2 * TB * G + 2 * TB * H) * f32;
  // W_h: each lane reads 4H floats per k, per step t >= 1, for R rows at once; consecutive lanes, consecutive units.
  const whF = (R) => (T - 1) * ceil(B / R) * H * G * f32;
  const lanes = Math.min(256, ceil((ceil(64 / H) * H) / 32) * 32);
  const fusedWg = (R) => wg(ceil(B / (ceil(64 / H) * R)), lanes);
  const stepWg = (R) => `${T} dispatches of ${wg(ceil((ceil(B / R) * H) / 64), 64)}`;
  const kind = (R) => (fused(R) ? 'fused' : 'stepwise');
  const fwd = (R) => `${MB(io + whF(R))}: W_h ${MB(whF(R))} coalesced, ${fused(R) ? 'h from workgroup memory' : `h_{t-1} ${MB((T - 1) * B * H * H * f32)} broadcast`}; ${kind(R)} ${fused(R) ? fusedWg(R) : stepWg(R)}`;
  add('lstm_forward', fwd(1), `R=4 rows a lane: ${fwd(4)}`);
  // Backward: reads gates, cseq twice, dhAbove (B·H at the top), writes dG: T·B·4H·2 + 2·T·B·H + B·H floats.
  const bio = (2 * TB * G + 2 * TB * H + B * H) * f32;
  // dh = dG·W_hᵀ: fused, every step (T), each lane 4H floats of W_h per row; stepwise, T-1 steps, and dG_{t+1} as well.
  const whB = (R, steps) => steps * ceil(B / R) * H * G * f32;
  const dGread = fused(1) ? 0 : (T - 1) * B * H * G * f32; // stepwise: each lane re-reads its row's dG_{t+1} (broadcast)
  const steps = fused(1) ? T : T - 1;
  add(
    'lstm_backward',
    `${MB(bio + whB(1, steps) + dGread)}: W_h ${MB(whB(1, steps))} NOT coalesced (lanes 16H bytes apart)${dGread ? `, dG ${MB(dGread)} broadcast` : ''}; ${kind(1)} ${fused(1) ? fusedWg(1) : stepWg(1)}`,
    `R=1: ${MB(bio + whB(1, steps) + dGread)}, W_hᵀ coalesced; R=4: ${MB(bio + whB(4, fused(4) ? T : T - 1) + dGread)}: W_hᵀ ${MB(whB(4, fused(4) ? T : T - 1))} coalesced; ${kind(4)} ${fused(4) ? fusedWg(4) : stepWg(4)}`,
  );
  // Packed-f16 W_h (half_weights.wgsl): every W_h load of the recurrence moves 8 bytes (4 f16) instead of 16.
  const halfF = (R) => `${MB(io + whF(R) / 2)}: W_h ${MB(whF(R) / 2)} coalesced`;
  add('lstm_forward, W_h f16-packed (new)', '—', `R=1: ${halfF(1)}; R=4: ${halfF(4)}; as f32 otherwise`);
  const halfB = (R) => `${MB(bio + whB(R, fused(R) ? T : T - 1) / 2 + dGread)}: W_hᵀ ${MB(whB(R, fused(R) ? T : T - 1) / 2)} coalesced`;
  add('lstm_backward, W_h f16-packed (new)', '—', `R=1: ${halfB(1)}; R=4: ${halfB(4)}; as f32 otherwise`);
  // Each pack reads W_h (4H² f32) and writes H² pairs of u32; the backward pack replaces the f32 transpose.
  add('half_weights packs (new, f16 variant)', '—', `${MB(2 * (4 * H * H + 2 * H * H) * f32)} for both: forward pack coalesced, backward pack reads W_h rows 16 bytes a lane (lanes 16H bytes apart); 2 × ${wg(ceil((H * H) / 64), 64)}`);
  // lstm_persistent (H <= 128; lanesFor and the split as persistentTiling in src/gpu/lstmPersistent.ts picks them
  // with 256+ lanes and subgroups of 4 or more). W_h is read once per workgroup, into registers; each of the S lanes
  // of a unit reads its unit's inputs (broadcast), lane s = 0 writes the results.
  if (H <= 128) {
    const lanesFor = Math.max(256, (H * H) / 16);
    let S = 1;
    while (S * 2 <= 4 && H * S * 2 <= lanesFor) S *= 2;
    const once = B * H * G * f32; // each of the B workgroups (1 row each) loads all of W_h once
    const regs = 4 * ceil(H / S);
    const pwg = `${wg(B, H * S)}, ${regs} floats of W_h a lane`;
    const fwdIo = (S * TB * G + TB * G + 2 * TB * H) * f32;
    add('lstm_persistent forward (new)', '—', `${MB(fwdIo + once)}: W_h ${MB(once)} once (runs of ${32 / S} floats), never again; xproj read by the ${S} lanes of a unit (broadcast); h from workgroup memory; 1 barrier a step with subgroups, 2 without; ${pwg}`);
    const bwdIo = (S * (TB * G + 2 * TB * H + B * H) + TB * G) * f32;
    add('lstm_persistent backward (new)', '—', `${MB(bwdIo + once)}: W_h ${MB(once)} once (runs of ${S} floats), no W_hᵀ; gates, c read by the ${S} lanes of a unit (broadcast); dG_t from workgroup memory; 1 barrier a step with subgroups, 2 without; ${pwg}`);
  } else {
    add('lstm_persistent (new)', '—', `does not apply: H > 128 (W_h would take ${(4 * H * H) / 1024} floats a lane over 1024 lanes)`);
  }
  add('transpose (new)', '—', `${MB(2 * H * G * f32)}: W_h in, W_hᵀ out, both coalesced (16×16 tiles); ${wg(ceil(G / 16) * ceil(H / 16), 256)}`);
  // 64×64-tile GEMM: per K-step of 16 a workgroup loads 16×64 of A and of B (4-float runs), writes its 64×64 tile.
  const gemm = (name, M, N, K) => {
    const tiles = ceil(M / 64) * ceil(N / 64);
    const loads = tiles * K * 128 * f32, S = splitK(tiles, K);
    const before = `${MB(loads + M * N * f32)}; ${wg(tiles, 256)}`;
    const after = S > 1 ? `${MB(loads + (2 * S + 1) * M * N * f32)} (+ ${S} slices written and summed); ${wg(tiles * S, 256)} + sum ${wg(ceil((M * N) / 64), 64)}` : 'unchanged (enough tiles: no split)';
    add(name, before, after);
  };
  gemm(`dW_x (${I}×${G}, K=${TB})`, I, G, TB);
  gemm(`dW_h (${H}×${G}, K=${(T - 1) * B})`, H, G, (T - 1) * B);
  // colsum: one lane a column reads all T·B rows (coalesced across columns).
  const cs = splitK(ceil(G / 64), TB);
  add(`db colsum (${G} columns, ${TB} rows)`, `${MB(TB * G * f32)}; ${wg(ceil(G / 64), 64)}, ${TB} rows a lane`, `${MB(TB * G * f32 + 2 * cs * G * f32)}; ${wg(ceil(G / 64) * cs, 64)}, ${ceil(TB / cs)} rows a lane + sum`);
  // Dense head + loss, O = 1: outputs (each row's h and W_d), loss and dout (out, y), dh = dout·W_dᵀ, dW_d = hᵀ·dout
  // (each element B rows of h and dout), db_d, the loss. The same reads before and after, plus a loss a row (2B).
  const O = 1;
  const head = B * O * (2 * H + 1) + 4 * B * O + B * H * (2 * O + 1) + H * O * (2 * B + 1) + O * (B + 1) + 1;
  const gradGroups = Math.min(256, ceil(Math.max(B * H, H * O) / 64)); // gradientGroups in src/gpu/denseLoss.ts
  add(
    'dense head + loss (O=1)',
    `${MB(head * f32)}; ${wg(1, 256)}, ${ceil((B * H) / 256)} dh elements a lane`,
    `${MB((head + 2 * B) * f32)}; rows ${wg(ceil(B / 64), 64)} (a lane a row) + gradients ${wg(gradGroups, 64)}, ${ceil((B * H) / (gradGroups * 64))} dh elements a lane`,
  );
  const n = G * (I + H + 1) + H + 1;
  const parts = Math.min(256, ceil(n / 1024));
  add(`grad_norm (${n} parameters)`, `${MB(n * f32)}; ${wg(1, 256)}, ${ceil(n / 256)} a lane`, `${MB(n * f32)}; ${wg(parts, 256)}, ${ceil(n / (parts * 256))} a lane + total ${wg(1, 256)}`);
  return out;
}

for (const shape of [{ H: 64, T: 60, I: 8, B: 64 }, { H: 512, T: 60, I: 8, B: 256 }]) {
  console.log(`\n**H=${shape.H}, T=${shape.T}, I=${shape.I}, B=${shape.B}** (16 KiB workgroup storage, the WebGPU default)\n`);
  console.log('| kernel | before: traffic; workgroups × lanes | after |\n|---|---|---|');
  for (const r of rows(shape, 16384)) console.log(`| ${r.kernel} | ${r.before} | ${r.after} |`);
}
