// Shared constants of the interpreter and the hart: the sentinel thrown to unwind a trap out of
// the interpreter loop, and the host TLB geometry; and what the translator shares with the
// interpreter and the session without their loading it (its heat and hub sizes, its counters).

/** Thrown (never allocated per trap) when a hart takes a trap inside the interpreter loop. */
export const TRAP: { readonly trap: true } = Object.freeze({ trap: true });

/** Host TLB: direct-mapped, 1024 entries per access kind. */
export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;

/** The jit variant's heat counters per hart (hashed by pc; jit/translator.ts sets and decays
 *  them). */
export const HEAT_SIZE = 4096;

/** Added to what a translated region retired (jit/translator.ts enter()) when the interpreter
 *  must end its chunk after it (a store asked to yield, or dropped regions): above any budget. */
export const REGION_END_CHUNK = 1 << 30;

/** What jit/translator.ts enter() returns when an instruction of a region trapped (the trap
 *  entered): no count of instructions (those are above 0) nor negated op (below 0). */
export const REGION_TRAPPED = 0;

/** The region hub's entry cache (pc -> region, jit/region.ts regionHub): entries, a power of
 *  two; and the most regions a hart holds at once (a slot of the hub's table and counters
 *  each). */
export const HUB_CACHE_ENTRIES = 2048;
export const HUB_SLOTS = 2048;

/** Bytes of a hart's jit words in the arena (jit/region.ts lays them out: 128 bytes of words,
 *  then the hub's entry cache, 16 bytes an entry, and its per-slot counters, 32 bytes a slot):
 *  the machine and the warm-up's scratch arena make room for them without loading the
 *  emitter. */
export const JIT_WORDS_BYTES = 128 + 16 * HUB_CACHE_ENTRIES + 32 * HUB_SLOTS;

/** What --stats reports about translation (jit/translator.ts counts it). */
export interface JitStats {
  regions: number;
  /** Guest instructions translated, and the wasm bytes they became. */
  insns: number;
  wasmBytes: number;
  /** Instructions retired in translated code. */
  executed: number;
  /** Regions entered from another region (chaining) rather than from the interpreter. */
  chained: number;
  /** Of them, those the hub entered in wasm (the others through JavaScript: see chain()). */
  chainedWasm: number;
  /** Regions thrown away (stores into their page, fence.i). */
  dropped: number;
  /** Regions abandoned as slower than the interpreter (see ENTRY_COST). */
  abandoned: number;
  /** Milliseconds spent translating and compiling. */
  translateMs: number;
}

/** The translator's counters at zero (a machine that has translated nothing; the session
 *  reports them for a machine whose translation is still pending, without loading it). */
export function zeroJitStats(): JitStats {
  return {
    regions: 0,
    insns: 0,
    wasmBytes: 0,
    executed: 0,
    chained: 0,
    chainedWasm: 0,
    dropped: 0,
    abandoned: 0,
    translateMs: 0,
  };
}
