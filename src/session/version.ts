// mmlab's version, for `mmlab --version` and the host record of every experiment result. It
// lives in the session layer, below the experiments, so that `mmlab --version` loads neither
// them nor anything they import.

import { readFileSync } from "node:fs";

/** mmlab's version, from the package.json above src/ (run from the sources), dist/src/ (tsc's
 *  output) or dist/bundle/ (the bundle bin/mmlab.js runs). */
export function mmlabVersion(): string {
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "mmlab" && pkg.version) return pkg.version;
    } catch {
      // not there: try the next
    }
  }
  return "unknown";
}
