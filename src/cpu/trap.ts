// Shared constants of the interpreter and the hart: the sentinel thrown to unwind a trap out of
// the interpreter loop, and the host TLB geometry.

/** Thrown (never allocated per trap) when a hart takes a trap inside the interpreter loop. */
export const TRAP: { readonly trap: true } = Object.freeze({ trap: true });

/** Host TLB: direct-mapped, 1024 entries per access kind. */
export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;

/** The jit variant's heat counters per hart (hashed by pc), and the count at which the pc a
 *  jump goes to gets a translated region (jit/translator.ts). */
export const HEAT_SIZE = 4096;
export const JIT_HOT = 64;
