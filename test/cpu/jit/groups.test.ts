// Groups of access sites (src/cpu/jit/region.ts planGroups, Emitter.account/endGroup):
// consecutive loads and stores on one base register whose modelled-TLB accounting the paged
// variant keeps pending on the group's slot while each site hits the first one's slot, and does
// at once after the last of them; a site that hits another slot accounts the pending hits and
// itself (the sites after it one by one), and a miss accounts the pending hits before its call
// out; a same-page group (samePageGroup) compares only its first site of the other kind, and
// finds the slots of the sites after a miss again at its end. The plan's rules, and
// differential runs where the sites of a group hit one page or two (in the middle, and back),
// miss in the middle (misaligned too), and the TLB's LRU/PLRU victims depend on the stamps:
// every stamp, counter and entry as interpreted.

import { describe, expect, it } from "vitest";
import { PRIV_S, PRIV_U } from "../../../src/cpu/index.js";
import {
  execSite,
  K_LOAD,
  K_STORE,
  MAX_GROUP,
  MAX_LOOP_GROUPS,
  planGroups,
  planLoopGroups,
  samePageGroup,
  slowSite,
} from "../../../src/cpu/jit/region.js";
import { expectSameRuns } from "../../helpers/jitdiff.js";
import { DATA_VA, FINISH, runPagedGuest } from "../../helpers/paged.js";

/** Plan-shaped instructions: ld/sd rd, (base); an ALU op writing rd; a called op. */
const ld = (d: number, base: number) => ({ kind: K_LOAD, call: false, d, s1: base });
const sd = (base: number) => ({ kind: K_STORE, call: false, d: 0, s1: base });
const alu = (d: number) => ({ kind: 1, call: false, d, s1: 0 });
const called = () => ({ kind: 13, call: true, d: 0, s1: 11 });

describe("samePageGroup", () => {
  const site = (name: "ld" | "lw" | "sd" | "sw", imm: number, d = 12) => ({
    kind: name[0] === "l" ? K_LOAD : K_STORE,
    call: false,
    d: name[0] === "l" ? d : 0,
    s1: 11,
    name,
    imm,
  });
  it("every site within the first one's bytes: their offsets", () => {
    expect(
      samePageGroup(
        [site("ld", 8), { ...alu(12), name: "addi", imm: 1 }, site("sd", 8), site("lw", 12), site("sw", 8)],
        0,
        4,
      ),
    ).toEqual([8, 8, 12, 8]);
  });
  it("a site outside the first's bytes, or a load into the base: not one", () => {
    expect(samePageGroup([site("lw", 0), site("lw", 4)], 0, 2)).toBeNull();
    expect(samePageGroup([site("ld", 0), site("lw", -4)], 0, 2)).toBeNull();
    expect(samePageGroup([site("ld", 0), site("lw", 4, 11)], 0, 2)).toBeNull();
  });
});

describe("planGroups", () => {
  it("groups consecutive accesses on one base, other ops between them", () => {
    expect(planGroups([ld(10, 11), alu(10), sd(11), ld(12, 11)])).toEqual([3, 0, 0, 0]);
  });
  it("a write to the base ends the run, as does a load into it (after that load)", () => {
    expect(planGroups([ld(10, 11), alu(11), ld(12, 11)])).toEqual([0, 0, 0]);
    expect(planGroups([ld(10, 11), ld(11, 11), ld(12, 11), sd(11)])).toEqual([2, 0, 2, 0]);
  });
  it("another base starts another run; single sites are not grouped", () => {
    expect(planGroups([ld(10, 11), ld(12, 13), sd(13), sd(11)])).toEqual([0, 2, 0, 0]);
  });
  it("single sites are groups with `singles` (a self-looping block's loop groups)", () => {
    expect(planGroups([ld(10, 11), ld(12, 13), sd(13), sd(11)], true)).toEqual([1, 2, 0, 1]);
    expect(planGroups([ld(10, 11), alu(11), ld(12, 11)], true)).toEqual([1, 0, 1]);
  });
  it("a called op (it may call out) ends the run", () => {
    expect(planGroups([ld(10, 11), called(), sd(11), sd(11)])).toEqual([0, 0, 2, 0]);
  });
  it(`at most ${MAX_GROUP} sites a group`, () => {
    const six = Array.from({ length: 6 }, () => sd(11));
    expect(planGroups(six)).toEqual([MAX_GROUP, 0, 0, 0, 2, 0]);
  });
});

