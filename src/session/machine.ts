// The machine a command or a sweep point runs on: the shared options resolved (harts, RAM, TLB,
// paging mode, instruction budget) and the Machine built from them. `mmlab run`, `boot`,
// `console`, `demo` and `mmlab exp sweep` all build theirs here, so a sweep point runs on the
// machine `mmlab run` would build from the same options.

import { type Hart, type JitStats, Machine, Paging, STARTER_INSNS, zeroJitStats } from "../cpu/index.js";
import type * as Jit from "../cpu/jit/index.js";
import type { PagingMode, TlbConfig } from "../mmu/index.js";
import { monotonicMs } from "./clock.js";
import { StartRecord } from "./jit-record.js";

/** The most harts a machine has (the Machine refuses more). */
export const MAX_HARTS = 64;

/** The machine's shape, from --harts, --mem, --tlb, --satp and --max-insns. */
export interface MachineSpec {
  harts: number;
  mem: number;
  /** The TLB geometry of every hart (--tlb), loaded. */
  tlb: TlbConfig;
  /** --satp, when given. */
  satp: PagingMode | null;
  /** Instructions (all harts) after which the run stops; Infinity for no limit. */
  maxInsns: number;
  /** Translation to WebAssembly (on unless --no-jit; --dump-jit DIR); absent: off. */
  jit?: JitSpec;
}

/** How a machine translates: where each region's text goes (--dump-jit DIR: the CLI writes
 *  it to DIR/NAME; null: nowhere). The session touches no host files itself, so the page runs it. */
export interface JitSpec {
  dump: ((name: string, text: string) => void) | null;
  /** Asked for (--jit, --dump-jit): a machine that cannot translate is an error. Otherwise (the
   *  default) such a machine (RAM too large for a WebAssembly memory) runs without. */
  required: boolean;
  /** Heat at which a pc gets its region (--jit-hot; the translator's JIT_HOT when absent). */
  hot?: number;
  /** Where translations are kept across runs (the CLI's files under the cache directory);
   *  absent: none. */
  store?: Jit.TranslationStore;
}

/** The translator, loaded only by runs that translate (start-up: the wasm emitter is ~10
 *  modules a plain run does not need). */
let jit: typeof Jit | null = null;

/** A way to load the translator at once (the `mmlab` command's chunk loader, setJitLoader), or
 *  null: loadJit() must have loaded it before newMachine(). */
let loadJitNow: (() => typeof Jit) | null = null;

/** Load the translator with `load` when a machine first needs it, not before (the `mmlab`
 *  command: src/cli/machine-config.ts); null: only through loadJit(). Translation is then
 *  turned on when a hart's starter share is used up (Hart.jitPending), so a program that ends
 *  within it (a hello world) never loads the translator's chunk: about 10 ms of CPU. */
export function setJitLoader(load: (() => typeof Jit) | null): void {
  loadJitNow = load;
}

/** Make the translator available to newMachine(): loaded now, unless setJitLoader gave a way to
 *  load it when first needed. */
export async function loadJit(): Promise<void> {
  if (loadJitNow === null) jit ??= await import("../cpu/jit/index.js");
}

/** The translator, loaded now if it was not (setJitLoader's way); throws without either. */
function translator(): typeof Jit {
  jit ??= loadJitNow?.() ?? null;
  if (jit === null) throw new Error("the translator is not loaded (loadJit() first)");
  return jit;
}

/** A new machine with the spec's harts, RAM and TLB; `console` gets the UART's bytes (default:
 *  this process's stdout; the core's Machine touches no Node global itself). */
export function newMachine(
  spec: MachineSpec,
  console: (byte: number) => void = (b) => process.stdout.write(Uint8Array.of(b)),
): Machine {
  const m = new Machine({ harts: spec.harts, mem: spec.mem, tlb: spec.tlb, console });
  if (spec.jit) attachTranslator(m, spec.jit);
  return m;
}

