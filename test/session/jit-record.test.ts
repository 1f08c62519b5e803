// The start record of src/session/jit-record.ts: a run whose translation was turned on writes,
// when the process ends, where it made its regions, in order, under a key of the program's first
// page; the next run of the same program finds it at its first chunk, turns translation on at
// once (no starter share, no probe) and makes the same regions, in the same order (the same
// keys: every one from the store, none translated), as soon as it reaches their page: the same
// run, counters included, with more of it in regions. Values of another format, or damaged, are
// no record.

import { beforeAll, describe, expect, it } from "vitest";
import { starterInsnsLeft } from "../../src/cpu/interp.js";
import * as Jit from "../../src/cpu/jit/index.js";
import { loadTlbConfig } from "../../src/mmu/index.js";
import {
  assembleElf,
  loadAssembler,
  type MachineSpec,
  prepareBare,
  setJitLoader,
} from "../../src/session/index.js";
import {
  decodeRecord,
  encodeRecord,
  entryPage,
  mergeRecord,
  RECORD_MAX,
} from "../../src/session/jit-record.js";
import { stableReport } from "../cpu/jit/corpus-run.js";
import { machineState } from "../helpers/jitdiff.js";

beforeAll(loadAssembler);

/** A store in memory that keeps the writes asked for at the process's end (onExit) until
 *  exit() runs them. */
class ExitStore implements Jit.TranslationStore {
  readonly build = "test-build";
  readonly map = new Map<string, Uint8Array<ArrayBuffer>>();
  private atExit: (() => void)[] = [];
  misses = 0;
  get(key: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
    const v = this.map.get(Buffer.from(key).toString("latin1"));
    if (v === undefined) this.misses++;
    return v;
  }
  put(key: Uint8Array, value: Uint8Array): void {
    this.map.set(Buffer.from(key).toString("latin1"), new Uint8Array(value));
  }
  onExit(write: () => void): void {
    this.atExit.push(write);
  }
  exit(): void {
    for (const w of this.atExit.splice(0)) w();
  }
  /** The start records held (key text -> value). */
  records(): Uint8Array<ArrayBuffer>[] {
    return [...this.map].filter(([k]) => k.startsWith("mmlab start record")).map(([, v]) => v);
  }
}

/** A loop calling a function with a loop of its own, all on one page: at heat 64 the inner loop
 *  gets its region first, the function's entry at its 64th call. Its first counted jump is the
 *  first call: without the recorded order, the function's region would come first and hold the
 *  inner loop (other regions, other keys). */
const SRC = `
    .text
    .globl _start
_start:
    li s0, 600
0:  jal ra, f
    addi s0, s0, -1
    bnez s0, 0b
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
9:  j 9b
f:  li t2, 20
1:  addi s2, s2, 1
    xor s3, s3, s2
    addi t2, t2, -1
    bnez t2, 1b
    ret
`;

const spec = (store: Jit.TranslationStore): MachineSpec => ({
  harts: 1,
  mem: 16 << 20,
  tlb: loadTlbConfig("skylake"),
  satp: null,
  maxInsns: Number.POSITIVE_INFINITY,
  jit: { dump: null, required: false, hot: 64, store },
});

/** Run SRC with translation deferred (as the `mmlab` command runs it) and `store`; then the
 *  process's end (store.exit()). The step at which translation was turned on, the regions made
 *  (MachineJit.made), the jit report and what must not change. */
function run(store: ExitStore) {
  setJitLoader(() => Jit);
  try {
    const { machine, stats } = prepareBare(assembleElf(SRC, "record.s"), "guest", spec(store), {
      console: () => {},
    });
    const h = machine.harts[0]!;
    let startedAt = -1;
    const pending = h.jitPending!;
    h.jitPending = {
      hot: pending.hot,
      early: (x) => pending.early?.(x) ?? false,
      start: () => {
        startedAt = h.steps;
        pending.start();
      },
    };
    const result = stats.run(Number.POSITIVE_INFINITY);
    const report = stats.report(result);
    store.exit();
    return {
      startedAt,
      made: [...machine.jit!.made],
      jit: report.jit!,
      same: { result, report: stableReport(report), state: machineState(machine) },
    };
  } finally {
    setJitLoader(null);
  }
}

