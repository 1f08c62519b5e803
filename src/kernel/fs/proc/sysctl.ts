// /proc/sys/vm (kernel/sysctl.c, mm/util.c, security/min_addr.c): mmap_min_addr,
// overcommit_memory and max_map_count, read and written as proc_dointvec does (a decimal
// integer, leading blanks and a trailing newline allowed; anything else EINVAL), within each
// one's bounds (overcommit_memory 0..2, max_map_count >= 0, mmap_min_addr >= 0). The guest is
// root, so the writes Linux allows root (CAP_SYS_RAWIO for mmap_min_addr) are allowed. The
// values live in the kernel's settings (Kernel.sysctl.vm), which mm.ts reads.

import { EINVAL } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import { proc_dir, type proc_entry, proc_file } from "./root.js";

/** A sysctl integer as proc_dointvec parses it, or null. */
export function parse_dointvec(text: string): number | null {
  const m = /^[ \t\n]*(-?\d+)[ \t]*\n?$/.exec(text);
  if (!m) return null;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : null;
}

type vm_knob = "mmap_min_addr" | "overcommit_memory" | "max_map_count";

const BOUNDS: Record<vm_knob, [number, number]> = {
  mmap_min_addr: [0, Number.MAX_SAFE_INTEGER],
  overcommit_memory: [0, 2],
  max_map_count: [0, 0x7fffffff],
};

/** /proc/sys: vm/ and its knobs. */
export function proc_sys_entries(k: Kernel): proc_entry[] {
  const knob = (name: vm_knob): proc_entry => ({
    name,
    make: (sb) =>
      proc_file(sb, () => `${k.sysctl.vm[name]}\n`, {
        perm: 0o644,
        write: (text) => {
          const v = parse_dointvec(text);
          const [lo, hi] = BOUNDS[name];
          if (v === null || v < lo || v > hi) return -EINVAL;
          k.sysctl.vm[name] = v;
          return 0n;
        },
      }),
  });
  return [
    {
      name: "vm",
      make: (sb) =>
        proc_dir(sb, 0o555, () => [knob("max_map_count"), knob("mmap_min_addr"), knob("overcommit_memory")]),
    },
  ];
}
