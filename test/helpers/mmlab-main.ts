// The `mmlab` command from the TypeScript sources, for tests that run it as a process of its own
// (test/helpers/process.ts): bin/mmlab.js runs the compiled dist/ instead.
import { commandLine, main } from "../../src/cli/index.js";

process.exitCode = await main(commandLine());
