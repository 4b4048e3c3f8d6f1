// Progress on stderr: a bar on a terminal, one line per epoch (per refit in a backtest) otherwise (logs, CI, pipes).
import cliProgress from 'cli-progress';
import type { PipelineProgress } from '../finance/steps.js';

export interface ProgressView {
  update(p: PipelineProgress): void;
  stop(): void;
}

const loss = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4));

const duration = (s: number | null) => (s === null ? '-' : s < 90 ? `${Math.round(s)}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`);

/** The backtest's view: one bar over the refits (n of N, date, ETA), the member in training beside it. */
function walkForwardView(stream: NodeJS.WriteStream): ProgressView {
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
        eta: duration(w.etaSeconds),
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

export function progressView(stream: NodeJS.WriteStream, quiet: boolean, walkForward = false): ProgressView {
  if (quiet) return { update: () => {}, stop: () => {} };
  if (walkForward) return walkForwardView(stream);
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        {
          stream,
          format: 'training {bar} {percentage}% | member {member} epoch {epoch} | loss {loss} val {val} | {rate} windows/s | ETA {eta_formatted}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
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
      const payload = {
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
        stream.write(`member ${payload.member} epoch ${payload.epoch}: loss ${payload.loss}, validation ${payload.val}, ${payload.rate} windows/s\n`);
      }
    },
    stop() {
      if (bar && started) bar.stop();
      started = false;
    },
  };
}