describe("planLoopGroups", () => {
  it("each group's first index, its last site's rel and its loads and stores", () => {
    const insns = [ld(10, 11), alu(10), sd(11), alu(5), ld(12, 13), sd(13)];
    // a block of these and its end: 7 instructions, rel = index + 1 - 7
    expect(planLoopGroups(insns, planGroups(insns), 7)).toEqual([
      { start: 0, rel: -4, loads: 1, stores: 1 },
      { start: 4, rel: -1, loads: 1, stores: 1 },
    ]);
  });
  it(`at most ${MAX_LOOP_GROUPS} a block`, () => {
    const insns = [sd(11), sd(11), sd(12), sd(12), sd(13), sd(13), called()];
    expect(planLoopGroups(insns, planGroups(insns), 8).map((g) => g.start)).toEqual([0, 2]);
  });
});

describe("slowSite (the word a site passes to its module's slow-side function)", () => {
  it("packs the page offset, the kind and rel + 128", () => {
    expect(slowSite(0, 1, 0)).toBe((1 << 12) | (128 << 17));
    expect(slowSite(4095, 8 | 16, -64)).toBe(4095 | (24 << 12) | (64 << 17));
    expect(slowSite(0x7fe, 4, -127)).toBe(0x7fe | (4 << 12) | (1 << 17));
  });
  it("refuses what does not fit", () => {
    for (const [off, kind, rel] of [
      [4096, 1, 0],
      [-2, 1, 0],
      [0, 0, 0],
      [0, 32, 0],
      [0, 1, 1],
      [0, 1, -128],
    ] as const) {
      expect(() => slowSite(off, kind, rel)).toThrow(/no site word/);
    }
  });
});

describe("execSite (the word a called op passes to its module's exec function)", () => {
  it("packs the page offset, the length, the op and rel + 128", () => {
    expect(execSite(0, 1, 2, 0)).toBe((1 << 13) | (128 << 21));
    expect(execSite(4094, 255, 4, -64)).toBe(4094 | (1 << 12) | (255 << 13) | (64 << 21));
    expect(execSite(8, 161, 4, -127)).toBeGreaterThan(0); // bit 31 stays clear
  });
  it("refuses what does not fit", () => {
    for (const [off, op, len, rel] of [
      [4096, 1, 4, 0],
      [0, 0, 4, 0],
      [0, 256, 4, 0],
      [0, 1, 3, 0],
      [0, 1, 4, 1],
      [0, 1, 4, -128],
    ] as const) {
      expect(() => execSite(off, op, len, rel)).toThrow(/no exec site word/);
    }
  });
});

/** A loop over `pages` pages whose block runs `body` (accesses on t1 = s0 + t0, t2 and t3 free)
 *  with a stride (`stride` bytes past a page) that moves t1 through every page offset. */
function pageLoop(body: string, iters: number, pages: number, stride = 2056): string {
  return `
    _start:
      li s0, ${DATA_VA}
      li s1, ${iters}
      li s2, ${4096 + stride}
      li s3, ${pages * 4096 - 1}
      li t0, 0
    loop:
      add t1, s0, t0
      ${body}
      add t0, t0, s2
      and t0, t0, s3
      addi s1, s1, -1
      bnez s1, loop
      ${FINISH}`;
}

