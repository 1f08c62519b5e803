// Named TLB geometries, from the figures in docs/reference/tlbs.md (sources cited per preset),
// and the checker for a user's own preset written as JSON (the CLI reads the file: the core
// imports no node: module).

import { pageShiftByName } from "./pte.js";
import { PageWalkCache } from "./pwc.js";
import { type Replacement, type TlbArrayConfig, type TlbConfig, TlbModel, validateArray } from "./tlb.js";

const K4 = 12;
const M2 = 21;
const G1 = 30;

function arr(
  name: string,
  entries: number,
  ways: number,
  replacement: Replacement,
  sizes: number[],
): TlbArrayConfig {
  return { name, entries, ways, replacement, sizes };
}

export const TLB_PRESETS: Record<string, TlbConfig> = {
  tiny: {
    name: "tiny",
    description:
      "4-entry fully associative L1s and a 16-entry 4-way L2: small enough to reason about in tests",
    itlb: [arr("itlb", 4, 4, "lru", [K4, M2, G1])],
    dtlb: [arr("dtlb", 4, 4, "lru", [K4, M2, G1])],
    l2: [arr("stlb", 16, 4, "lru", [K4, M2, G1])],
  },
  skylake: {
    name: "skylake",
    description:
      "Intel Skylake: ITLB 128x8 (4K) + 8 (2M); DTLB 64x4 (4K), 32x4 (2M), 4 (1G); STLB 1536x12 (4K/2M)",
    source:
      "Intel optimization manual 248966-045 Table 2-15 (ITLB, STLB 12-way); cpuid on SKX (DTLB 4K 64 4-way, 1G 4 4-way); " +
      "Haswell/Skylake 2M DTLB 32 4-way. 1 GiB pages missing from the STLB are held there as 2 MiB pieces.",
    itlb: [arr("itlb-4k", 128, 8, "plru", [K4]), arr("itlb-2m", 8, 8, "plru", [M2])],
    dtlb: [
      arr("dtlb-4k", 64, 4, "plru", [K4]),
      arr("dtlb-2m", 32, 4, "plru", [M2]),
      arr("dtlb-1g", 4, 4, "plru", [G1]),
    ],
    l2: [arr("stlb", 1536, 12, "lru", [K4, M2])],
  },
  "golden-cove": {
    name: "golden-cove",
    description: "Intel Golden Cove: DTLB 96x6 (4K), 32x4 (2M), 8 (1G); STLB 2048x16 (all sizes)",
    source:
      "CAQA-7e notes on the Core i9-12900 (secondary): L1 DTLB 96/32/8, PLRU, STLB 2048 16-way. The ITLB is not " +
      "in that source: Skylake's is used. The 6-way 4K DTLB uses LRU (tree-PLRU needs a power of two).",
    itlb: [arr("itlb-4k", 128, 8, "plru", [K4]), arr("itlb-2m", 8, 8, "plru", [M2])],
    dtlb: [
      arr("dtlb-4k", 96, 6, "lru", [K4]),
      arr("dtlb-2m", 32, 4, "plru", [M2]),
      arr("dtlb-1g", 8, 8, "plru", [G1]),
    ],
    l2: [arr("stlb", 2048, 16, "plru", [K4, M2, G1])],
  },
  zen2: {
    name: "zen2",
    description: "AMD Zen 2: L1 DTLB 64 fully associative (all sizes, 1G smashed to 2M); L2 2048x12 (4K/2M)",
    source:
      "WikiChip Zen 2: L1 DTLB 64 FA, L2 2048 12-way, 1 GiB pages held as 2 MiB. 12 ways do not divide 2048 " +
      "entries, so the L2 is modelled 8-way. The ITLB is taken as 64 FA.",
    itlb: [arr("itlb", 64, 64, "lru", [K4, M2])],
    dtlb: [arr("dtlb", 64, 64, "lru", [K4, M2])],
    l2: [arr("l2tlb", 2048, 8, "lru", [K4, M2])],
  },
  champsim: {
    name: "champsim",
    description: "ChampSim defaults: ITLB/DTLB 16 sets x 4, STLB 128 sets x 12, page-walk caches per level",
    source: "ChampSim champsim_config.json and PTW PR #121: PSC L5 1x2, L4 1x4, L3 2x4, L2 4x8 (LRU)",
    itlb: [arr("itlb", 64, 4, "lru", [K4, M2, G1])],
    dtlb: [arr("dtlb", 64, 4, "lru", [K4, M2, G1])],
    l2: [arr("stlb", 1536, 12, "lru", [K4, M2, G1])],
    pwc: [
      { level: 4, sets: 1, ways: 2 },
      { level: 3, sets: 1, ways: 4 },
      { level: 2, sets: 2, ways: 4 },
      { level: 1, sets: 4, ways: 8 },
    ],
  },
  "qemu-like": {
    name: "qemu-like",
    description:
      "QEMU softmmu: 256-entry direct-mapped, superpages as 4 KiB pieces, every sfence.vma flushes all",
    source: "qemu accel/tcg/cputlb.c (CPU_TLB_DYN_DEFAULT_BITS 8), target/riscv sfence.vma = tlb_flush",
    itlb: [arr("itlb", 256, 1, "lru", [K4])],
    dtlb: [arr("dtlb", 256, 1, "lru", [K4])],
    flushAllOnFence: true,
  },
};

