// A uPlot chart that fills its container's width and follows it when the window resizes.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

/** Series colours, shared by every chart and the table. */
export const COLORS = {
  realized: '#a3abb4',
  returns: '#a3abb4',
  lstm: '#1f6feb',
  har: '#1a7f37',
  garch: '#d1570f',
  ewma: '#8250df',
  gjr: '#bf8700',
  loghar: '#0a7e8c',
  buyAndHold: '#57606a',
  target: '#cf222e',
  train: '#1f6feb',
  validation: '#d1570f',
} as const;

export class Chart {
  private current?: uPlot;
  private readonly observer: ResizeObserver;

  constructor(private readonly host: HTMLElement) {
    this.observer = new ResizeObserver(() => this.current?.setSize(this.size()));
    this.observer.observe(host);
  }

  /** The chart on show, if any. */
  get plot(): uPlot | undefined {
    return this.current;
  }

  private size() {
    const width = Math.max(240, this.host.clientWidth);
    return { width, height: width < 560 ? 220 : 300 };
  }

  /** Draws a new chart (replacing any previous one). */
  show(options: ChartOptions, data: uPlot.AlignedData): void {
    this.clear();
    this.current = new uPlot({ ...options, ...this.size() }, data, this.host);
  }

  /** New data for the chart on show; the scales follow it. */
  update(data: uPlot.AlignedData): void {
    this.current?.setData(data);
  }

  clear(): void {
    this.current?.destroy();
    this.current = undefined;
    this.host.replaceChildren();
  }
}

/**
 * Unix seconds of a day for uPlot's time axis (drawn in UTC): YYYY-MM-DD and YYYYMMDD directly, other forms as
 * Date.parse reads them (as the CSV reader does), keeping their local calendar day.
 */
export function toUnixSeconds(date: string): number {
  const day = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(date.trim());
  if (day) return Date.UTC(+day[1], +day[2] - 1, +day[3]) / 1000;
  const local = new Date(Date.parse(date));
  return Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()) / 1000;
}

/** A value for the legend: 4 significant digits, '–' for a gap. */
export function formatValue(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(4)).toString();
}

/** uPlot's time axis in UTC: the data are calendar days. */
export const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** Keeps charts' x ranges together: zoom one and the others follow. */
export function linkZoom(charts: () => (uPlot | undefined)[]): uPlot.Hooks.Arrays['setScale'] {
  let syncing = false;
  return [
    (u: uPlot, key: string) => {
      if (key !== 'x' || syncing) return;
      syncing = true;
      const { min, max } = u.scales.x;
      for (const other of charts()) if (other && other !== u && min !== undefined && max !== undefined) other.setScale('x', { min, max });
      syncing = false;
    },
  ];
}

