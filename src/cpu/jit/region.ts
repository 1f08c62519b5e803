// The translator proper: a region of guest code (blocks reachable from one entry, all within one
// 4 KiB page) read from the decode cache and emitted as one WebAssembly function with the
// emitter of this folder. The function works on the arena (src/mmu/arena.ts) the interpreter
// also views:
//
//   run(budget i32, nbase i32, clk f64, start i32) -> i32   instructions retired
//
// `start` is the index of the block to begin with: every block of a region is an entry, so that
// one region serves every hot pc of its blocks (blockOffs gives their page offsets).
//
// Guest registers the region uses are loaded into i64 locals at entry and the ones it writes
// are stored back at its one exit. A call out that traps says so in its result (its glue keeps
// the trap) and the region leaves at once through that exit; the interpreter then unwinds the
// trap with the registers in memory. The blocks are dispatched
// by a br_table inside one loop (jumps to a later block and a block's jump to itself are direct
// branches); a block runs only if all of it fits the instructions left in
// the interpreter's budget (else the region exits at the block's pc, and the interpreter takes
// the instructions one by one), so the quantum and the interrupts come at the same instruction
// as without translation. Loads and stores look up the host TLB inline and, in the paged variant,
// account the hit in the modelled TLB as the interpreter does (semantics.ts ACCT_R/ACCT_W: the
// slot's LRU stamp = the instruction's clock, its host-hit counter + 1); a miss, a misaligned or
// device access calls the interpreter's slow path through an import. The exit pc goes to the
// hart's jit words (JIT_PC); every instruction the region does not translate (CSRs, system and
// FP instructions, atomics, divisions) and every jump out of the page is a side exit to the
// interpreter at that instruction.

import { insnInfo, MNEMONICS, type Mnemonic, OPS, WRITES_F } from "../isa.js";
import { HUB_CACHE_ENTRIES, TLB_MASK } from "../trap.js";
import { FpEmitter, fpCsr, fpNative, fpOwns, fpXRegs } from "./fp.js";
import type { FuncBuilder, Label } from "./func.js";
import { ModuleBuilder } from "./module.js";
import { Op } from "./opcodes.js";
import { Block, F64, I32, I64, type ValType } from "./types.js";

/** Offsets in a hart's jit words: the exit pc, and the value a slow load returns. */
export const JIT_PC = 0;
export const JIT_VALUE = 8;
/** The loop groups' pending state (Emitter.loopGroups), JIT_LOOP_BYTES each from here: the
 *  slot (LOOP_NONE: none), the n of the first pending iteration and the block's length. In
 *  memory, not in locals: a local carried around the loop became a phi that V8 shuffled
 *  between registers and the stack at each iteration (mmu/onoff 8% slower than with none). */
export const JIT_LOOP = 80;
export const JIT_LOOP_BYTES = 16;
/** Loop groups a region has at most (their words end at the hub's, HUB_CACHE). */
export const MAX_LOOP_RECORDS = 3;
/** The pending slot word when none is: no group's slot local ever holds it (slots are >= 0,
 *  a group's slot local's other values -1 - a site index, >= -1 - MAX_GROUP). */
export const LOOP_NONE = -256;
/** Most access sites in a group (see Emitter.planGroups). */
export const MAX_GROUP = 4;
/** Groups of a block that loops on itself whose hits stay pending across its iterations
 *  (Emitter.loopGroups): at most this many a block (each costs two locals and code at each
 *  call out of the block). */
export const MAX_LOOP_GROUPS = 2;
/** Bytes of a hart's jit words (in trap.ts, which the interpreter's warm-up reads without
 *  loading the emitter). */
export { JIT_WORDS_BYTES } from "../trap.js";

/** Where a hart's state lies in the arena (byte offsets), for the code of one hart. */
export interface RegionLayout {
  /** x0's 8 bytes (register r at x + 8r). */
  x: number;
  /** The hart's jit words: JIT_PC the exit pc (i64), JIT_VALUE a slow load's value (i64). */
  jit: number;
  /** The host TLB for loads: the tag's low and high words, the host base, the modelled slot. */
  rLo: number;
  rHi: number;
  rBase: number;
  rSlot: number;
  /** The same for stores. */
  wLo: number;
  wHi: number;
  wBase: number;
  wSlot: number;
  /** f0's 8 bytes (register r at f + 8r), and whether the hart has D (fp.ts). */
  f: number;
  hasD: boolean;
  /** The modelled TLB's stamps and host-hit counters (used by the paged variant only). */
  stamp: number;
  hitR: number;
  hitW: number;
  /** Pages of the arena's memory (the import's limits), and whether it is shared (Arena). */
  pages: number;
  shared?: boolean;
}

/** The region's code as the translator reads it: decoded slots of one page (code.ts format). */
export interface RegionSource {
  /** The page's decode slots; `decode(off)` fills slot `off` if needed and returns its op (0 when
   *  the instruction cannot be taken: it straddles the page end). */
  readonly dc: Int32Array;
  decode(off: number): number;
  /** The virtual address of the page (low word page-aligned) and the entry's page offset. */
  readonly pageLo: number;
  readonly pageHi: number;
  readonly entry: number;
  /** Paging on: account host-TLB hits to the modelled TLB. */
  readonly paged: boolean;
  /** A stub region (translated for an exit of other regions to a pc that was no entry): page
   *  offsets its blocks stop at (the entries of the page's other regions: the stub exits there
   *  and the hub chains on), sorted; and the most instructions it takes. Absent: a full region
   *  (MAX_INSNS, no stops). */
  readonly stub?: { readonly stops: readonly number[]; readonly max: number };
  /** A full region: the entries of the page's other regions of this hart (page offsets,
   *  sorted). It stops at them (exits there: the hub chains on) when no path from them comes back
   *  into its own blocks, rather than holding a second copy of their code (formRegion). */
  readonly others?: readonly number[];
}

/** A translated region, before instantiation. */
export interface RegionCode {
  module: ModuleBuilder;
  /** Guest instructions translated (each block's, counted once). */
  insns: number;
  blocks: number;
  /** The lowest and highest page offset of a translated instruction's first byte. */
  lo: number;
  hi: number;
  /** Page offsets right after the instructions the region leaves to the interpreter (side
   *  exits): where the interpreter goes on after running one. They are blocks of the region
   *  (entries the interpreter may come back through) unless the region was full. */
  resume: number[];
  /** Page offsets of the blocks, by index (the `start` argument of run). */
  blockOffs: number[];
}

/** Imports of a region module (module "env"). */
export interface RegionImports {
  /** Slow-path load: (lo, hi, pcLo, pcHi, n, kind) with kind = width | 16 if signed; the value
   *  goes to the jit words (JIT_VALUE). Returns non-zero if it trapped (the region then exits at
   *  once: the trap is the interpreter's to unwind, the registers go back to memory on the way). */
  load(lo: number, hi: number, pcLo: number, pcHi: number, n: number, kind: number): number;
  /** Slow-path store; returns 1 if the region must exit after it (code changed, or the
   *  interpreter must end its chunk), 2 if it trapped. */
  store(
    lo: number,
    hi: number,
    vlo: number,
    vhi: number,
    pcLo: number,
    pcHi: number,
    n: number,
    width: number,
  ): number;
  /** One instruction the region leaves to the interpreter's semantics (cold(): F and D, A):
   *  its decode slot (op, a, imm, len), pc and count. Returns as store does: 1 if the region
   *  must exit after it, 2 if it trapped. */
  exec(op: number, a: number, imm: number, len: number, pcLo: number, pcHi: number, n: number): number;
}

/** The parameters of the imports (all i32; each returns an i32). */
const IMPORT_PARAMS: Record<keyof RegionImports, readonly ValType[]> = {
  load: [I32, I32, I32, I32, I32, I32],
  store: [I32, I32, I32, I32, I32, I32, I32, I32],
  exec: [I32, I32, I32, I32, I32, I32, I32],
};

/** The slots of a region's calls out in the table it imports as `env.calls` (see
 *  callsTable): a region imports no function. V8 (11.3, Node 20) compiles a wrapper for
 *  calling JavaScript for every function import of every module it compiles, whatever the
 *  import turns out to be, and waits for them: 0.3-0.6 ms of the interpreter's thread a
 *  region module (docs/jit.md "The translation cache"). */
export const CALL_SLOTS: readonly (keyof RegionImports)[] = ["load", "store", "exec"];

/** The table a region's instance imports as `env.calls`: the functions `g` (which must be
 *  WebAssembly functions: forwardImports', slowPath's) at their CALL_SLOTS. */
export function callsTable(g: RegionImports): WebAssembly.Table {
  const n = CALL_SLOTS.length;
  const t = new WebAssembly.Table({ element: "anyfunc", initial: n, maximum: n });
  CALL_SLOTS.forEach((name, k) => {
    t.set(k, g[name] as unknown as WebAssembly.ExportValue);
  });
  return t;
}

/** How a helper module's builder becomes a module: built and compiled now, or taken from the
 *  translation cache (tcache.ts cachedModule: a warm run then never runs the emitter for it). */
export type HelperCompiler = (build: () => ModuleBuilder) => WebAssembly.Module;

/** A helper module built and compiled now. */
const compileNow: HelperCompiler = (build) => build().compile();

/** The imports `g` as functions of a small wasm module that calls them: a table of functions
 *  (callsTable) holds WebAssembly functions only, and a region calling another module's
 *  function calls it directly. One such module per hart and variant serves all its regions;
 *  `compile` makes it (its code is a function of IMPORT_PARAMS only). */
export function forwardImports(g: RegionImports, compile: HelperCompiler = compileNow): RegionImports {
  const inst = new WebAssembly.Instance(compile(forwardModule), { js: { ...g } });
  return inst.exports as unknown as RegionImports;
}

/** The module of forwardImports (its imports: js.load, js.store, js.exec). */
function forwardModule(): ModuleBuilder {
  const m = new ModuleBuilder();
  const names = Object.keys(IMPORT_PARAMS) as (keyof RegionImports)[];
  const idx = names.map((name) => m.importFunc({ module: "js", name }, IMPORT_PARAMS[name], [I32]));
  names.forEach((name, k) => {
    const params = IMPORT_PARAMS[name];
    const f = m.func(`${name}_fwd`, params, [I32]);
    for (let i = 0; i < params.length; i++) f.localGet(i);
    f.call(idx[k]!);
    m.export(name, "func", f.index);
  });
  return m;
}

/** The parameters of a region's `run` (budget, nbase, clk, start; it returns an i32). */
const RUN_PARAMS: readonly ValType[] = [I32, I32, F64, I32];

/** The hub's words, after the jit words above (byte offsets from the jit words' base), set and
 *  read by the translator around each call of the hub:
 *  - HUB_STOP: set by the imports' glue when the hub must return after the region (1: an import
 *    trapped; 2: the interpreter must end its chunk);
 *  - HUB_CALLS: the calls out of regions so far (the glue counts them; the hub gives each
 *    region its share);
 *  - HUB_WHY: why the hub returned (HUB_EMPTY...); HUB_JSLOT: the slot due for judgement;
 *  - the fetch state the interpreter goes on with (translator.ts enter()): HUB_FLO, HUB_FHI
 *    (the virtual page), HUB_FBASE (its RAM page offset), HUB_FSLOT, HUB_FFROM (the modelled
 *    iTLB slot, the first count not accounted to it), HUB_FE (the host iTLB entry of the last
 *    page crossed to, -1 if none);
 *  - HUB_CHAINED: regions the hub entered by chaining; HUB_JE, HUB_JC: a slot's entries or calls
 *    out at which it is due for judgement; HUB_COST: the judgement's cost of a chained entry. */
export const HUB_STOP = 24;
export const HUB_CALLS = 28;
export const HUB_WHY = 32;
export const HUB_FE = 36;
export const HUB_FLO = 40;
export const HUB_FHI = 44;
export const HUB_FBASE = 48;
export const HUB_FSLOT = 52;
export const HUB_FFROM = 56;
export const HUB_CHAINED = 60;
export const HUB_JSLOT = 64;
export const HUB_JE = 68;
export const HUB_JC = 72;
export const HUB_COST = 76;
/** The entry cache: HUB_CACHE_ENTRIES of 16 bytes, [RAM offset of the entry (-1: none), the
 *  region's virtual page low word | 1 if paged, its high word, slot | block << 16]. */
export const HUB_CACHE = 128;
/** The per-slot counters, 32 bytes a slot: entries, calls out, cost (i32) since the last
 *  judgement, then instructions retired since it and up to it over the region's life (f64; the
 *  hub adds to the former, the judgement moves it to the latter). */
export const HUB_SLOT_AT = HUB_CACHE + 16 * HUB_CACHE_ENTRIES;
export const HUB_SLOT_BYTES = 32;
/** Why the hub returned: the last region retired nothing; an import stopped it (HUB_STOP); a
 *  slot is due for judgement (HUB_JSLOT); the budget is spent; the exit pc is in a page the
 *  host iTLB does not map; the exit pc (in the fetch page) is not in the entry cache. */
export const HUB_EMPTY = 1;
export const HUB_STOPPED = 2;
export const HUB_JUDGE = 3;
export const HUB_BUDGET = 4;
export const HUB_ITLB = 5;
export const HUB_NO_ENTRY = 6;

/** The entry cache's index of the entry at RAM offset `ramOff` (the hub computes the same). */
export function hubIndex(ramOff: number): number {
  return ((ramOff >>> 1) ^ (ramOff >>> 12)) & (HUB_CACHE_ENTRIES - 1);
}

