// What a saved result must hold before its plots and tables are drawn from it: the parameters
// an experiment wrote (described by a small shape per experiment) and rows whose cells have
// their column's kind. A file that is not so is refused with its name and the first place that
// is wrong (`out/x.json: row 3: 'walks' is "x", not a number`), never a JavaScript error from
// deep inside a plot (issue 11: `exp plot` of a file whose rows are not what it expects).

import { parseTlbConfig } from "../mmu/index.js";
import { type Column, ExpInputError } from "./types.js";

/** The shape of a JSON value: a primitive ("number?" and "string?" also take null or nothing),
 *  "tlb" (a TLB configuration, checked as --tlb checks a JSON file), [element] for an array,
 *  { "*": shape } for an object of any keys and { key: shape } for an object with those keys. */
export type Shape =
  | "number"
  | "string"
  | "boolean"
  | "number?"
  | "string?"
  | "boolean?"
  | "tlb"
  | readonly [Shape]
  | { readonly [key: string]: Shape };

const describe = (v: unknown): string =>
  v === undefined ? "missing" : `${JSON.stringify(v)?.slice(0, 40) ?? String(v)}`;

/** Check that `v` has shape `shape`; throw an ExpInputError naming `where` (file: path) if not. */
export function checkShape(v: unknown, shape: Shape, where: string): void {
  if (typeof shape === "string") {
    if (shape === "tlb") {
      try {
        parseTlbConfig(v, where);
      } catch (e) {
        const msg = (e as Error).message;
        throw new ExpInputError(msg.startsWith(where) ? msg : `${where}: ${msg}`);
      }
      return;
    }
    const optional = shape.endsWith("?");
    const type = optional ? shape.slice(0, -1) : shape;
    if (optional && (v === undefined || v === null)) return;
    if (typeof v !== type || (type === "number" && !Number.isFinite(v)))
      throw new ExpInputError(`${where} is ${describe(v)}, not a ${type}`);
    return;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(v)) throw new ExpInputError(`${where} is ${describe(v)}, not an array`);
    for (const [i, x] of v.entries()) checkShape(x, shape[0] as Shape, `${where}[${i}]`);
    return;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ExpInputError(`${where} is ${describe(v)}, not an object`);
  const o = v as Record<string, unknown>;
  const fields = shape as { readonly [key: string]: Shape };
  const any = fields["*"];
  if (any !== undefined) {
    for (const [k, x] of Object.entries(o)) checkShape(x, any, `${where}.${k}`);
    return;
  }
  for (const [k, s] of Object.entries(fields)) checkShape(o[k], s, `${where}.${k}`);
}

/** Check the columns and rows of a result read from `path`: the columns are { key, description }
 *  objects; every row is an object whose cells have their column's kind in `known` (a column
 *  `known` does not list, such as a sweep's perf events, holds numbers), and a cell may be left
 *  out or null where the experiment writes none. */
export function checkRows(columns: unknown, rows: unknown, known: readonly Column[], path: string): void {
  checkShape(columns, [{ key: "string", description: "string" }], `${path}: columns`);
  if (!Array.isArray(rows)) throw new ExpInputError(`${path}: rows is ${describe(rows)}, not an array`);
  const kinds = new Map<string, string>(known.map((c) => [c.key, c.kind ?? "number"]));
  for (const [i, row] of rows.entries()) {
    const where = `${path}: row ${i + 1}`;
    if (typeof row !== "object" || row === null || Array.isArray(row))
      throw new ExpInputError(`${where} is ${describe(row)}, not an object of column values`);
    for (const [k, cell] of Object.entries(row as Record<string, unknown>)) {
      const kind = kinds.get(k) ?? "number";
      if (cell === null) continue;
      if (typeof cell !== kind || (kind === "number" && !Number.isFinite(cell)))
        throw new ExpInputError(`${where}: '${k}' is ${describe(cell)}, not a ${kind}`);
    }
  }
}
