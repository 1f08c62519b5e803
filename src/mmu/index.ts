// Public face of the memory layer: physical memory and devices (translation lands here with the
// MMU issue).
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
