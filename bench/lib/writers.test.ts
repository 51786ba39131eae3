import { describe, expect, it } from 'vitest';
import { formatNumber, markdownTable } from './markdown.ts';
import { lineChartSvg } from './svg-chart.ts';

describe('markdownTable', () => {
  it('pads columns, right-aligns numbers and escapes pipes', () => {
    const table = markdownTable(
      [{ title: 'name' }, { title: 'ops/s', align: 'right' }],
      [
        ['a|b', 12345.6],
        ['c', null],
      ],
    );
    expect(table.split('\n')).toEqual(['| name |  ops/s |', '|------|-------:|', '| a\\|b | 12,346 |', '| c    |      - |', '']);
  });

  it('formats numbers for noisy figures', () => {
    expect(formatNumber(1234.4)).toBe('1,234');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(3.14159)).toBe('3.14');
    expect(formatNumber(Number.NaN)).toBe('-');
  });
});

describe('lineChartSvg', () => {
  const spec = {
    title: 'Put <throughput> & clients',
    xLabel: 'clients',
    yLabel: 'puts/s',
    xScale: 'log' as const,
    yFromZero: true,
    series: [
      { name: 'etcd', markers: true, points: [{ x: 1, y: 700 }, { x: 16, y: 4000 }, { x: 100, y: 6000 }] },
      { name: 'barque', points: [{ x: 1, y: 500 }, { x: 16, y: Number.NaN }, { x: 100, y: 7000 }] },
    ],
  };

  it('writes a well-formed SVG with every series, escaped text and finite coordinates', () => {
    const svg = lineChartSvg(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Put &lt;throughput&gt; &amp; clients');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('>etcd<');
    expect(svg).toContain('>barque<');
    expect(svg).not.toMatch(/NaN|Infinity/);
    // Tags balance: every opened <g> or <svg> is closed.
    expect(svg.match(/<g[ >]/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
  });

  it('draws log ticks at powers of ten and says when there is no data', () => {
    const svg = lineChartSvg(spec);
    for (const label of ['>1<', '>10<', '>100<']) expect(svg).toContain(label);
    expect(lineChartSvg({ ...spec, series: [] })).toContain('no data');
  });
});
