// Test helper: encode a ModuleBuilder's module, check it with WebAssembly.validate, and
// instantiate it.

import type { ModuleBuilder } from "../../../src/cpu/jit/index.js";

export type WasmValue = number | bigint;
export type Exports = Record<string, (...args: WasmValue[]) => WasmValue | undefined>;

/** The module's exports; throws if the encoded module does not validate. */
export function instantiate(m: ModuleBuilder, imports: WebAssembly.Imports = {}): Exports {
  const bytes = m.encode();
  if (!WebAssembly.validate(bytes)) {
    new WebAssembly.Module(bytes); // throws the engine's reason
  }
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports as unknown as Exports;
}
