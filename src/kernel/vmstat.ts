// Event and state counters, named as in /proc/vmstat, and /proc/meminfo in Linux's format.

export const VMSTAT_NAMES = [
  "nr_free_pages",
  "nr_file_pages",
  "nr_dirty",
  "nr_writeback",
  "nr_shmem",
  "nr_vmalloc",
  "nr_page_table_pages",
  "nr_slab_unreclaimable",
  "nr_kernel_misc_reclaimable",
  "nr_tlb_remote_flush",
  "nr_tlb_remote_flush_received",
  "nr_tlb_local_flush_all",
  "nr_tlb_local_flush_one",
  "pgalloc_normal",
  "pgfree",
  "thp_fault_alloc",
  "thp_fault_fallback",
  "thp_split_pmd",
  "thp_collapse_alloc",
] as const;

export type VmstatItem = (typeof VMSTAT_NAMES)[number];

export class Vmstat {
  private readonly v = new Map<VmstatItem, number>(VMSTAT_NAMES.map((n) => [n, 0]));

  inc(item: VmstatItem, by = 1): void {
    this.v.set(item, this.get(item) + by);
  }

  dec(item: VmstatItem, by = 1): void {
    this.v.set(item, this.get(item) - by);
  }

  get(item: VmstatItem): number {
    return this.v.get(item) ?? 0;
  }

  set(item: VmstatItem, value: number): void {
    this.v.set(item, value);
  }

  /** /proc/vmstat. */
  format(): string {
    return VMSTAT_NAMES.map((n) => `${n} ${this.get(n)}`).join("\n");
  }
}

/** One /proc/meminfo line: "%-16s%8lu kB" as Linux's show_val_kb prints it. */
export function meminfoLine(name: string, kb: bigint | number): string {
  return `${`${name}:`.padEnd(16, " ")}${kb.toString().padStart(8, " ")} kB`;
}