/** A hart's one way into its regions: `enter(slot, blk, budget, nbase, clk, paged, cost,
 *  chained)` runs block `blk` of the region at `slot` of the hart's table (a call_indirect), and
 *  then, while the exit pc is a region entry the entry cache holds (chaining in wasm), the next
 *  region, and so on; it returns the instructions retired in all and leaves in HUB_WHY why it
 *  stopped. `slot` -1 starts with the lookup of the exit pc in the jit words. `cost` is the
 *  judgement's cost of the first entry, `chained` 1 if it counts as chained. Each run is
 *  counted in its slot's counters. A pc in another virtual page is reached as the interpreter's
 *  fetch reaches it: through the host iTLB (a miss ends the chain), the old page's fetches
 *  accounted to its modelled slot (paged: its host-hit counter + the instructions fetched from
 *  it, its stamp = the clock of the last one) and the new page's slot taken from the host
 *  entry. Called from one place with one function, the call from JavaScript is monomorphic. */
export type RegionHub = (
  slot: number,
  blk: number,
  budget: number,
  nbase: number,
  clk: number,
  paged: number,
  cost: number,
  chained: number,
) => number;

/** Where the hub finds a hart's state in the arena (byte offsets). */
export interface HubLayout {
  /** The hart's jit words (the hub's words and cache follow them). */
  jit: number;
  /** The host TLB's fetch arrays (tag low and high words, RAM base, modelled slot). */
  xLo: number;
  xHi: number;
  xBase: number;
  xSlot: number;
  /** The modelled TLB's stamps and fetch host-hit counters (f64), -1 without one. */
  stamp: number;
  hitX: number;
  pages: number;
  shared?: boolean;
}

/** The hub of the regions of `table` (see RegionHub), on the arena `memory` laid out as `lay`;
 *  `compile` makes its module (hubModule: a function of `lay` only). */
export function regionHub(
  table: WebAssembly.Table,
  memory: WebAssembly.Memory,
  lay: HubLayout,
  compile: HelperCompiler = compileNow,
): RegionHub {
  const mod = compile(() => hubModule(lay));
  return new WebAssembly.Instance(mod, { env: { mem: memory, regions: table } }).exports.enter as RegionHub;
}

/** The module of regionHub for layout `lay` (its imports: env.mem, env.regions). */
function hubModule(lay: HubLayout): ModuleBuilder {
  const m = new ModuleBuilder();
  m.importMemory(
    { module: "env", name: "mem" },
    { min: lay.pages, max: lay.pages, shared: lay.shared === true },
  );
  m.importTable({ module: "env", name: "regions" }, { min: 0 });
  const run = m.type(RUN_PARAMS, [I32]);
  const names = ["slot", "blk", "budget", "nbase", "clk", "paged", "cost", "chained"];
  const f = m.func("enter", [I32, I32, I32, I32, F64, I32, I32, I32], [I32], names);
  const [slot, blk, budget, nbase, clk, paged, cost, chained] = [0, 1, 2, 3, 4, 5, 6, 7];
  const total = f.local(I32, "total");
  const k = f.local(I32, "k");
  const c0 = f.local(I32, "c0");
  const sa = f.local(I32, "sa");
  const pl = f.local(I32, "pl");
  const ph = f.local(I32, "ph");
  const e = f.local(I32, "e");
  const fs = f.local(I32, "fs");
  const ca = f.local(I32, "ca");
  const J = lay.jit;
  const word = (at: number): void => {
    f.i32Const(0).load(Op.i32_load, J + at);
  };
  const why = (code: number, done: Label): void => {
    f.i32Const(0)
      .i32Const(code)
      .store(Op.i32_store, J + HUB_WHY);
    f.br(done);
  };
  // slot counter at byte `at` of the slot's 32 += the value pushed by `value`
  const addI32 = (at: number, value: () => void): void => {
    f.localGet(sa).localGet(sa).load(Op.i32_load, at);
    value();
    f.op(Op.i32_add).store(Op.i32_store, at);
  };
  const addF64 = (at: number): void => {
    f.localGet(sa).localGet(sa).load(Op.f64_load, at).localGet(k).op(Op.f64_convert_i32_s);
    f.op(Op.f64_add).store(Op.f64_store, at);
  };
  // push non-zero if any pair of the words pushed by `pairs` (a, b, c, d...) differs: (a ^ b) |
  // (c ^ d) | ..., one test where a != b | c != d made V8 materialize each compare (setcc and
  // a zero extension) before the or
  const differ = (...pairs: (() => void)[]): void => {
    for (let i = 0; i < pairs.length; i += 2) {
      pairs[i]!();
      pairs[i + 1]!();
      f.op(Op.i32_xor);
      if (i > 0) f.op(Op.i32_or);
    }
  };
  const done = f.block();
  const top = f.loop();
  const lookup = f.block();
  f.localGet(slot).i32Const(0).op(Op.i32_lt_s).brIf(lookup);
  // the region at slot
  word(HUB_CALLS);
  f.localSet(c0);
  f.localGet(budget).localGet(total).op(Op.i32_sub);
  f.localGet(nbase).localGet(total).op(Op.i32_add);
  f.localGet(clk).localGet(total).op(Op.f64_convert_i32_s).op(Op.f64_add);
  f.localGet(blk).localGet(slot).callIndirect(run).localSet(k);
  f.localGet(slot)
    .i32Const(HUB_SLOT_BYTES)
    .op(Op.i32_mul)
    .i32Const(J + HUB_SLOT_AT)
    .op(Op.i32_add)
    .localSet(sa);
  addI32(0, () => f.i32Const(1));
  addI32(4, () => {
    word(HUB_CALLS);
    f.localGet(c0).op(Op.i32_sub);
  });
  addI32(8, () => f.localGet(cost));
  // the instructions retired since the last judgement (the life's count takes them at the
  // judgement: translator.ts judge(), ranOf())
  addF64(16);
  f.localGet(k).op(Op.i32_eqz).if();
  why(HUB_EMPTY, done);
  f.end();
  f.localGet(total).localGet(k).op(Op.i32_add).localSet(total);
  f.i32Const(0);
  word(HUB_CHAINED);
  f.localGet(chained)
    .op(Op.i32_add)
    .store(Op.i32_store, J + HUB_CHAINED);
  word(HUB_STOP);
  f.if();
  why(HUB_STOPPED, done);
  f.end();
  // due for judgement: two tests and branches (as one `or` of two compares V8 made each a
  // setcc and a zero extension)
  const judged = f.block();
  const judge = f.block();
  f.localGet(sa).load(Op.i32_load, 0);
  word(HUB_JE);
  f.op(Op.i32_ge_s).brIf(judge, "unlikely");
  f.localGet(sa).load(Op.i32_load, 4);
  word(HUB_JC);
  f.op(Op.i32_ge_s).brIf(judge, "unlikely");
  f.br(judged);
  f.end(); // judge
  f.i32Const(0)
    .localGet(slot)
    .store(Op.i32_store, J + HUB_JSLOT);
  why(HUB_JUDGE, done);
  f.end(); // judged
  f.end(); // lookup
  // the exit pc: is the budget left, is it in the fetch page or one the host iTLB maps?
  f.localGet(budget).localGet(total).op(Op.i32_sub).i32Const(0).op(Op.i32_le_s).if(Block.void, "unlikely");
  why(HUB_BUDGET, done);
  f.end();
  f.i32Const(0)
    .load(Op.i32_load, J + JIT_PC)
    .localSet(pl);
  f.i32Const(0)
    .load(Op.i32_load, J + JIT_PC + 4)
    .localSet(ph);
  // words equal as a xor, an or and one test (see differ())
  differ(
    () => f.localGet(pl).i32Const(-4096).op(Op.i32_and),
    () => word(HUB_FLO),
    () => f.localGet(ph),
    () => word(HUB_FHI),
  );
  f.if();
  f.localGet(pl);
  entryOffset(f, pl);
  f.localSet(e);
  differ(
    () => f.localGet(e).load(Op.i32_load, lay.xLo),
    () => f.localGet(pl).i32Const(-4096).op(Op.i32_and),
    () => f.localGet(e).load(Op.i32_load, lay.xHi),
    () => f.localGet(ph),
  );
  f.if(Block.void, "unlikely");
  why(HUB_ITLB, done);
  f.end();
  if (lay.stamp >= 0 && lay.hitX >= 0) {
    f.localGet(paged).if();
    word(HUB_FSLOT);
    f.localTee(fs).i32Const(0).op(Op.i32_ge_s).if();
    // hitX[fs] += (nbase + total + 1) - fFrom; stamp[fs] = clk + total
    f.localGet(fs).i32Const(3).op(Op.i32_shl).localTee(fs);
    f.localGet(fs).load(Op.f64_load, lay.hitX);
    f.localGet(nbase).localGet(total).op(Op.i32_add).i32Const(1).op(Op.i32_add);
    word(HUB_FFROM);
    f.op(Op.i32_sub).op(Op.f64_convert_i32_s).op(Op.f64_add).store(Op.f64_store, lay.hitX);
    f.localGet(fs).localGet(clk).localGet(total).op(Op.f64_convert_i32_s).op(Op.f64_add);
    f.store(Op.f64_store, lay.stamp);
    f.end();
    f.i32Const(0)
      .localGet(e)
      .load(Op.i32_load, lay.xSlot)
      .store(Op.i32_store, J + HUB_FSLOT);
    f.i32Const(0).localGet(nbase).localGet(total).op(Op.i32_add).i32Const(1).op(Op.i32_add);
    f.store(Op.i32_store, J + HUB_FFROM);
    f.end();
  }
  f.i32Const(0)
    .localGet(pl)
    .i32Const(-4096)
    .op(Op.i32_and)
    .store(Op.i32_store, J + HUB_FLO);
  f.i32Const(0)
    .localGet(ph)
    .store(Op.i32_store, J + HUB_FHI);
  f.i32Const(0)
    .localGet(e)
    .load(Op.i32_load, lay.xBase)
    .store(Op.i32_store, J + HUB_FBASE);
  f.i32Const(0)
    .localGet(e)
    .i32Const(3)
    .op(Op.i32_shr_u)
    .store(Op.i32_store, J + HUB_FE);
  f.end();
  // the entry cache at the pc's RAM offset (reusing e for it)
  word(HUB_FBASE);
  f.localGet(pl).i32Const(4095).op(Op.i32_and).op(Op.i32_add).localTee(e);
  f.i32Const(1).op(Op.i32_shr_u).localGet(e).i32Const(12).op(Op.i32_shr_u).op(Op.i32_xor);
  f.i32Const(HUB_CACHE_ENTRIES - 1)
    .op(Op.i32_and)
    .i32Const(4)
    .op(Op.i32_shl)
    .localSet(ca);
  differ(
    () => f.localGet(ca).load(Op.i32_load, J + HUB_CACHE),
    () => f.localGet(e),
    () => f.localGet(ca).load(Op.i32_load, J + HUB_CACHE + 4),
    () => {
      word(HUB_FLO);
      f.localGet(paged).op(Op.i32_or);
    },
    () => f.localGet(ca).load(Op.i32_load, J + HUB_CACHE + 8),
    () => f.localGet(ph),
  );
  f.if(Block.void, "unlikely");
  why(HUB_NO_ENTRY, done);
  f.end();
  f.localGet(ca)
    .load(Op.i32_load, J + HUB_CACHE + 12)
    .localTee(e)
    .i32Const(0xffff)
    .op(Op.i32_and)
    .localSet(slot);
  f.localGet(e).i32Const(16).op(Op.i32_shr_u).localSet(blk);
  word(HUB_COST);
  f.localSet(cost);
  f.i32Const(1).localSet(chained);
  f.br(top);
  f.end(); // loop
  f.unreachable();
  f.end(); // done
  f.localGet(total);
  m.export("enter", "func", f.index);
  return m;
}

/** Most guest instructions in a region, and in one block. */
const MAX_INSNS = 400;
const MAX_BLOCK = 64;

const BRANCHES: Partial<Record<Mnemonic, number>> = {
  beq: Op.i64_eq,
  bne: Op.i64_ne,
  blt: Op.i64_lt_s,
  bge: Op.i64_ge_s,
  bltu: Op.i64_lt_u,
  bgeu: Op.i64_ge_u,
};

/** Loads: [width, signed, wasm load op]. */
const LOADS: Partial<Record<Mnemonic, readonly [number, boolean, number]>> = {
  lb: [1, true, Op.i64_load8_s],
  lh: [2, true, Op.i64_load16_s],
  lw: [4, true, Op.i64_load32_s],
  ld: [8, true, Op.i64_load],
  lbu: [1, false, Op.i64_load8_u],
  lhu: [2, false, Op.i64_load16_u],
  lwu: [4, false, Op.i64_load32_u],
};

const STORES: Partial<Record<Mnemonic, readonly [number, number]>> = {
  sb: [1, Op.i64_store8],
  sh: [2, Op.i64_store16],
  sw: [4, Op.i64_store32],
  sd: [8, Op.i64_store],
};

/** Register-register ALU ops on i64: the wasm op. */
const ALU: Partial<Record<Mnemonic, number>> = {
  add: Op.i64_add,
  sub: Op.i64_sub,
  xor: Op.i64_xor,
  or: Op.i64_or,
  and: Op.i64_and,
  sll: Op.i64_shl,
  srl: Op.i64_shr_u,
  sra: Op.i64_shr_s,
  mul: Op.i64_mul,
};

/** Register-immediate ALU ops on i64 (the immediate sign-extended; shifts take it as is). */
const ALU_IMM: Partial<Record<Mnemonic, number>> = {
  addi: Op.i64_add,
  xori: Op.i64_xor,
  ori: Op.i64_or,
  andi: Op.i64_and,
  slli: Op.i64_shl,
  srli: Op.i64_shr_u,
  srai: Op.i64_shr_s,
};

/** 32-bit ops whose result is sign-extended: the wasm i32 op. */
const ALU_W: Partial<Record<Mnemonic, number>> = {
  addw: Op.i32_add,
  subw: Op.i32_sub,
  sllw: Op.i32_shl,
  srlw: Op.i32_shr_u,
  sraw: Op.i32_shr_s,
  mulw: Op.i32_mul,
};

