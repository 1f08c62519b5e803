// The interpreter loop, generated around the instruction semantics of semantics.ts. Two functions
// come from the same bodies:
//
//   run()   the hot loop: the fetch through the host TLB and the decode cache, the trap
//           unwinding, and one switch with a literal case per HOT op (dense small integers,
//           which V8 compiles to a jump table; see docs/reference/emulators.md);
//   cold()  every other op (F and D, A, Zicsr, fence.i, ecall/ebreak, xRET, wfi, sfence.vma,
//           divisions, illegal encodings): one call from run()'s `default:` case.
//
// Why the split (V8's limits, docs/reference/emulators.md "V8: when a function is optimized"):
// TurboFan compiles a function only below --max-optimized-bytecode-size (61,440 bytes); the
// ticks it waits for grow with the bytecode size (one more per 150 bytes) and restart whenever a
// new inline cache records feedback; and optimized code is thrown away the first time it meets a
// path that had no feedback when it was compiled ("insufficient type feedback"). With every
// instruction inline, run() was ~51 KB of bytecode: it waited for millions of instructions, took
// seconds to compile, and each FP instruction, CSR access or slow path met for the first time
// later threw it away again. The hot run() holds only what real programs execute all the time,
// so it is optimized after fewer instructions, compiles faster, and the rare ops a program meets
// late change only cold()'s feedback: it is cold() that is re-optimized, not the loop.
// Everything cold() needs from the loop it gets through the hart (the pc and the instruction
// count are synced before the call, as any slow path does) and its arguments; it tells the loop
// how to go on by its result (CONTINUE, END_AFTER, END_NOW below).
//
// Four variants: bare (translation off) and paged (host-TLB hits accounted to the modelled TLB),
// each plain or calling a tracer before every instruction. Each variant has its own pair of
// functions, so each keeps its own type feedback. The generated source carries a sourceURL, so
// profiles and stack traces name it (mmlab-interp-paged.js...).

import { FPU } from "./fpu/ops.js";
import type { Hart, PendingJit } from "./hart.js";
import { hostTlbPairSource } from "./hosttlb.js";
import { div32, divu32, rem32, remu32 } from "./int32.js";
import { div64, divu64, mul64, mulh64, mulhsu64, mulhu64, r, rem64, remu64 } from "./int64.js";
import { MNEMONICS, type Mnemonic, OP_ILLEGAL, OP_REGION, OPS } from "./isa.js";
import { JUMP_REL, NEXT_PC, semanticsOf } from "./semantics.js";
import { HEAT_SIZE, REGION_END_CHUNK, REGION_TRAPPED, TLB_MASK, TRAP } from "./trap.js";
import { type JitWarmer, warmVariant } from "./warmup.js";

/** Runs up to `budget` instructions on a hart; returns how many retired. */
export type RunFn = (h: Hart, budget: number) => number;

/** Called before each instruction by the tracing interpreter. */
export type TraceFn = (h: Hart, pcLo: number, pcHi: number, ramOff: number) => void;

/** The ops run() executes inline: RV64I (but ecall, ebreak and fence.i) and the multiplies, the
 *  instructions of compiled integer code (compressed instructions decode to the same ops). */
const HOT: ReadonlySet<Mnemonic> = new Set<Mnemonic>([
  ...MNEMONICS.slice(0, MNEMONICS.indexOf("fence") + 1),
  "mul",
  "mulh",
  "mulhsu",
  "mulhu",
  "mulw",
]);

/** Is `op` executed inline by the hot loop (else by cold())? */
export function isHotOp(op: number): boolean {
  const name = MNEMONICS[op - OPS[MNEMONICS[0]!]];
  return name !== undefined && HOT.has(name);
}

// cold()'s results: what the loop does after the instruction.
export const CONTINUE = 0; // the next instruction (pc += len)
export const END_AFTER = 1; // pc += len, then end the chunk (state the loop caches may have changed)
const END_NOW = 2; // the instruction set h's pc itself (xRET): take it and end the chunk
export const TRAPPED = 3; // the instruction trapped, the trap entered (FAULT, or a TRAP caught in cold())

/** A variant's cold(h, op, a, imm, len, pcLo, pcHi, n): one non-hot op of decode slot fields
 *  (op, a, imm, len) at pc (pcLo, pcHi), the n-th of the chunk; h's pc and chunk count synced
 *  by the caller. Returns CONTINUE, END_AFTER, END_NOW or TRAPPED (the op trapped, the trap
 *  entered: cold() catches a TRAP its ops throw in its own small frame, so that no trap
 *  unwinds run(), whose handler V8 finds slowly while run() is baseline code). */
export type ColdFn = (
  h: Hart,
  op: number,
  a: number,
  imm: number,
  len: number,
  pcLo: number,
  pcHi: number,
  n: number,
) => number;

const SYNC_PC = "h.pcLo = pcLo; h.pcHi = pcHi; h.chunkN = n;";

/** The variants: plain (translation off), paged (modelled-TLB accounting), each maybe traced,
 *  or (untraced) with translation to WebAssembly (jit: counts heat, enters regions). */
interface Variant {
  traced: boolean;
  paged: boolean;
  /** Check execute triggers and debugger breakpoints before each instruction (trigger.ts);
   *  the traced variants always do. */
  trig?: boolean;
  jit?: boolean;
  /** The first instructions of a process (STARTER_INSNS): same code, never warmed (its name
   *  only differs, so profiles tell it apart). */
  starter?: boolean;
}

