// A one-line progress bar on stderr, drawn only on a terminal.
export class Progress {
  private last = 0;
  private readonly enabled = process.stderr.isTTY === true;
  constructor(private readonly label: string, private readonly total: number) {}

  tick(done: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 100 && done < this.total) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    process.stderr.write(`\r${this.label.padEnd(40)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${this.total}`);
    if (done >= this.total) process.stderr.write('\n');
  }
}