const ALU_W_IMM: Partial<Record<Mnemonic, number>> = {
  addiw: Op.i32_add,
  slliw: Op.i32_shl,
  srliw: Op.i32_shr_u,
  sraiw: Op.i32_shr_s,
};

const COMPARES: Partial<Record<Mnemonic, readonly [number, boolean]>> = {
  slt: [Op.i64_lt_s, false],
  sltu: [Op.i64_lt_u, false],
  slti: [Op.i64_lt_s, true],
  sltiu: [Op.i64_lt_u, true],
};

/** Divisions and remainders: RISC-V defines the results wasm traps on (section 13.2 of the
 *  unprivileged spec: x/0 = -1 (all ones), x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0).
 *  [wasm op, signed, 32-bit, remainder]. */
const DIVS: Partial<Record<Mnemonic, readonly [number, boolean, boolean, boolean]>> = {
  div: [Op.i64_div_s, true, false, false],
  divu: [Op.i64_div_u, false, false, false],
  rem: [Op.i64_rem_s, true, false, true],
  remu: [Op.i64_rem_u, false, false, true],
  divw: [Op.i32_div_s, true, true, false],
  divuw: [Op.i32_div_u, false, true, false],
  remw: [Op.i32_rem_s, true, true, true],
  remuw: [Op.i32_rem_u, false, true, true],
};

/** The high halves of 64x64-bit products (wasm has no 128-bit multiply). */
const MULH: ReadonlySet<Mnemonic> = new Set<Mnemonic>(["mulh", "mulhsu", "mulhu"]);

const OTHER: ReadonlySet<Mnemonic> = new Set<Mnemonic>(["lui", "auipc", "jal", "jalr", "fence"]);

/** Ops a region runs by calling the interpreter's own semantics (the exec import, cold()):
 *  F and D (their flags and rounding are the interpreter's), A (reservations, AMOs). */
export const CALLED: ReadonlySet<Mnemonic> = new Set<Mnemonic>(
  MNEMONICS.filter((m) => ["F", "D", "A"].includes(insnInfo(OPS[m]).ext)),
);

/** Ops the translator emits (the rest are side exits). */
export const TRANSLATED: ReadonlySet<Mnemonic> = new Set<Mnemonic>(
  MNEMONICS.filter(
    (m) =>
      OTHER.has(m) ||
      m in BRANCHES ||
      m in LOADS ||
      m in STORES ||
      m in ALU ||
      m in ALU_IMM ||
      m in ALU_W ||
      m in ALU_W_IMM ||
      m in COMPARES ||
      m in DIVS ||
      MULH.has(m),
  ),
);

const NAME_BY_OP: Mnemonic[] = [];
for (const m of MNEMONICS) NAME_BY_OP[OPS[m]] = m;

// What the emitter does with each op, by op number (arrays read once per instruction, instead
// of a lookup by name in each table in turn: emission runs cold, in V8's interpreter).
const K_NONE = 0; // a side exit
const K_ALU = 1;
const K_ALU_IMM = 2;
const K_ALU_W = 3;
const K_ALU_W_IMM = 4;
const K_CMP = 5;
const K_CMP_IMM = 6;
const K_DIV = 7;
const K_MULH = 8;
export const K_LOAD = 9;
export const K_STORE = 10;
const K_BRANCH = 11;
const K_OTHER = 12; // lui, auipc, jal, jalr, fence
const K_CALLED = 13;
/** The op's kind (K_*), and the wasm op of the ALU, compare, branch, load and store kinds. */
const KIND = new Uint8Array(NAME_BY_OP.length);
const WASM_OP = new Int32Array(NAME_BY_OP.length);

/** Fill KIND and WASM_OP from the tables above. */
function kindTable(): void {
  const set = (kind: number, table: Partial<Record<Mnemonic, number>>): void => {
    for (const [m, op] of Object.entries(table) as [Mnemonic, number][]) {
      KIND[OPS[m]] = kind;
      WASM_OP[OPS[m]] = op;
    }
  };
  set(K_ALU, ALU);
  set(K_ALU_IMM, ALU_IMM);
  set(K_ALU_W, ALU_W);
  set(K_ALU_W_IMM, ALU_W_IMM);
  set(K_BRANCH, BRANCHES);
  for (const [m, [op, imm]] of Object.entries(COMPARES) as [Mnemonic, readonly [number, boolean]][]) {
    KIND[OPS[m]] = imm ? K_CMP_IMM : K_CMP;
    WASM_OP[OPS[m]] = op;
  }
  for (const m of Object.keys(DIVS) as Mnemonic[]) KIND[OPS[m]] = K_DIV;
  for (const m of MULH) KIND[OPS[m]] = K_MULH;
  for (const [m, [, , op]] of Object.entries(LOADS) as [Mnemonic, readonly [number, boolean, number]][]) {
    KIND[OPS[m]] = K_LOAD;
    WASM_OP[OPS[m]] = op;
  }
  for (const [m, [, op]] of Object.entries(STORES) as [Mnemonic, readonly [number, number]][]) {
    KIND[OPS[m]] = K_STORE;
    WASM_OP[OPS[m]] = op;
  }
  for (const m of OTHER) KIND[OPS[m]] = K_OTHER;
  for (const m of CALLED) KIND[OPS[m]] = K_CALLED;
  for (const m of MNEMONICS) {
    if ((KIND[OPS[m]] !== K_NONE) !== (TRANSLATED.has(m) || CALLED.has(m))) {
      throw new Error(`translator: op ${m} is in no table or in two`);
    }
  }
}
kindTable();

/** One decoded guest instruction of a block. */
interface Insn {
  off: number;
  name: Mnemonic;
  /** The decode slot's op and register word (the exec import takes them as they are). */
  op: number;
  /** What the emitter does with it (K_*; K_CALLED for the CSR accesses fp.ts takes). */
  kind: number;
  a: number;
  /** Run through the exec import (a CALLED op): its register fields may name f registers. */
  call: boolean;
  d: number; // register numbers (rd 0 when the slot's rd is the x0 sink)
  s1: number;
  s2: number;
  imm: number;
  len: number;
}

/** A block: straight-line instructions and how it ends. */
interface GuestBlock {
  off: number;
  insns: Insn[];
  /** The ending instruction (branch, jal, jalr), or null: the block exits (or goes on) at `next`. */
  end: Insn | null;
  next: number;
}

/** Groups of access sites in `insns` (a block's straight line) for the paged variant: runs of
 *  2..MAX_GROUP integer loads and stores on the same base register, which nothing between them
 *  writes (a site that loads into it ends its run), with no call out between them (a called op
 *  ends a run; the other ops between do not call or exit). Such sites nearly always hit one
 *  page, so one modelled slot (Emitter.endGroup). Returns, at each run's first instruction, the
 *  number of sites in the run (0 elsewhere). With `singles`, a run of one site is a group too (a
 *  self-looping block's loop groups may be single sites: blockPlan()). */
export function planGroups(
  insns: readonly Pick<Insn, "kind" | "call" | "d" | "s1">[],
  singles = false,
): number[] {
  const plan = new Array<number>(insns.length).fill(0);
  let start = -1;
  let base = -1;
  const close = (): void => {
    if (start >= 0 && plan[start]! < 2 && !singles) plan[start] = 0;
    start = -1;
    base = -1;
  };
  insns.forEach((ins, k) => {
    const access = !ins.call && (ins.kind === K_LOAD || ins.kind === K_STORE);
    if (!access) {
      if (ins.call || (ins.d !== 0 && ins.d === base)) close();
      return;
    }
    if (start < 0 || ins.s1 !== base || plan[start]! >= MAX_GROUP) {
      close();
      start = k;
      base = ins.s1;
    }
    plan[start]!++;
    if (ins.kind === K_LOAD && ins.d !== 0 && ins.d === base) close();
  });
  close();
  return plan;
}

/** The byte offsets (imm) of the sites of the group planned at `insns[k]` (`size` sites) if it is
 *  a "same-page" group: each site's bytes lie within the first site's (so, the first site's
 *  address being aligned to its width when it hits, on its page), and none loads into the base
 *  (so the base keeps its value to the group's end); else null. Such a group's sites of one kind,
 *  when they all hit, hit one host-TLB entry, hence one slot (Emitter.account). */
export function samePageGroup(
  insns: readonly Pick<Insn, "kind" | "call" | "d" | "s1" | "name" | "imm">[],
  k: number,
  size: number,
): number[] | null {
  const sites = insns.slice(k).filter((ins) => !ins.call && (ins.kind === K_LOAD || ins.kind === K_STORE));
  const width = (ins: Pick<Insn, "kind" | "name">): number =>
    ins.kind === K_LOAD ? LOADS[ins.name]![0] : STORES[ins.name]![0];
  const group = sites.slice(0, size);
  const first = group[0]!;
  const lo = first.imm;
  const hi = first.imm + width(first);
  for (const ins of group) {
    if (ins.imm < lo || ins.imm + width(ins) > hi) return null;
    if (ins.kind === K_LOAD && ins.d === first.s1) return null;
  }
  return group.map((ins) => ins.imm);
}

/** The groups (planGroups' `plan` of `insns`, a block of `len` instructions with its end) whose
 *  hits stay pending across the iterations when the block loops on itself: the first
 *  MAX_LOOP_GROUPS of them, each with its first instruction's index, its last site's rel and
 *  its numbers of loads and stores. */
export function planLoopGroups(
  insns: readonly Pick<Insn, "kind" | "call">[],
  plan: readonly number[],
  len: number,
): { start: number; rel: number; loads: number; stores: number }[] {
  const out: { start: number; rel: number; loads: number; stores: number }[] = [];
  for (let k = 0; k < insns.length && out.length < MAX_LOOP_GROUPS; k++) {
    if (!(plan[k]! > 0)) continue;
    const g = { start: k, rel: 0, loads: 0, stores: 0 };
    for (let j = k, left = plan[k]!; left > 0; j++) {
      const ins = insns[j]!;
      if (ins.call || (ins.kind !== K_LOAD && ins.kind !== K_STORE)) continue;
      if (ins.kind === K_LOAD) g.loads++;
      else g.stores++;
      g.rel = j + 1 - len;
      left--;
    }
    out.push(g);
  }
  return out;
}

/** Whether block `b` ends in a branch or jal to its own start (it is its own loop). */
function loopsOnItself(b: GuestBlock): boolean {
  return b.end !== null && b.end.name !== "jalr" && inPage(b.end.off, b.end.imm) === b.off;
}

/** A loop of a region's blocks, by index in emission order: blocks lo..hi, which the back edges
 *  of its blocks reach at lo (a wasm `loop` around them); `inner` the loops nested in it. */
export interface BlockLoop {
  lo: number;
  hi: number;
  inner: BlockLoop[];
}

/** The loops of a region whose blocks (by index) jump to blocks `succ` (indices): each jump from
 *  block i back to block j spans a loop j..i, the longest of those beginning at j. A loop that
 *  another overlaps without nesting is dropped (its jumps back go through the dispatch of the
 *  level that holds their target, as every jump back did before). Returns the outermost, by lo,
 *  each with the loops nested in it. (Keeping only the loops entered at their first block alone
 *  kept too few: bench_coremark's steady state unchanged; merging overlapping ones into one, and
 *  counting a jalr's return sites, made it 5% slower: docs/jit.md "Branch hints and loops of blocks".) */
export function planLoops(succ: readonly (readonly number[])[]): BlockLoop[] {
  const longest = new Map<number, number>();
  succ.forEach((ss, i) => {
    for (const j of ss) if (j < i) longest.set(j, Math.max(longest.get(j) ?? j, i));
  });
  const spans = [...longest].sort((a, b) => a[0] - b[0]);
  const clash = ([a, b]: [number, number], [c, d]: [number, number]): boolean =>
    (c > a && c <= b && d > b) || (a > c && a <= d && b > d);
  const kept = spans.filter((sp) => !spans.some((q) => clash(sp, q)));
  const roots: BlockLoop[] = [];
  const open: BlockLoop[] = [];
  for (const [lo, hi] of kept) {
    while (open.length > 0 && open[open.length - 1]!.hi < lo) open.pop();
    const l: BlockLoop = { lo, hi, inner: [] };
    (open.length > 0 ? open[open.length - 1]!.inner : roots).push(l);
    open.push(l);
  }
  return roots;
}

/** A level of a region's control nest: the region's dispatch loop (`loop` null) or one of its
 *  BlockLoops, with its `loop` label (the target of the back edges to its first block) and, for
 *  each block index in it, the label of the item (a block, or an inner loop's entry) holding it,
 *  and whether that item is an inner loop (entered with the block's index in `start`). */
/** A loop of blocks (blocks lo..hi, a BlockLoop with no loop inside) whose x registers `regs`
 *  live in locals across the edges between its blocks: loaded once before the wasm `loop`, the
 *  ones its blocks write (`written`) dirty at each block's head and stored on the ways out of the
 *  loop and before call outs, as a block that loops on itself keeps its own (Emitter.carryOf). */
interface Carry {
  lo: number;
  hi: number;
  regs: number[];
  written: number[];
}

/** The most registers a loop of blocks keeps in locals (Carry): each is live around the whole
 *  loop in TurboFan's register allocation. */
const MAX_CARRIED = 8;

interface Level {
  loop: BlockLoop | null;
  head: Label;
  item: Map<number, { label: Label; inner: boolean }>;
}

/** Push the host TLB's byte index (entry * 8: the views' pairs, hosttlb.ts hostTlbPair) of the
 *  address whose low word is in local `lo`, with that word pushed already: (((lo >>> 12) ^ (lo >>>
 *  21)) & (TLB_SIZE - 1)) * 8, as hostTlbIndex(), computed as ((lo ^ (lo >>> 9)) >>> 9) & (mask
 *  << 3): one x64 move fewer than (lo >>> 9) ^ (lo >>> 18). */
