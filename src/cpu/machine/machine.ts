// The machine: RAM, the CLINT, the UART, the test finisher and HTIF, and the harts, run in
// deterministic lockstep rounds in one thread. Time is counted in instructions: each hart has a
// clock (instructions retired, traps taken and idle time) and mtime ticks once every
// INSNS_PER_TICK of it (a 10 MHz timebase at a nominal 1 GHz).

import { type ElfFile, PT_LOAD } from "../../elf/index.js";
import {
  DEFAULT_TLB_PRESET,
  loadTlbConfig,
  PG_WATCH,
  PhysMem,
  RAM_BASE,
  type TlbConfig,
  tlbArenaBytes,
} from "../../mmu/index.js";
import { CodeCache } from "../code.js";
import { IRQ } from "../csr.js";
import { HART_ARENA_BYTES, Hart, type HartHost } from "../hart.js";
import { type Interpreter, interpreter, run } from "../interp.js";
import type { MachineJit } from "../jit/translator.js";
import { Paging } from "../paging.js";
import { JIT_WORDS_BYTES } from "../trap.js";
import { Clint } from "./clint.js";
import { TestFinisher } from "./finisher.js";
import { htifRequest, htifSyscall } from "./htif.js";
import { Uart16550 } from "./uart.js";

export const INSNS_PER_TICK = 100;
export const TIMEBASE_HZ = 10_000_000;

export interface MachineOptions {
  harts?: number;
  /** RAM size in bytes (default 1 GiB). */
  mem?: number;
  /** Instructions each hart runs per round before the next hart's turn. */
  quantum?: number;
  /** Console output (UART and HTIF), byte by byte (default: discarded; the CLI passes its
   *  stdout writer — the core imports no node: module and touches no Node global). */
  console?: (byte: number) => void;
  /** The modelled TLB of every hart: a preset name or a config (default skylake). */
  tlb?: string | TlbConfig;
  /** RAM and the harts' registers, host TLBs and TLB stamps in one WebAssembly.Memory, the
   *  arena translated code works on (default true; false: plain ArrayBuffers, as RAM too big
   *  for a WebAssembly memory gets). */
  arena?: boolean;
}

/** How a run ended. */
export interface RunResult {
  /** 0 pass; n failure n; 124 instruction limit; 3 the machine stopped on its own account. */
  exitCode: number;
  reason: string;
}

export class LoadError extends Error {}

export class Machine implements HartHost {
  readonly mem: PhysMem;
  readonly code: CodeCache;
  readonly harts: Hart[] = [];
  readonly clint: Clint;
  readonly uart: Uart16550;
  readonly quantum: number;
  tohost = -1;
  fromhost = -1;
  private exit: RunResult | null = null;
  private current: Hart | null = null;
  private mtimeOffset = 0n;
  private interp: Interpreter = interpreter;

  /** The interpreters in use (plain, or tracing ones after setInterpreter). */
  get interpreter(): Interpreter {
    return this.interp;
  }

  constructor(opts: MachineOptions = {}) {
    const nharts = opts.harts ?? 1;
    if (!Number.isInteger(nharts) || nharts < 1 || nharts > 64) {
      throw new RangeError(`--harts must be between 1 and 64, got ${nharts}`);
    }
    const tlb = typeof opts.tlb === "object" ? opts.tlb : loadTlbConfig(opts.tlb ?? DEFAULT_TLB_PRESET);
    this.tlbConfig = tlb;
    // RAM, then each hart's registers, host TLB, modelled-TLB stamps and jit words in one arena.
    const state = nharts * (HART_ARENA_BYTES + tlbArenaBytes(tlb) + JIT_WORDS_BYTES);
    this.mem = new PhysMem(opts.mem ?? 1 << 30, opts.arena === false ? null : state);
    this.code = new CodeCache(this.mem);
    this.quantum = opts.quantum ?? 10_000;
    const out = opts.console ?? (() => {});
    this.clint = new Clint(nharts, {
      now: () => this.mtime(this.current ?? this.harts[0]!, this.current?.chunkN ?? 0),
      setNow: (v) => {
        this.mtimeOffset += v - this.mtime(this.current ?? this.harts[0]!, this.current?.chunkN ?? 0);
      },
      changed: () => {
        if (this.current) this.current.yieldRequested = true;
      },
    });
    this.uart = new Uart16550(out);
    this.mem.attach(this.clint);
    this.mem.attach(this.uart);
    this.mem.attach(new TestFinisher((code, how) => this.finish(code, how)));
    this.htifOut = out;
    for (let i = 0; i < nharts; i++) {
      const h = new Hart(i, this);
      h.translator = new Paging(tlb, this.mem, h.hostTlb);
      this.harts.push(h);
      this.clocks.push(0);
    }
    this.code.onNewCodePage = (page) => {
      for (const h of this.harts) h.hostTlb.dropRamPage("w", page);
    };
    this.code.onFlush = () => {
      for (const h of this.harts) h.hostTlb.flushKind("x");
    };
  }

