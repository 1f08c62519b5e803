// The guest programs that ship with mmlab (guests/bin/*.elf, committed), for the experiments
// that run one of them. Like version.ts, it finds the repository from this file's place: src/
// (the sources), dist/src/ (tsc's output) or dist/bundle/ (the bundle bin/mmlab.js runs).

import { readFileSync } from "node:fs";

/** The bytes of guests/bin/`file` (e.g. "shootdown.glibc.elf"); throws when it is missing. */
export function shippedGuest(file: string): Uint8Array {
  if (!/^[\w.-]+\.elf$/.test(file)) throw new Error(`shippedGuest: '${file}' is not a guest file name`);
  for (const up of ["../../guests/bin/", "../../../guests/bin/"]) {
    try {
      return new Uint8Array(readFileSync(new URL(up + file, import.meta.url)));
    } catch {
      // not there: try the next
    }
  }
  throw new Error(`guests/bin/${file} not found beside mmlab (run guests/build.sh ${file.split(".")[0]})`);
}