function entryOffset(f: FuncBuilder, lo: number): void {
  f.localGet(lo).i32Const(9).op(Op.i32_shr_u).op(Op.i32_xor).i32Const(9).op(Op.i32_shr_u);
  f.i32Const(TLB_MASK << 3).op(Op.i32_and);
}

function insnAt(src: RegionSource, off: number): Insn | null {
  const op = src.decode(off);
  const name = NAME_BY_OP[op];
  if (name === undefined) return null;
  const i = off * 2;
  const a = src.dc[i + 1]!;
  const kind = KIND[op]!;
  // the CSR accesses of FP code (fflags, frm, fcsr) are fp.ts's too
  const call = kind === K_CALLED || (kind === K_NONE && fpCsr(name, src.dc[i + 2]!, ((a >>> 7) & 127) >>> 1));
  if (kind === K_NONE && !call) return null;
  const d = (a & 127) >>> 1;
  return {
    off,
    name,
    op,
    kind: call ? K_CALLED : kind,
    a,
    call,
    d: d === 32 ? 0 : d, // the x0 sink
    s1: ((a >>> 7) & 127) >>> 1,
    s2: ((a >>> 14) & 127) >>> 1,
    imm: src.dc[i + 2]!,
    len: src.dc[i + 3]!,
  };
}

/** The page offset a pc-relative target lands at, or -1 if it leaves the page (or is odd). */
function inPage(off: number, imm: number): number {
  const t = off + imm;
  return t >= 0 && t < 4096 && (t & 1) === 0 ? t : -1;
}

/** The region's blocks and the offsets where the interpreter resumes after its side exits
 *  (added to `resume`): formBlocks, for a stub with its stops; for a full region with the
 *  page's other entries (`others`) as stops if that cut is closed (cutIsClosed), else without
 *  stops. Coremark made two pairs of 300-400-instruction regions, the second of each holding
 *  most of the first's code again: each copy costs V8 a Liftoff and a TurboFan compile
 *  (docs/performance.md, "Region shape"). */
function formRegion(src: RegionSource, resume: Set<number>): GuestBlock[] {
  if (src.stub) return formBlocks(src, resume, src.stub.stops, src.stub.max);
  const whole = new Set<number>();
  const all = formBlocks(src, whole, [], MAX_INSNS);
  const others = src.others ?? [];
  if (others.length > 0) {
    const own = new Set<number>();
    const cut = formBlocks(src, own, others, MAX_INSNS);
    if (cutIsClosed(cut, all, others)) {
      for (const r of own) resume.add(r);
      return cut;
    }
  }
  for (const r of whole) resume.add(r);
  return all;
}

/** Is the region of blocks `cut` (formed with `stops` as stops) closed: does no path from the
 *  stops it exits to come back into it? Followed in `all` (the blocks formed without stops):
 *  branch targets, fall-throughs and jal targets, and a call's return site after it. A cut that
 *  leaves to a stop from which a jalr is reached while the cut makes calls is taken as not
 *  closed too (the jalr may return into it). A path that comes back would cross between the two
 *  regions through the hub at each pass (bench_hash: 8.5 M chained runs, 280 without). */
function cutIsClosed(
  cut: readonly GuestBlock[],
  all: readonly GuestBlock[],
  stops: readonly number[],
): boolean {
  const own = new Set(cut.map((b) => b.off));
  const isStop = new Set(stops);
  const byOff = new Map(all.map((b) => [b.off, b]));
  const calls = cut.some((b) => b.end?.name === "jal" && b.end.d !== 0);
  const queue: number[] = [];
  for (const b of cut) for (const t of blockExits(b)) if (isStop.has(t) && !own.has(t)) queue.push(t);
  const seen = new Set<number>();
  while (queue.length > 0) {
    const off = queue.pop()!;
    if (seen.has(off)) continue;
    seen.add(off);
    if (own.has(off)) return false;
    const b = byOff.get(off);
    if (b === undefined) continue; // out of the page or of the region: an exit
    if (calls && b.end?.name === "jalr") return false;
    queue.push(...blockExits(b));
  }
  return true;
}

/** The page offsets block `b` may go on at: its branch's or jal's target, its fall-through (a
 *  call's return site included), or where it runs on when it has no end. */
function blockExits(b: GuestBlock): number[] {
  const e = b.end;
  if (e === null) return [b.next];
  if (e.kind === K_BRANCH) return [inPage(e.off, e.imm), e.off + e.len];
  if (e.name === "jal") return e.d !== 0 ? [inPage(e.off, e.imm), e.off + e.len] : [inPage(e.off, e.imm)];
  return [];
}

/** Find the region's blocks: from the entry, every block a branch or jal reaches in the page,
 *  never starting one at a stop (`stops`, page offsets), to `max` instructions. Adds to `resume`
 *  the offset after each side-exit instruction. */
function formBlocks(
  src: RegionSource,
  resume: Set<number>,
  stops: readonly number[],
  max: number,
): GuestBlock[] {
  const blocks: GuestBlock[] = [];
  const seen = new Uint8Array(4096);
  // stops are never blocks of the region (a straight line runs on through one: a stub of one
  // instruction before another region's entry would cost more than it retires)
  for (const o of stops) if (o !== src.entry) seen[o] = 1;
  const queue = [src.entry];
  let total = 0;
  for (let q = 0; q < queue.length && total < max; q++) {
    const start = queue[q]!;
    if (seen[start] !== 0) continue;
    seen[start] = 1;
    const b: GuestBlock = { off: start, insns: [], end: null, next: start };
    let off = start;
    for (;;) {
      if (off >= 4096 || b.insns.length >= MAX_BLOCK || total >= max) break;
      const ins = insnAt(src, off);
      if (!ins) {
        const op = src.decode(off);
        const len = src.dc[off * 2 + 3]!;
        if (op !== 0 && off + len < 4096) {
          resume.add(off + len);
          queue.push(off + len); // where the interpreter comes back in
        }
        break;
      }
      total++;
      if (ins.kind === K_BRANCH) {
        b.end = ins;
        const t = inPage(off, ins.imm);
        if (t >= 0) queue.push(t);
        if (off + ins.len < 4096) queue.push(off + ins.len);
        break;
      }
      if (ins.name === "jal" || ins.name === "jalr") {
        b.end = ins;
        const t = ins.name === "jal" ? inPage(off, ins.imm) : -1;
        if (t >= 0) queue.push(t);
        // a call's return site: where a jalr (the return) may come back to, in the region
        if (ins.name === "jal" && ins.d !== 0 && off + ins.len < 4096) queue.push(off + ins.len);
        break;
      }
      b.insns.push(ins);
      off += ins.len;
    }
    b.next = off;
    if (b.end === null && b.insns.length > 0 && off < 4096 && b.insns.length >= MAX_BLOCK) queue.push(off);
    if (b.insns.length > 0 || b.end !== null) blocks.push(b);
  }
  return blocks;
}

/** Most F and D ops without a wasm fast path (fp.ts) in a region, per instruction: each is a
 *  call out of wasm into the interpreter's semantics, dearer than the interpreter running it
 *  (bench_fp ran 1.2-1.4x slower translated when every F/D op was one), so code full of them
 *  stays interpreted. */
const MAX_FP_SHARE = 1 / 8;

/** Is a region of `blocks` mostly F/D code that calls out (see MAX_FP_SHARE)? */
function fpHeavy(blocks: GuestBlock[], hasD: boolean): boolean {
  let fp = 0;
  let all = 0;
  for (const b of blocks) {
    for (const ins of b.insns)
      if (ins.call && insnInfo(ins.op).ext !== "A" && !fpNative(ins.name, hasD)) fp++;
    all += b.insns.length + (b.end ? 1 : 0);
  }
  return fp > all * MAX_FP_SHARE;
}

/** Translate the region of `src` for a hart laid out as `lay`; null if its entry instruction
 *  is not one the translator takes, or it is FP-heavy (unless `all`: tests of the FP calls). */
export function translateRegion(src: RegionSource, lay: RegionLayout, all = false): RegionCode | null {
  const resume = new Set<number>();
  const blocks = formRegion(src, resume);
  if (blocks.length === 0 || blocks[0]!.off !== src.entry) return null;
  if (!all && fpHeavy(blocks, lay.hasD)) return null;
  // the entry first (its index 0 is the translation cache's check), the others in address order:
  // a block's fall-through successor then mostly follows it, and forward jumps are direct
  const [entry, ...rest] = blocks;
  rest.sort((a, b) => a.off - b.off);
  return new Emitter(src, lay, [entry!, ...rest]).emit([...resume]);
}

/** The site word of a slow-side call (Emitter.slowLoad): the instruction's page offset (bits
 *  0-11), its kind (load: width | 16 if signed; store: width; bits 12-16) and rel + SITE_REL_BIAS
 *  (bits 17-24; rel is in -MAX_BLOCK..0). */
const SITE_KIND_SHIFT = 12;
const SITE_REL_SHIFT = 17;
const SITE_REL_BIAS = 128;

/** The site word of a called op (Emitter.execSlow): its page offset (bits 0-11), 1 if its
 *  length is 4 (bit 12; else 2), its op (bits 13-20) and rel + SITE_REL_BIAS (bits 21-28). */
const EXEC_OP_SHIFT = 13;
const EXEC_REL_SHIFT = 21;

/** The site word of the called op `op` of length `len` at page offset `off`, at `rel`. */
export function execSite(off: number, op: number, len: number, rel: number): number {
  if (
    !(
      off >= 0 &&
      off < 4096 &&
      op > 0 &&
      op < 256 &&
      (len === 2 || len === 4) &&
      rel <= 0 &&
      rel > -SITE_REL_BIAS
    )
  ) {
    throw new Error(`translator: no exec site word for offset ${off}, op ${op}, length ${len}, rel ${rel}`);
  }
  return off | ((len >> 2) << 12) | (op << EXEC_OP_SHIFT) | ((rel + SITE_REL_BIAS) << EXEC_REL_SHIFT);
}

/** The site word of the access at page offset `off`, of `kind`, at `rel` (see SITE_REL_SHIFT). */
export function slowSite(off: number, kind: number, rel: number): number {
  if (!(off >= 0 && off < 4096 && kind > 0 && kind < 32 && rel <= 0 && rel > -SITE_REL_BIAS)) {
    throw new Error(`translator: no site word for offset ${off}, kind ${kind}, rel ${rel}`);
  }
  return off | (kind << SITE_KIND_SHIFT) | ((rel + SITE_REL_BIAS) << SITE_REL_SHIFT);
}

/** An access site of the paged variant: the local holding the modelled slot it hit, its
 *  kind's hit counters, and its instruction's rel (Emitter.insn). */
interface HitSite {
  slot: number;
  hits: number;
  rel: number;
  /** The host TLB's slot array of the site's kind. */
  slotArr: number;
}

/** A group of access sites being emitted (planGroups): the sites so far, the planned number,
 *  and the local holding the group's slot (-1: nothing of the group left to account). A
 *  same-page group (samePageGroup) also has its sites' base register and byte offsets, and the
 *  index of its first site of the other kind once emitted (-1 before); its slot local, when
 *  < 0, is -1 - the index of its first site not yet accounted. */
interface OpenGroup {
  sites: HitSite[];
  size: number;
  slot: number;
  page: { base: number; imms: number[]; other: number } | null;
  /** Its hits pending across its block's iterations, in a block that loops on itself. */
  loop: LoopGroup | null;
}

/** A group of a block that loops on itself (Emitter.loopGroups) whose all-hit runs stay
 *  pending across the iterations: the word at `at` (JIT_LOOP) the slot every one of its runs
 *  since the iteration whose n is the word at `at` + 4 hit (LOOP_NONE: none). What they
 *  account is known from n: one iteration every `len` instructions, each `counts` hits per kind
 *  (its sites' counters, by kind), the last stamped at its last site's `rel`. `done`: its end
 *  is emitted already in the block (at a point after it, this iteration's run is pending too). */
interface LoopGroup {
  at: number;
  len: number;
  counts: [number, number][];
  rel: number;
  done: boolean;
}

/** Add the x registers instruction `ins` reads (`used`) and writes (`written`, not x0) in their
 *  locals: a translated op's, or an F/D op's that fp.ts emits in wasm; an op called out reads and
 *  writes its x registers in memory. */
function xRegsOf(ins: Insn, hasD: boolean, used: Set<number>, written: Set<number>): void {
  if (ins.call && fpNative(ins.name, hasD)) {
    const { readsX, writesX } = fpXRegs(ins.name);
    if (readsX) used.add(ins.s1);
    if (writesX && ins.d !== 0) written.add(ins.d);
  }
  if (ins.call) return;
  used.add(ins.s1).add(ins.s2);
  if (ins.d !== 0) written.add(ins.d);
}

