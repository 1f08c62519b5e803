// The `mmlab` command from the TypeScript sources, for tests that run it as a process of its own
// (test/helpers/process.ts): bin/mmlab.js runs the compiled dist/ instead.
import { commandLine, main } from "../../src/cli/index.js";

// No top-level await: the bundle built from this file is CommonJS (scripts/bundle.ts).
void main(commandLine()).then((status) => {
  process.exitCode = status;
});