export const DEFAULT_TLB_PRESET = "skylake";

/** A preset by name (a user's .json file is read by the CLI and checked by parseTlbConfig). */
export function loadTlbConfig(name: string): TlbConfig {
  const p = TLB_PRESETS[name];
  if (!p) {
    throw new Error(
      `unknown TLB preset '${name}' (presets: ${Object.keys(TLB_PRESETS).join(", ")}; or a .json file)`,
    );
  }
  return p;
}

/** Check and convert a preset written as JSON (sizes may be "4k"/"2m"/"1g" or shifts). */
export function parseTlbConfig(v: unknown, where = "TLB preset"): TlbConfig {
  const o = obj(v, where);
  const arrays = (key: string, required: boolean): TlbArrayConfig[] => {
    const a = o[key];
    if (a === undefined && !required) return [];
    if (!Array.isArray(a) || (required && a.length === 0))
      throw new Error(`${where}: '${key}' must be a non-empty array`);
    return a.map((x, i) => parseArray(x, `${where}: ${key}[${i}]`));
  };
  const cfg: TlbConfig = {
    name: typeof o.name === "string" ? o.name : where,
    description: typeof o.description === "string" ? o.description : "user preset",
    itlb: arrays("itlb", true),
    dtlb: arrays("dtlb", true),
    l2: arrays("l2", false),
  };
  if (o.pwc !== undefined) {
    if (!Array.isArray(o.pwc)) throw new Error(`${where}: 'pwc' must be an array`);
    cfg.pwc = o.pwc.map((p, i) => {
      const q = obj(p, `${where}: pwc[${i}]`);
      return {
        level: int(q.level, `${where}: pwc[${i}].level`),
        sets: int(q.sets, `${where}: pwc[${i}].sets`),
        ways: int(q.ways, `${where}: pwc[${i}].ways`),
      };
    });
  }
  if (o.flushAllOnFence !== undefined) cfg.flushAllOnFence = o.flushAllOnFence === true;
  if (o.seed !== undefined) cfg.seed = int(o.seed, `${where}: seed`);
  new TlbModel(cfg); // validates the whole geometry
  if (cfg.pwc) new PageWalkCache(cfg.pwc); // and the page-walk caches
  return cfg;
}

function parseArray(v: unknown, where: string): TlbArrayConfig {
  const o = obj(v, where);
  const sizes = o.sizes;
  if (!Array.isArray(sizes)) throw new Error(`${where}: 'sizes' must be an array like ["4k", "2m"]`);
  const a: TlbArrayConfig = {
    name: typeof o.name === "string" ? o.name : where,
    entries: int(o.entries, `${where}.entries`),
    ways: int(o.ways, `${where}.ways`),
    replacement: (o.replacement ?? "lru") as Replacement,
    sizes: sizes.map((s, i) => (typeof s === "number" ? s : sizeShift(String(s), `${where}.sizes[${i}]`))),
  };
  validateArray(a);
  return a;
}

/** A page size by name ("4k", "2m"), an Error naming `where` if it is none. */
function sizeShift(name: string, where: string): number {
  try {
    return pageShiftByName(name);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new Error(`${where}: expected an object`);
  return v as Record<string, unknown>;
}

function int(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`${where}: expected an integer`);
  return v;
}
