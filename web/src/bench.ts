// The benchmark page: the demo guest run `runs` times in the worker (the first run warms the
// interpreter up); the best MIPS goes to #result's data-mips for the end-to-end test to read.
// `?runs=N` sets the count and starts at once.

import type { FromWorker, ToWorker } from "./protocol.js";

const log = document.getElementById("log")!;
const result = document.getElementById("result")!;
const runsInput = document.getElementById("runs") as HTMLInputElement;
const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });

/** Run the demo once in the worker. */
function once(): Promise<Extract<FromWorker, { type: "bench" }>> {
  return new Promise((resolve) => {
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      if (ev.data.type === "bench") resolve(ev.data);
    };
    worker.postMessage({ type: "bench", maxInsns: Number.POSITIVE_INFINITY } satisfies ToWorker);
  });
}

async function run(n: number): Promise<void> {
  result.dataset.mips = "";
  result.textContent = "running...";
  log.textContent = "";
  let best = 0;
  let output = "";
  for (let i = 0; i < n; i++) {
    const r = await once();
    output = r.output;
    best = Math.max(best, r.mips);
    log.textContent += `run ${i + 1}: ${r.instret} instructions in ${r.seconds.toFixed(3)} s: ${r.mips.toFixed(1)} MIPS\n`;
  }
  log.textContent += `\nthe guest's output:\n${output}`;
  result.textContent = `best of ${n}: ${best.toFixed(1)} MIPS`;
  result.dataset.mips = String(best);
}

/** One run, for bench/web.ts (which interleaves runs in Node and here, so both meet the same
 *  load on the machine). */
(
  window as unknown as { mmlabDemo: () => Promise<{ mips: number; instret: number; seconds: number }> }
).mmlabDemo = async () => {
  const r = await once();
  return { mips: r.mips, instret: r.instret, seconds: r.seconds };
};

document.getElementById("go")!.addEventListener("click", () => void run(Number(runsInput.value) || 5));
const q = new URLSearchParams(location.search).get("runs");
if (q !== null) {
  runsInput.value = q;
  void run(Number(q) || 5);
}
