// Tenant A, then tenant B, on one reused instance: B's run must equal B's run
// on a fresh instance and contain nothing of A's input, on every channel of
// host state (stdio, args, env, cwd, clocks, random, files). Sockets hold no
// state: every socket call is denied (shims/sockets.ts).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReusableInstance, RewindPool, type CreateOptions, type RunOptions } from '../src/index.js';
import { observed } from './helpers.js';

const tenant = join(import.meta.dirname, 'fixtures', 'build', 'tenant.wasm');
const SECRET = /alice|a-token|A-SECRET/;

const alice: RunOptions = {
  args: ['alice-file'],
  env: { TENANT: 'alice', ALICE_TOKEN: 'a-token' },
  cwd: '/data',
  stdin: 'A-SECRET stdin',
  files: { '/data/alice-upload.txt': 'A-SECRET upload' },
};
const bob: RunOptions = { args: ['bob-file'], env: { TENANT: 'bob' }, stdin: 'bob input' };

async function freshRun(options: CreateOptions, run: RunOptions) {
  const inst = await ReusableInstance.create(tenant, { ...options, strategy: 'reinstantiate' });
  const r = await inst.run(run);
  return { result: observed(r), files: inst.files() };
}

describe('tenant A then tenant B on one instance', () => {
  const deterministic: CreateOptions = { dirs: { '/data': { 'shared.txt': 'public' } }, clock: { virtual: {} }, random: { seed: 7 } };

  it('B equals B on a fresh instance, byte for byte, files included', async () => {
    const reused = await ReusableInstance.create(tenant, deterministic);
    const seenByA: Uint8Array[] = [];
    const a = await reused.run({ ...alice, onStdout: (c) => seenByA.push(c) });
    expect(a.stdout.toString()).toMatch(/file alice-upload.txt A-SECRET upload/); // A's input really reached the guest
    const countA = seenByA.length;
    const b = await reused.run(bob);
    expect(seenByA.length).toBe(countA); // A's callback sees nothing of B
    const fresh = await freshRun(deterministic, bob);
    expect(observed(b)).toEqual(fresh.result);
    expect(reused.files()).toEqual(fresh.files);
    expect(`${b.stdout}${b.stderr}${JSON.stringify(reused.files())}`).not.toMatch(SECRET);
  });

  it('with real clocks and crypto random: B sees nothing of A, and fresh randomness', async () => {
    const options: CreateOptions = { dirs: { '/data': {} } };
    const reused = await ReusableInstance.create(tenant, options);
    const a = await reused.run(alice);
    const b = await reused.run(bob);
    const text = b.stdout.toString();
    expect(`${text}${b.stderr}`).not.toMatch(SECRET);
    const random = (s: string) => /random (\w+)/.exec(s)?.[1];
    expect(random(text)).toMatch(/^[0-9a-f]{16}$/);
    expect(random(text)).not.toBe(random(a.stdout.toString()));
    // Everything but the clocks and random line equals a fresh instance.
    const strip = (s: string) => s.replace(/^(clocks|random) .*\n/gm, '');
    expect(strip(text)).toBe(strip((await freshRun(options, bob)).result.stdout));
  });

  it('through the pool (one worker, so both tenants share its instance)', async () => {
    const pool = await RewindPool.create(tenant, { workers: 1, instance: deterministic });
    try {
      const { onStdout: _, ...plainAlice } = alice;
      await pool.run(plainAlice as never);
      const b = await pool.run(bob as never);
      const fresh = await freshRun(deterministic, bob);
      expect({ exitCode: b.exitCode, stdout: Buffer.from(b.stdout).toString('latin1'), stderr: Buffer.from(b.stderr).toString('latin1'), trap: b.trap?.message }).toEqual(fresh.result);
    } finally {
      await pool.close();
    }
  });
});