/** The emission of one region. */
class Emitter {
  private readonly m = new ModuleBuilder();
  private readonly f: FuncBuilder;
  private readonly index = new Map<number, number>(); // block offset -> br_table index
  private readonly reg: number[] = []; // guest register -> local (0: none)
  /** Registers whose local holds their value on every path at this point of the block (see
   *  get()); cleared at each block's start. */
  private readonly cached: boolean[] = [];
  /** Registers whose local holds a value not yet stored to the x array (set() at the block's
   *  top level defers the store to the block's exits and call outs: flushDirty()). Dirty implies
   *  cached. */
  private readonly dirty: boolean[] = new Array<boolean>(32).fill(false);
  /** The registers dirty at the head of the block's own loop (block()). */
  private readonly headDirty: boolean[] = new Array<boolean>(32).fill(false);
  /** The registers the block being emitted keeps in locals across its own loop's back edge
   *  (carriedRegs(); empty unless it loops on itself). */
  private carried: number[] = [];
  /** The loop of blocks whose registers stay in locals across its blocks' edges (carryOf()),
   *  while its blocks are emitted; else null. */
  private carry: Carry | null = null;
  /** The control depth of a guest block's straight line (its dispatch frame's contents). */
  private topDepth = -1;
  /** i64 temporaries of mulh*, made when first needed. */
  private tmp: number[] = [];
  /** The type (params, i32 result) of each call out (CALL_SLOTS), for call_indirect. */
  private readonly callTypes: Record<keyof RegionImports, number>;
  /** The slow sides of loads and stores, functions of the module (-1 until first used). */
  private slowLoadFn = -1;
  private slowStoreFn = -1;
  private execSlowFn = -1;
  // locals
  private readonly n: number;
  private readonly blk: number;
  private readonly pc: number;
  private readonly addr: number;
  private readonly lo: number;
  private readonly e: number;
  private readonly slot: number;
  /** The groups' locals (openGroup()), -1 until a group needs them: the slot, and a scratch
   *  address word. */
  private gSlot = -1;
  private gLo = -1;
  /** The group of access sites being emitted (planGroups), or null. */
  private group: OpenGroup | null = null;
  /** The loop groups of the block being emitted (LoopGroup; none unless it loops on itself),
   *  and two scratch i32 locals for their accounting (made in emit() if any block has some). */
  private loopGroups: (LoopGroup & { start: number })[] = [];
  private loopSlot = -1;
  /** The loop groups' words (initLoopLocals), by block offset. */
  private readonly loopWords = new Map<number, number[]>();
  private loopK = -1;
  private exitLabel!: Label;
  /** The levels of the control nest open at the block being emitted, outermost (the region's
   *  dispatch loop) first (Level, emitLevel()). */
  private readonly levels: Level[] = [];
  /** The index of the block being emitted, and its own loop if it branches to itself. */
  private current = 0;
  private selfLabel: Label | null = null;
  /** The F and D emission (fp.ts), if the region has an F or D op it takes. */
  private readonly fp: FpEmitter | null = null;

  constructor(
    private readonly src: RegionSource,
    private readonly lay: RegionLayout,
    private readonly blocks: GuestBlock[],
  ) {
    const m = this.m;
    m.importMemory(
      { module: "env", name: "mem" },
      { min: lay.pages, max: lay.pages, shared: lay.shared === true },
    );
    m.importTable({ module: "env", name: "calls" }, { min: CALL_SLOTS.length, max: CALL_SLOTS.length });
    this.callTypes = {
      load: m.type(IMPORT_PARAMS.load, [I32]),
      store: m.type(IMPORT_PARAMS.store, [I32]),
      exec: m.type(IMPORT_PARAMS.exec, [I32]),
    };
    const id = `region_${(src.pageHi >>> 0).toString(16)}_${((src.pageLo + src.entry) >>> 0).toString(16)}`;
    this.f = m.func(id, RUN_PARAMS, [I32], ["budget", "nbase", "clk", "start"]);
    m.export("run", "func", this.f.index);
    const f = this.f;
    this.n = f.local(I32, "n");
    this.blk = 3; // the parameter `start`: the block to run next
    this.pc = f.local(I64, "pc");
    this.addr = f.local(I64, "addr");
    this.lo = f.local(I32, "lo");
    this.e = f.local(I32, "e");
    this.slot = f.local(I32, "slot");
    blocks.forEach((b, i) => {
      this.index.set(b.off, i);
    });
    const used = new Set<number>();
    const written = new Set<number>();
    const fp: Insn[] = [];
    for (const b of blocks) {
      for (const ins of b.end ? [...b.insns, b.end] : b.insns) {
        if (ins.call && fpOwns(ins)) fp.push(ins);
        xRegsOf(ins, lay.hasD, used, written);
      }
    }
    for (const r of [...used, ...written].sort((a, b) => a - b)) {
      if (r === 0 || this.reg[r]) continue;
      this.reg[r] = f.local(I64, `x${r}`);
    }
    if (fp.length) this.fp = this.fpEmitter(fp);
  }

  /** The F and D emitter of instructions `insns`, on this region's function, registers and
   *  host-TLB lookup. */
  private fpEmitter(insns: Insn[]): FpEmitter {
    const lay = this.lay;
    return new FpEmitter(
      {
        ...lay,
        f: this.f,
        module: this.m,
        fBase: lay.f,
        getX: (r) => this.get(r),
        setX: (r) => this.set(r),
        lookup: (s1, imm, width, tag) => this.lookup(s1, imm, width, tag),
        ramAddress: (base) => this.ramAddress(base),
        account: (slotArr, hits, rel) => this.account(slotArr, hits, rel),
        atTop: () => this.f.blockDepth === this.topDepth,
      },
      insns,
    );
  }

  emit(resume: number[]): RegionCode {
    const f = this.f;
    this.initLoopLocals();
    this.exitLabel = f.block();
    this.fp?.enter(this.exitLabel);
    const loops = planLoops(this.blocks.map((b) => this.successors(b)));
    this.emitLevel(null, 0, this.blocks.length - 1, loops);
    let insns = 0;
    let lo = 4096;
    let hi = 0;
    for (const b of this.blocks) {
      insns += b.insns.length + (b.end ? 1 : 0);
      for (const ins of b.end ? [...b.insns, b.end] : b.insns) {
        lo = Math.min(lo, ins.off);
        hi = Math.max(hi, ins.off);
      }
    }
    f.unreachable();
    f.end(); // exit block
    this.fp?.leave();
    f.i32Const(0)
      .localGet(this.pc)
      .store(Op.i64_store, this.lay.jit + JIT_PC);
    f.localGet(this.n);
    f.finish();
    const blockOffs = this.blocks.map((b) => b.off);
    return { module: this.m, insns, blocks: this.blocks.length, lo, hi, resume, blockOffs };
  }

  /** The blocks (indices) block `b` may jump to: its branch's or jal's target and its
   *  fall-through (as goTo() is called for them; a jalr's return sites are not counted). */
  private successors(b: GuestBlock): number[] {
    const out: number[] = [];
    const add = (off: number): void => {
      const i = off >= 0 ? this.index.get(off) : undefined;
      if (i !== undefined) out.push(i);
    };
    const e = b.end;
    if (!e) add(b.next);
    else if (e.kind === K_BRANCH) {
      add(inPage(e.off, e.imm));
      add(e.off + e.len);
    } else if (e.name === "jal") add(inPage(e.off, e.imm));
    return out;
  }

  /** Emit blocks lo..hi as one level of the control nest: the region's dispatch loop (`loop`
   *  null: every block, entered at block `start` through a br_table) or the wasm `loop` of
   *  BlockLoop `loop` (entered with the block to run in `start`: its first block directly, the
   *  others through a br_table of its own, which a back edge to its first block skips). Each
   *  item of the level (a block, or an inner loop, `inner` the loops nested at this level) ends
   *  a `block` opened at the level's head, so a jump to a later item is a `br` to it; a jump back
   *  to the loop's first block is a `br` to the loop (Level, goTo()). */
  private emitLevel(loop: BlockLoop | null, lo: number, hi: number, inner: readonly BlockLoop[]): void {
    const f = this.f;
    const items: { lo: number; loop: BlockLoop | null }[] = [];
    for (let x = lo; x <= hi; ) {
      const l = inner.find((q) => q.lo === x) ?? null;
      items.push({ lo: x, loop: l });
      x = l ? l.hi + 1 : x + 1;
    }
    const carry = loop ? this.carryOf(loop) : null;
    if (carry) {
      // every way into the loop from outside comes through here (the level's items' labels and
      // the region's dispatch reach the loop's head only through this item's label)
      for (const r of carry.regs) this.reloadX(r);
      this.carry = carry;
    }
    const head = f.loop();
    // a loop's first item, its first block, is reached by falling through its dispatch
    const first = loop ? 1 : 0;
    const labels: Label[] = [];
    for (let k = items.length - 1; k >= first; k--) labels[k] = f.block();
    const level: Level = { loop, head, item: new Map() };
    items.forEach((it, k) => {
      if (k < first) return;
      for (let x = it.lo; x <= (it.loop ? it.loop.hi : it.lo); x++) {
        level.item.set(x, { label: labels[k]!, inner: it.loop !== null });
      }
    });
    this.levels.push(level);
    const targets = (from: number): Label[] => {
      const out: Label[] = [];
      for (let x = from; x <= hi; x++) out.push(level.item.get(x)!.label);
      return out;
    };
    if (!loop) f.localGet(this.blk).brTable(targets(lo), labels[0]!);
    else {
      f.localGet(this.blk).i32Const(lo).op(Op.i32_ne).if(Block.void, "unlikely");
      f.localGet(this.blk)
        .i32Const(lo + 1)
        .op(Op.i32_sub)
        .brTable(targets(lo + 1), labels[1]!);
      f.end();
    }
    items.forEach((it, k) => {
      if (k >= first) f.end(); // the block whose label reaches this item
      if (it.loop) this.emitLevel(it.loop, it.loop.lo, it.loop.hi, it.loop.inner);
      else {
        this.current = it.lo;
        this.block(this.blocks[it.lo]!);
      }
    });
    this.levels.pop();
    this.carry = null;
    f.end(); // the level's loop
  }

  /** The Carry of BlockLoop `loop`, or null: a loop with no loop nested in it, none of whose
   *  blocks loops on itself (those keep their own registers: block()), using at most
   *  MAX_CARRIED x registers. */
  private carryOf(loop: BlockLoop): Carry | null {
    if (loop.inner.length > 0) return null;
    const regs = new Set<number>();
    const written = new Set<number>();
    for (let i = loop.lo; i <= loop.hi; i++) {
      const b = this.blocks[i]!;
      if (loopsOnItself(b)) return null;
      const br = this.blockRegs(b);
      for (const r of br.all) regs.add(r);
      for (const r of br.written) written.add(r);
    }
    if (regs.size > MAX_CARRIED) return null;
    const sorted = (x: Set<number>): number[] => [...x].sort((a, c) => a - c);
    return { lo: loop.lo, hi: loop.hi, regs: sorted(regs), written: sorted(written) };
  }

  /** Is block `i` in the loop whose registers are carried (Carry) at this point? */
  private carries(i: number): boolean {
    const c = this.carry;
    return c !== null && c.lo <= i && i <= c.hi;
  }

  /** The loop groups' words (JIT_LOOP), by block offset, to the region's first
   *  MAX_LOOP_RECORDS: none pending, each its block's length (the flushes' divisor, from memory:
   *  see flushLoop); and their scratch locals. */
  private initLoopLocals(): void {
    if (!this.src.paged) return;
    const f = this.f;
    let used = 0;
    for (const b of this.blocks) {
      if (!loopsOnItself(b)) continue;
      const len = b.insns.length + 1;
      const ats: number[] = [];
      for (const _ of planLoopGroups(b.insns, planGroups(b.insns, true), len)) {
        if (used === MAX_LOOP_RECORDS) break;
        const at = this.lay.jit + JIT_LOOP + JIT_LOOP_BYTES * used++;
        f.i32Const(0).i32Const(LOOP_NONE).store(Op.i32_store, at);
        f.i32Const(0)
          .i32Const(len)
          .store(Op.i32_store, at + 8);
        ats.push(at);
      }
      this.loopWords.set(b.off, ats);
    }
    if (used === 0) return;
    this.loopSlot = f.local(I32, "lslot");
    this.loopK = f.local(I32, "k");
  }

  /** Push the pc at page offset `off` (any int32: out of the page too) as an i64 constant. */
  private constPc(off: number): void {
    const lo = (this.src.pageLo >>> 0) + off; // within ±2^33: exact as a double
    const carry = Math.floor(lo / 0x1_0000_0000);
    this.f.i64Const(lo | 0, (this.src.pageHi + carry) | 0);
  }

  /** Exit the region with pc = the page's base + off (n already counts what retired). */
  private exitTo(off: number): void {
    this.flushDirty();
    this.constPc(off);
    this.f.localSet(this.pc).br(this.exitLabel);
  }

  /** Go on at page offset `off`: its block if the region has one, else exit there. In the
   *  innermost level of the control nest open here that holds the block (emitLevel()): a later
   *  block (the blocks are emitted entry first, then in address order) is a direct branch to its
   *  item's label, which the nest allows (with its index in `start` if the item is an inner
   *  loop); the block itself, when it loops on itself, a branch to its own loop; an earlier
   *  block a branch to the level's loop with its index in `start`: the first block of a
   *  BlockLoop runs at once, any other goes through the level's br_table. Since the registers
   *  live in memory between blocks, the labels merge no register locals (when they did, direct
   *  branches made whole programs 7-9% slower: docs/performance.md, "The translator's figures"). */
  private goTo(off: number): void {
    const i = off >= 0 ? this.index.get(off) : undefined;
    if (i !== this.current || !this.selfLabel) this.flushLoops(true); // leaving the block's loop
    if (i === undefined) {
      this.exitTo(off);
      return;
    }
    if (i === this.current && this.selfLabel) {
      this.backEdge();
      return;
    }
    const carried = this.carries(i) && this.carries(this.current);
    if (carried) this.keepCarried();
    else this.flushDirty();
    // the innermost level open here that holds block i
    let level = this.levels[0]!;
    for (let d = this.levels.length - 1; d > 0; d--) {
      const l = this.levels[d]!.loop!;
      if (l.lo <= i && i <= l.hi) {
        level = this.levels[d]!;
        break;
      }
    }
    if (i > this.current) {
      const it = level.item.get(i)!;
      if (it.inner) this.f.i32Const(i).localSet(this.blk);
      this.f.br(it.label);
    } else this.f.i32Const(i).localSet(this.blk).br(level.head);
    // on the block's straight line what follows is unreachable: nothing is left to store there
    if (carried && this.f.blockDepth === this.topDepth) this.dirty.fill(false);
  }