  private readonly htifOut: (byte: number) => void;
  readonly tlbConfig: TlbConfig;
  /** Per-hart clocks, in instruction times. */
  readonly clocks: number[] = [];

  /** Translation to WebAssembly, when attachJit() turned it on. */
  jit: MachineJit | null = null;

  /** Use other interpreters (the tracing ones, which run the instructions of translated
   *  regions one by one: translation applies only with the plain interpreter). */
  setInterpreter(interp: Interpreter): void {
    this.interp = interp;
  }

  mtime(hart: Hart, n: number): bigint {
    return BigInt(Math.floor(((this.clocks[hart.id] ?? 0) + n) / INSNS_PER_TICK)) + this.mtimeOffset;
  }

  watchedStore(hart: Hart, pa: number, _width: number): void {
    if (this.tohost < 0 || pa < this.tohost || pa >= this.tohost + 8) return;
    const off = this.mem.ramOffset(this.tohost, 8);
    const req = htifRequest(this.mem.readRam(off, 8));
    if (req.kind === "exit") {
      this.finish(req.code, req.code === 0 ? "tohost: pass" : `tohost: test ${req.code} failed`);
    } else if (req.kind === "putchar") {
      this.htifOut(req.byte);
      this.mem.writeRam(off, 8, 0n);
    } else if (req.kind === "syscall") {
      this.serveHtifSyscall(req.addr, off);
    } else if (req.kind === "unsupported") {
      this.finish(
        3,
        `not supported: HTIF request 0x${req.value.toString(16)} in tohost ` +
          "(only exit codes, system calls and console putchar 0x0101000000000000|ch are handled)",
      );
    }
    if (this.exit) hart.yieldRequested = true;
  }

  /** Serve the proxied system call whose block is at physical address `addr` (tohost at RAM
   *  offset `tohostOff`): its result in the block's first word, tohost 0, fromhost 1. */
  private serveHtifSyscall(addr: number, tohostOff: number): void {
    const block = this.mem.ramOffset(addr, 64);
    const fromhost = this.fromhost < 0 ? -1 : this.mem.ramOffset(this.fromhost, 8);
    if (block < 0 || fromhost < 0) {
      const why =
        block < 0 ? `its block at 0x${addr.toString(16)} is not in RAM` : "the ELF has no fromhost symbol";
      this.finish(3, `HTIF system call not served: ${why}`);
      return;
    }
    const r = htifSyscall(this.mem, block, this.htifOut);
    if (r.kind === "exit")
      this.finish(r.code, r.code === 0 ? "tohost: pass" : `tohost: test ${r.code} failed`);
    else if (r.kind === "unsupported") this.finish(3, r.reason);
    else {
      this.mem.writeRam(block, 8, r.value);
      this.mem.writeRam(tohostOff, 8, 0n);
      this.mem.writeRam(fromhost, 8, 1n);
    }
  }

  /** How the run ended, or null while it goes on. */
  exitResult(): RunResult | null {
    return this.exit;
  }

  /** End the run with `code`. */
  finish(code: number, reason: string): void {
    if (!this.exit) this.exit = { exitCode: code, reason };
    if (this.current) this.current.yieldRequested = true;
  }

  /** Load an ELF's PT_LOAD segments (at their physical addresses) and point every hart at its
   *  entry in M-mode; the tohost/fromhost symbols, if present, become the HTIF. */
  loadElf(elf: ElfFile): void {
    elf.segments.forEach((seg, i) => {
      if (seg.type !== PT_LOAD || seg.memsz === 0) return;
      const pa = Number(seg.paddr);
      if (this.mem.ramOffset(pa, seg.memsz) < 0) {
        throw new LoadError(
          `segment ${i} [0x${seg.paddr.toString(16)}, 0x${(seg.paddr + BigInt(seg.memsz)).toString(16)}) ` +
            `lies outside RAM [0x${RAM_BASE.toString(16)}, 0x${(RAM_BASE + this.mem.size).toString(16)})`,
        );
      }
      this.mem.load(pa, seg.data);
      this.mem.u8.fill(0, this.mem.ramOffset(pa, 1) + seg.filesz, this.mem.ramOffset(pa, 1) + seg.memsz);
    });
    this.setHtif(elf.symbol("tohost")?.value, elf.symbol("fromhost")?.value);
    this.reset(elf.entry);
  }

  /** Load a flat image at `addr` and start every hart there; `tohost` and `fromhost`, when
   *  given, are the HTIF's physical addresses. */
  loadFlat(bytes: Uint8Array, addr: bigint, tohost?: bigint, fromhost?: bigint): void {
    this.mem.load(Number(addr), bytes);
    this.setHtif(tohost, fromhost);
    this.reset(addr);
  }

