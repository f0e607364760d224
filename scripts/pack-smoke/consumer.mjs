// A plain-Node user of the installed package (no TypeScript loader): the same
// runs on one reused instance, on fresh instances (the oracle) and on a
// one-worker pool. Prints what each produced, as JSON.
import { ReusableInstance, RewindPool } from 'wasi-rewind';

const [program, times] = [process.argv[2], Number(process.argv[3] ?? 3)];
const input = { args: ['one', 'two'], env: { A: '1' } };
const observe = (r) => ({
  exitCode: r.exitCode,
  stdout: Buffer.from(r.stdout).toString('latin1'),
  stderr: Buffer.from(r.stderr).toString('latin1'),
  trap: r.trap?.message ?? null,
});

async function series(run) {
  const out = [];
  for (let i = 0; i < times; i++) out.push(observe(await run()));
  return out;
}

const reusedInstance = await ReusableInstance.create(program, { strategy: 'snapshot' });
const reused = await series(() => reusedInstance.run(input));
const freshInstance = await ReusableInstance.create(program, { strategy: 'reinstantiate' });
const fresh = await series(() => freshInstance.run(input));
const pool = await RewindPool.create(program, { workers: 1 });
const pooled = await series(() => pool.run(input));
await pool.close();

let tsx = 'absent';
try {
  await import('tsx');
  tsx = 'present';
} catch {}
console.log(JSON.stringify({ node: process.version, tsx, reused, fresh, pooled }));
