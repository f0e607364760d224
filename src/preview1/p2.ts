// The WASI 0.2 host functions preview1 is built on, looked up once from a
// WasiHost's import object (shims/host.ts), as Wasmtime builds its preview1
// on its WASI 0.2 host state. Types are the shapes of shims/*.ts objects.
import type { ImportObject } from '../../shims/host.js';

export type Flags = Record<string, boolean | undefined>;
export type Datetime = { seconds: bigint; nanoseconds: number };
export type NewTimestamp = { tag: 'no-change' | 'now' } | { tag: 'timestamp'; val: Datetime };
export interface DescriptorStat {
  type: string;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp?: Datetime;
  dataModificationTimestamp?: Datetime;
  statusChangeTimestamp?: Datetime;
}

export interface Pollable { ready(): boolean; block(): void }
export interface InputStream { read(len: bigint): Uint8Array; subscribe(): Pollable; [Symbol.dispose]?(): void }
export interface OutputStream { write(bytes: Uint8Array): void; subscribe(): Pollable; [Symbol.dispose]?(): void }

/** A shims/filesystem.ts Descriptor: methods throw WASI 0.2 error-code strings. */
export interface Descriptor {
  readViaStream(offset: bigint): InputStream;
  writeViaStream(offset: bigint): OutputStream;
  appendViaStream(): OutputStream;
  advise(offset: bigint, len: bigint, advice: string): void;
  syncData(): void;
  sync(): void;
  getFlags(): Flags;
  getType(): string;
  setSize(size: bigint): void;
  setTimes(atime: NewTimestamp, mtime: NewTimestamp): void;
  /** Not WASI 0.2: read() straight into the view `dest` gives for the n bytes there are; returns n. */
  readInto(offset: bigint, max: number, dest: (n: number) => Uint8Array): number;
  write(buffer: Uint8Array, offset: bigint): bigint;
  readDirectory(): { readDirectoryEntry(): { type: string; name: string } | undefined };
  createDirectoryAt(path: string): void;
  stat(): DescriptorStat;
  statAt(pathFlags: Flags, path: string): DescriptorStat;
  setTimesAt(pathFlags: Flags, path: string, atime: NewTimestamp, mtime: NewTimestamp): void;
  linkAt(oldFlags: Flags, oldPath: string, newDescriptor: Descriptor, newPath: string): void;
  openAt(pathFlags: Flags, path: string, openFlags: Flags, flags: Flags): Descriptor;
  readlinkAt(path: string): string;
  removeDirectoryAt(path: string): void;
  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void;
  symlinkAt(oldPath: string, newPath: string): void;
  unlinkFileAt(path: string): void;
  metadataHash(): { upper: bigint; lower: bigint };
  metadataHashAt(pathFlags: Flags, path: string): { upper: bigint; lower: bigint };
  [Symbol.dispose]?(): void;
}

export interface P2 {
  args(): string[];
  env(): [string, string][];
  stdin(): InputStream;
  stdout(): OutputStream;
  stderr(): OutputStream;
  preopens(): [Descriptor, string][];
  monotonicNow(): bigint;
  monotonicResolution(): bigint;
  wallNow(): Datetime;
  wallResolution(): Datetime;
  subscribeInstant(when: bigint): Pollable;
  subscribeDuration(d: bigint): Pollable;
  poll(list: Pollable[]): Uint32Array;
  randomBytes(len: bigint): Uint8Array;
  exit(code: number): never;
}

type Fns = Record<string, (...args: any[]) => any>;

export function p2Of(imports: ImportObject): P2 {
  const get = (iface: string) => imports[iface] as Fns;
  const env = get('wasi:cli/environment');
  const mono = get('wasi:clocks/monotonic-clock');
  const wall = get('wasi:clocks/wall-clock');
  const random = get('wasi:random/random');
  const exit = get('wasi:cli/exit');
  return {
    args: env.getArguments!,
    env: env.getEnvironment!,
    stdin: get('wasi:cli/stdin').getStdin!,
    stdout: get('wasi:cli/stdout').getStdout!,
    stderr: get('wasi:cli/stderr').getStderr!,
    preopens: get('wasi:filesystem/preopens').getDirectories!,
    monotonicNow: mono.now!,
    monotonicResolution: mono.resolution!,
    wallNow: wall.now!,
    wallResolution: wall.resolution!,
    subscribeInstant: mono.subscribeInstant!,
    subscribeDuration: mono.subscribeDuration!,
    poll: get('wasi:io/poll').poll!,
    randomBytes: random.getRandomBytes!,
    exit: exit.exitWithCode as (code: number) => never,
  };
}
