// What a pool's workers share instead of each holding its own: the compiled
// modules (compiled once, in the pool's thread) and the snapshot images
// (built by the first worker, in SharedArrayBuffers, adopted by the others).
// Sharing images is safe because the image store is content-addressed: a
// worker uses an adopted image only for a snapshot whose bytes equal it.
import type { MessagePort } from 'node:worker_threads';
import type { ImageParts } from '../memory/image.js';
import { adoptImages, onImageBuilt } from '../memory/image-store.js';
import { adoptPrepared, type NativePrepared } from '../prepare.js';
import { adoptModules, sharedModules } from './shared-modules.js';

export interface SharedState {
  modules: [string, WebAssembly.Module][];
  images: ImageParts[];
  /** A native program as prepared by the pool (no input read, no cache read in the worker). */
  prepared: [string, NativePrepared] | null;
}

/** A worker's report of an image it built (next to the request/reply messages, which carry an `id`). */
export interface ImageReport { sharedImages: ImageParts[] }

export const isImageReport = (m: unknown): m is ImageReport =>
  typeof m === 'object' && m !== null && Array.isArray((m as ImageReport).sharedImages);

/** The pool's side: what a worker starting now receives. */
export class SharedPoolState {
  private readonly images = new Map<string, ImageParts>();

  constructor(private readonly prepared: [string, NativePrepared] | null) {}

  /** After the pool's thread prepared the program (the modules are in its registry). */
  state(): SharedState {
    return { modules: sharedModules(), images: [...this.images.values()], prepared: this.prepared };
  }

  add(report: ImageReport): void {
    for (const p of report.sharedImages) if (!this.images.has(p.hash)) this.images.set(p.hash, p);
  }

  get imageCount(): number {
    return this.images.size;
  }
}

/** The worker's side: adopt what the pool handed over, and report images built here. */
export function joinShared(state: SharedState | undefined, port: MessagePort): void {
  if (!state) return;
  adoptModules(state.modules);
  if (state.prepared) adoptPrepared(state.prepared);
  adoptImages(state.images);
  onImageBuilt((image) => port.postMessage({ sharedImages: [image.parts] } satisfies ImageReport));
}