  /** Before a branch to a block of the carried loop (Carry): every carried register must be in
   *  its local there (one a call out wrote is loaded again); the dirty ones stay dirty (the
   *  block's head takes all the loop writes as dirty). */
  private keepCarried(): void {
    for (const r of this.carry!.regs) {
      if (!this.cached[r]) this.reloadX(r);
    }
  }

  private block(b: GuestBlock): void {
    const f = this.f;
    const len = b.insns.length + (b.end ? 1 : 0);
    this.selfLabel = null;
    this.carried = [];
    if (loopsOnItself(b)) {
      // the registers it uses live in locals across its back edge: loaded once before the loop
      this.carried = this.blockRegs(b).all;
      for (const r of this.carried) this.reloadX(r);
      this.selfLabel = f.loop();
    }
    this.blockBody(b, len);
    if (this.dirty.some(Boolean)) throw new Error("translator: a block left with registers not stored");
    if (this.selfLabel) f.end();
    this.selfLabel = null;
    this.carried = [];
    this.loopGroups = [];
  }

  /** The x registers (not x0) block `b`'s translated instructions read or write in their
   *  locals (`all`), and those they write (`written`): what the constructor gives locals. */
  private blockRegs(b: GuestBlock): { all: number[]; written: number[] } {
    const used = new Set<number>();
    const written = new Set<number>();
    for (const ins of b.end ? [...b.insns, b.end] : b.insns) xRegsOf(ins, this.lay.hasD, used, written);
    const all = [...new Set([...used, ...written])].filter((r) => r !== 0).sort((a, c) => a - c);
    return { all, written: [...written].filter((r) => r !== 0) };
  }

  /** Store every dirty register (dirty) to the x array: before a call out, an exit or a branch
   *  to another block. On the block's straight line they are then clean; in a conditional arm
   *  they stay dirty (the other arm did not store them; storing again stores the same value). */
  private flushDirty(): void {
    const top = this.f.blockDepth === this.topDepth;
    for (let r = 1; r < 32; r++) {
      if (!this.dirty[r]) continue;
      this.storeReg(r);
      if (top) this.dirty[r] = false;
    }
  }

  /** Push register r from the x array, at a constant address (as an offset of address 0: Liftoff
   *  then reads the memory's base only, where from a local holding the array's offset it read
   *  that local from its frame at each access; TurboFan's code is the same). */
  private loadX(r: number): void {
    this.f.i32Const(0).load(Op.i64_load, this.lay.x + 8 * r);
  }

  /** Load register r's local from the x array. */
  private reloadX(r: number): void {
    this.loadX(r);
    this.f.localSet(this.reg[r]!);
  }

  /** Store register r's local to the x array. */
  private storeReg(r: number): void {
    this.f
      .i32Const(0)
      .localGet(this.reg[r]!)
      .store(Op.i64_store, this.lay.x + 8 * r);
  }

  /** The branch back to the head of the block's own loop: the carried registers (block()) must
   *  be in their locals there (one a call out wrote is loaded again), and those dirty here are
   *  among those the head takes as dirty (the block's written ones). */
  private backEdge(): void {
    const f = this.f;
    for (let r = 1; r < 32; r++) {
      if (this.dirty[r] && !this.headDirty[r])
        throw new Error(`translator: x${r} dirty at a back edge but not at the loop's head`);
    }
    for (const r of this.carried) {
      if (!this.cached[r]) this.reloadX(r);
    }
    f.br(this.selfLabel!);
    // on the block's straight line (a jal to itself) what follows is unreachable: nothing is
    // left to store there
    if (f.blockDepth === this.topDepth) this.dirty.fill(false);
  }

  /** The code of block `b` of `len` instructions (in its own loop if it branches to itself). */
  private blockBody(b: GuestBlock, len: number): void {
    const f = this.f;
    const insns = b.insns;
    const plan = this.src.paged ? planGroups(insns, this.selfLabel !== null) : null;
    this.loopGroups =
      plan && this.selfLabel
        ? planLoopGroups(insns, plan, len)
            .slice(0, this.loopWords.get(b.off)?.length ?? 0)
            .map((p, i) => ({
              start: p.start,
              at: this.loopWords.get(b.off)![i]!,
              len,
              counts: (
                [
                  [this.lay.hitR, p.loads],
                  [this.lay.hitW, p.stores],
                ] as [number, number][]
              ).filter(([, c]) => c > 0),
              rel: p.rel,
              done: true, // at the loop's head: the last iteration ran every group
            }))
        : [];
    // a single site is a group only as a loop group (its hits pending across the iterations)
    plan?.forEach((c, k) => {
      if (c === 1 && !this.loopGroups.some((lg) => lg.start === k)) plan[k] = 0;
    });
    // the register state at the block's head (at its own loop's head: the carried registers in
    // their locals, the written ones dirty from the iteration before)
    this.topDepth = f.blockDepth;
    this.cached.fill(false);
    this.dirty.fill(false);
    this.headDirty.fill(false);
    for (const r of this.carried) this.cached[r] = true;
    if (this.carried.length) {
      for (const r of this.blockRegs(b).written) this.dirty[r] = this.headDirty[r] = true;
    }
    if (this.carries(this.current)) {
      // in a carried loop (Carry): its registers in their locals, those it writes dirty
      for (const r of this.carry!.regs) this.cached[r] = true;
      for (const r of this.carry!.written) this.dirty[r] = true;
    }
    // the whole block must fit the budget: else exit at its start
    f.localGet(this.n).i32Const(len).op(Op.i32_add).localGet(0).op(Op.i32_gt_u);
    f.if(Block.void, "unlikely");
    this.flushLoops(true);
    this.exitTo(b.off);
    f.end();
    for (const lg of this.loopGroups) lg.done = false;
    f.localGet(this.n).i32Const(len).op(Op.i32_add).localSet(this.n);
    this.fp?.newBlock();
    if (f.blockDepth !== this.topDepth) throw new Error("translator: a block's straight line moved");
    for (let k = 0; k < insns.length; k++) {
      if (plan && plan[k]! > 0) this.openGroup(insns, k, plan[k]!);
      this.insn(insns[k]!, k + 1 - len);
      if (this.group && this.group.sites.length === this.group.size) this.endGroup();
    }
    if (this.group)
      throw new Error(`translator: a group of access sites at 0x${b.off.toString(16)} did not end`);
    if (!b.end) {
      // on to the next block, or out at the next instruction (at 4096: the next page's first)
      this.goTo(b.next);
      return;
    }
    this.terminator(b.end);
  }

  /** Push rs as i64. The registers live in memory (the hart's x array) between blocks; in a
   *  block a register's local caches it from its first read or write on the block's straight
   *  line (not inside a conditional arm, where the other arm would not set it). So no guest
   *  register is live across the dispatch loop's head or into the exit: V8's compile of a
   *  region stays linear in its size instead of merging every register at every branch. */
  private get(r: number): void {
    const f = this.f;
    if (r === 0) f.i64Const(0, 0);
    else if (this.cached[r]) f.localGet(this.reg[r]!);
    else {
      this.loadX(r);
      if (f.blockDepth === this.topDepth) {
        f.localTee(this.reg[r]!);
        this.cached[r] = true;
      }
    }
  }

  /** Load rs into its local if on the block's straight line and not there yet (before code
   *  whose arms read it). */
  private cache(r: number): void {
    if (r === 0 || this.cached[r] || this.f.blockDepth !== this.topDepth) return;
    this.reloadX(r);
    this.cached[r] = true;
  }

  /** Pop an i64 into rd (dropped for x0). On the block's straight line into its local only,
   *  dirty: the store to the x array waits for the next call out, exit or branch out
   *  (flushDirty()). In a conditional arm into the local and memory: its cached and dirty state
   *  stays as it was (if the local held the value before, it holds a value on both paths now;
   *  if the register was dirty, it still is on the other path). */
  private set(r: number): void {
    const f = this.f;
    if (r === 0) {
      f.drop();
      return;
    }
    const l = this.reg[r]!;
    f.localSet(l);
    if (f.blockDepth === this.topDepth) {
      this.cached[r] = true;
      this.dirty[r] = true;
      return;
    }
    this.storeReg(r);
  }

  /** If i64 op `op` of rs1 and rs2 (`s2` -1: of rs1 and the constant `imm`) is one of its
   *  operands or the constant, push that and return true (mv, li, an add of 0 and the like:
   *  TurboFan folded them, but Liftoff's code and the module's bytes had the op and the zero);
   *  else push nothing and return false. */
  private identity(op: number, s1: number, s2: number, imm = 0): boolean {
    const zeroLeft = op === Op.i64_add || op === Op.i64_or || op === Op.i64_xor; // 0 op x = x
    const zeroRight =
      zeroLeft || op === Op.i64_sub || op === Op.i64_shl || op === Op.i64_shr_u || op === Op.i64_shr_s;
    if (s2 < 0) {
      if (zeroRight && imm === 0) this.get(s1);
      else if (zeroLeft && s1 === 0) this.imm64(imm);
      else return false;
      return true;
    }
    if (zeroRight && s2 === 0) this.get(s1);
    else if (zeroLeft && s1 === 0) this.get(s2);
    else return false;
    return true;
  }

  private imm64(imm: number): void {
    this.f.i64Const(imm | 0, imm >> 31);
  }

  /** One straight-line instruction; `rel` + n is its 1-based index in the region's run. */
  private insn(ins: Insn, rel: number): void {
    const f = this.f;
    const { name, d, s1, s2, imm } = ins;
    if (ins.call) {
      if (!this.fp?.emit(ins, rel, (after) => this.exec(ins, rel, after))) this.exec(ins, rel);
      return;
    }
    const op = WASM_OP[ins.op]! as never;
    switch (ins.kind) {
      case K_ALU:
        if (d === 0) return;
        if (!this.identity(op, s1, s2)) {
          this.get(s1);
          this.get(s2);
          f.op(op);
        }
        this.set(d);
        return;
      case K_ALU_IMM: {
        if (d === 0) return;
        const shift = name === "slli" || name === "srli" || name === "srai";
        if (!this.identity(op, s1, -1, shift ? imm & 63 : imm)) {
          this.get(s1);
          if (shift) f.i64Const(imm & 63, 0);
          else this.imm64(imm);
          f.op(op);
        }
        this.set(d);
        return;
      }
      case K_ALU_W:
        if (d === 0) return;
        this.get(s1);
        f.op(Op.i32_wrap_i64);
        this.get(s2);
        f.op(Op.i32_wrap_i64);
        f.op(op).op(Op.i64_extend_i32_s);
        this.set(d);
        return;
      case K_ALU_W_IMM: {
        if (d === 0) return;
        const k = name === "addiw" ? imm : imm & 31;
        this.get(s1);
        f.op(Op.i32_wrap_i64);
        // addiw rd, rs, 0 (sext.w), a shift by 0: the low word sign-extended
        if (k !== 0) f.i32Const(k).op(op);
        f.op(Op.i64_extend_i32_s);
        this.set(d);
        return;
      }
      case K_CMP:
      case K_CMP_IMM:
        if (d === 0) return;
        this.get(s1);
        if (ins.kind === K_CMP_IMM) this.imm64(imm);
        else this.get(s2);
        f.op(op).op(Op.i64_extend_i32_u);
        this.set(d);
        return;
      case K_DIV: {
        if (d === 0) return;
        const dv = DIVS[name]!;
        this.div(s1, s2, dv[0], dv[1], dv[2], dv[3]);
        this.set(d);
        return;
      }
      case K_MULH:
        if (d === 0) return;
        this.mulh(s1, s2, name);
        this.set(d);
        return;
      case K_LOAD: {
        const ld = LOADS[name]!;
        this.load(ins, rel, ld[0], ld[1], ld[2]);
        return;
      }
      case K_STORE: {
        const st = STORES[name]!;
        this.store(ins, rel, st[0], st[1]);
        return;
      }
    }
    switch (name) {
      case "lui":
        if (d !== 0) {
          this.imm64(imm);
          this.set(d);
        }
        return;
      case "auipc":
        if (d !== 0) {
          this.constPc(ins.off + imm);
          this.set(d);
        }
        return;
      case "fence":
        return;
    }
    throw new Error(`translator: no emission for ${name}`);
  }

  /** The effective address into `addr` and its low word into `lo`; the host-TLB entry's byte
   *  index (entry * 8) into `e`; pushes the hit condition (tags match, aligned). The tag (its lo
   *  and hi words adjacent, hosttlb.ts pairViews, at `tag`) is loaded as one i64 and compared with
   *  the address masked to its page and its alignment bits: a valid tag is page aligned and an
   *  invalid one (hosttlb.ts INVALID) has bits 3-11 set, so a misaligned access never matches.
   *  As tag == masked: V8 makes that a load, an and, a compare and the branch (as
   *  (tag ^ masked) == 0 it kept the xor and added a test), where the two i32 words took two
   *  loads, a shift, two xors and an or. */
  private lookup(s1: number, imm: number, width: number, tag: number): void {
    const f = this.f;
    this.get(s1);
    if (imm !== 0) {
      this.imm64(imm);
      f.op(Op.i64_add);
    }
    f.localTee(this.addr).op(Op.i32_wrap_i64).localTee(this.lo);
    entryOffset(this.f, this.lo);
    f.localTee(this.e).load(Op.i64_load, tag);
    f.localGet(this.addr)
      .i64Const(-4096 | (width - 1), -1)
      .op(Op.i64_and)
      .op(Op.i64_eq);
  }

  /** Push the RAM address of the access: the entry's base + the page offset. */
  private ramAddress(base: number): void {
    const f = this.f;
    f.localGet(this.e).load(Op.i32_load, base);
    f.localGet(this.lo).i32Const(4095).op(Op.i32_and).op(Op.i32_add);
  }

