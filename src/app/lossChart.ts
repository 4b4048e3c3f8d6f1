// The live chart of training and validation loss. With an ensemble, members follow one another on the x axis.
import type { MemberProgress } from '../finance/lstm.js';
import { Chart, COLORS, formatValue } from './chart.js';

export class LossChart {
  private readonly chart: Chart;
  private x: number[] = [];
  private train: (number | null)[] = [];
  private validation: (number | null)[] = [];
  /** Epochs completed by earlier members. */
  private offset = 0;
  private member = 1;
  private lastEpoch = 0;
  private drawn = false;
  private frame = 0;
  private lossName = 'loss';
  private members = 1;

  constructor(host: HTMLElement) {
    this.chart = new Chart(host);
  }

  reset(lossName: string, members: number): void {
    this.x = [];
    this.train = [];
    this.validation = [];
    this.offset = 0;
    this.member = 1;
    this.lastEpoch = 0;
    this.drawn = false;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.chart.clear();
    this.lossName = lossName;
    this.members = members;
  }

  add(p: MemberProgress): void {
    if (p.member !== this.member) {
      this.offset += this.lastEpoch;
      this.member = p.member;
    }
    const t = p.train;
    this.lastEpoch = t.epoch;
    if (t.phase === 'step') {
      if (!Number.isFinite(t.trainLoss)) return;
      this.push(this.offset + t.epoch - 1 + t.step / t.stepsPerEpoch, t.trainLoss, null);
    } else {
      this.push(this.offset + t.epoch, t.trainLoss, t.valLoss ?? null);
    }
  }

  private push(x: number, train: number, validation: number | null): void {
    const last = this.x.length - 1;
    if (last >= 0 && this.x[last] === x) {
      this.train[last] = train; // the epoch's final mean replaces its last running mean
      this.validation[last] = validation;
    } else {
      this.x.push(x);
      this.train.push(train);
      this.validation.push(validation);
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frame = 0;
    const data: [number[], (number | null)[], (number | null)[]] = [this.x, this.train, this.validation];
    if (this.drawn) {
      this.chart.update(data);
      return;
    }
    this.drawn = true;
    this.chart.show(
      {
        scales: { x: { time: false } },
        axes: [{ label: this.members > 1 ? 'epoch (members one after another)' : 'epoch' }, { label: `${this.lossName} loss`, size: 60 }],
        series: [
          { label: 'epoch', value: (_u, v) => formatValue(v) },
          { label: 'training', stroke: COLORS.train, width: 1.5, value: (_u, v) => formatValue(v) },
          { label: 'validation', stroke: COLORS.validation, width: 2, spanGaps: true, points: { show: true, size: 6 }, value: (_u, v) => formatValue(v) },
        ],
      },
      data,
    );
  }
}
