// `node --import ./test/helpers/ts-loader.mjs file.ts`: run TypeScript sources (ts-hooks.mjs).
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
