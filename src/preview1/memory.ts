// Guest memory as preview1 host functions see it. Every pointer the guest
// passes is checked against the memory's size as the guest sees it (the
// virtual size under the snapshot strategy: a fresh instance's memory has
// exactly that size) and against its alignment; a bad pointer traps, as
// Wasmtime's preview1 does. Every host write marks its range dirty, so a
// restore puts it back.
import { PAGE } from '../rewrite/info.js';

/** What a write into guest memory must tell the restore machinery. */
export type MarkRange = (ptr: number, len: number) => void;

export class GuestTrap extends WebAssembly.RuntimeError {}

/** The size the guest sees when it is not the real one: the rewriter's virtual size. */
export interface VirtualSize {
  /** Pages now (a WebAssembly.Global: reading it is not cheap). */
  readonly vpages: { value: number };
  /** Bytes the virtual size is never below: the snapshot's size (only a rewind shrinks it, to that). */
  readonly floorBytes: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class GuestMemory {
  private u8 = new Uint8Array(0);
  private view = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly memory: WebAssembly.Memory,
    /** The size the guest sees, or null: the real size. */
    private readonly virtual: VirtualSize | null,
    private readonly mark: MarkRange | null,
  ) {}

  /**
   * Views over the current buffer. Growing a (non-shared) memory detaches
   * its old buffer, whose views then have length 0: only then is the
   * `memory.buffer` getter, which is not cheap, asked again.
   */
  private refresh(): void {
    if (this.u8.length === 0) {
      const buffer = this.memory.buffer;
      this.u8 = new Uint8Array(buffer);
      this.view = new DataView(buffer);
    }
  }

  private size(): number {
    return this.virtual ? this.virtual.vpages.value * PAGE : this.u8.length;
  }

  /**
   * Bytes known to lie in memory during this run: a memory only grows while
   * a run goes on, and reading the size (a WebAssembly.Global) is not cheap.
   * The size goes down only when the instance is rewound, before a run.
   */
  private known = 0;

  /** A run starts (after any rewind): known from the floor, the size is read again when a check passes it. */
  runStarted(): void {
    this.known = this.virtual ? this.virtual.floorBytes : 0;
  }

  /** Traps unless [ptr, ptr + len) lies in memory and ptr is aligned. */
  /** Guest i32 arguments arrive signed: pointers and lengths are their unsigned values. Returns ptr as such. */
  check(ptr: number, len: number, align = 1): number {
    // Signed i32 arguments become unsigned; computed addresses above 4 GiB stay out of bounds.
    if (ptr < 0) ptr += 4294967296;
    if (len < 0) len += 4294967296;
    if (!this.holds(ptr, len)) throw new GuestTrap(`out of bounds pointer: ${ptr}+${len}`);
    if ((ptr & (align - 1)) !== 0) throw new GuestTrap(`misaligned pointer: ${ptr} (alignment ${align})`);
    return ptr;
  }

  /** Whether [ptr, ptr + len) (unsigned values) lies in memory: check() without the trap. Refreshes the view. */
  holds(ptr: number, len: number): boolean {
    this.refresh();
    if (ptr + len > this.known) this.known = this.size();
    return ptr + len <= this.known;
  }

  u32(ptr: number): number {
    const at = this.check(ptr, 4, 4); // check() refreshes the view: call it first
    return this.view.getUint32(at, true);
  }

  u64(ptr: number): bigint {
    const at = this.check(ptr, 8, 8);
    return this.view.getBigUint64(at, true);
  }

  /** A view of guest bytes (valid until the next call that may grow memory). */
  bytes(ptr: number, len: number): Uint8Array {
    ptr = this.check(ptr, len);
    return this.u8.subarray(ptr, ptr + (len < 0 ? len + 4294967296 : len));
  }

  /** Copies guest bytes [ptr, ptr + len) into `target` at `at` (which has room); a few bytes without a view. */
  copyOut(ptr: number, len: number, target: Uint8Array, at: number): void {
    ptr = this.check(ptr, len);
    len >>>= 0; // unsigned, as check() took it
    const { u8 } = this;
    if (len > 64) target.set(u8.subarray(ptr, ptr + len), at);
    else for (let i = 0; i < len; i++) target[at + i] = u8[ptr + i]!;
  }

  /** A guest string; invalid UTF-8 is EILSEQ (thrown as its errno by the caller's mapping). */
  string(ptr: number, len: number): string {
    const bytes = this.bytes(ptr, len);
    try {
      return decoder.decode(bytes);
    } catch {
      throw 25; // EILSEQ
    }
  }

  setU8(ptr: number, v: number): void {
    ptr = this.check(ptr, 1);
    this.u8[ptr] = v;
    this.mark?.(ptr, 1);
  }

  setU16(ptr: number, v: number): void {
    ptr = this.check(ptr, 2, 2);
    this.view.setUint16(ptr, v, true);
    this.mark?.(ptr, 2);
  }

  setU32(ptr: number, v: number): void {
    ptr = this.check(ptr, 4, 4);
    this.view.setUint32(ptr, v, true);
    this.mark?.(ptr, 4);
  }

  setU64(ptr: number, v: bigint): void {
    ptr = this.check(ptr, 8, 8);
    this.view.setBigUint64(ptr, v, true);
    this.mark?.(ptr, 8);
  }

  /** Raw access for struct writers: check() and mark() the whole struct around them. */
  dataView(): DataView {
    this.refresh();
    return this.view;
  }

  write(ptr: number, data: Uint8Array): void {
    ptr = this.check(ptr, data.length);
    this.u8.set(data, ptr);
    this.mark?.(ptr, data.length);
  }

  /** A view of guest bytes the caller writes at once (checked and marked now; valid until memory grows). */
  writable(ptr: number, len: number): Uint8Array {
    const bytes = this.bytes(ptr, len);
    this.mark?.(ptr, len);
    return bytes;
  }

  /** Marks a range written through dataView(). */
  touched(ptr: number, len: number): void {
    this.mark?.(ptr, len);
  }
}
