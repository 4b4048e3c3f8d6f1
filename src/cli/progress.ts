// Progress on stderr: a bar on a terminal, one line per epoch (per refit in a backtest) otherwise (logs, CI, pipes).
import cliProgress from 'cli-progress';
import type { PipelineProgress } from '../finance/steps.js';

export interface ProgressView {
  update(p: PipelineProgress): void;
  stop(): void;
}

const loss = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4));

/** 2h 05m, 3m 20s, 45s. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * Time left from measured step times: the rate over the steps done since the first report (whose time includes
 * compiling kernels, so it says nothing about a step's cost). Null until two reports have been measured.
 */
export function etaEstimator(now: () => number = () => performance.now() / 1000) {
  let first: { done: number; at: number } | null = null;
  return (done: number, total: number): number | null => {
    const at = now();
    if (first === null || done < first.done) {
      first = { done, at };
      return null;
    }
    if (done === first.done || at === first.at) return null;
    return ((total - done) * (at - first.at)) / (done - first.done);
  };
}

/** The backtest's view: one bar over the refits (n of N, date, ETA), the member in training beside it. */
export function walkForwardView(stream: NodeJS.WriteStream, quiet: boolean): ProgressView {
  if (quiet) return { update: () => {}, stop: () => {} };
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        { stream, format: 'walk-forward {bar} refit {value}/{total} {date} | {training} | ETA {eta}', barsize: 24, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  return {
    update(p) {
      const w = p.walkForward;
      if (!w) {
        if (bar && started) bar.stop();
        started = false;
        stream.write(`${p.message}\n`);
        return;
      }
      const t = p.training;
      const payload = {
        date: w.date,
        eta: w.etaSeconds === null ? '-' : formatDuration(w.etaSeconds),
        training: t ? `member ${t.member}/${t.members} epoch ${t.train.epoch}/${t.train.epochs} loss ${loss(t.train.trainLoss)}` : 'baselines',
      };
      if (bar) {
        if (!started) bar.start(w.refits, w.refit - 1, payload);
        started = true;
        bar.update(w.refit - 1, payload);
      } else if (!t) {
        stream.write(`refit ${w.refit} of ${w.refits} at ${w.date}, ETA ${payload.eta}\n`);
      }
    },
    stop() {
      if (bar && started) bar.stop();
      started = false;
    },
  };
}

export function progressView(stream: NodeJS.WriteStream, quiet: boolean, now?: () => number): ProgressView {
  if (quiet) return { update: () => {}, stop: () => {} };
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        {
          stream,
          format: 'training {bar} {percentage}% | member {member} epoch {epoch} | loss {loss} val {val} | {rate} windows/s | ETA {left}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  const eta = etaEstimator(now);
  // The validation loss arrives once per epoch; keep showing the member's last one between epochs.
  let lastVal: { member: number; loss?: number } = { member: 0 };
  return {
    update(p) {
      const t = p.training?.train;
      if (!p.training || !t) {
        if (bar && started) bar.stop();
        started = false;
        stream.write(`${p.message}\n`);
        return;
      }
      const { member, members } = p.training;
      if (lastVal.member !== member) lastVal = { member };
      if (t.valLoss !== undefined) lastVal.loss = t.valLoss;
      // Steps across every member, so the bar runs once from 0 to 100% however many members train.
      const total = members * t.epochs * t.stepsPerEpoch;
      const done = ((member - 1) * t.epochs + (t.epoch - 1)) * t.stepsPerEpoch + t.step;
      const left = eta(done, total);
      const payload = {
        left: left === null ? '-' : formatDuration(left),
        member: `${member}/${members}`,
        epoch: `${t.epoch}/${t.epochs}`,
        loss: loss(t.trainLoss),
        val: loss(lastVal.loss),
        rate: Math.round(t.samplesPerSecond),
      };
      if (bar) {
        if (!started) bar.start(total, 0, payload);
        started = true;
        bar.update(done, payload);
      } else if (t.phase === 'epoch') {
        // Early stopping can end sooner: the ETA is for every epoch allowed.
        stream.write(`member ${payload.member} epoch ${payload.epoch}: loss ${payload.loss}, validation ${payload.val}, ${payload.rate} windows/s${left === null ? '' : `, at most ${payload.left} left`}\n`);
      }
    },
    stop() {
      if (bar && started) bar.stop();
      started = false;
    },
  };
}
