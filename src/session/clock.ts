// The session's monotonic clock in milliseconds, for its figures (the report's wall time, the
// translator's translateMs). Under Node it is the process's hrtime, because Node's `performance` global
// loads its perf_hooks modules (11 of them, ~3.5 M host instructions) at first use. In a web page
// or worker (the playground imports src/session) there is no `process`, so it is performance.now.

/** The globals a clock may come from (globalThis, or a test's stand-in). */
export interface ClockHost {
  process?: { hrtime?: () => [number, number] };
  performance?: { now: () => number };
}

/** The monotonic clock `host` offers, in milliseconds (origin unspecified): its process's hrtime
 *  if it has one, else performance.now. Throws if it has neither. */
export function clockOf(host: ClockHost): () => number {
  const hrtime = host.process?.hrtime;
  if (typeof hrtime === "function") {
    return () => {
      const [s, ns] = hrtime();
      return s * 1e3 + ns / 1e6;
    };
  }
  const perf = host.performance;
  if (perf === undefined) throw new Error("not supported: a host with neither hrtime nor performance.now");
  return () => perf.now();
}

/** Milliseconds of this host's monotonic clock (clockOf(globalThis)). */
export const monotonicMs: () => number = clockOf(globalThis as ClockHost);
