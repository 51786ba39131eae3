// Markdown tables: numbers right-aligned, columns padded so the source reads as a table too.
export type Cell = string | number | null | undefined;

export interface MarkdownColumn {
  title: string;
  align?: 'left' | 'right';
}

export function markdownTable(columns: readonly MarkdownColumn[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => columns.map((_, i) => cellText(row[i])));
  const widths = columns.map((c, i) => Math.max(3, c.title.length, ...text.map((r) => r[i].length)));
  const pad = (s: string, i: number): string =>
    columns[i].align === 'right' ? s.padStart(widths[i]) : s.padEnd(widths[i]);
  const line = (cells: readonly string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${columns.map((c, i) => (c.align === 'right' ? `${'-'.repeat(widths[i] + 1)}:` : '-'.repeat(widths[i] + 2))).join('|')}|`;
  return [line(columns.map((c) => escapeCell(c.title))), rule, ...text.map(line)].join('\n') + '\n';
}

/** Thousands separators for counts, 2 decimals below 100, none above (figures this noisy need no more). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  if (typeof cell === 'number') return formatNumber(cell);
  return escapeCell(cell);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