const variantName = (v: Variant): string =>
  `${v.paged ? "paged" : "bare"}${v.traced ? "-traced" : ""}${v.trig ? "-trig" : ""}${v.jit ? "-jit" : ""}${v.starter ? "-starter" : ""}`;

/** A generated function's name: run_paged, cold_bare_traced... (profiles show it). */
const fnName = (f: "run" | "cold", v: Variant): string => `${f}_${variantName(v).replaceAll("-", "_")}`;

/** The accounting of a host-TLB hit of kind k: the model slot's LRU stamp and hit counter. */
const acct = (k: string, clock: string): string =>
  `{ const sl = ${k}Slot[e]; stamp[sl] = ${clock}; hit${k.toUpperCase()}[sl]++; }`;

/** Where a body is placed: inline in run(), or in a case of cold(). */
type Site = "hot" | "cold";

function expand(body: string, v: Variant, site: Site): string {
  const clock = site === "hot" ? "clk0 + n" : "h.steps + n";
  return body
    .replaceAll("SYNC_PC", site === "hot" ? SYNC_PC : "")
    .replaceAll("END_AFTER", site === "hot" ? `{ ${NEXT_PC} break loop; }` : `return ${END_AFTER}`)
    .replaceAll("END_NOW", site === "hot" ? "break loop" : `return ${END_NOW}`)
    .replaceAll("FAULT", site === "hot" ? "break fault" : `return ${TRAPPED}`)
    .replaceAll("ACCT_R", v.paged ? acct("r", clock) : "")
    .replaceAll("ACCT_W", v.paged ? acct("w", clock) : "");
}

function nameOf(op: number): Mnemonic {
  return MNEMONICS[op - OPS[MNEMONICS[0]!]]!;
}

// The jit variant's heat count, on the edges that make code hot: a taken backward branch or jal
// (a loop's back edge) and a call (jal or jalr with a link register). Such a case leaves the
// switch by `break heat` to the one place that counts (HEAT below the switch; every other case
// goes on with the next instruction), so that place gets its type feedback from any loop, the
// warm-up's included (a copy in each of the 8 cases deoptimized run() the first time a program
// took a backward blt, bgeu...: those were never taken backward in the warm-up). The pc it goes
// to counts down from the hart's threshold (jit.hotAt); at zero, when in the page being fetched
// from, the region starting there may be translated (jit/translator.ts). Forward branches, plain
// jumps and returns, most of the jumps a program makes, cost nothing more than in the plain
// interpreter.
const HEAT =
  "{ const hk = (pcLo >>> 1) & HEAT_MASK; if (--heat[hk] === 0 && jit !== null) { heat[hk] = jit.hotAt; " +
  "if ((pcLo & -4096) === fLo && pcHi === fHi) jit.hot(h, pcLo, pcHi, fBase, dc, PAGED); } }";

/** Which taken jumps of op `name` count heat (a JS condition on the slot's fields). */
const HEAT_WHEN: Partial<Record<Mnemonic, string>> = {
  jal: "imm <= 0 || d !== 0",
  jalr: "d !== 0",
  beq: "imm <= 0",
  bne: "imm <= 0",
  blt: "imm <= 0",
  bge: "imm <= 0",
  bltu: "imm <= 0",
  bgeu: "imm <= 0",
};

// The starter variants' heat probe (the same edges, counted up in the process's probe table,
// PROBE below): a pc reaching the threshold adds one to the count of pcs found hot. It tells
// run() whether the program has hot code at all before translation is turned on.
const PROBE_HEAT =
  "{ const hk = (pcLo >>> 1) & HEAT_MASK; if (++probe[hk] === probe[PROBE_AT]) probe[PROBE_FOUND]++; }";

/** Does variant `v` count heat (the jit variants for translation, the starters for the probe)? */
const countsHeat = (v: Variant): boolean => v.jit === true || v.starter === true;

/** A jump's body in the jit variant: its taken path goes to the heat count when it counts. */
function withHeat(name: Mnemonic, body: string): string {
  const when = HEAT_WHEN[name];
  if (when === undefined) return body;
  const count = `if (${when}) break heat;`;
  if (name === "jalr") return `${body} ${count}`;
  if (!body.includes(JUMP_REL)) throw new Error(`interpreter: ${name} has no relative jump to count heat on`);
  return body.replace(JUMP_REL, `{ ${JUMP_REL} ${count} }`);
}

function hotCase(op: number, v: Variant): string {
  const name = nameOf(op);
  const sem = semanticsOf(name);
  const flow = sem.flow ?? "seq";
  const body = countsHeat(v) ? withHeat(name, sem.body) : sem.body;
  const tail = flow === "jump" ? "" : flow === "end" ? `${NEXT_PC} break loop;` : NEXT_PC;
  return `case ${op}: /* ${name} */ { ${expand(body, v, "hot")} ${tail} break; }`;
}

// The names a body may use, with what cold() binds them to; a case binds only those its body
// mentions (run() binds them all once per chunk).
const COLD_NAMES: readonly (readonly [string, string])[] = [
  ["fr", "h.f"],
  ["fi", "h.fi"],
  ["f32", "h.f32"],
  ["u8", "h.mem.u8"],
  ["i8", "h.mem.i8"],
  ["u16", "h.mem.u16"],
  ["i16", "h.mem.i16"],
  ["i32", "h.mem.i32"],
  ["rLo", "h.hostTlb.rLo"],
  ["rHi", "h.hostTlb.rHi"],
  ["rBase", "h.hostTlb.rBase"],
  ["rSlot", "h.hostTlb.rSlot"],
  ["wLo", "h.hostTlb.wLo"],
  ["wHi", "h.hostTlb.wHi"],
  ["wBase", "h.hostTlb.wBase"],
  ["wSlot", "h.hostTlb.wSlot"],
  ["stamp", "h.translator.stamp"],
  ["hitR", "h.translator.hostHits.r"],
  ["hitW", "h.translator.hostHits.w"],
];