/** Turn on translation as `spec` says: when a hart first needs it (Hart.jitPending: once the
 *  program has shown hot code, interp.ts) where setJitLoader gave a way to load the translator
 *  then, else now (and now
 *  the error of a machine that cannot translate when `spec` requires it). */
function attachTranslator(m: Machine, spec: JitSpec): void {
  if (!spec.required && !m.mem.arena) return; // translation by default: not on this machine
  if (loadJitNow === null || !m.mem.arena) {
    attachNow(m, spec);
    return;
  }
  const record = spec.store === undefined ? null : new StartRecord(spec.store);
  const pending = {
    hot: spec.hot,
    early: (h: Hart): boolean => record?.find(h, m.mem, m.harts.length) ?? false,
    start: (): void => {
      for (const h of m.harts) h.jitPending = null;
      const j = attachNow(m, spec);
      if (record === null) return;
      for (const hj of j.harts) {
        const anchor = record.anchor(hj.hart.id);
        if (anchor !== null) hj.pack?.anchor(anchor);
        hj.replay(record.origins(), STARTER_INSNS);
      }
      record.writeAtExit(() => j.made);
    },
  };
  for (const h of m.harts) h.jitPending = pending;
}

/** The machine's translation figures for a report (--stats), or null when it does not
 *  translate. A machine whose translation is still pending (Hart.jitPending: the program ended
 *  within the starter share, or never showed hot code) has translated nothing: zeros, as a
 *  translating machine that found nothing hot reports, without loading the translator. */
export function machineJitStats(m: Machine): JitStats | null {
  if (m.jit) return m.jit.stats();
  return m.harts.some((h) => h.jitPending !== null) ? zeroJitStats() : null;
}

/** Turn on translation as `spec` says, the translator loaded; spec.dump gets one text per
 *  region, named by hart and entry pc, its guest pc range in the first line. */
function attachNow(m: Machine, spec: JitSpec): Jit.MachineJit {
  const jit = translator();
  const dump = spec.dump;
  const hex = (v: bigint): string => v.toString(16).padStart(16, "0");
  const opts = {
    clock: monotonicMs,
    ...(spec.hot === undefined ? {} : { hot: spec.hot }),
    ...(spec.store === undefined ? {} : { store: spec.store }),
  };
  return jit.attachJit(
    m,
    dump === null
      ? opts
      : {
          ...opts,
          dump: (d) => {
            const name = `region-h${d.hart}-${hex(d.pcLo)}.wat`;
            const head = `;; hart ${d.hart}, guest pc 0x${hex(d.pcLo)}-0x${hex(d.pcHi)} (first bytes of the first and last instructions)\n`;
            dump(name, head + d.wat);
          },
        },
  );
}

/** Allow only `mode` (and Bare) in every hart's satp: a write of another MODE is ignored, as
 *  the spec says for an unsupported mode. */
export function restrictSatp(machine: Machine, mode: PagingMode): void {
  for (const h of machine.harts) {
    const t = h.translator;
    if (t instanceof Paging) {
      // Paging.modes is the list the satp write checks (WARL); narrow it in place.
      t.modes.splice(0, t.modes.length, mode.satpMode);
    }
  }
}

/** Format a byte count the way --mem accepts it: 1G, 64M, 12K, 4097. */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ["G", 1 << 30],
    ["M", 1 << 20],
    ["K", 1 << 10],
  ] as const) {
    if (bytes % n === 0 && bytes >= n) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}

/** A guest program or file that cannot be used as asked: one line naming it. The commands
 *  report it as a bad input (exit status 2). */
export class ProgramError extends Error {
  override name = "ProgramError";
}

/** "name: reason" for an ExecError, naming the program once. */
export function execLine(path: string, e: Error): string {
  return e.message.startsWith(`${path}:`) ? e.message : `${path}: ${e.message}`;
}