describe("start records", () => {
  it("encode and decode the regions' origins; merge adds only new ones; other values are none", () => {
    const o = [0x1000, 0, 0x24, 0, 0x1000, 0, 0x8, 1];
    expect(decodeRecord(encodeRecord(o))).toEqual(o);
    expect(decodeRecord(encodeRecord(o).subarray(0, 20))).toBeNull();
    expect(decodeRecord(new Uint8Array(48))).toBeNull();
    const damaged = encodeRecord(o);
    damaged[20]! ^= 1;
    expect(decodeRecord(damaged)).toBeNull();
    expect(mergeRecord(o, o.slice(4))).toBeNull();
    expect(mergeRecord(o.slice(0, 4), o)).toEqual(o);
    expect(mergeRecord([], o)).toEqual(o);
    const many = Array.from({ length: 4 * (RECORD_MAX + 3) }, (_, k) => k);
    expect(mergeRecord([], many)!.length).toBe(4 * RECORD_MAX);
    expect(() => encodeRecord([1, 2, 3])).toThrow(/origins/);
  });

  it("a second run starts translation at once and makes the same regions in the same order, from the store", () => {
    const store = new ExitStore();
    const cold = run(store);
    expect(cold.startedAt).toBeGreaterThan(0); // after the starter share and the probe
    expect(cold.made.length).toBeGreaterThan(4);
    expect(store.records().map((v) => decodeRecord(v))).toEqual([cold.made]);
    const keys = store.map.size;
    const misses = store.misses;
    const warm = run(store);
    expect(warm.startedAt).toBe(0);
    expect(starterInsnsLeft()).toBe(0); // the starter share ended
    expect(warm.made).toEqual(cold.made);
    expect(warm.same).toEqual(cold.same);
    expect(warm.jit.regions).toBe(cold.jit.regions);
    expect(warm.jit.executed).toBeGreaterThan(cold.jit.executed);
    // every region from the store (the pack): no miss, nothing written
    expect(store.misses).toBe(misses);
    expect(store.map.size).toBe(keys);
  });

  it("the translator makes a page's recorded regions in their order at its first translation there", () => {
    // recorded: a region at the loop's return point (offset 8), then one at the inner loop
    // (40); the program's first counted jump to a seeded pc is the inner loop's back edge, which
    // would make its region first
    const { machine, stats } = prepareBare(
      assembleElf(SRC, "record.s"),
      "guest",
      { ...spec(new ExitStore()), jit: undefined },
      {
        console: () => {},
      },
    );
    const j = Jit.attachJit(machine, { hot: 64 });
    const base = machine.harts[0]!.pcLo & -4096;
    const order = [base, 0, 8, 0, base, 0, 40, 0];
    j.harts[0]!.replay(order);
    const result = stats.run(Number.POSITIVE_INFINITY);
    expect(result.exitCode).toBe(0);
    // the region at 8 came first (and holds the inner loop, whose entry it has then)
    expect(j.made.slice(0, 4)).toEqual(order.slice(0, 4));
    expect(() => j.harts[0]!.replay([1, 2, 3])).toThrow(/origins/);
  });

  it("the key's page is the one the first instruction is fetched from", () => {
    const store = new ExitStore();
    setJitLoader(() => Jit);
    try {
      const { machine } = prepareBare(assembleElf(SRC, "record.s"), "guest", spec(store), {
        console: () => {},
      });
      const h = machine.harts[0]!;
      const page = entryPage(h, machine.mem)!;
      const pa = h.pcLo >>> 0;
      const off = machine.mem.ramOffset(pa - (pa % 4096), 4096);
      expect(Buffer.from(page)).toEqual(Buffer.from(machine.mem.u8.subarray(off, off + 4096)));
    } finally {
      setJitLoader(null);
    }
  });
});