function coldCase(op: number, v: Variant): string {
  const name = nameOf(op);
  const sem = semanticsOf(name);
  const flow = sem.flow ?? "seq";
  const body = expand(sem.body, v, "cold");
  if (flow === "jump" && !body.includes(`return ${END_NOW}`)) {
    throw new Error(`interpreter: cold op ${name} jumps without ending the chunk`);
  }
  const binds = COLD_NAMES.filter(([n]) => new RegExp(`\\b${n}\\b`).test(body))
    .map(([n, e]) => `const ${n} = ${e};`)
    .join(" ");
  const tail = flow === "end" ? `return ${END_AFTER};` : flow === "jump" ? "" : `return ${CONTINUE};`;
  return `case ${op}: /* ${name} */ { ${binds} ${body} ${tail} }`;
}

// Fetch accounting in the paged variant: instructions fetched from the current page are ITLB
// hits of slot fSlot, counted when the page is left (fFrom: the first fetch not yet counted).
const FETCH_FLUSH = (k: string): string =>
  `if (fSlot >= 0) { hitX[fSlot] += ${k} - fFrom; stamp[fSlot] = clk0 + ${k} - 1; fSlot = -1; }`;

/** The groups of non-hot ops, each in a function of its own that cold() calls: V8 optimizes a
 *  function as a whole, so a program that meets one group (printf's divisions, a CSR access)
 *  compiles that group, not every F, D and A op besides (one cold() of all of them took 2.6 s of
 *  TurboFan on bench_fp, loaded machine). The last group also takes the ops no other does. */
const COLD_GROUPS: readonly { name: string; has: (m: Mnemonic) => boolean }[] = [
  { name: "fp", has: (m) => /^f(?!ence)/.test(m) },
  { name: "amo", has: (m) => /^(lr\.|sc\.|amo)/.test(m) },
  { name: "div", has: (m) => /^(div|rem)/.test(m) },
  { name: "sys", has: () => true },
];

/** The group (index in COLD_GROUPS) of each non-hot mnemonic. */
function coldGroupOf(m: Mnemonic): number {
  return COLD_GROUPS.findIndex((g) => g.has(m));
}

/** The source of cold(h, op, a, imm, len, pcLo, pcHi, n): the non-hot ops, through the function
 *  of their group. The caller has synced h's pc and chunk count; the result says how the loop
 *  goes on. */
function coldSource(v: Variant): string {
  const cold = fnName("cold", v);
  const top = Math.max(OP_ILLEGAL, ...MNEMONICS.map((m) => OPS[m]));
  const groupOf = new Uint8Array(top + 1).fill(COLD_GROUPS.length - 1);
  const bodies = COLD_GROUPS.map(() => [] as string[]);
  for (const m of MNEMONICS.filter((m) => !HOT.has(m))) {
    groupOf[OPS[m]] = coldGroupOf(m);
    bodies[coldGroupOf(m)]!.push(coldCase(OPS[m], v));
  }
  const fns = COLD_GROUPS.map(
    (g, k) => `function ${cold}_${g.name}(h, op, a, imm, len, pcLo, pcHi, n) {
  const x = h.x;
  const d = a & 127, s1 = (a >>> 7) & 127, s2 = (a >>> 14) & 127;
  switch (op) {
${bodies[k]!.join("\n")}
    ${k === COLD_GROUPS.length - 1 ? `case ${OP_ILLEGAL}: h.illegal(imm, len);` : ""}
    default: throw new Error("interpreter: no case for op " + op);
  }
}`,
  );
  const calls = COLD_GROUPS.map(
    (g, k) => `case ${k}: return ${cold}_${g.name}(h, op, a, imm, len, pcLo, pcHi, n);`,
  );
  return `${fns.join("\n")}
const COLD_GROUP = new Uint8Array([${groupOf.join(",")}]);
function ${cold}(h, op, a, imm, len, pcLo, pcHi, n) {
  try {
    switch (op < COLD_GROUP.length ? COLD_GROUP[op] : ${COLD_GROUPS.length - 1}) {
      ${calls.join("\n      ")}
    }
  } catch (e) {
    if (e !== TRAP) throw e;
    return ${TRAPPED};
  }
}`;
}

// The jit variant at a region's mark: run the region (it retires k instructions, plus
// REGION_END_CHUNK when the chunk must end after it, and leaves the pc in h), or, when it does
// not apply, enter() returns the slot's own op negated, which runs; REGION_TRAPPED when an
// instruction in it trapped (the trap entered; h.chunkN its count): taken as FAULT takes one,
// without a throw (V8's search for the handler in the baseline-compiled run() was ~149,000
// host instructions a trap). The regions chained after
// it may have moved the fetch to another page: the fetch state comes back from the translator
// (ADOPT_FETCH), always, so that no path here reads or writes a property the warm-up's region
// does not (V8 would deoptimize run() the first time).
const ADOPT_FETCH =
  "fLo = jit.fLo; fHi = jit.fHi; fBase = jit.fBase; dc = jit.fDc; fSlot = jit.fSlot; fFrom = jit.fFrom;";
