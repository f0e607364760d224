// Density: resident memory of many instances of one program, in process and
// in a RewindPool, beside fresh-instance hosts (strategy reinstantiate, one
// live instance each). Every configuration runs in a process of its own
// (--expose-gc) and reports its RSS after every instance did one run and a
// full GC, and the RSS before anything was created; the cost of an
// additional instance is the slope between the smallest and largest count.
// Also the size of a CRuby snapshot file per codec.
// Run: tsx src/bench/density.ts [--quick]  (or from bench/suite.ts). With
// WASI_REWIND_DIST=<dir of a build (tsc -p tsconfig.build.json --outDir D)>
// the children run the built JavaScript without tsx, as installed packages
// do; from sources, every pool worker loads tsx as well (about 35 MiB each).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CreateOptions } from '../options.js';

const here = fileURLToPath(import.meta.url);
/** The repository (a built copy of this file lives elsewhere). */
const root = process.env.WASI_REWIND_ROOT ?? fileURLToPath(new URL('../../', import.meta.url));
const dist = process.env.WASI_REWIND_DIST;
const fixture = (name: string) => join(root, 'test/fixtures/build', `${name}.wasm`);
const rubyApp = join(root, 'bench/ruby-app');

type Program = 'hello' | 'ruby' | 'ruby-seeded';
type Host = 'reuse' | 'fresh' | 'pool';
/** Options of the snapshot host, of the fresh-instance host, and the run. */
const PROGRAMS: Record<Program, { file: string; snapshot: CreateOptions; fresh: CreateOptions; run: { args?: string[] }; hosts: Host[] }> = {
  hello: { file: fixture('hello'), snapshot: {}, fresh: {}, run: {}, hosts: ['reuse', 'fresh', 'pool'] },
  // The fixture runs /app/main.rb.
  ruby: { file: fixture('ruby'), snapshot: { dirs: { '/app': rubyApp }, init: 'wizer.initialize' }, fresh: { dirs: { '/app': rubyApp } }, run: {}, hosts: ['reuse', 'fresh', 'pool'] },
  // A seeded random and virtual clocks give the init the same world in every worker: one shared image.
  'ruby-seeded': {
    file: fixture('ruby'),
    snapshot: { dirs: { '/app': rubyApp }, init: 'wizer.initialize', random: { seed: 1 }, clock: { virtual: {} } },
    fresh: {}, run: {}, hosts: ['pool'],
  },
};

const childSchema = z.object({
  program: z.enum(['hello', 'ruby', 'ruby-seeded']),
  host: z.enum(['reuse', 'fresh', 'pool']),
  count: z.number().int().positive().max(64),
}).strict();
type Config = z.infer<typeof childSchema>;

export interface DensityRow extends Config {
  rssMiB: number;
  baseMiB: number;
  /** Live linear memory of one instance (in-process hosts). */
  liveMemoryMiB: number | null;
}

const MiB = 1 << 20;

function settle(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
}

/** How a child starts: the built copy of this file without tsx, or these sources with it. */
function childCommand(args: string[]): string[] {
  return dist ? [join(dist, 'src/bench/density.js'), ...args] : ['--import', 'tsx', here, ...args];
}
const childEnv = { ...process.env, WASI_REWIND_ROOT: root };

async function child(config: Config): Promise<DensityRow> {
  const { ReusableInstance, RewindPool } = await import('../index.js');
  const p = PROGRAMS[config.program];
  settle();
  const baseMiB = process.memoryUsage().rss / MiB;
  let liveMemoryMiB: number | null = null;
  const keep: unknown[] = [];
  if (config.host === 'pool') {
    const pool = await RewindPool.create(p.file, { workers: config.count, warmRun: p.run, instance: p.snapshot });
    await Promise.all(Array.from({ length: config.count }, () => pool.run(p.run)));
    keep.push(pool);
  } else {
    for (let i = 0; i < config.count; i++) {
      const options: CreateOptions = config.host === 'reuse' ? p.snapshot : { ...p.fresh, strategy: 'reinstantiate' };
      const inst = await ReusableInstance.create(p.file, options);
      await inst.run(p.run);
      keep.push(inst);
      const live = inst.stats().realMemoryBytes;
      if (live.length) liveMemoryMiB = live.reduce((a, b) => a + b, 0) / MiB;
    }
  }
  settle();
  await new Promise((r) => setTimeout(r, 200));
  settle();
  const rssMiB = process.memoryUsage().rss / MiB;
  const row = { ...config, rssMiB, baseMiB, liveMemoryMiB };
  if (config.host === 'pool') await (keep[0] as { close(): Promise<void> }).close();
  return row;
}

