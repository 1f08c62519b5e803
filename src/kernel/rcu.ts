// kvfree_rcu: objects queued for freeing after a grace period. The mini-kernel has no
// concurrent readers, so a grace period ends at the next drain: when a batch fills up (as
// kfree_rcu's per-CPU batches do) and at rcu_barrier().

import type { Kernel } from "./kernel.js";

/** Objects per batch before it is handed to the "grace period" (KFREE_BULK_MAX_ENTR-ish). */
export const KVFREE_BATCH = 512;

export class Rcu {
  private queue: bigint[] = [];
  gracePeriods = 0;
  /** How a queued object is finally freed (kvfree, set when the slab layer is wired in). */
  free: (p: bigint) => void;

  constructor(k: Kernel) {
    this.free = (p) => k.vmalloc.vfree(p);
  }

  /** kvfree_rcu(ptr) / kvfree_rcu(ptr, rhf): free after a grace period. */
  kvfree_rcu(p: bigint): void {
    if (p === 0n) return;
    this.queue.push(p);
    if (this.queue.length >= KVFREE_BATCH) this.drain();
  }

  /** rcu_barrier(): wait for every queued free. */
  rcu_barrier(): void {
    this.drain();
  }

  private drain(): void {
    const q = this.queue;
    this.queue = [];
    if (q.length) this.gracePeriods++;
    for (const p of q) this.free(p);
  }
}
