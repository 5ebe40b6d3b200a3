import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatCompact } from '../format';

export interface HourlyChartProps {
  title: string;
  /** Hour starts, seconds since the epoch (uPlot's time unit). */
  hours: number[];
  values: number[];
  unit: string;
  color: string;
}

/** One series over the last 24 hours, sized to its container (uPlot draws on a canvas, so it is told its width). */
export function HourlyChart({ title, hours, values, unit, color }: HourlyChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: 160,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] } },
      axes: [{ stroke: '#555' }, { stroke: '#555', size: 56, values: (_u, ticks) => ticks.map(formatCompact) }],
      series: [
        {},
        { label: title, stroke: color, fill: `${color}22`, width: 2, paths: uPlot.paths.stepped?.({ align: 1 }) },
      ],
    };
    chart.current = new uPlot(options, [hours, values], el);
    const resize = new ResizeObserver(() =>
      chart.current?.setSize({ width: Math.max(el.clientWidth, 200), height: 160 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
    // The chart is built once; data updates go through setData below.
  }, [title, color]);

  useEffect(() => {
    chart.current?.setData([hours, values]);
  }, [hours, values]);

  const total = values.reduce((a, b) => a + b, 0);
  return (
    <figure class="card chart">
      <figcaption>
        {title} <span class="muted">({unit}, last 24 h)</span>
      </figcaption>
      <div ref={box} role="img" aria-label={`${title} per hour over the last 24 hours; total ${total}`} />
    </figure>
  );
}
