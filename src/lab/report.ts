// The inspect report: a text summary per run, and a self-contained HTML page
// (no network) with a memory heat map per memory (address chunks across,
// runs down; marked chunks pale, changed chunks dark) drawn as SVG, and the
// delta table.
import type { RunDelta } from './lab.js';

export function textSummary(deltas: readonly RunDelta[]): string {
  const lines: string[] = [];
  for (const d of deltas) {
    const mem = d.memories.map((m) => `mem${m.memory}: ${m.chunksMarked} chunks marked, ${m.chunksChanged} changed (${m.bytesChanged} B), pages ${m.snapshotPages}->${m.pagesAfterRun}`
      + ` [${m.regions.filter((r) => r.chunksMarked).map((r) => `${r.name} ${r.chunksChanged}/${r.chunksMarked}`).join(', ')}]`);
    lines.push(`run ${d.run}: exit ${d.exitCode ?? `trap (${d.trap})`}, ${d.durationMs.toFixed(3)} ms`);
    for (const m of mem) lines.push(`  ${m}`);
    if (d.globals.length) lines.push(`  globals: ${d.globals.map((g) => `${g.name} ${g.before}->${g.after}`).join(', ')}`);
    if (d.tables.length) lines.push(`  tables: ${d.tables.map((t) => `${t.name} size ${t.sizeBefore}->${t.sizeAfter}, ${t.entriesChanged} entries changed`).join(', ')}`);
    if (d.glue.length) lines.push(`  glue: ${d.glue.map((g) => `${g.name} ${g.before} -> ${g.after}`).join(', ')}`);
    const f = d.files;
    if (f.created.length + f.changed.length + f.removed.length) lines.push(`  files: +${f.created.join(' +')} ~${f.changed.join(' ~')} -${f.removed.join(' -')}`.replace(/ [+~-](?= |$)/g, ''));
    const ch = Object.entries(d.channels);
    if (ch.length) lines.push(`  channels: ${ch.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (d.restore) lines.push(`  restore: ${d.restore.chunksRestored} chunks in ${d.restore.resetMs.toFixed(3)} ms`);
  }
  const n = deltas.length || 1;
  const avg = (f: (d: RunDelta) => number) => (deltas.reduce((s, d) => s + f(d), 0) / n).toFixed(1);
  lines.push(`summary: ${deltas.length} runs; per run on average ${avg((d) => sum(d, 'chunksMarked'))} chunks marked, ${avg((d) => sum(d, 'chunksChanged'))} changed, ${avg((d) => d.restore?.chunksRestored ?? 0)} restored`);
  return `${lines.join('\n')}\n`;
}

function sum(d: RunDelta, key: 'chunksMarked' | 'chunksChanged'): number {
  return d.memories.reduce((s, m) => s + m[key], 0);
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One memory's heat map: chunks with marks in any run, one column per chunk (gaps elided), one row per run. */
function heatMap(deltas: readonly RunDelta[], memory: number): string {
  const rows = deltas.map((d) => d.memories.find((m) => m.memory === memory));
  const used = new Set<number>();
  for (const m of rows) for (const [a, b] of m?.marked ?? []) for (let c = a; c < b; c++) used.add(c);
  const columns = [...used].sort((a, b) => a - b);
  const col = new Map(columns.map((c, i) => [c, i]));
  const cell = Math.max(2, Math.min(12, Math.floor(900 / Math.max(1, columns.length))));
  const rowH = 14;
  const left = 48;
  const width = left + columns.length * cell;
  const rects: string[] = [];
  rows.forEach((m, r) => {
    const changed = new Set<number>();
    for (const [a, b] of m?.changed ?? []) for (let c = a; c < b; c++) changed.add(c);
    for (const [a, b] of m?.marked ?? []) {
      for (let c = a; c < b; c++) {
        const x = left + col.get(c)! * cell;
        rects.push(`<rect x="${x}" y="${r * rowH}" width="${cell}" height="${rowH - 2}" fill="${changed.has(c) ? '#c0392b' : '#f5b7b1'}"><title>run ${r + 1}, chunk ${c} (0x${(c * 4096).toString(16)})${changed.has(c) ? ', changed' : ', marked only'}</title></rect>`);
      }
    }
    rects.push(`<text x="0" y="${r * rowH + 10}" font-size="10">run ${r + 1}</text>`);
  });
  // Address ticks: where the elided address jumps.
  let lastTick = -Infinity;
  const ticks = columns.filter((c, i) => i === 0 || c !== columns[i - 1]! + 1)
    .filter((c) => (col.get(c)! * cell - lastTick >= 56 ? ((lastTick = col.get(c)! * cell), true) : false))
    .map((c) => `<text x="${left + col.get(c)! * cell}" y="${rows.length * rowH + 10}" font-size="9">0x${(c * 4096).toString(16)}</text>`);
  const height = rows.length * rowH + 16;
  return `<svg class="heatmap" data-memory="${memory}" xmlns="http://www.w3.org/2000/svg" width="${Math.max(width, 200)}" height="${height}" viewBox="0 0 ${Math.max(width, 200)} ${height}">${rects.join('')}${ticks.join('')}</svg>`;
}

export function htmlReport(title: string, deltas: readonly RunDelta[]): string {
  const memories = [...new Set(deltas.flatMap((d) => d.memories.map((m) => m.memory)))];
  const rows = deltas.map((d) => {
    const f = d.files;
    const cells = [
      d.run,
      d.exitCode ?? `trap: ${d.trap}`,
      d.memories.map((m) => `${m.chunksMarked} / ${m.chunksChanged}`).join('; '),
      d.memories.map((m) => m.regions.filter((r) => r.chunksMarked).map((r) => `${r.name}: ${r.chunksChanged}/${r.chunksMarked} (${r.bytesChanged} B)`).join(', ')).join('; '),
      d.memories.map((m) => `${m.snapshotPages}→${m.pagesAfterRun}`).join('; '),
      d.globals.map((g) => `${g.name}: ${g.before}→${g.after}`).join(', '),
      d.tables.map((t) => `${t.name}: ${t.sizeBefore}→${t.sizeAfter}, ${t.entriesChanged} set`).join(', '),
      d.glue.map((g) => `${g.name}: ${g.before}→${g.after}`).join(', '),
      [...f.created.map((p) => `+${p}`), ...f.changed.map((p) => `~${p}`), ...f.removed.map((p) => `-${p}`)].join(' '),
      Object.entries(d.channels).map(([k, v]) => `${k}: ${v}`).join(', '),
      d.restore ? `${d.restore.chunksRestored} chunks, ${d.restore.resetMs.toFixed(3)} ms` : '',
    ];
    return `<tr class="run">${cells.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`;
  });
  const head = ['run', 'exit', 'chunks marked / changed', 'regions (changed/marked chunks)', 'pages', 'globals', 'tables', 'glue', 'files', 'host channels', 'restore'];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:13px system-ui,sans-serif;margin:16px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}th{background:#eee}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>Per-run state delta recorded by wasi-rewind's reset lab: what each run left different from the snapshot, and what the restore before the next run cost. Memory chunks are 4 KiB.</p>
<h2>Memory heat map</h2>
<p class="legend">address across (chunks some run marked; gaps elided), runs down<span style="background:#c0392b"></span>changed<span style="background:#f5b7b1"></span>marked, bytes equal to the snapshot</p>
${memories.map((m) => `<h3>memory ${m}</h3>${heatMap(deltas, m)}`).join('\n')}
<h2>Delta per run</h2>
<table id="deltas"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}
