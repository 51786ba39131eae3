// A small SVG line-chart writer (no chart library): axes with tick labels, linear or log10 scales, one polyline
// with point markers per series, and a legend. Enough for latency CDFs and throughput-vs-clients charts.
export type AxisScale = 'linear' | 'log';

export interface ChartPoint {
  x: number;
  y: number;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
  /** Draw markers at each point (off for dense series such as CDFs). */
  markers?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xScale?: AxisScale;
  yScale?: AxisScale;
  /** Forces the y range to start at 0 on a linear scale (throughput). */
  yFromZero?: boolean;
  series: readonly ChartSeries[];
  widthPx?: number;
  heightPx?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };
const LEGEND_ROW_PX = 16;

export function lineChartSvg(spec: LineChartSpec): string {
  const width = spec.widthPx ?? 720;
  const height = spec.heightPx ?? 420;
  const xScale = spec.xScale ?? 'linear';
  const yScale = spec.yScale ?? 'linear';
  const usable = spec.series.map((s) => ({
    ...s,
    points: s.points.filter((p) => usablePoint(p.x, xScale) && usablePoint(p.y, yScale)),
  }));
  const all = usable.flatMap((s) => s.points);
  const legendPx = LEGEND_ROW_PX * usable.length;
  const plot = { x0: MARGIN.left, x1: width - MARGIN.right, y0: height - MARGIN.bottom - legendPx, y1: MARGIN.top };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(spec.title)}</text>`,
  ];
  if (all.length === 0) {
    out.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text>`, '</svg>');
    return out.join('\n') + '\n';
  }
  const xDomain = domain(all.map((p) => p.x), xScale, false);
  const yDomain = domain(all.map((p) => p.y), yScale, spec.yFromZero === true);
  const sx = scaler(xDomain, xScale, plot.x0, plot.x1);
  const sy = scaler(yDomain, yScale, plot.y0, plot.y1);

  out.push(`<g stroke="#ccc" stroke-width="1">`);
  const xTicks = ticks(xDomain, xScale);
  const yTicks = ticks(yDomain, yScale);
  for (const t of xTicks) out.push(`<line x1="${fmt(sx(t))}" y1="${plot.y0}" x2="${fmt(sx(t))}" y2="${plot.y1}"/>`);
  for (const t of yTicks) out.push(`<line x1="${plot.x0}" y1="${fmt(sy(t))}" x2="${plot.x1}" y2="${fmt(sy(t))}"/>`);
  out.push('</g>');
  out.push(
    `<rect x="${plot.x0}" y="${plot.y1}" width="${plot.x1 - plot.x0}" height="${plot.y0 - plot.y1}" fill="none" stroke="#333"/>`,
  );
  for (const t of xTicks) {
    out.push(`<text x="${fmt(sx(t))}" y="${plot.y0 + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<text x="${plot.x0 - 6}" y="${fmt(sy(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  out.push(`<text x="${(plot.x0 + plot.x1) / 2}" y="${plot.y0 + 36}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(
    `<text transform="translate(16 ${(plot.y0 + plot.y1) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  usable.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const path = s.points.map((p) => `${fmt(sx(p.x))},${fmt(sy(p.y))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${path}"/>`);
    if (s.markers === true) {
      for (const p of s.points) out.push(`<circle cx="${fmt(sx(p.x))}" cy="${fmt(sy(p.y))}" r="3" fill="${color}"/>`);
    }
    const ly = height - legendPx - 4 + LEGEND_ROW_PX * i + 12;
    out.push(`<rect x="${plot.x0}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${plot.x0 + 18}" y="${ly + 1}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function usablePoint(v: number, scale: AxisScale): boolean {
  return Number.isFinite(v) && (scale === 'linear' || v > 0);
}

function domain(values: number[], scale: AxisScale, fromZero: boolean): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (fromZero && scale === 'linear') lo = Math.min(0, lo);
  if (scale === 'log') {
    lo = Math.pow(10, Math.floor(Math.log10(lo)));
    hi = Math.pow(10, Math.ceil(Math.log10(hi)));
    if (lo === hi) hi = lo * 10;
    return [lo, hi];
  }
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const step = niceStep((hi - lo) / 5);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

function scaler(d: [number, number], scale: AxisScale, from: number, to: number): (v: number) => number {
  if (scale === 'log') {
    const [a, b] = [Math.log10(d[0]), Math.log10(d[1])];
    return (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from);
  }
  return (v) => from + ((v - d[0]) / (d[1] - d[0])) * (to - from);
}

function ticks(d: [number, number], scale: AxisScale): number[] {
  const out: number[] = [];
  if (scale === 'log') {
    for (let decade = Math.log10(d[0]); decade <= Math.log10(d[1]) + 1e-9; decade++) out.push(Math.pow(10, decade));
    return out;
  }
  const step = niceStep((d[1] - d[0]) / 5);
  for (let v = d[0]; v <= d[1] + step / 1e6; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function niceStep(raw: number): number {
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const unit = raw / magnitude;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * magnitude;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function fmt(v: number): string {
  return v.toFixed(1);
}