/** Sizes of the CRuby post-init snapshot file, per codec. */
async function rubyFileSizes(): Promise<Record<string, number>> {
  const { ReusableInstance } = await import('../index.js');
  const inst = await ReusableInstance.create(PROGRAMS.ruby.file, PROGRAMS.ruby.snapshot);
  const dir = mkdtempSync(join(tmpdir(), 'rewind-density-'));
  const sizes: Record<string, number> = {};
  try {
    for (const compression of ['none', 'gzip', 'brotli', 'zstd'] as const) {
      const file = join(dir, `${compression}.snap`);
      await inst.saveSnapshot(file, { compression });
      sizes[compression] = statSync(file).size / MiB;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return sizes;
}

function measureInChild(config: Config): DensityRow {
  const out = execFileSync(process.execPath, ['--expose-gc', ...childCommand(['--child', JSON.stringify(config)])], {
    encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'], env: childEnv,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as DensityRow;
}

export interface DensityReport {
  rows: DensityRow[];
  /** MiB per additional instance or worker, per program and host. */
  perAdditional: { program: Program; host: Host; MiB: number; liveMemoryMiB: number | null }[];
  rubySnapshotFileMiB: Record<string, number>;
}

export async function measureDensity(quick = false, log: (line: string) => void = () => {}): Promise<DensityReport> {
  const counts = quick ? [1, 4] : [1, 4, 16];
  const workers = quick ? [1, 2] : [1, 2, 4];
  const rows: DensityRow[] = [];
  const perAdditional: DensityReport['perAdditional'] = [];
  for (const program of Object.keys(PROGRAMS) as Program[]) {
    for (const host of PROGRAMS[program].hosts) {
      const ns = host === 'pool' ? workers : counts;
      const mine: DensityRow[] = [];
      for (const count of ns) {
        const row = measureInChild({ program, host, count });
        log(`${program} ${host} x${count}: ${row.rssMiB.toFixed(0)} MiB RSS (process before: ${row.baseMiB.toFixed(0)} MiB)`);
        mine.push(row);
      }
      rows.push(...mine);
      const [a, b] = [mine[0]!, mine[mine.length - 1]!];
      perAdditional.push({ program, host, MiB: (b.rssMiB - a.rssMiB) / (b.count - a.count), liveMemoryMiB: a.liveMemoryMiB });
    }
  }
  const rubySnapshotFileMiB = JSON.parse(execFileSync(process.execPath, childCommand(['--files']), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: childEnv }).trim().split('\n').pop()!) as Record<string, number>;
  return { rows, perAdditional, rubySnapshotFileMiB };
}

export function densityTable(r: DensityReport): string {
  const lines = ['program     host    count   RSS MiB'];
  for (const row of r.rows) lines.push(`${row.program.padEnd(11)} ${row.host.padEnd(7)} ${String(row.count).padStart(5)} ${row.rssMiB.toFixed(0).padStart(9)}`);
  lines.push('', 'per additional instance/worker (MiB), beside one instance\'s live linear memory');
  for (const p of r.perAdditional) {
    const live = p.liveMemoryMiB ? ` (live memory ${p.liveMemoryMiB.toFixed(1)} MiB: ${(p.MiB / p.liveMemoryMiB).toFixed(2)}x)` : '';
    lines.push(`${p.program.padEnd(11)} ${p.host.padEnd(7)} ${p.MiB.toFixed(1).padStart(7)}${live}`);
  }
  lines.push('', `CRuby snapshot file (MiB): ${Object.entries(r.rubySnapshotFileMiB).map(([c, s]) => `${c} ${s.toFixed(1)}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === here) {
  const [, , mode, arg] = process.argv;
  if (mode === '--child') {
    process.stdout.write(`${JSON.stringify(await child(childSchema.parse(JSON.parse(arg!))))}\n`);
    process.exit(0);
  } else if (mode === '--files') {
    process.stdout.write(`${JSON.stringify(await rubyFileSizes())}\n`);
    process.exit(0);
  } else {
    const report = await measureDensity(mode === '--quick', (l) => process.stderr.write(`${l}\n`));
    process.stdout.write(densityTable(report));
  }
}
