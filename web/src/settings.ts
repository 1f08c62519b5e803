// The machine settings the page offers and the run state it shows: plain data shared by the page,
// the worker and the engine, so that the page's own bundle needs none of the emulator.

/** The machine the page boots. */
export interface MachineSettings {
  harts: number;
  /** A TLB preset name (TLB_PRESETS of src/mmu). */
  tlb: string;
  /** The kernel command line. */
  cmdline: string;
}

/** The TLB presets offered (the names of src/mmu's TLB_PRESETS; a test keeps them equal). */
export const PRESETS: readonly string[] = ["tiny", "skylake", "golden-cove", "zen2", "champsim", "qemu-like"];

/** One hart, the default TLB preset of mmlab (skylake), no command line. */
export const DEFAULT_SETTINGS: MachineSettings = { harts: 1, tlb: "skylake", cmdline: "" };

/** What the engine is doing, for the page's buttons. */
export interface RunState {
  /** The program running (its argv[0]), or null at the console prompt. */
  program: string | null;
  paused: boolean;
  /** Lines waiting behind a running program. */
  queued: number;
  /** The kernel panicked: only `boot` helps. */
  panicked: boolean;
  /** The program waits for its standard input (the terminal's keys go to it). */
  input: boolean;
}
