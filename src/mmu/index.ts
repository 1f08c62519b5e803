// Public face of the memory layer: physical memory and devices, page-table entries and paging
// modes, the walker, page-walk caches, the TLB model and its presets. It knows nothing of harts.

export { clearLeaf, mapLeaf, ptePointer, readPte, type TableAlloc, writePte } from "./pgtable.js";
export {
  MAX_RAM,
  type MmioDevice,
  PAGE_SHIFT,
  PAGE_SIZE,
  PG_CODE,
  PG_RESV,
  PG_WATCH,
  PhysMem,
  RAM_BASE,
} from "./phys.js";
export { DEFAULT_TLB_PRESET, loadTlbConfig, parseTlbConfig, TLB_PRESETS } from "./presets.js";
export {
  isCanonical,
  levelShift,
  makePte,
  PAGING_MODES,
  type PagingMode,
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_HI_N,
  PTE_R,
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  pageShiftByName,
  pageSizeName,
  pagingMode,
  pagingModeByName,
  ptePpn,
  SATP_BARE,
  SATP_SV39,
  SATP_SV48,
  SATP_SV57,
  SV39,
  SV48,
  SV57,
  vpnIndex,
  vpnOf,
} from "./pte.js";
export { PageWalkCache, type PwcConfig, type PwcLevelStats } from "./pwc.js";
export {
  type FlushCounters,
  type KindCounters,
  type LeafEntry,
  REPLACEMENTS,
  type Replacement,
  type TlbArrayConfig,
  type TlbConfig,
  type TlbEntryView,
  type TlbEvent,
  type TlbLevel,
  TlbModel,
} from "./tlb.js";
export { type Access, adSatisfied, permits, type WalkContext, Walker, type WalkResult } from "./walk.js";
