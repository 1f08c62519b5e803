// The messages between the page (main.ts) and the emulator's Web Worker (worker.ts).

import type { MachineSettings, RunState } from "./settings.js";
import type { PageWalk, Snapshot } from "./snapshot.js";

/** Page to worker. */
export type ToWorker =
  /** Boot a new machine with these settings. */
  | { type: "boot"; settings: MachineSettings }
  /** Lines for the console (typed, a script, a scene). */
  | { type: "lines"; text: string }
  /** A guest's bytes under a name (a bundled guest or a dropped ELF file). */
  | { type: "guest"; name: string; bytes: Uint8Array }
  /** Bytes for the running program's standard input; `eof`: end it (Ctrl-D). */
  | { type: "stdin"; bytes: Uint8Array; eof: boolean }
  /** pause, resume, step [N], kill. */
  | { type: "control"; line: string }
  /** The page walk of an address (text as typed: numbers, variables, sums) on a hart. */
  | { type: "walk"; address: string; hart: number }
  /** Run the demo guest to its end and report its MIPS (the benchmark page). */
  | { type: "bench"; maxInsns: number };

/** Worker to page. */
export type FromWorker =
  /** Terminal text (guest output, the kernel log, console output). */
  | { type: "out"; text: string }
  | { type: "state"; state: RunState }
  | { type: "snapshot"; snapshot: Snapshot }
  | { type: "walk"; walk: PageWalk | null; error: string | null }
  | { type: "bench"; instret: number; seconds: number; mips: number; output: string }
  /** Every queued line has run and no program runs: the console's prompt. */
  | { type: "idle" }
  /** A machine booted (from the page's Boot, or a `boot` line): its settings. */
  | { type: "ready"; settings: MachineSettings };
