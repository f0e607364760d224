// `rewind inspect` end to end: the CLI prints one delta per run and writes
// an HTML report that a real headless browser (Debian's chromium, driven by
// playwright-core) renders with the heat map and one table row per run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import type { RunDelta } from '../src/lab/lab.js';
import { fixture } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

async function inspect(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  try {
    return { code: await main(['inspect', ...args]), out };
  } finally {
    spy.mockRestore();
  }
}

describe('rewind inspect', () => {
  it('prints a delta per run and a summary, and writes the report and the JSON deltas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-inspect-'));
    const { code, out } = await inspect([fixture('touch'), '--runs', '2', '--html', join(dir, 'r.html'), '--json', join(dir, 'd.json'), '--', '2']);
    expect(code).toBe(0);
    expect(out.match(/^run \d+: exit 0/gm)).toHaveLength(2);
    expect(out).toMatch(/^summary: 2 runs/m);
    const deltas = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8')) as RunDelta[];
    expect(deltas.map((d) => d.restore?.chunksRestored ?? 0).every((n) => n > 0)).toBe(true);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    rmSync(dir, { recursive: true });
  });

  it.skipIf(!existsSync(CHROMIUM))('the report renders in headless chromium: heat map, one row per run, a non-blank page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-inspect-'));
    const html = join(dir, 'report.html');
    const runs = 3;
    expect((await inspect([fixture('files'), '--runs', String(runs), '--html', html, '--dir', `${join(import.meta.dirname, 'fixtures', 'c')}::/data`, '--', 'new.txt', 'hi'])).code).toBe(0);
    // A persistent context is how playwright takes a fresh --user-data-dir.
    const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
      await page.goto(`file://${html}`);
      expect(await page.locator('svg.heatmap').count()).toBe(1);
      const changed = page.locator('svg.heatmap rect[fill="#c0392b"]');
      expect(await changed.count()).toBeGreaterThan(runs);
      const box = await page.locator('svg.heatmap').boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      const rows = page.locator('#deltas tbody tr');
      expect(await rows.count()).toBe(runs);
      for (let i = 0; i < runs; i++) expect(await rows.nth(i).locator('td').first().textContent()).toBe(String(i + 1));
      expect(await rows.first().textContent()).toContain('+/data/new.txt');
      expect(requests).toEqual([]);
      // Non-blank: the screenshot, drawn back onto a canvas, has many colours.
      const shot = await page.screenshot({ path: join(tmpdir(), 'rewind-inspect-report.png') });
      const colours = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, img.width, img.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        return seen.size;
      }, shot.toString('base64'));
      expect(colours).toBeGreaterThan(8);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true });
    }
  });
});
