// One snapshot image per distinct content per thread: instances whose
// snapshots hold the same bytes (same program, same init, same options that
// reach memory) share one read-only image. Content addressing is what makes
// sharing safe: an image is reused only for memory that hashes to it and
// compares equal to it byte for byte, whatever made that memory.
// Images handed over from another thread (a pool's first worker) are pinned
// so that a later instance in this thread finds them.
import { hashMemory, MemoryImage, type ImageParts } from './image.js';

const images = new Map<string, WeakRef<MemoryImage>>();
let onBuilt: ((image: MemoryImage) => void) | null = null;
const pinned = new Map<string, MemoryImage>();
const dropped = new FinalizationRegistry<string>((hash) => {
  if (!images.get(hash)?.deref()) images.delete(hash);
});

function lookup(hash: string): MemoryImage | undefined {
  return pinned.get(hash) ?? images.get(hash)?.deref();
}

/** The image of the first `pages` pages of `bytes`: an existing identical one, or a new one. */
export function imageOf(bytes: Uint8Array, pages: number): MemoryImage {
  const { hash, stored } = hashMemory(bytes, pages);
  const known = lookup(hash);
  if (known && known.pages === pages && known.firstDifferentPage(bytes) < 0) return known;
  const image = MemoryImage.build(bytes, pages, hash, stored);
  if (!known) {
    images.set(hash, new WeakRef(image));
    dropped.register(image, hash);
    onBuilt?.(image);
  }
  return image;
}

/** Makes images built elsewhere (another thread) available here, for as long as the thread lives. */
export function adoptImages(parts: readonly ImageParts[]): void {
  for (const p of parts) if (!lookup(p.hash)) pinned.set(p.hash, MemoryImage.fromParts(p));
}

/** Calls `listener` with each new image built in this thread (a pool worker reports them to the pool). */
export function onImageBuilt(listener: ((image: MemoryImage) => void) | null): void {
  onBuilt = listener;
}

/** Distinct images alive in this thread (tests, stats). */
export function imageCount(): number {
  let n = pinned.size;
  for (const [hash, ref] of images) if (ref.deref() && !pinned.has(hash)) n++;
  return n;
}