const BODIES: Record<string, string | [string, number]> = {
  // a group of four (ld, sd, lw, sw on t1, the lw 2040 bytes on: in the next page when t1 is in
  // a page's upper half) and then a single sb into the first page
  "a group of four, its third site in the next page half the time": `
      ld t2, 0(t1)
      addi t2, t2, 1
      sd t2, 0(t1)
      lw t3, 2040(t1)
      sw t3, 4(t1)
      sb t3, 0(s0)`,
  // the group's slot changes at its second site half the time, the third hits the first's slot
  // again and the fourth the second's
  "a group whose slot changes after its first site": `
      ld t2, 0(t1)
      sd t2, 2040(t1)
      lw t3, 4(t1)
      sw t3, 2044(t1)`,
  // a same-page group (samePageGroup: every site within the first's 8 bytes); t1 is 4 bytes
  // off alignment every other time, then the ld and sd go to the slow path (misaligned) and
  // the lw is in the next page when t1 is a page's last word; a first site that misses the
  // host TLB leaves the second (a load too) to hit
  "a same-page group whose first site is misaligned half the time": [
    `
      ld t2, 0(t1)
      lw t3, 4(t1)
      add t2, t2, t3
      sd t2, 0(t1)
      sw t3, 0(t1)`,
    2052,
  ],
};

describe("translator: groups of access sites, paged", () => {
  for (const cfg of [
    { tlb: "tiny", pages: 16, priv: PRIV_S }, // LRU, 4-entry L1: misses in every other group
    { tlb: "skylake", pages: 16, priv: PRIV_U }, // PLRU: all hits after the first pass
    { tlb: "skylake", pages: 128, priv: PRIV_S }, // 4-way sets of the 64-entry L1 overflow
  ]) {
    for (const [what, spec] of Object.entries(BODIES)) {
      const [body, stride] = typeof spec === "string" ? [spec, undefined] : spec;
      it(`${cfg.tlb}, ${cfg.pages} pages, ${what}: the same stamps, counters and entries as interpreted`, () => {
        const source = pageLoop(body, 5000, cfg.pages, stride);
        const { executed, jit } = expectSameRuns(
          (j) => runPagedGuest({ ...cfg, source, dataBytes: (cfg.pages + 1) * 4096, host: true, jit: j }),
          (g) => g.res,
        );
        expect(jit.res.exitCode).toBe(0);
        expect(executed).toBeGreaterThan(0.8 * jit.h.steps);
      });
    }
  }
});

/** A loop whose t1 = s0 + t0 walks `step` bytes an iteration through `pages` pages (many
 *  iterations on one page: a loop group's runs stay pending), and whose a4 = s0 + a5 moves
 *  `rot` pages an iteration through `rotPages` pages; `body` runs on them (t2, t3 free). */
function slowLoop(
  body: string,
  iters: number,
  pages: number,
  rot: number,
  rotPages: number,
  step = 8,
): string {
  return `
    _start:
      li s0, ${DATA_VA}
      li s1, ${iters}
      li s2, ${step}
      li s3, ${pages * 4096 - 1}
      li s4, ${rot * 4096}
      li s5, ${rotPages * 4096 - 1}
      li t0, 0
      li a5, 0
    loop:
      add t1, s0, t0
      add a4, s0, a5
      ${body}
      add t0, t0, s2
      and t0, t0, s3
      add a5, a5, s4
      and a5, a5, s5
      addi s1, s1, -1
      bnez s1, loop
      ${FINISH}`;
}

