// Bench output: a plain-text table of measurements and speed-ups, and a
// self-contained HTML report with an SVG bar chart (no scripts, no CDN).
import type { Breakdown } from './breakdown.js';
import { REUSE_MODES, type Measurement } from './measure.js';
import { sideBySideTable, type SideBySide } from './side-by-side.js';
import type { Skipped } from './wasip1-baselines.js';

export interface ResetScaling {
  dirtiedPages: number;
  memoryMiB: number;
  resetUs: number;
  memcpyDirtiedUs: number;
  memcpyWholeUs: number;
}

export interface BenchReport {
  date: string;
  node: string;
  measurements: Measurement[];
  /** program -> mode -> speed-up over the first mode measured for that program. */
  baselineMode: string;
  resetScaling?: ResetScaling[];
  /** Baselines that could not measure a program (a crash, an unsupported feature). */
  skipped?: Skipped[];
  /** Per-run phases of the reused path (an instrumented pass of its own). */
  breakdown?: Breakdown[];
  /** Each workload's reused instance against every fresh host, in alternating rounds. */
  sideBySide?: SideBySide[];
}

export interface Comparison {
  program: string;
  /** Which reused mode (default options, memory scan, ...). */
  mode: string;
  reusedP50Us: number;
  /** Fresh mode -> how many times more runs per second the reused instance makes (< 1: slower). */
  vsFresh: Record<string, number>;
}

/** For every program and reused mode: the reused instance against each fresh-instance mode measured in the same run. */
export function comparisons(report: BenchReport): Comparison[] {
  const out: Comparison[] = [];
  for (const program of [...new Set(report.measurements.map((m) => m.program))]) {
    for (const reused of report.measurements.filter((m) => m.program === program && REUSE_MODES.includes(m.mode))) {
      const vsFresh: Record<string, number> = {};
      for (const m of report.measurements) if (m.program === program && !REUSE_MODES.includes(m.mode)) vsFresh[m.mode] = reused.runsPerSec / m.runsPerSec;
      out.push({ program, mode: reused.mode, reusedP50Us: reused.p50Ms * 1000, vsFresh });
    }
  }
  return out;
}

function comparisonRows(report: BenchReport): string[][] {
  const fresh = [...new Set(report.measurements.map((m) => m.mode).filter((m) => !REUSE_MODES.includes(m)))];
  const rows = [['program', 'reused mode', 'reused p50 us', ...fresh.map((m) => `reused vs ${m}`)]];
  for (const c of comparisons(report)) {
    rows.push([c.program, c.mode, fmt(c.reusedP50Us, 1), ...fresh.map((m) => (m in c.vsFresh ? `${fmt(c.vsFresh[m]!, 1)}x${c.vsFresh[m]! < 1 ? ' (slower)' : ''}` : '-'))]);
  }
  return rows;
}

function breakdownRows(b: Breakdown[]): string[][] {
  return [
    ['program', 'total us', 'reset us', 'host begin/end us', 'imports (glue + host, JS) us', 'guest (wasm) us', 'import calls/run'],
    ...b.map((r) => [r.program, fmt(r.totalUs, 1), fmt(r.resetUs, 1), fmt(r.hostBeginEndUs, 1), fmt(r.importsUs, 1), fmt(r.guestUs, 1), fmt(r.importCallsPerRun, 1)]),
  ];
}

const BREAKDOWN_NOTE = 'medians per phase from a separate instrumented pass; two timer reads per import call inflate the imports column';

const fmt = (n: number, digits = 2) => (Number.isNaN(n) ? 'n/a' : n >= 100 ? n.toFixed(0) : n.toFixed(digits));
/** A speed-up; n/a without a baseline measurement. */
const times = (ratio: number) => (Number.isNaN(ratio) ? 'n/a' : `${fmt(ratio, 1)}x`);

export function speedups(report: BenchReport): { program: string; mode: string; ratio: number }[] {
  return report.measurements.map((m) => {
    const base = report.measurements.find((b) => b.program === m.program && b.mode === report.baselineMode);
    return { program: m.program, mode: m.mode, ratio: base ? m.runsPerSec / base.runsPerSec : NaN };
  });
}

export function textTable(report: BenchReport): string {
  const rows = [['program', 'mode', 'runs/s', `x vs baseline`, 'p50 ms', 'p99 ms', 'reset/inst. ms', 'RSS MiB']];
  const ratios = speedups(report);
  report.measurements.forEach((m, i) => {
    rows.push([m.program, m.mode, fmt(m.runsPerSec, 1), times(ratios[i]!.ratio), fmt(m.p50Ms, 3), fmt(m.p99Ms, 3), fmt(m.meanResetMs, 4), fmt(m.rssMiB, 0)]);
  });
  let out = markdownTable(rows);
  out += `\nbaseline: ${report.baselineMode}\n`;
  for (const k of report.skipped ?? []) out += `not measured: ${k.program} under ${k.mode}: ${k.reason}\n`;
  if (comparisons(report).length) out += '\n' + markdownTable(comparisonRows(report));
  if (report.breakdown?.length) out += `\nwhere a reused run's time goes: ${BREAKDOWN_NOTE}\n\n` + markdownTable(breakdownRows(report.breakdown));
  if (report.resetScaling?.length) {
    out += '\n' + markdownTable([
      ['dirtied pages (64 KiB)', 'memory MiB', 'reset us', 'memcpy of dirtied bytes us', 'memcpy of whole memory us'],
      ...report.resetScaling.map((r) => [String(r.dirtiedPages), String(r.memoryMiB), fmt(r.resetUs, 1), fmt(r.memcpyDirtiedUs, 1), fmt(r.memcpyWholeUs, 1)]),
    ]);
  }
  return out;
}

function markdownTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n') + '\n';
}

const COLORS = ['#9aa5b1', '#5b8def', '#e8590c', '#2b8a3e', '#7048e8', '#f59f00', '#c2255c'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Grouped horizontal bars of runs/s per program and mode, on a log scale. */
function chart(report: BenchReport): string {
  const programs = [...new Set(report.measurements.map((m) => m.program))];
  const modes = [...new Set(report.measurements.map((m) => m.mode))];
  const barH = 18;
  const labelH = 18;
  const groupH = labelH + modes.length * barH + 14;
  const left = 20;
  const width = 860;
  const max = Math.max(...report.measurements.map((m) => m.runsPerSec));
  const decades = Math.ceil(Math.log10(max));
  const x = (v: number) => left + (Math.log10(Math.max(v, 1)) / decades) * (width - left - 80);
  const height = programs.length * groupH + 60;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`;
  for (let d = 0; d <= decades; d++) {
    svg += `<line x1="${x(10 ** d)}" y1="20" x2="${x(10 ** d)}" y2="${height - 30}" stroke="#ddd"/>`;
    svg += `<text x="${x(10 ** d)}" y="${height - 14}" text-anchor="middle">${(10 ** d).toLocaleString('en')}</text>`;
  }
  svg += `<text x="${left}" y="12">runs per second (log scale)</text>`;
  programs.forEach((p, gi) => {
    const y0 = 30 + gi * groupH;
    svg += `<text x="${left}" y="${y0 + 12}" font-weight="bold">${esc(p)}</text>`;
    modes.forEach((mode, mi) => {
      const m = report.measurements.find((r) => r.program === p && r.mode === mode);
      if (!m) return;
      const y = y0 + labelH + mi * barH;
      svg += `<rect x="${left}" y="${y}" width="${Math.max(1, x(m.runsPerSec) - left)}" height="${barH - 4}" fill="${COLORS[mi % COLORS.length]}"><title>${esc(mode)}: ${fmt(m.runsPerSec, 1)} runs/s</title></rect>`;
      svg += `<text x="${x(m.runsPerSec) + 4}" y="${y + barH - 7}">${fmt(m.runsPerSec, 1)}</text>`;
    });
  });
  svg += '</svg>';
  const legend = modes.map((m, i) => `<span style="display:inline-block;width:12px;height:12px;background:${COLORS[i % COLORS.length]}"></span> ${esc(m)}`).join(' &nbsp; ');
  return `<p>${legend}</p>${svg}`;
}

export function htmlReport(report: BenchReport): string {
  const ratios = speedups(report);
  const rows = report.measurements.map((m, i) => `<tr><td>${esc(m.program)}</td><td>${esc(m.mode)}</td><td>${fmt(m.runsPerSec, 1)}</td><td>${times(ratios[i]!.ratio)}</td><td>${fmt(m.p50Ms, 3)}</td><td>${fmt(m.p99Ms, 3)}</td><td>${fmt(m.meanResetMs, 4)}</td><td>${fmt(m.rssMiB, 0)}</td></tr>`).join('\n');
  const scaling = report.resetScaling?.length
    ? `<h2>Reset cost against memory dirtied</h2><table><tr><th>dirtied 64 KiB pages</th><th>memory MiB</th><th>reset us</th><th>memcpy of dirtied bytes us</th><th>memcpy of whole memory us</th></tr>${report.resetScaling.map((r) => `<tr><td>${r.dirtiedPages}</td><td>${r.memoryMiB}</td><td>${fmt(r.resetUs, 1)}</td><td>${fmt(r.memcpyDirtiedUs, 1)}</td><td>${fmt(r.memcpyWholeUs, 1)}</td></tr>`).join('')}</table>`
    : '';
  const table = (r: string[][]) => `<table><tr>${r[0]!.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${r.slice(1).map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
  const skipped = report.skipped?.length ? `<h2>Not measured</h2><ul>${report.skipped.map((k) => `<li>${esc(k.program)} under ${esc(k.mode)}: ${esc(k.reason)}</li>`).join('')}</ul>` : '';
  const vs = comparisons(report).length ? `<h2>Reused against every fresh host</h2>${table(comparisonRows(report))}` : '';
  const phases = report.breakdown?.length ? `<h2>Where a reused run's time goes</h2><p>${esc(BREAKDOWN_NOTE)}.</p>${table(breakdownRows(report.breakdown))}` : '';
  const rounds = report.sideBySide?.length ? `<h2>Side by side in alternating rounds</h2><pre>${esc(sideBySideTable(report.sideBySide))}</pre>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>wasi-rewind benchmark</title>
<style>body{font-family:sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,td:nth-child(2){text-align:left}</style></head>
<body><h1>wasi-rewind benchmark</h1><p>${esc(report.date)} &middot; Node ${esc(report.node)} &middot; speed-ups are against <em>${esc(report.baselineMode)}</em>, measured in the same run.</p>
${chart(report)}
<h2>Measurements</h2><table><tr><th>program</th><th>mode</th><th>runs/s</th><th>speed-up</th><th>p50 ms</th><th>p99 ms</th><th>reset or instantiation ms</th><th>RSS MiB</th></tr>
${rows}</table>${skipped}${vs}${rounds}${phases}${scaling}</body></html>\n`;
}
