// The worker-thread entry (compiled to dist/src/exp/worker.js): runs the points the pool sends,
// one at a time, and replies with their rows or the error message.

import { parentPort, workerData } from "node:worker_threads";
import { loadAssembler } from "../session/index.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./pool.js";
import { findExperiment } from "./registry.js";

/** Load what points may need, then answer the pool's requests. No top-level await: the bundle
 *  is CommonJS (scripts/bundle.ts); a failure rejects, which ends the worker with that error. */
async function serve(): Promise<void> {
  await loadAssembler(); // a sweep's program may be assembly (src/session loads it on demand)
  const init = workerData as WorkerInit;
  const exp = findExperiment(init.experiment);
  const port = parentPort;
  if (!port || !exp) throw new Error(`mmlab exp worker: no experiment '${init.experiment}'`);
  port.on("message", (req: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      reply = { index: req.index, rows: exp.runPoint(init.params, req.point) };
    } catch (e) {
      reply = { index: req.index, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  });
}

void serve();