const ENTER = (paged: boolean): string => `if (op === ${OP_REGION}) {
          ${SYNC_PC}
          inRegion = true;
          const k = jit.enter(h, fBase + (pcLo & 4095), budget - n + 1, n - 1, clk0 + n - 1, ${paged}, fSlot, fFrom, dc);
          inRegion = false;
          ${ADOPT_FETCH}
          if (k > 0) {
            n += (k & ${REGION_END_CHUNK - 1}) - 1; pcLo = h.pcLo | 0; pcHi = h.pcHi | 0;
            if (k > ${REGION_END_CHUNK - 1}) break loop;
            continue;
          }
          if (k === ${REGION_TRAPPED}) { n = h.chunkN; break fault; }
          op = -k;
        }`;

/** run()'s taking of a trap the hart entered (pc at its handler): the trapping instruction did
 *  not retire, the fetch state is dropped, and `leave` ends the chunk when the hart must yield. */
const takeTrap = (paged: boolean, leave: string): string => `${paged ? FETCH_FLUSH("n + 1") : ""}
      n--; // the instruction that trapped did not retire
      budget--; // but a trap storm still ends the chunk
      pcLo = h.pcLo | 0; pcHi = h.pcHi | 0; fLo = 1;
      if (h.yieldRequested) ${leave};`;

/** The source of run(h, budget), the hot loop. */
function runSource(v: Variant): string {
  const { traced, paged } = v;
  const jit = v.jit === true;
  const cases = MNEMONICS.filter((m) => HOT.has(m))
    .map((m) => hotCase(OPS[m], v))
    .join("\n");
  const fetchHit = "(xLo[e] === (pcLo & -4096) && xHi[e] === pcHi)";
  return `function ${fnName("run", v)}(h, budget) {
  if (warm !== null) { const w = warm; warm = null; w(); }
  const x = h.x, mem = h.mem;
  const u8 = mem.u8, i8 = mem.i8, u16 = mem.u16, i16 = mem.i16, i32 = mem.i32;
  const t = h.hostTlb, rLo = t.rLo, rHi = t.rHi, rBase = t.rBase, wLo = t.wLo, wHi = t.wHi, wBase = t.wBase;
  const xLo = t.xLo, xHi = t.xHi, xBase = t.xBase, xCode = t.xCode;
  const rSlot = t.rSlot, wSlot = t.wSlot, xSlot = t.xSlot;
  const tr = h.translator;
  const stamp = tr ? tr.stamp : SCRATCH;
  const hitR = tr ? tr.hostHits.r : SCRATCH, hitW = tr ? tr.hostHits.w : SCRATCH, hitX = tr ? tr.hostHits.x : SCRATCH;
  const clk0 = h.steps;
  ${jit ? "const jit = h.jit, heat = jit !== null ? jit.heat : HEAT_SCRATCH; let inRegion = false;" : ""}
  ${jit ? "if (jit !== null && clk0 >= jit.decayAt) jit.decay(clk0);" : ""}
  let pcLo = h.pcLo | 0, pcHi = h.pcHi | 0;
  let n = 0, fLo = 1, fHi = 0, fBase = 0, dc = h.code.empty, fSlot = -1, fFrom = 0;
  for (;;) {
    try {
      loop: while (n < budget) {
        n++;
        fault: {
        if ((pcLo & -4096) !== fLo || pcHi !== fHi) {
          const e = ${hostTlbPairSource("pcLo")};
          ${paged ? FETCH_FLUSH("n") : ""}
          if (${fetchHit}) { fBase = xBase[e]; dc = xCode[e]; ${paged ? "fSlot = xSlot[e]; fFrom = n;" : ""} }
          else { ${SYNC_PC} dc = h.fetchGuarded(pcLo, pcHi); if (h.faulted !== 0) break fault; fBase = h.fetchBase; ${paged ? "fSlot = h.hostSlot; fFrom = n + 1;" : ""} }
          fLo = pcLo & -4096; fHi = pcHi;
        }
        const i = (pcLo & 4094) << 1;
        let op = dc[i];
        if (op === 0) { ${SYNC_PC} op = h.decodeSlot(dc, i, pcLo, pcHi, fBase); }
        ${jit ? ENTER(paged) : ""}
        ${traced || v.trig ? `if (op === ${OP_REGION}) op = h.jit.origOp(fBase + (pcLo & 4095));` : ""}
        const a = dc[i + 1], imm = dc[i + 2], len = dc[i + 3];
        const d = a & 127, s1 = (a >>> 7) & 127, s2 = (a >>> 14) & 127;
        ${traced || v.trig ? `if (h.triggers.exec) { ${SYNC_PC} h.triggers.checkExec(len); }` : ""}
        ${traced ? "tracer(h, pcLo, pcHi, fBase + (pcLo & 4095));" : ""}
        ${countsHeat(v) ? "heat: {" : ""}
        switch (op) {
${cases}
          default: {
            ${SYNC_PC}
            const k = ${fnName("cold", v)}(h, op, a, imm, len, pcLo, pcHi, n);
            if (k !== ${CONTINUE}) {
              if (k === ${TRAPPED}) break fault;
              if (k === ${END_AFTER}) { ${NEXT_PC} } else { pcLo = h.pcLo | 0; pcHi = h.pcHi | 0; }
              break loop;
            }
            ${NEXT_PC}
            break;
          }
        }
        ${countsHeat(v) ? `continue; } ${jit ? HEAT.replace("PAGED", String(paged)) : PROBE_HEAT}` : ""}
        continue;
        }
        h.faulted = 0; // FAULT: a trap entered without a throw, taken as the catch below takes one
        ${takeTrap(paged, "break loop")}
      }
      break;
    } catch (e) {
      if (e !== TRAP) throw e;
      ${jit ? `const cn = h.chunkN; if (inRegion) { inRegion = false; n = cn; ${ADOPT_FETCH} } // a region's trap: its instruction's count, the fetch state` : ""}
      ${takeTrap(paged, "break")}
    }
  }
  ${paged ? FETCH_FLUSH("n + 1") : ""}
  h.pcLo = pcLo; h.pcHi = pcHi;
  h.retire(n);
  return n;
}`;
}

function source(v: Variant): string {
  return `