  /** The paged variant's accounting of a host-TLB hit of the instruction at `rel`, as the
   *  interpreter's (semantics.ts ACCT_R/ACCT_W): the slot's stamp = the instruction's clock, its
   *  counter `hits` + 1. In a group (planGroups), the hits are pending on the group's slot (its
   *  local) as long as each site hits the slot of the group's first: then endGroup() accounts
   *  them all at once. A site that hits another slot accounts the pending ones and itself and
   *  ends the pending (the group's slot -1); the sites after it account one by one. */
  private account(slotArr: number, hits: number, rel: number): void {
    if (!this.src.paged) return;
    const f = this.f;
    const g = this.group;
    const first = g !== null && g.sites.length === 0;
    const site: HitSite = { slot: first ? g.slot : this.slot, hits, rel, slotArr };
    if (g && g.sites.length >= g.size)
      throw new Error("translator: more access sites than the group planned");
    if (g?.page) {
      // same page: a site of the first site's kind hits its slot; the first of the other kind
      // compares its slot with it, and if they differ accounts the hits before it and its own
      const m = g.sites.length;
      if (first) f.localGet(this.e).load(Op.i32_load, slotArr).localSet(g.slot);
      else if (g.page.other < 0 && hits !== g.sites[0]!.hits) {
        g.page.other = m;
        f.localGet(this.e).load(Op.i32_load, slotArr).localSet(this.slot);
        f.localGet(this.slot).localGet(g.slot).op(Op.i32_ne).if(Block.void, "unlikely");
        this.accountBefore(g, m);
        this.accountSite(site);
        f.i32Const(-2 - m).localSet(g.slot);
        f.end();
      }
      g.sites.push(site);
      return;
    }
    f.localGet(this.e).load(Op.i32_load, slotArr).localSet(site.slot);
    if (!g) {
      this.accountSite(site);
      return;
    }
    if (!first) {
      f.localGet(site.slot).localGet(g.slot).op(Op.i32_ne).if(Block.void, "unlikely");
      this.flushGroup(g, g.sites.length);
      this.accountSite(site);
      f.i32Const(-1).localSet(g.slot);
      f.end();
    }
    g.sites.push(site);
  }

  /** Open the group planned at `insns[k]` (`size` sites): a same-page one (samePageGroup)
   *  starts with none of its sites accounted. */
  private openGroup(insns: readonly Insn[], k: number, size: number): void {
    if (this.gSlot < 0) this.gSlot = this.f.local(I32, "gslot");
    const imms = size > 1 ? samePageGroup(insns, k, size) : null;
    const page = imms ? { base: insns[k]!.s1, imms, other: -1 } : null;
    if (page && this.dirty[page.base]) {
      // accountFrom() reads the base in the x array
      this.storeReg(page.base);
      this.dirty[page.base] = false;
    }
    const loop = this.loopGroups.find((lg) => lg.start === k) ?? null;
    this.group = { sites: [], size, slot: this.gSlot, page, loop };
  }

  /** In a same-page group, account the hits of its sites before site `m` not yet accounted:
   *  all pending on the group's slot if it is >= 0 (none missed, all on the first site's page,
   *  of one slot), else those from the first not accounted one by one. */
  private accountBefore(g: OpenGroup, m: number): void {
    if (m === 0) return;
    const f = this.f;
    f.localGet(g.slot).i32Const(0).op(Op.i32_ge_s).if(Block.void, "likely");
    this.flushGroup(g, m, false);
    f.else();
    this.accountFrom(g, m);
    f.end();
  }

  /** In a same-page group whose slot local is < 0, account one by one the hits of its sites
   *  before site `hi` from the first not accounted (-1 - the slot local) on, each site's slot
   *  found again from its address (the base + its offset: the base unchanged since, and no call
   *  out since its hit). */
  private accountFrom(g: OpenGroup, hi: number): void {
    const f = this.f;
    const page = g.page!;
    if (this.gLo < 0) this.gLo = f.local(I32, "glo");
    for (let j = 1; j < hi; j++) {
      const site = g.sites[j]!;
      // -1 - slot <= j
      f.i32Const(-1 - j)
        .localGet(g.slot)
        .op(Op.i32_le_s)
        .if();
      // the base from the x array (current: openGroup() stores it if dirty), not get(): V8 would merge the
      // address with the site's own and keep it live across the group's calls
      if (page.base === 0) f.i64Const(0, 0);
      else this.loadX(page.base);
      this.imm64(page.imms[j]!);
      f.op(Op.i64_add).op(Op.i32_wrap_i64).localTee(this.gLo);
      // the host TLB's byte index of the address, as lookup()
      entryOffset(this.f, this.gLo);
      f.load(Op.i32_load, site.slotArr).localSet(this.slot);
      this.accountSite({ ...site, slot: this.slot });
      f.end();
    }
  }

  /** Account one hit of `site` (its slot in its local): stamp, counter + 1. */
  private accountSite(site: HitSite): void {
    this.stampAt(site.slot, site.rel);
    this.addCount(site.slot, site.hits, 1);
  }

  /** Push the byte offset of the slot in local `slot` in the per-slot arrays (slot * 8). */
  private slotOffset(slot: number): void {
    this.f.localGet(slot).i32Const(3).op(Op.i32_shl);
  }

  /** stamp[slot] = the clock of the instruction at `rel`: clk + f64(n + rel) (exact: integers
   *  far below 2^53). (It was the block's clock clk + f64(n), a local set at each block's start,
   *  + rel as an f64 constant: TurboFan computed that clock again in each site's hit arm, and
   *  built the constants at the region's entry; Liftoff computed it in every block.) */
  private stampAt(slot: number, rel: number): void {
    const f = this.f;
    this.slotOffset(slot);
    f.localGet(this.n);
    if (rel !== 0) f.i32Const(rel).op(Op.i32_add);
    f.op(Op.f64_convert_i32_s).localGet(2).op(Op.f64_add);
    f.store(Op.f64_store, this.lay.stamp);
  }

  /** hits[slot] += c. (The constant as an `f64.const`, which V8 builds in two or three
   *  instructions: loading it from the jit words instead made mmu/onoff's Sv48 loop slower.) */
  private addCount(slot: number, hits: number, c: number): void {
    const f = this.f;
    this.slotOffset(slot);
    this.slotOffset(slot);
    f.load(Op.f64_load, hits).f64Const(c).op(Op.f64_add);
    f.store(Op.f64_store, hits);
  }

  /** If the first `k` sites of group `g` are pending (its slot local is not < 0), account their
   *  hits on the group's slot: one stamp (site k - 1's clock: the interpreter's stamps of that
   *  slot end there) and one add per kind (its number of sites among them). */
  private flushGroup(g: OpenGroup, k: number, test = true): void {
    if (k === 0) return;
    const f = this.f;
    if (test) f.localGet(g.slot).i32Const(0).op(Op.i32_ge_s).if(Block.void, "likely");
    this.stampAt(g.slot, g.sites[k - 1]!.rel);
    const counts = new Map<number, number>();
    for (const site of g.sites.slice(0, k)) counts.set(site.hits, (counts.get(site.hits) ?? 0) + 1);
    for (const [hits, c] of counts) this.addCount(g.slot, hits, c);
    if (test) f.end();
  }

  /** A site of the open group missed the host TLB (its slow path is about to call out, and may
   *  read the stamps: a fill's victim): account the group's pending hits before it, as the
   *  interpreter has by then, and end the pending (the sites after it account one by one). */
  private missInGroup(): void {
    const g = this.group;
    if (!g) return;
    if (g.page) {
      const m = g.sites.length - 1;
      this.accountBefore(g, m);
      this.f.i32Const(-2 - m).localSet(g.slot);
      return;
    }
    this.flushGroup(g, g.sites.length - 1);
    this.f.i32Const(-1).localSet(g.slot);
  }

  /** After a group's last site: its pending hits, if any (flushGroup). Exact: no call out came
   *  between the hits (a miss's slow path accounted the hits before it, missInGroup). */
  private endGroup(): void {
    const g = this.group!;
    this.group = null;
    if (g.sites.length < (g.loop ? 1 : 2)) throw new Error("translator: a group of fewer than two sites");
    if (g.loop) {
      this.endLoopGroup(g, g.loop);
      return;
    }
    if (g.page) {
      this.accountBefore(g, g.sites.length);
      return;
    }
    this.flushGroup(g, g.sites.length);
  }

  /** After the last site of a loop group `g` (LoopGroup): if its slot local equals the pending
   *  slot, this run is pending too (nothing emitted runs). Else the runs pending are accounted
   *  (flushLoop) and this one now, as endGroup does; if all its sites hit one slot, the runs of
   *  the iterations from the next on that hit it are the pending ones. (Accounting the run that
   *  changes the slot at once, not as the first pending one, keeps a loop whose slot changes in
   *  every iteration near what it cost before: no flush has runs to account.) */
  private endLoopGroup(g: OpenGroup, lg: LoopGroup): void {
    const f = this.f;
    const counts = new Map<number, number>();
    for (const site of g.sites) counts.set(site.hits, (counts.get(site.hits) ?? 0) + 1);
    if (lg.rel !== g.sites.at(-1)!.rel || lg.counts.some(([hits, c]) => counts.get(hits) !== c))
      throw new Error("translator: a loop group's sites are not the ones planned");
    f.localGet(g.slot).i32Const(0).load(Op.i32_load, lg.at).op(Op.i32_ne).if();
    this.flushLoop(lg);
    f.localGet(g.slot).i32Const(0).op(Op.i32_ge_s).if();
    this.flushGroup(g, g.sites.length, false);
    f.i32Const(0).localGet(g.slot).store(Op.i32_store, lg.at);
    f.i32Const(0)
      .localGet(this.n)
      .i32Const(lg.len)
      .op(Op.i32_add)
      .store(Op.i32_store, lg.at + 4);
    f.else();
    if (g.page) this.accountFrom(g, g.sites.length);
    f.i32Const(0).i32Const(LOOP_NONE).store(Op.i32_store, lg.at);
    f.end();
    f.end();
    lg.done = true;
  }

  /** Before a call out (`leave` false: the loop goes on after it) or a branch out of the block's
   *  loop (`leave`: no slot pending after it): account every loop group's pending runs. */
  private flushLoops(leave: boolean): void {
    for (const lg of this.loopGroups) {
      this.flushLoop(lg);
      if (leave) this.f.i32Const(0).i32Const(LOOP_NONE).store(Op.i32_store, lg.at);
    }
  }

  /** If loop group `lg` has runs pending, account them; then none is pending (the next is the
   *  next iteration's, if it hits the pending slot). They are the runs of the iterations from
   *  the one whose n was p0 to the last that ran it (this one if its end came, `done`, else the
   *  one before), one every `len` instructions: (n + (done ? len : 0) - p0) / len runs, each
   *  kind's counter + that times its count, the stamp the latest of its own (other sites of the
   *  block may have stamped the slot since) and the last run's last site's clock. No f64
   *  constant, and the divisor from memory (JIT_LOOP): V8 kept a constant the flushes of a loop
   *  share in a register, or built it, at the loop's head in every iteration. */
  private flushLoop(lg: LoopGroup): void {
    const f = this.f;
    const back = lg.done ? 0 : lg.len;
    const [slot, k] = [this.loopSlot, this.loopK];
    // n + len - back: the first iteration not run yet
    const next = (): void => {
      f.localGet(this.n);
      if (back === 0) f.i32Const(lg.len).op(Op.i32_add);
    };
    f.i32Const(0).load(Op.i32_load, lg.at).localTee(slot).i32Const(0).op(Op.i32_ge_s).if();
    next();
    f.i32Const(0)
      .load(Op.i32_load, lg.at + 4)
      .op(Op.i32_sub)
      .localTee(k)
      .i32Const(0)
      .op(Op.i32_gt_s)
      .if();
    this.slotOffset(slot);
    this.slotOffset(slot);
    f.load(Op.f64_load, this.lay.stamp);
    // clk + n + rel - back, exact (integers below 2^53)
    f.localGet(this.n);
    if (lg.rel - back !== 0) f.i32Const(lg.rel - back).op(Op.i32_add);
    f.op(Op.f64_convert_i32_s).localGet(2).op(Op.f64_add);
    f.op(Op.f64_max).store(Op.f64_store, this.lay.stamp);
    for (const [hits, c] of lg.counts) {
      this.slotOffset(slot);
      this.slotOffset(slot);
      f.load(Op.f64_load, hits).localGet(k);
      if (c !== 1) f.i32Const(c).op(Op.i32_mul);
      // a multiple of len: the quotient is exact
      f.op(Op.f64_convert_i32_s)
        .i32Const(0)
        .load(Op.i32_load, lg.at + 8)
        .op(Op.f64_convert_i32_s);
      f.op(Op.f64_div).op(Op.f64_add).store(Op.f64_store, hits);
    }
    f.i32Const(0);
    next();
    f.store(Op.i32_store, lg.at + 4);
    f.end();
    f.end();
  }

  private load(ins: Insn, rel: number, width: number, signed: boolean, op: number): void {
    const f = this.f;
    const lay = this.lay;
    this.lookup(ins.s1, ins.imm, width, lay.rLo);
    f.if(Block.i64, "likely");
    this.ramAddress(lay.rBase);
    f.load(op as never, 0);
    this.account(lay.rSlot, lay.hitR, rel);
    f.else();
    this.missInGroup();
    this.flushLoops(false);
    this.flushDirty();
    this.slowArgs(ins, rel, width | (signed ? 16 : 0));
    f.call(this.slowLoad());
    f.brIf(this.exitLabel, "unlikely"); // trapped (the value under the flag is dropped)
    f.end();
    this.set(ins.d);
  }

