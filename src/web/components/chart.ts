// A time-series chart: uPlot (small, fast, canvas) wrapped for Preact. The chart follows the theme (colors
// are re-read from CSS when the palette changes), its container's width, and new data without being
// rebuilt. Screen readers get the title and a one-line summary instead of the canvas.

import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useSharedState } from '../shared-state.js';
import { formatTime } from '../formats.js';
import { paletteVersion, resolveColor } from '../theme.js';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** Any CSS color, custom properties included. */
  color: string;
  dash?: number[];
  /** Points only, no line (e.g. breaching datapoints). */
  pointsOnly?: boolean;
  step?: boolean;
  width?: number;
}

/** Line colors that read on both themes, in the order versions get them. */
export const SERIES_COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)', 'var(--chart-5)', 'var(--chart-6)'];

export function TimeChart({
  title,
  x,
  series,
  height = 170,
  format = (n: number) => String(n),
  summary,
  xRange,
}: {
  title: string;
  /** The span the x axis shows (epoch ms); default: the data's. */
  xRange?: [number, number];
  /** Timestamps in epoch ms. */
  x: number[];
  series: ChartSeries[];
  height?: number;
  format?: (n: number) => string;
  summary: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const palette = useSharedState(paletteVersion);
  const structure = `${palette}|${height}|${series.map((s) => `${s.label}:${s.color}:${s.pointsOnly ? 'p' : ''}`).join(',')}`;
  const data = [x.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData;
  const formatRef = useRef(format);
  formatRef.current = format;
  const xRangeRef = useRef<[number, number] | undefined>(undefined);
  xRangeRef.current = xRange ? [xRange[0] / 1000, xRange[1] / 1000] : undefined;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const axis = resolveColor('var(--text-muted)');
    const grid = resolveColor('var(--border)');
    const font = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      scales: { x: { time: true, range: (_u, min, max) => xRangeRef.current ?? (min === max ? [min - 60, max + 60] : [min, max]) }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [
        { stroke: axis, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, space: 60 },
        { stroke: axis, font, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 52, values: (_u, splits) => splits.map((n) => formatRef.current(n)) },
      ],
      series: [
        { label: 'Time', value: (_u, v) => (v === null ? '—' : formatTime(v * 1000)) },
        ...series.map((s): uPlot.Series => {
          const stroke = resolveColor(s.color);
          return {
            label: s.label,
            stroke,
            // A points-only series draws no line (paths: null), but its width also draws its legend marker.
            width: s.pointsOnly ? 1.5 : (s.width ?? 1.75),
            dash: s.dash,
            spanGaps: false,
            // Without a cursor on the chart there is no value to show: an empty cell, not a row of dashes.
            value: (_u, v) => (v === null || v === undefined ? '' : formatRef.current(v)),
            points: s.pointsOnly ? { show: true, size: 8, fill: stroke, stroke, width: 0 } : { show: false },
            paths: s.pointsOnly ? () => null : s.step ? uPlot.paths.stepped!({ align: 1 }) : undefined,
          };
        }),
      ],
    };
    const instance = new uPlot(options, data, element);
    plot.current = instance;
    const resize = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200);
      if (width !== instance.width) instance.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      instance.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series or colors change; new data goes through setData below.
  }, [structure]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return html`<figure class="chart">
    <figcaption class="chart-title">${title}</figcaption>
    <div class="chart-canvas" ref=${container} role="img" aria-label=${`${title}: ${summary}`}></div>
  </figure>`;
}