const { r, mul64, mulh64, mulhsu64, mulhu64, div64, divu64, rem64, remu64, div32, divu32, rem32, remu32,
        TRAP, tracer, fpu } = env;
const SCRATCH = new Float64Array(1 << 16);
const TLB_PAIR_MASK = ${TLB_MASK << 1};
const HEAT_MASK = ${HEAT_SIZE - 1};
const HEAT_SCRATCH = new Int32Array(${HEAT_SIZE});
const probe = env.probe, PROBE_FOUND = ${PROBE_FOUND}, PROBE_AT = ${PROBE_AT};
let warm = env.warm;
${coldSource(v)}
const run = ${runSource(v)};
run.cold = ${fnName("cold", v)};
${v.starter && NEVER_OPTIMIZE ? neverOptimized(v) : ""}
return run;
//# sourceURL=mmlab-interp-${variantName(v)}.js
`;
}

function build(v: Variant, tracer: TraceFn | null, warmUp = tracer === null): RunFn {
  let fn: RunFn | null = null;
  const env = {
    // A plain variant warms itself up (warmup.ts) when it is first called, before it runs any
    // instruction of a user's machine; the tracing and trigger-checking ones, slow anyway, do not.
    warm: warmUp ? () => warmVariant(fn!, v.paged, undefined, v.jit ? jitWarmer : null) : null,
    r,
    mul64,
    mulh64,
    mulhsu64,
    mulhu64,
    div64,
    divu64,
    rem64,
    remu64,
    div32,
    divu32,
    rem32,
    remu32,
    TRAP,
    tracer,
    fpu: FPU,
    probe,
  };
  const factory = compileGenerated(variantName(v), "env", () => source(v)) as (
    e: typeof env,
  ) => RunFn & { cold: ColdFn };
  const made = factory(env);
  colds.set(made, made.cold);
  fn = made;
  return fn;
}

const colds = new WeakMap<RunFn, ColdFn>();

/** Compiles generated code: `name` names it (the variant), `params` are its parameters, `body`
 *  makes its text (a function of `name` and of this build's code only, so that a host may keep
 *  the text of an earlier process instead of making it again); returns the function. */
export type GeneratedCompiler = (
  name: string,
  params: string,
  body: () => string,
) => (...args: never[]) => unknown;

/** How the generated interpreters are compiled: new Function, unless the host gave another way
 *  (setGeneratedCompiler). */
let compileGenerated: GeneratedCompiler = (_name, params, body) =>
  new Function(params, body()) as (...args: never[]) => unknown;

/** Compile the generated interpreters with `c` from now on: the `mmlab` command compiles them
 *  through V8's code cache, as its own chunks (src/cli/code-cache.ts), so a process neither
 *  parses the ~50 KB of a variant's run() nor compiles it to bytecode at its first call (about
 *  10 ms of CPU per variant under load). `c` must give the function new Function would. */
export function setGeneratedCompiler(c: GeneratedCompiler): void {
  compileGenerated = c;
}

/** How the jit variants are warmed with translation on (set by jit/translator.ts, which
 *  imports this module: a hart runs the jit variants only once that module has loaded). */
let jitWarmer: JitWarmer | null = null;

/** Give the jit variants' warm-up its way to turn translation on for a scratch hart. */
export function setJitWarmer(w: JitWarmer): void {
  jitWarmer = w;
}

/** A pair of interpreters: for translation off, and for paging with modelled-TLB accounting. */
export interface Interpreter {
  readonly bare: RunFn;
  readonly paged: RunFn;
  /** Its variants check execute triggers and breakpoints themselves (the tracing ones). */
  readonly checksTriggers?: boolean;
}

/** An Interpreter whose variants (bare and paged, else as `v` says) are each generated and
 *  compiled the first time they are asked for (a kernel-mode run needs only the paged one, a
 *  bare run usually only the bare one): start-up. `warmUp`: warm each at its first call. */
function lazyInterpreter(v: Omit<Variant, "paged">, warmUp: boolean): Interpreter {
  let bare: RunFn | null = null;
  let paged: RunFn | null = null;
  return {
    get bare(): RunFn {
      bare ??= build({ ...v, paged: false }, null, warmUp);
      return bare;
    },
    get paged(): RunFn {
      paged ??= build({ ...v, paged: true }, null, warmUp);
      return paged;
    },
  };
}

/** The variants that check execute triggers and debugger breakpoints before each instruction,
 *  used for the chunks of a hart that has some armed. */
const triggered = lazyInterpreter({ traced: false, trig: true }, false);

/** The interpreter. */
export const interpreter = lazyInterpreter({ traced: false }, true);

/** The interpreter with translation to WebAssembly (the jit variants), for harts whose `jit` is
 *  set. */
export const jitInterpreter = lazyInterpreter({ traced: false, jit: true }, true);

/** Can generated code tell V8 never to optimize a function (`%NeverOptimizeFunction`, V8's
 *  natives syntax, which `mmlab` turns on: src/cli/v8-tuning.ts)? Not in a browser nor under
 *  plain node (tests): a SyntaxError here. */
const NEVER_OPTIMIZE = ((): boolean => {
  try {
    new Function("%NeverOptimizeFunction(function () {});");
    return true;
  } catch {
    return false;
  }
})();

/** The statements that keep V8 from ever optimizing the starter's run(), cold() and cold()'s
 *  groups (they run only until the warmed variant takes over; their feedback is partial). */
function neverOptimized(v: Variant): string {
  const cold = fnName("cold", v);
  const fns = ["run", cold, ...COLD_GROUPS.map((g) => `${cold}_${g.name}`)];
  return fns.map((f) => `%NeverOptimizeFunction(${f});`).join("\n");
}

/** Instructions of a process run by the starter variants before the warmed ones take over.
 *  The warm-up (warmup.ts) costs tens of milliseconds of CPU per variant, more than a short
 *  program takes in all (a no-libc hello world is 232 instructions): a program that ends within
 *  these instructions never pays for it. The warmed variant is a fresh function whose only
 *  feedback and ticks are the warm-up's (V8 then optimizes it once, with feedback for every op;
 *  warming the function that had already run the program's first instructions made V8 compile
 *  it in the middle of the warm-up and deoptimize it later, warmup.ts).
 *
 *  Where V8 can be told never to optimize the starter (NEVER_OPTIMIZE: the `mmlab` command), the
 *  share is 100,000 instructions: unoptimized, the starter runs about 5 MIPS (Ignition and
 *  Sparkplug), and the warmed variant is no faster until TurboFan has compiled it (hundreds of
 *  milliseconds of CPU on another thread), so a program that ends within the share (the glibc
 *  hello world: 7,643) saves the warm-up (40-90 ms of CPU) and that compile, and a longer one
 *  pays at most ~20 ms for the later switch. Elsewhere the share stays below what makes V8
 *  optimize the starter itself, a compile (seconds of CPU on a loaded machine) thrown away at
 *  the switch: measured with --trace-opt on bench_coremark (Node 20.20), V8 marked
 *  run_paged_starter for TurboFan when it ran 4,000 instructions or more, not with 3,000. */
export const STARTER_INSNS = NEVER_OPTIMIZE ? 100_000 : 2_000;

/** The starter variants: the plain interpreter, never warmed. */
const starter = lazyInterpreter({ traced: false, starter: true }, false);

/** Instructions the starter variants may still run in this process. */
let starterLeft = STARTER_INSNS;

/** How many more instructions the starter variants run (0 or less: the warmed ones run). */
export function starterInsnsLeft(): number {
  return starterLeft;
}

// The jit starter. With translation on, hot code runs in regions; what the interpreter still
// runs is code on its way to getting hot, code translation refuses or abandons, and cold code.
// The warmed jit variant costs its warm-up (20-40 ms of CPU: a translation of its own, the
// scratch hart's slow path) and TurboFan's compile of its ~15 KB of bytecode (0.1-0.4 s of CPU
// on another thread, more than the plain variant's: its loop is larger), and it runs no faster
// than the never-optimized starter until that compile is done. A program whose hot code runs
// translated (every program of guests/bench.json: 0.03-0.31 M instructions interpreted after
// the switch, against 80-250 M in regions) never repays it; one that goes on interpreting does.
// So, rent or buy: the jit starter variants (the jit variant's code, never warmed nor
// optimized) interpret until the instructions they ran outside regions since translation was
// turned on reach JIT_STARTER_MAX, about what the warm-up and the compile cost at the
// starter's ~5 MIPS (the rent paid equals the price: at most twice the best choice made in
// hindsight); earlier, at JIT_STARTER_MIN (~12 ms of rent), when the interpreter has run at
// least as many instructions as the regions: translation is then not taking the program's work,
// which is likely to go on being interpreted, as --no-jit's would. The minimum is one chunk
// (MAX_CHUNK): with the probe's counts carried over (seedHeat), no program of guests/bench.json
// interprets that many before its regions run more (bench_fp's first chunk did, unseeded), and
// the worst case, a program that interprets on (the never-slower bench's hot-once), pays about
// that much rent more than with the warm-up at once.
// Elsewhere (no NEVER_OPTIMIZE: tests, in process) V8 would optimize the starter itself: no
// jit starter.

/** Instructions interpreted outside regions after which the warmed jit variant takes over. */
export const JIT_STARTER_MAX = 1 << 20;
/** ... or after which it takes over when the regions ran fewer instructions. */
export const JIT_STARTER_MIN = 1 << 16;

/** The jit starter variants: the jit variant's code, never warmed nor optimized. */
const jitStarter = lazyInterpreter({ traced: false, jit: true, starter: true }, false);

/** The jit starter's state: its shares (0: none), and the instructions run since translation
 *  was turned on, by the jit starter outside regions and in regions. */
const jitShare = {
  min: NEVER_OPTIMIZE ? JIT_STARTER_MIN : 0,
  max: NEVER_OPTIMIZE ? JIT_STARTER_MAX : 0,
  interpreted: 0,
  inRegions: 0,
};

/** Does the jit starter run the next chunk (else the warmed jit variant)? */
function jitStarterRuns(): boolean {
  const s = jitShare;
  return s.interpreted < s.max && (s.interpreted < s.min || s.interpreted < s.inRegions);
}

/** Set the jit starter's shares and start counting again (a test's knob: 0, 0 turns it off);
 *  returns the shares it replaces. */
export function setJitStarterShares(min: number, max: number): [number, number] {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min)
    throw new RangeError(`interpreter: jit starter shares ${min}, ${max}`);
  const prev: [number, number] = [jitShare.min, jitShare.max];
  Object.assign(jitShare, { min, max, interpreted: 0, inRegions: 0 });
  return prev;
}

/** What the jit starter has counted, for tests: instructions interpreted and run in regions. */
export function jitStarterCounts(): { interpreted: number; inRegions: number; runs: boolean } {
  return { interpreted: jitShare.interpreted, inRegions: jitShare.inRegions, runs: jitStarterRuns() };
}

/** The jit variant's cold(), paged or not: translated code (jit/translator.ts) calls it for the
 *  ops it leaves to the interpreter's semantics (F and D, A), so those have one place. */
export function jitCold(paged: boolean): ColdFn {
  const fn = paged ? jitInterpreter.paged : jitInterpreter.bare;
  const c = colds.get(fn);
  if (c === undefined) throw new Error("interpreter: a variant without its cold()");
  return c;
}

/** The most instructions one call of a generated run() executes (a longer budget returns early,
 *  as a trap or a CSR write makes it: callers go on with the next chunk). Warm-up: the kernel
 *  asks for a whole tick (4 M instructions), so the call running when V8 has optimized run()
 *  went on for its whole tick in the unoptimized code and V8 compiled run() a second time, for
 *  on-stack replacement (--trace-opt on bench_coremark: 1.1 s, then 2.0 s of compile on a loaded
 *  machine). With short calls the next call enters the optimized code and no OSR compile is
 *  needed; a call per 65,536 instructions costs nothing measurable. */
export const MAX_CHUNK = 65_536;

/** The cap run() applies: MAX_CHUNK, unless a test changed it (setChunkCap). */
let chunkCap = MAX_CHUNK;

/** Set the most instructions one run() call executes; returns the cap it replaces. For the
 *  tests of translation, which must give the same run whatever the chunks (a kernel tick is 4 M
 *  instructions): a count left from one chunk was once seen only with long ones. */
export function setChunkCap(n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`interpreter: chunk cap ${n} is not a positive integer`);
  const prev = chunkCap;
  chunkCap = n;
  return prev;
}

/** Run a chunk on `h` with the variant its translation state needs: the starter variants for a
 *  process's first STARTER_INSNS instructions, with translation on too (a short program never
 *  pays for a warm-up); then the jit variants when the hart translates and the plain
 *  interpreter is asked for. Translation deferred until then (Hart.jitPending) is turned on
 *  only once the machine's program has shown hot code (Watch below): until then the plain
 *  variant runs it, as under --no-jit, so a program whose code runs once or keeps being
 *  rewritten never pays for the translator, the jit variant's warm-up and V8's compile of it.
 *  The starter never meets a region's mark: regions are made only by the jit variants, which
 *  run only once the process's starter share is used up. */
export function run(h: Hart, budget: number, interp: Interpreter = interpreter): number {
  budget = Math.min(budget, chunkCap);
  const pending = interp === interpreter ? h.jitPending : null;
  const watch = pending === null ? null : watchOf(pending, h);
  if (pending !== null && starterLeft <= 0 && hotCodeSeen(watch!)) {
    pending.start();
    if (h.jit !== null && probeFor === watch) seedHeat(h.jit.heat, h.jit.hotAt);
  }
  // execute triggers and breakpoints: checked before each instruction, so no region runs
  const i =
    h.triggers.exec && !interp.checksTriggers
      ? triggered
      : interp === interpreter && starterLeft > 0
        ? starter
        : h.jit !== null && interp === interpreter
          ? jitStarterRuns()
            ? jitStarter
            : jitInterpreter
          : interp;
  const fn = h.pagingActive() ? i.paged : i.bare;
  if (i === jitStarter) {
    const stats = h.jit!.stats;
    const inRegions = stats.executed;
    const n = fn(h, budget);
    const ran = stats.executed - inRegions;
    jitShare.interpreted += n - ran;
    jitShare.inRegions += ran;
    return n;
  }
  if (i !== starter) {
    const n = fn(h, budget);
    if (watch !== null && i === interp) sampleHeat(watch, h, n, budget);
    return n;
  }
  // A chunk may end early (a trap, a CSR write, a yield: every caller goes on with the next).
  const changes = h.code.changes;
  if (watch !== probeFor) restartProbe(watch, pending?.hot);
  const n = fn(h, Math.min(budget, starterLeft));
  starterLeft -= n;
  if (h.code.changes !== changes) restartProbe(watch, pending?.hot);
  return n;
}

// Hot code, before translation is turned on. The starter variants count heat as the jit variant
// does (the same edges, hashed by pc) in the process's probe table: a pc taken PROBE_AT times
// (the translator's threshold) counts as found hot: the machine the probe counts for has shown
// hot code if the probe found a pc since it last started. A chunk that changed code (a store
// into a decoded page, fence.i) starts the probe again: translation cannot pay for code that
// keeps being rewritten (a loop patched every 45,000 instructions is found hot between two
// patches, but not since the last one when the share ends). Past the
// starter share the plain variant counts nothing (it is --no-jit's own function), so run()
// samples the pc instead, every SAMPLE_EVERY instructions or so (at the first chunk past them
// that ends on its budget: a trap's or a system call's pc would favour the pages they come
// from). A line of 256 bytes (64 instructions) sampled SAMPLE_HOT times ran about SAMPLE_HOT *
// SAMPLE_EVERY instructions: each of its instructions about 2,048 times, as a loop the
// translator would find hot. Counts are halved every SAMPLE_DECAY samples (a sustained rate, as
// the translator's decay asks) and cleared at a code change. Pages would be too coarse: a page
// of short loops of 500 passes each (never hot for the translator) gets about 6 samples. What
// a machine has shown is kept per pending translation (a machine's harts share it), so each
// machine of a process (tests, benches) is judged on its own program.

/** The translator's default heat threshold (jit/translator.ts JIT_HOT; a test holds them
 *  equal): the probe's when the pending translation sets none. */
export const PROBE_HOT = 1024;
const PROBE_FOUND = HEAT_SIZE;
const PROBE_AT = HEAT_SIZE + 1;
/** HEAT_SIZE counters by pc, then the count of pcs found hot and the threshold. */
const probe = new Int32Array(HEAT_SIZE + 2);
probe[PROBE_AT] = PROBE_HOT;
/** The machine the probe counts for (null: none pending). */
let probeFor: Watch | null = null;

const SAMPLE_EVERY = 65_536;
const SAMPLE_HOT = 2;
const SAMPLE_DECAY = 32;

/** What a machine with pending translation has shown: a line sampled hot, and the plain variant's
 *  samples by virtual line of 256 bytes, how many, instructions since the last, the code
 *  changes seen. */
interface Watch {
  hot: boolean;
  readonly samples: Map<number, number>;
  count: number;
  since: number;
  changes: number;
}

const watches = new WeakMap<PendingJit, Watch>();

/** The watch of pending translation `p` (made at its first chunk, on hart `h`). A program the
 *  translation cache knows (PendingJit.early: its hot entries recorded by an earlier run) has
 *  shown hot code before it starts, and the starter share ends: translation is turned on at
 *  once, and the recorded entries get their regions at their first counted jump. */
function watchOf(p: PendingJit, h: Hart): Watch {
  let w = watches.get(p);
  if (w === undefined) {
    w = { hot: false, samples: new Map(), count: 0, since: 0, changes: h.code.changes };
    watches.set(p, w);
    if (p.early?.(h) === true) {
      w.hot = true;
      starterLeft = 0;
    }
  }
  return w;
}

/** Has the machine of watch `w` shown hot code: a line sampled hot, or a pc the probe found since
 *  it last started counting for `w`? */
function hotCodeSeen(w: Watch): boolean {
  return w.hot || (probeFor === w && probe[PROBE_FOUND]! > 0);
}

/** Count again from zero, for `w` with threshold `hot` (the translator's default if none). */
function restartProbe(w: Watch | null, hot: number | undefined): void {
  probeFor = w;
  probe.fill(0);
  probe[PROBE_AT] = Math.max(1, Math.floor(hot ?? PROBE_HOT));
}

/** The probe's counts, carried over to a heat table counting down from `hot` (the jit
 *  variant's, when translation is turned on for the machine the probe counted for): a pc the
 *  starter found hot gets its region at its next counted jump, instead of after `hot` more,
 *  interpreted by the jit starter (bench_fp's loop ran 65,536 instructions interpreted after
 *  the switch, its whole first chunk). The two tables hash pcs alike (HEAT_MASK). */
function seedHeat(heat: Int32Array, hot: number): void {
  if (heat.length !== HEAT_SIZE) throw new Error(`interpreter: a heat table of ${heat.length} counters`);
  for (let k = 0; k < HEAT_SIZE; k++) heat[k] = Math.max(1, Math.min(heat[k]!, hot - probe[k]!));
}

/** A plain chunk of `w`'s machine ran `n` instructions of `budget` and ended at h's pc: sample
 *  it when due. */
function sampleHeat(w: Watch, h: Hart, n: number, budget: number): void {
  w.since += n;
  if (n !== budget || w.since < SAMPLE_EVERY) return;
  w.since = 0;
  if (h.code.changes !== w.changes) {
    w.changes = h.code.changes;
    w.samples.clear();
  }
  const line = (h.pcHi & 0xffff) * 0x100_0000 + (h.pcLo >>> 8);
  const c = (w.samples.get(line) ?? 0) + 1;
  w.samples.set(line, c);
  if (c >= SAMPLE_HOT) w.hot = true;
  if (++w.count % SAMPLE_DECAY !== 0) return;
  for (const [k, v] of w.samples) {
    if (v >> 1 === 0) w.samples.delete(k);
    else w.samples.set(k, v >> 1);
  }
}

/** What pending translation `p` has shown, for tests: pcs the probe found hot (while it counts
 *  for `p`), lines sampled, whether hot code was seen. */
export function heatProbe(p: PendingJit): { found: number; lines: number; hot: boolean } {
  const w = watches.get(p);
  return {
    found: w !== undefined && probeFor === w ? probe[PROBE_FOUND]! : 0,
    lines: w?.samples.size ?? 0,
    hot: w !== undefined && hotCodeSeen(w),
  };
}

/** Interpreters that call `tracer` before every instruction. */
export function tracingInterpreter(tracer: TraceFn): Interpreter {
  return {
    bare: build({ traced: true, paged: false }, tracer),
    paged: build({ traced: true, paged: true }, tracer),
    checksTriggers: true,
  };
}

/** The generated source (cold() and run()), for inspection (`mmlab` developers, tests). */
export function interpreterSource(traced = false, paged = false, jit = false): string {
  return source({ traced, paged, jit });
}