  private store(ins: Insn, rel: number, width: number, op: number): void {
    const f = this.f;
    const lay = this.lay;
    this.cache(ins.s2); // read in both arms
    this.lookup(ins.s1, ins.imm, width, lay.wLo);
    f.if(Block.void, "likely");
    this.ramAddress(lay.wBase);
    this.get(ins.s2);
    f.store(op as never, 0);
    this.account(lay.wSlot, lay.hitW, rel);
    f.else();
    this.missInGroup();
    this.flushLoops(false);
    this.flushDirty();
    f.localGet(this.addr);
    this.get(ins.s2);
    f.localGet(1).localGet(this.n);
    f.i32Const(slowSite(ins.off, width, rel));
    f.call(this.slowStore());
    this.afterCall(ins, rel);
    f.end();
  }

  /** Push the arguments of slowLoad() but the value: addr, nbase, n and the site word. */
  private slowArgs(ins: Insn, rel: number, kind: number): void {
    this.f
      .localGet(this.addr)
      .localGet(1)
      .localGet(this.n)
      .i32Const(slowSite(ins.off, kind, rel));
  }

  /** Call out to the hart's `name` (RegionImports) with its arguments on `f`'s stack: through
   *  the imported table of calls (CALL_SLOTS), with its result on the stack. */
  private callOut(f: FuncBuilder, name: keyof RegionImports): FuncBuilder {
    return f.i32Const(CALL_SLOTS.indexOf(name)).callIndirect(this.callTypes[name]);
  }

  /** The slow side of the region's loads, one function of the module (made on first use):
   *  `(addr i64, nbase i32, n i32, site i32) -> (value i64, trapped i32)`, `site` from
   *  slowSite(). It calls the load import with the arguments the region's sites passed it
   *  inline before (the same values, in the same order). */
  private slowLoad(): number {
    if (this.slowLoadFn >= 0) return this.slowLoadFn;
    const f = this.m.func("load_slow", [I64, I32, I32, I32], [I64, I32], ["addr", "nbase", "n", "site"]);
    const t = f.local(I32, "trapped");
    this.slowCommonArgs(f, 0, -1, 3);
    f.localGet(3).i32Const(SITE_KIND_SHIFT).op(Op.i32_shr_u).i32Const(31).op(Op.i32_and);
    this.callOut(f, "load").localSet(t);
    f.i32Const(0)
      .load(Op.i64_load, this.lay.jit + JIT_VALUE)
      .localGet(t);
    f.finish();
    this.slowLoadFn = f.index;
    return f.index;
  }

  /** The slow side of the region's stores (as slowLoad()): `(addr i64, value i64, nbase i32,
   *  n i32, site i32) -> i32`, the store import's result. */
  private slowStore(): number {
    if (this.slowStoreFn >= 0) return this.slowStoreFn;
    const f = this.m.func(
      "store_slow",
      [I64, I64, I32, I32, I32],
      [I32],
      ["addr", "value", "nbase", "n", "site"],
    );
    this.slowCommonArgs(f, 0, 1, 4);
    f.localGet(4).i32Const(SITE_KIND_SHIFT).op(Op.i32_shr_u).i32Const(31).op(Op.i32_and);
    this.callOut(f, "store");
    f.finish();
    this.slowStoreFn = f.index;
    return f.index;
  }

  /** In a slow-side function: push lo, hi of the address (local `a`), of the value (local `v`,
   *  if >= 0), then pcLo, pcHi and the instruction's count nbase + n + rel from the site word
   *  (local `site`; nbase and n are the locals right before it). */
  private slowCommonArgs(f: FuncBuilder, a: number, v: number, site: number): void {
    const hi = (l: number): void => {
      f.localGet(l).i64Const(32, 0).op(Op.i64_shr_u).op(Op.i32_wrap_i64);
    };
    f.localGet(a).op(Op.i32_wrap_i64);
    hi(a);
    if (v >= 0) {
      f.localGet(v).op(Op.i32_wrap_i64);
      hi(v);
    }
    this.sitePcCount(f, site, SITE_REL_SHIFT);
  }

  /** In a slow-side function: push pcLo, pcHi and the instruction's count nbase + n + rel from
   *  the site word (local `site`, its page offset in bits 0-11 and rel + SITE_REL_BIAS from bit
   *  `relShift` up to the top; nbase and n are the locals right before it). */
  private sitePcCount(f: FuncBuilder, site: number, relShift: number): void {
    // the page is aligned and off < 4096: no carry into pcHi
    f.localGet(site)
      .i32Const(4095)
      .op(Op.i32_and)
      .i32Const(this.src.pageLo | 0)
      .op(Op.i32_or);
    f.i32Const(this.src.pageHi | 0);
    f.localGet(site - 2)
      .localGet(site - 1)
      .op(Op.i32_add);
    f.localGet(site).i32Const(relShift).op(Op.i32_shr_u).i32Const(SITE_REL_BIAS).op(Op.i32_sub);
    f.op(Op.i32_add);
  }

  /** The call of a called op (exec import) as one function of the module (made on first use):
   *  `(a i32, imm i32, nbase i32, n i32, site i32) -> i32`, `site` from execSite(); it passes the
   *  import the arguments each site built inline before (op, a, imm, len, pcLo, pcHi, count). */
  private execSlow(): number {
    if (this.execSlowFn >= 0) return this.execSlowFn;
    const f = this.m.func("exec_slow", [I32, I32, I32, I32, I32], [I32], ["a", "imm", "nbase", "n", "site"]);
    f.localGet(4).i32Const(EXEC_OP_SHIFT).op(Op.i32_shr_u).i32Const(255).op(Op.i32_and);
    f.localGet(0).localGet(1);
    // len: 4 if bit 12 is set, else 2
    f.localGet(4).i32Const(11).op(Op.i32_shr_u).i32Const(2).op(Op.i32_and).i32Const(2).op(Op.i32_add);
    this.sitePcCount(f, 4, EXEC_REL_SHIFT);
    this.callOut(f, "exec");
    f.finish();
    this.execSlowFn = f.index;
    return f.index;
  }

  /** After a call that returns as store does (0 go on, 1 exit after the instruction, 2 it
   *  trapped): leave the region unless 0. */
  private afterCall(ins: Insn, rel: number): void {
    const f = this.f;
    f.localTee(this.e).if(Block.void, "unlikely");
    f.localGet(this.e).i32Const(2).op(Op.i32_eq).brIf(this.exitLabel); // trapped
    // exit after the instruction: it and the instructions before it retired
    f.localGet(this.n).i32Const(rel).op(Op.i32_add).localSet(this.n);
    this.exitTo(ins.off + ins.len);
    f.end();
  }

  /** An op run by the interpreter's semantics (exec import): the x registers are in memory
   *  already (set() writes through), and the x register it may write is read from memory again
   *  after it (its local no longer caches it). */
  private exec(ins: Insn, rel: number, after?: () => void): void {
    const f = this.f;
    this.flushLoops(false);
    this.flushDirty(); // the op reads its registers in memory, and may trap
    f.i32Const(ins.a).i32Const(ins.imm).localGet(1).localGet(this.n);
    f.i32Const(execSite(ins.off, ins.op, ins.len, rel)).call(this.execSlow());
    after?.(); // before any exit: fp.ts takes back the f register the op wrote
    const d = ins.d;
    if (!WRITES_F[ins.op] && d !== 0) {
      // memory has its result: read from there on; in an arm, a local that held the register
      // (dirty on the other path, perhaps) takes the result
      if (f.blockDepth === this.topDepth) this.cached[d] = false;
      else if (this.cached[d]) this.reloadX(d);
    }
    this.afterCall(ins, rel);
  }

  /** Push rs1 op rs2 of a division or remainder, with RISC-V's results where wasm traps. */
  private div(s1: number, s2: number, op: number, signed: boolean, w: boolean, rem: boolean): void {
    const f = this.f;
    const get = (r: number): void => {
      this.get(r);
      if (w) f.op(Op.i32_wrap_i64);
    };
    const ty = w ? Block.i32 : Block.i64;
    this.cache(s1);
    this.cache(s2);
    const minus1 = (): void => {
      if (w) f.i32Const(-1);
      else f.i64Const(-1, -1);
    };
    get(s2);
    f.op(w ? Op.i32_eqz : Op.i64_eqz);
    f.if(ty);
    if (rem) get(s1);
    else minus1(); // x/0: all ones; x%0: x
    f.else();
    if (signed && !rem) {
      // INT_MIN / -1 = INT_MIN (wasm traps): x / -1 is 0 - x, which wraps there
      get(s2);
      minus1();
      f.op(w ? Op.i32_eq : Op.i64_eq);
      f.if(ty);
      if (w) f.i32Const(0);
      else f.i64Const(0, 0);
      get(s1);
      f.op(w ? Op.i32_sub : Op.i64_sub);
      f.else();
      get(s1);
      get(s2);
      f.op(op as never);
      f.end();
    } else {
      // wasm's rem_s gives 0 for INT_MIN % -1, as RISC-V does
      get(s1);
      get(s2);
      f.op(op as never);
    }
    f.end();
    if (w) f.op(Op.i64_extend_i32_s);
  }

  /** Push the high 64 bits of the 128-bit product rs1 * rs2, from four 32x32-bit products:
   *  unsigned, then corrected for a negative signed operand (mulh: both, mulhsu: rs1). */
  private mulh(s1: number, s2: number, name: Mnemonic): void {
    const f = this.f;
    while (this.tmp.length < 4) this.tmp.push(f.local(I64, `t${this.tmp.length}`));
    const [a, b, p01, p10] = this.tmp as [number, number, number, number];
    const lo = (v: number): void => {
      f.localGet(v).i64Const(-1, 0).op(Op.i64_and);
    };
    const hi = (v: number): void => {
      f.localGet(v).i64Const(32, 0).op(Op.i64_shr_u);
    };
    this.get(s1);
    f.localSet(a);
    this.get(s2);
    f.localSet(b);
    lo(a);
    hi(b);
    f.op(Op.i64_mul).localSet(p01);
    hi(a);
    lo(b);
    f.op(Op.i64_mul).localSet(p10);
    // hi(a)*hi(b) + hi(p01) + hi(p10) + hi(hi(lo(a)*lo(b)) + lo(p01) + lo(p10))
    hi(a);
    hi(b);
    f.op(Op.i64_mul);
    hi(p01);
    f.op(Op.i64_add);
    hi(p10);
    f.op(Op.i64_add);
    lo(a);
    lo(b);
    f.op(Op.i64_mul).i64Const(32, 0).op(Op.i64_shr_u);
    lo(p01);
    f.op(Op.i64_add);
    lo(p10);
    f.op(Op.i64_add).i64Const(32, 0).op(Op.i64_shr_u);
    f.op(Op.i64_add);
    if (name === "mulhu") return;
    // a negative rs1 counts as rs1 - 2^64: subtract rs2 from the high half (and so for rs2)
    f.localGet(a).i64Const(63, 0).op(Op.i64_shr_s).localGet(b).op(Op.i64_and).op(Op.i64_sub);
    if (name === "mulh") {
      f.localGet(b).i64Const(63, 0).op(Op.i64_shr_s).localGet(a).op(Op.i64_and).op(Op.i64_sub);
    }
  }

  /** The block's last instruction: a branch, jal or jalr (n counts it already). */
  private terminator(ins: Insn): void {
    const f = this.f;
    const link = ins.off + ins.len;
    if (ins.kind === K_BRANCH) {
      // once here for both ways out, unless one is the block's own loop (which keeps them)
      if (!this.selfLabel && !this.carries(this.current)) this.flushDirty();
      this.get(ins.s1);
      this.get(ins.s2);
      f.op(WASM_OP[ins.op]! as never);
      f.if();
      this.jumpRel(ins);
      f.end();
      this.goTo(ins.off + ins.len);
      return;
    }
    if (ins.name === "jal") {
      if (ins.d !== 0) {
        this.constPc(link);
        this.set(ins.d);
      }
      this.jumpRel(ins);
      return;
    }
    // jalr: the target before rd is written (rd may be rs1)
    this.get(ins.s1);
    this.imm64(ins.imm);
    f.op(Op.i64_add).i64Const(-2, -1).op(Op.i64_and).localSet(this.pc);
    if (ins.d !== 0) {
      this.constPc(link);
      this.set(ins.d);
    }
    this.flushDirty();
    this.returnDispatch();
    f.br(this.exitLabel);
  }

  /** After a jalr: if the target (in `pc`) is a call's return site in this region, go on
   *  there; else fall through (to the exit). */
  private returnDispatch(): void {
    const sites = this.returnSites();
    if (sites.length === 0) return;
    const f = this.f;
    f.localGet(this.pc).i64Const(32, 0).op(Op.i64_shr_u).op(Op.i32_wrap_i64).i32Const(this.src.pageHi);
    f.op(Op.i32_eq);
    f.if();
    f.localGet(this.pc).op(Op.i32_wrap_i64).localSet(this.lo);
    for (const s of sites) {
      f.localGet(this.lo)
        .i32Const((this.src.pageLo + s) | 0)
        .op(Op.i32_eq);
      f.if();
      this.goTo(s);
      f.end();
    }
    f.end();
  }

  private sites: number[] | null = null;

  /** Page offsets right after the region's calls (jal with a link register) that are blocks. */
  private returnSites(): number[] {
    if (this.sites) return this.sites;
    const out = new Set<number>();
    for (const b of this.blocks) {
      const e = b.end;
      if (e && e.name === "jal" && e.d !== 0 && this.index.has(e.off + e.len)) out.add(e.off + e.len);
    }
    this.sites = [...out].sort((a, b) => a - b);
    return this.sites;
  }

  /** Jump to pc + imm of a branch or jal. */
  private jumpRel(ins: Insn): void {
    const t = inPage(ins.off, ins.imm);
    if (t >= 0) this.goTo(t);
    else {
      this.flushLoops(true);
      this.exitTo(ins.off + ins.imm);
    }
  }
}
