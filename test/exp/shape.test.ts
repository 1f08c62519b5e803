// checkShape and checkRows (src/exp/shape.ts): what a saved result must hold before plots and
// tables are drawn from it; a value that is not so is named with its place in the file.

import { describe, expect, it } from "vitest";
import { checkRows, checkShape, type Shape } from "../../src/exp/shape.js";
import { type Column, ExpInputError } from "../../src/exp/types.js";
import { TLB_PRESETS } from "../../src/mmu/index.js";

const refused = (f: () => void, message: string): void => {
  expect(f).toThrow(ExpInputError);
  expect(f).toThrow(message);
};

describe("checkShape", () => {
  const shape: Shape = {
    name: "string",
    sizes: ["number"],
    limit: "number?",
    parts: [{ on: "boolean", note: "string?" }],
    tlbs: { "*": "tlb" },
  };
  const good = {
    name: "x",
    sizes: [1, 2],
    limit: null,
    parts: [{ on: true }, { on: false, note: "n" }],
    tlbs: { skylake: TLB_PRESETS.skylake, zen2: TLB_PRESETS.zen2 },
    extra: "ignored",
  };

  it("takes a value of the shape: optional fields absent or null, other keys ignored", () => {
    expect(() => checkShape(good, shape, "f.json: params")).not.toThrow();
    expect(() => checkShape({ ...good, limit: undefined, tlbs: {} }, shape, "p")).not.toThrow();
  });

  it("names the first place that is wrong, and what it holds", () => {
    refused(() => checkShape(null, shape, "f.json: params"), "f.json: params is null, not an object");
    refused(() => checkShape([], shape, "p"), "p is [], not an object");
    refused(() => checkShape({ ...good, name: 7 }, shape, "p"), "p.name is 7, not a string");
    refused(() => checkShape({ ...good, sizes: [1, "2"] }, shape, "p"), 'p.sizes[1] is "2", not a number');
    refused(() => checkShape({ ...good, sizes: {} }, shape, "p"), "p.sizes is {}, not an array");
    refused(() => checkShape({ ...good, limit: "9" }, shape, "p"), 'p.limit is "9", not a number');
    refused(
      () => checkShape({ ...good, parts: [{}] }, shape, "p"),
      "p.parts[0].on is missing, not a boolean",
    );
    const { name: _, ...noName } = good;
    refused(() => checkShape(noName, shape, "p"), "p.name is missing, not a string");
  });

  it("checks a TLB as --tlb checks a JSON file, naming where it is", () => {
    const bad = {
      ...good,
      tlbs: { mine: { ...TLB_PRESETS.skylake, itlb: [{ entries: 1e12, ways: 1, sizes: [12] }] } },
    };
    refused(() => checkShape(bad, shape, "f.json: params"), "f.json: params.tlbs.mine");
    refused(() => checkShape(bad, shape, "f.json: params"), "entries must be an integer from 1 to 32768");
    refused(() => checkShape({ ...good, tlbs: { a: 1 } }, shape, "p"), "p.tlbs.a: expected an object");
  });

  it("a long value is cut short in the message", () => {
    const f = () => checkShape("x".repeat(10_000), "number", "p");
    refused(f, 'p is "xxxxxxxx');
    try {
      f();
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(80);
    }
  });
});

describe("checkRows", () => {
  const columns: Column[] = [
    { key: "tlb", description: "TLB preset", kind: "string" },
    { key: "walks", description: "page walks" },
    { key: "ok", description: "it worked", kind: "boolean" },
  ];

  it("takes rows whose cells have their column's kind, null or left out", () => {
    const rows = [
      { tlb: "zen2", walks: 3, ok: true },
      { tlb: "tiny", walks: null },
      { "dTLB-load-misses": 4 },
    ];
    expect(() => checkRows(columns, rows, columns, "f.json")).not.toThrow();
  });

  it("names the file, the row (from 1) and the column", () => {
    refused(
      () => checkRows(columns, [{}, 5], columns, "f.json"),
      "f.json: row 2 is 5, not an object of column values",
    );
    refused(() => checkRows(columns, [null], columns, "f.json"), "f.json: row 1 is null");
    refused(() => checkRows(columns, [["a"]], columns, "f.json"), 'f.json: row 1 is ["a"]');
    refused(
      () => checkRows(columns, [{ walks: "3" }], columns, "f.json"),
      "f.json: row 1: 'walks' is \"3\", not a number",
    );
    refused(
      () => checkRows(columns, [{ tlb: 1 }], columns, "f.json"),
      "f.json: row 1: 'tlb' is 1, not a string",
    );
    refused(() => checkRows(columns, [{ ok: "yes" }], columns, "f.json"), "'ok' is \"yes\", not a boolean");
    // A column the experiment does not declare (a sweep's perf events) holds numbers.
    refused(() => checkRows(columns, [{ other: {} }], columns, "f.json"), "'other' is {}, not a number");
    refused(
      () => checkRows([{ key: 1 }], [], columns, "f.json"),
      "f.json: columns[0].key is 1, not a string",
    );
    refused(() => checkRows(columns, {}, columns, "f.json"), "f.json: rows is {}, not an array");
  });
});