  private setHtif(tohost: bigint | undefined, fromhost: bigint | undefined): void {
    if (tohost !== undefined) {
      const off = this.mem.ramOffset(Number(tohost), 8);
      if (off < 0) throw new LoadError(`tohost symbol 0x${tohost.toString(16)} is not in RAM`);
      this.tohost = Number(tohost);
      this.mem.pageFlags[Math.floor(off / 4096)]! |= PG_WATCH;
    }
    if (fromhost !== undefined) this.fromhost = Number(fromhost);
  }

  /** Reset state: every hart in M-mode at `entry`, a0 = hartid, a1 = 0 (no device tree). */
  reset(entry: bigint): void {
    for (const h of this.harts) {
      h.setPc(entry);
      h.setReg(10, BigInt(h.id));
      h.setReg(11, 0n);
      this.clocks[h.id] = 0;
    }
  }

  /** Run until the guest ends the run or `maxInsns` instructions (all harts) have retired. */
  run(maxInsns = Number.POSITIVE_INFINITY): RunResult {
    const res = this.runSlice(Number.POSITIVE_INFINITY, maxInsns);
    if (res) return res;
    const h = this.harts.find((x) => x.triggers.halt);
    return { exitCode: 3, reason: `hart ${h?.id ?? 0} halted for a debugger, and none is attached` };
  }

  /** Run until the guest ends the run or `maxInsns` instructions (all harts) have retired (the
   *  result), or until a hart halts for the debugger or `slice` more units of work are done
   *  (null: call again to go on). The debugger runs the machine in slices. */
  runSlice(slice: number, maxInsns = Number.POSITIVE_INFINITY): RunResult | null {
    const stopAt = this.work() + slice;
    let target = Math.min(...this.clocks);
    while (!this.exit) {
      target += this.quantum;
      let anyAwake = false;
      for (const h of this.harts) {
        if (this.runHart(h, target, Math.min(maxInsns, stopAt))) anyAwake = true;
        if (this.exit) break;
        if (this.work() >= maxInsns) {
          this.finish(124, `stopped after ${maxInsns} instructions (--max-insns)`);
        } else if (h.triggers.halt || this.work() >= stopAt) return null;
      }
      if (!anyAwake && !this.exit) this.skipIdle(target);
    }
    return this.exit;
  }

  /** What --max-insns counts: instructions retired plus traps taken, so a trap loop ends too. */
  work(): number {
    return this.harts.reduce((s, h) => s + h.steps + h.traps, 0);
  }

  /** Run `h` until its clock reaches `target`; false if it slept the whole time. */
  private runHart(h: Hart, target: number, maxInsns: number): boolean {
    this.current = h;
    let awake = false;
    while ((this.clocks[h.id] ?? 0) < target && !this.exit) {
      const clock = this.clocks[h.id]!;
      this.updateMip(h);
      if (h.waiting && ((h.mipSw | h.mipHw) & h.mie) === 0) {
        this.clocks[h.id] = Math.min(target, Math.max(clock + 1, this.nextTimerEvent(h)));
        continue;
      }
      awake = true;
      h.takeInterrupt();
      const left = maxInsns - this.work();
      if (left <= 0) break;
      const budget = Math.max(1, Math.min(target, this.nextTimerEvent(h), clock + left) - clock);
      const retired = run(h, budget, this.interp);
      // A chunk advances the clock by what retired, or by one when only traps happened.
      this.clocks[h.id] = clock + Math.max(1, retired);
      h.yieldRequested = false;
      if (h.triggers.halt) break;
    }
    this.current = null;
    return awake;
  }

  /** The clock value at which `h`'s mtimecmp will be reached (Infinity if never or already). */
  private nextTimerEvent(h: Hart): number {
    const cmp = this.clint.mtimecmp[h.id]! - this.mtimeOffset;
    if (cmp >= BigInt(Number.MAX_SAFE_INTEGER) / BigInt(INSNS_PER_TICK)) return Number.POSITIVE_INFINITY;
    const at = Number(cmp) * INSNS_PER_TICK;
    return at > (this.clocks[h.id] ?? 0) ? at : Number.POSITIVE_INFINITY;
  }

  private updateMip(h: Hart): void {
    const timer = this.mtime(h, 0) >= this.clint.mtimecmp[h.id]!;
    const soft = this.clint.msip[h.id] === 1;
    h.mipHw = (timer ? 1 << IRQ.MTI : 0) | (soft ? 1 << IRQ.MSI : 0);
  }

  /** Every hart sleeps: jump to the earliest timer event, or stop if none can ever come. */
  private skipIdle(target: number): void {
    const next = Math.min(...this.harts.map((h) => this.nextTimerEvent(h)));
    if (next === Number.POSITIVE_INFINITY) {
      this.finish(3, "all harts are waiting in wfi and no interrupt can wake them");
      return;
    }
    for (const h of this.harts) this.clocks[h.id] = Math.max(this.clocks[h.id]!, Math.min(next, target));
  }
}
