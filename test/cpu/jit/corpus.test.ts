// Translation against the interpreter on the whole guest corpus (guests/expected/cases.json,
// under the kernel, each case in its glibc build where it has one, else no-libc: both builds
// would double a file that already takes minutes on the loaded machine): the same stdout, stderr, exit status, instructions retired,
// traps, TLB counters (every array, level and walk: the report --stats=json prints) and kernel
// counters, with and without translation. The threshold is low (JIT_TEST_HOT) so that these
// short programs run translated code too. Every TLB preset and 2 harts: corpus-tlb.test.ts.

import { describe, expect, it } from "vitest";
import { type Case, loadCases } from "../../kernel/guest-cases.js";
import { same } from "./corpus-run.js";

const cases = loadCases("cases.json");
/** The two long cases (10-25 s each interpreted) stay out, as in guests.test.ts's 4 harts. */
const LONG_CASES = ["cow.4096", "pthreads.16-5000"];

/** The build a case runs in: glibc (rv64gc: F/D, atomics) where it has one. */
const variants = (c: Case): ("nolibc" | "glibc")[] => [
  !c.variants || c.variants.includes("glibc") ? "glibc" : "nolibc",
];

describe("translation on the guest corpus: the same run as the interpreter's", () => {
  let translated = 0;
  for (const c of cases.filter((x) => !LONG_CASES.includes(x.id)))
    for (const v of variants(c))
      it(`${c.id} (${v})`, () => {
        translated += same(c, v);
      });
  it("ran translated code in those runs", () => expect(translated).toBeGreaterThan(1_000_000));
});