const LOOP_BODIES: Record<string, string> = {
  // the group's runs pending for 512 iterations a page; the lw after it hits its slot when t1
  // is in page 0, later than the group's last site (the flush keeps the later stamp)
  "a same-page group, then a site on page 0": `
      ld t2, 0(t1)
      addi t2, t2, 1
      sd t2, 0(t1)
      sw t2, 4(t1)
      lw t3, 0(s0)`,
  // two loop groups, both pending: on t1, and on page 0 (the same slot as t1's group's a
  // quarter of the time)
  "two groups, both pending": `
      ld t2, 0(t1)
      sd t2, 8(t1)
      ld t3, 0(s0)
      addi t3, t3, 1
      sd t3, 0(s0)`,
  // a site before the group on a page that changes every iteration (misses on tiny: its slow
  // path, called with the group's runs of the iterations before pending, picks an LRU victim)
  "a site missing before the group": `
      lw t3, 0(a4)
      ld t2, 0(t1)
      addi t2, t2, 1
      sd t2, 0(t1)`,
  // the same after the group: its own run this iteration is pending too
  "a site missing after the group": `
      ld t2, 0(t1)
      addi t2, t2, 1
      sd t2, 0(t1)
      sw t2, 0(a4)`,
  // single sites on two bases (coremark's matrix loop): each a loop group of its own, pending
  "two single sites": `
      lh t2, 0(t1)
      lh t3, 2(s0)
      mulw t2, t2, t3
      addw a5, a5, t2`,
  // three single sites: the first two are loop groups, the third (missing on tiny) is not
  "three single sites, the third missing": `
      ld t2, 0(t1)
      ld t3, 0(s0)
      add t2, t2, t3
      sw t2, 0(a4)`,
  // an atomic (a called op: its import reads and fills the TLB) after the group each iteration
  "a called op after the group": `
      ld t2, 0(t1)
      sd t2, 16(t1)
      amoadd.w t3, t2, (a4)`,
};

/** An outer loop of `outer` passes, each an inner loop (a block that loops on itself) of
 *  `inner` iterations of `body` on t1 = s0 + t0 (t0 walking 8 bytes an iteration through 2
 *  pages): the inner loop is left and entered again within one region's run. */
function nestedLoop(body: string, outer: number, inner: number): string {
  return `
    _start:
      li s0, ${DATA_VA}
      li s6, ${outer}
      li s3, ${2 * 4096 - 1}
      li t0, 0
    outer:
      li s1, ${inner}
    inner:
      add t1, s0, t0
      ${body}
      addi t0, t0, 8
      and t0, t0, s3
      addi s1, s1, -1
      bnez s1, inner
      addi t0, t0, 24
      and t0, t0, s3
      addi s6, s6, -1
      bnez s6, outer
      ${FINISH}`;
}

describe("translator: loop groups (a group's runs pending across its block's iterations), paged", () => {
  it("an inner loop left and entered again: the same stamps, counters and entries as interpreted", () => {
    const source = nestedLoop("ld t2, 0(t1)\n      addi t2, t2, 1\n      sd t2, 0(t1)", 400, 7);
    const { executed, jit } = expectSameRuns(
      (j) => runPagedGuest({ tlb: "skylake", priv: PRIV_S, source, dataBytes: 2 * 4096, host: true, jit: j }),
      (g) => g.res,
    );
    expect(jit.res.exitCode).toBe(0);
    expect(executed).toBeGreaterThan(0.8 * jit.h.steps);
  });
  for (const cfg of [
    { tlb: "tiny", priv: PRIV_S, rot: 3, rotPages: 8 }, // LRU: the rotating site misses each time
    { tlb: "skylake", priv: PRIV_S, rot: 1, rotPages: 4 }, // PLRU: all hits after the first pass
  ]) {
    for (const [what, body] of Object.entries(LOOP_BODIES)) {
      it(`${cfg.tlb}, ${what}: the same stamps, counters and entries as interpreted`, () => {
        // 5000 iterations through 4 pages, 512 a page: pending runs end at a page's end, at each
        // quantum's end (10,000 instructions: mid-run) and at the loop's exit
        const source = slowLoop(body, 5000, 4, cfg.rot, cfg.rotPages);
        const { executed, jit } = expectSameRuns(
          (j) =>
            runPagedGuest({ tlb: cfg.tlb, priv: cfg.priv, source, dataBytes: 9 * 4096, host: true, jit: j }),
          (g) => g.res,
        );
        expect(jit.res.exitCode).toBe(0);
        expect(executed).toBeGreaterThan(0.8 * jit.h.steps);
      });
    }
  }
});
