// Request generations: every wasi:http object belongs to the request it was
// made for. A new request ends the previous one, so an object of request A
// that a guest kept (possible only when the instance is not reset) is dead in
// request B: using it traps instead of reading A's data.

export interface Epoch { readonly id: number }

let current: Epoch = { id: 0 };

/** Ends every object of the previous request; returns the new request's epoch. */
export function nextEpoch(): Epoch {
  current = { id: current.id + 1 };
  return current;
}

export function currentEpoch(): Epoch {
  return current;
}

export function liveOrTrap(epoch: Epoch): void {
  if (epoch !== current) throw new Error('wasi:http resource of an earlier request used');
}
