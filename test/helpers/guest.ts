// Running guests for the CPU tests: the machine's addresses, the outcome of a run (registers,
// symbols, memory, and the trap log kept by the skeleton of ./asm.ts), a guard against trap
// storms, and a stepper that runs single instructions with registers set from the test.

import { type Hart, run as interpret, Machine, type RunResult } from "../../src/cpu/index.js";
import { gp, insnLength } from "./encode.js";

export const RAM = 0x8000_0000n;
export const FINISHER = 0x0010_0000n;
export const CLINT = 0x0200_0000n;
export const MTIMECMP = CLINT + 0x4000n;
export const MTIME = CLINT + 0xbff8n;

const le = (v: bigint, n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn);
  return out;
};

/** One record of the trap log the skeleton's handlers keep. */
export interface TrapRecord {
  /** 3: taken by the M handler, 1: by the S handler. */
  mode: number;
  cause: bigint;
  interrupt: boolean;
  epc: bigint;
  tval: bigint;
  /** mstatus (M handler) or sstatus (S handler) as the handler saw it. */
  status: bigint;
}

/** How to build and run the machine for a guest. */
export interface RunOptions {
  harts?: number;
  /** Instructions per hart per scheduling round (Machine's `quantum`). */
  quantum?: number;
  mem?: number;
  maxInsns?: number;
  /** Called after loading, before running, with the program's symbols. */
  setup?: (m: Machine, sym: (label: string) => bigint) => void;
}

/** Records per hart in the skeleton's trap log, and the bytes of one record. */
export const LOG_RECORDS = 64;
export const RECORD = 40;
/** Harts the skeleton keeps separate trap logs for. */
export const LOG_HARTS = 8;

/** The outcome of running a guest. */
export class Run {
  constructor(
    readonly m: Machine,
    readonly symbols: ReadonlyMap<string, bigint>,
    readonly result: RunResult,
    readonly out: number[],
  ) {}
  get h(): Hart {
    return this.m.harts[0]!;
  }
  reg(i: number, hart = 0): bigint {
    return this.m.harts[hart]!.reg(i);
  }
  sym(label: string): bigint {
    const v = this.symbols.get(label);
    if (v === undefined) throw new Error(`no symbol ${label}`);
    return v;
  }
  read(addr: bigint, width = 8): bigint {
    const off = this.m.mem.ramOffset(Number(addr), width);
    if (off < 0) throw new Error(`read: 0x${addr.toString(16)} not in RAM`);
    return this.m.mem.readRam(off, width);
  }
  /** The records the skeleton's handlers logged on hart 0. */
  get log(): TrapRecord[] {
    return this.logOf(0);
  }
  /** The records the skeleton's handlers logged on `hart`. */
  logOf(hart: number): TrapRecord[] {
    const base = this.sym("__log") + BigInt(hart * LOG_RECORDS * RECORD);
    const n = Number(this.reg(gp, hart) - base) / RECORD;
    if (!Number.isInteger(n) || n < 0 || n > LOG_RECORDS)
      throw new Error(`trap log pointer is corrupt (${n})`);
    const recs: TrapRecord[] = [];
    for (let i = 0; i < n; i++) {
      const at = base + BigInt(i * RECORD);
      const cause = this.read(at + 8n);
      recs.push({
        mode: Number(this.read(at)),
        cause: cause & ~(1n << 63n),
        interrupt: cause >> 63n === 1n,
        epc: this.read(at + 16n),
        tval: this.read(at + 24n),
        status: this.read(at + 32n),
      });
    }
    return recs;
  }
  csr(n: number, hart = 0): bigint {
    const v = this.m.harts[hart]!.csrRead(n);
    if (v === undefined) throw new Error(`csr 0x${n.toString(16)} does not exist`);
    return v;
  }
}

/** Exit code of a run the harness stopped because its harts only took traps. */
export const TRAP_STORM = 125;

/**
 * Ends the run (exit code TRAP_STORM) once the harts have taken `limit` traps: a guest stuck
 * in a trap loop retires no instruction, so Machine.run's instruction limit would never stop it
 * and the test would hang instead of failing.
 */
export function trapValve(m: Machine, limit = 200_000): void {
  let traps = 0;
  for (const h of m.harts) {
    h.trapListeners.push((_h, cause, tval) => {
      if (++traps === limit)
        m.finish(
          TRAP_STORM,
          `trap storm: ${limit} traps, the last cause ${cause} tval 0x${tval.toString(16)}`,
        );
    });
  }
}

/** Runs single instructions on a hart, with registers set from the test (no program needed). */
export class Stepper {
  readonly m = new Machine({ mem: 1 << 22, console: () => {} });
  readonly h: Hart = this.m.harts[0]!;
  private readonly slots = new Map<number, bigint>();
  private next = RAM;

  /** The address holding `word` (each distinct word gets its own, so the decode cache stays right). */
  addr(word: number): bigint {
    let a = this.slots.get(word);
    if (a === undefined) {
      a = this.next;
      this.next += 4n;
      const n = insnLength(word);
      this.m.mem.load(Number(a), le(BigInt(word), n));
      this.slots.set(word, a);
    }
    return a;
  }

  /** Execute `word` once with `regs` set first; returns the number of instructions retired. */
  exec(word: number, regs: readonly (readonly [number, bigint])[] = []): number {
    for (const [r, v] of regs) this.h.setReg(r, v);
    this.h.setPc(this.addr(word));
    return interpret(this.h, 1);
  }
}
