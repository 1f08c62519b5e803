// The modelled TLB's counters as `--stats` shows them: the perf events of every hart (their
// names and values come from src/session's perfEvents) and the TLB arrays, as aligned tables.

export {
  formatKernel,
  formatTlb,
  hartTlb,
  perfEvents,
  permString,
  table,
  tlbReport,
  vpnToVa,
} from "../session/index.js";

/** What each event counts, for `--help` and the README. */
export const PERF_EVENT_HELP = `  dTLB-loads, dTLB-load-misses         L1 DTLB lookups by loads, and those that missed
  dTLB-stores, dTLB-store-misses       the same for stores (and AMOs)
  iTLB-loads, iTLB-load-misses         L1 ITLB lookups by instruction fetches, and misses
  dtlb_load_misses.stlb_hit            L1 misses that hit the L2 (STLB); also for
                                       dtlb_store_misses and itlb_misses, as below
  dtlb_load_misses.miss_causes_a_walk  misses in every level: a page walk starts
  dtlb_load_misses.walk_completed      walks that found a leaf; .walk_completed_4k, _2m, _1g
                                       (and _64k, _512g when such leaves occur) by leaf size
  page_walker_loads.dtlb, .itlb        PTE reads made by the walker (memory references)
  page_walks.faulted                   walks that ended in a page or access fault
  page_walk_cache.lN_hit, .lN_miss     page-walk-cache probes at level N (presets with one)
  tlb_flush.all, .asid, .va, .va_asid  sfence.vma by form (rs1/rs2 = x0 or not)
  tlb_flush.entries_dropped            entries those fences removed`;
