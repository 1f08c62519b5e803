// The warm figure of a whole command (bench/commands.bench.ts): `node dist/bench/warm-run.js N
// ARGS...` runs `mmlab ARGS...` N times in this one process, as bin/mmlab.js would run it once.
// ARGS must ask for --stats=json: each run prints its statistics on stderr, whose `mips` is the
// guest instructions over the time the machine ran (boot and start-up excluded). The first run
// is as cold as a fresh command; the later ones show the interpreter once V8 has optimized it.

import { main } from "../src/cli/index.js";

const runs = Number(process.argv[2]);
if (!(Number.isInteger(runs) && runs >= 1)) {
  process.stderr.write("usage: node dist/bench/warm-run.js RUNS MMLAB-ARGS...\n");
  process.exit(2);
}
for (let i = 0; i < runs; i++) {
  const status = await main(process.argv.slice(3));
  if (status !== 0) process.exit(status);
}
