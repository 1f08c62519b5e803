// The instruction set mmlab executes, one row per instruction: its mnemonic, the extension it
// belongs to and its operand format. Op ids are dense small integers so that the interpreter's
// switch compiles to a jump table (docs/reference/emulators.md); the decoder, interpreter and
// disassembler all key on them.

/** Operand formats, used by the disassembler and the assembler's round-trip tests. */
export type Format =
  | "R" // rd, rs1, rs2
  | "I" // rd, rs1, imm
  | "SH" // rd, rs1, shamt
  | "L" // rd, imm(rs1)
  | "S" // rs2, imm(rs1)
  | "B" // rs1, rs2, offset
  | "U" // rd, imm20
  | "J" // rd, offset
  | "JR" // rd, imm(rs1)   (jalr)
  | "CSR" // rd, csr, rs1
  | "CSRI" // rd, csr, uimm
  | "FENCE" // pred, succ
  | "LR" // rd, (rs1)
  | "AMO" // rd, rs2, (rs1)
  | "SFENCE" // rs1, rs2
  | "NONE"
  // F and D (f* operands are f registers; "rm" formats carry a rounding mode in imm)
  | "FL" // frd, imm(rs1)
  | "FS" // frs2, imm(rs1)
  | "FR" // frd, frs1, frs2, rm
  | "FRN" // frd, frs1, frs2
  | "FR4" // frd, frs1, frs2, frs3, rm
  | "F1" // frd, frs1, rm
  | "FCMP" // rd, frs1, frs2
  | "FX" // rd, frs1, rm
  | "FXN" // rd, frs1
  | "XF" // frd, rs1, rm
  | "XFN"; // frd, rs1

export type Ext = "I" | "M" | "A" | "Zicsr" | "Zifencei" | "Priv" | "F" | "D";

const TABLE = [
  // RV64I
  ["lui", "I", "U"],
  ["auipc", "I", "U"],
  ["jal", "I", "J"],
  ["jalr", "I", "JR"],
  ["beq", "I", "B"],
  ["bne", "I", "B"],
  ["blt", "I", "B"],
  ["bge", "I", "B"],
  ["bltu", "I", "B"],
  ["bgeu", "I", "B"],
  ["lb", "I", "L"],
  ["lh", "I", "L"],
  ["lw", "I", "L"],
  ["ld", "I", "L"],
  ["lbu", "I", "L"],
  ["lhu", "I", "L"],
  ["lwu", "I", "L"],
  ["sb", "I", "S"],
  ["sh", "I", "S"],
  ["sw", "I", "S"],
  ["sd", "I", "S"],
  ["addi", "I", "I"],
  ["slti", "I", "I"],
  ["sltiu", "I", "I"],
  ["xori", "I", "I"],
  ["ori", "I", "I"],
  ["andi", "I", "I"],
  ["slli", "I", "SH"],
  ["srli", "I", "SH"],
  ["srai", "I", "SH"],
  ["add", "I", "R"],
  ["sub", "I", "R"],
  ["sll", "I", "R"],
  ["slt", "I", "R"],
  ["sltu", "I", "R"],
  ["xor", "I", "R"],
  ["srl", "I", "R"],
  ["sra", "I", "R"],
  ["or", "I", "R"],
  ["and", "I", "R"],
  ["addiw", "I", "I"],
  ["slliw", "I", "SH"],
  ["srliw", "I", "SH"],
  ["sraiw", "I", "SH"],
  ["addw", "I", "R"],
  ["subw", "I", "R"],
  ["sllw", "I", "R"],
  ["srlw", "I", "R"],
  ["sraw", "I", "R"],
  ["fence", "I", "FENCE"],
  ["ecall", "I", "NONE"],
  ["ebreak", "I", "NONE"],
  // Zifencei
  ["fence.i", "Zifencei", "NONE"],
  // Zicsr
  ["csrrw", "Zicsr", "CSR"],
  ["csrrs", "Zicsr", "CSR"],
  ["csrrc", "Zicsr", "CSR"],
  ["csrrwi", "Zicsr", "CSRI"],
  ["csrrsi", "Zicsr", "CSRI"],
  ["csrrci", "Zicsr", "CSRI"],
  // M
  ["mul", "M", "R"],
  ["mulh", "M", "R"],
  ["mulhsu", "M", "R"],
  ["mulhu", "M", "R"],
  ["div", "M", "R"],
  ["divu", "M", "R"],
  ["rem", "M", "R"],
  ["remu", "M", "R"],
  ["mulw", "M", "R"],
  ["divw", "M", "R"],
  ["divuw", "M", "R"],
  ["remw", "M", "R"],
  ["remuw", "M", "R"],
  // A
  ["lr.w", "A", "LR"],
  ["sc.w", "A", "AMO"],
  ["amoswap.w", "A", "AMO"],
  ["amoadd.w", "A", "AMO"],
  ["amoxor.w", "A", "AMO"],
  ["amoand.w", "A", "AMO"],
  ["amoor.w", "A", "AMO"],
  ["amomin.w", "A", "AMO"],
  ["amomax.w", "A", "AMO"],
  ["amominu.w", "A", "AMO"],
  ["amomaxu.w", "A", "AMO"],
  ["lr.d", "A", "LR"],
  ["sc.d", "A", "AMO"],
  ["amoswap.d", "A", "AMO"],
  ["amoadd.d", "A", "AMO"],
  ["amoxor.d", "A", "AMO"],
  ["amoand.d", "A", "AMO"],
  ["amoor.d", "A", "AMO"],
  ["amomin.d", "A", "AMO"],
  ["amomax.d", "A", "AMO"],
  ["amominu.d", "A", "AMO"],
  ["amomaxu.d", "A", "AMO"],
  // Privileged
  ["mret", "Priv", "NONE"],
  ["sret", "Priv", "NONE"],
  ["wfi", "Priv", "NONE"],
  ["sfence.vma", "Priv", "SFENCE"],
  // F
  ["flw", "F", "FL"],
  ["fsw", "F", "FS"],
  ["fmadd.s", "F", "FR4"],
  ["fmsub.s", "F", "FR4"],
  ["fnmsub.s", "F", "FR4"],
  ["fnmadd.s", "F", "FR4"],
  ["fadd.s", "F", "FR"],
  ["fsub.s", "F", "FR"],
  ["fmul.s", "F", "FR"],
  ["fdiv.s", "F", "FR"],
  ["fsqrt.s", "F", "F1"],
  ["fsgnj.s", "F", "FRN"],
  ["fsgnjn.s", "F", "FRN"],
  ["fsgnjx.s", "F", "FRN"],
  ["fmin.s", "F", "FRN"],
  ["fmax.s", "F", "FRN"],
  ["feq.s", "F", "FCMP"],
  ["flt.s", "F", "FCMP"],
  ["fle.s", "F", "FCMP"],
  ["fclass.s", "F", "FXN"],
  ["fcvt.w.s", "F", "FX"],
  ["fcvt.wu.s", "F", "FX"],
  ["fcvt.l.s", "F", "FX"],
  ["fcvt.lu.s", "F", "FX"],
  ["fcvt.s.w", "F", "XF"],
  ["fcvt.s.wu", "F", "XF"],
  ["fcvt.s.l", "F", "XF"],
  ["fcvt.s.lu", "F", "XF"],
  ["fmv.x.w", "F", "FXN"],
  ["fmv.w.x", "F", "XFN"],
  // D
  ["fld", "D", "FL"],
  ["fsd", "D", "FS"],
  ["fmadd.d", "D", "FR4"],
  ["fmsub.d", "D", "FR4"],
  ["fnmsub.d", "D", "FR4"],
  ["fnmadd.d", "D", "FR4"],
  ["fadd.d", "D", "FR"],
  ["fsub.d", "D", "FR"],
  ["fmul.d", "D", "FR"],
  ["fdiv.d", "D", "FR"],
  ["fsqrt.d", "D", "F1"],
  ["fsgnj.d", "D", "FRN"],
  ["fsgnjn.d", "D", "FRN"],
  ["fsgnjx.d", "D", "FRN"],
  ["fmin.d", "D", "FRN"],
  ["fmax.d", "D", "FRN"],
  ["feq.d", "D", "FCMP"],
  ["flt.d", "D", "FCMP"],
  ["fle.d", "D", "FCMP"],
  ["fclass.d", "D", "FXN"],
  ["fcvt.w.d", "D", "FX"],
  ["fcvt.wu.d", "D", "FX"],
  ["fcvt.l.d", "D", "FX"],
  ["fcvt.lu.d", "D", "FX"],
  ["fcvt.d.w", "D", "XF"],
  ["fcvt.d.wu", "D", "XF"],
  ["fcvt.d.l", "D", "XF"],
  ["fcvt.d.lu", "D", "XF"],
  ["fcvt.s.d", "D", "F1"],
  ["fcvt.d.s", "D", "F1"],
  ["fmv.x.d", "D", "FXN"],
  ["fmv.d.x", "D", "XFN"],
] as const satisfies readonly (readonly [string, Ext, Format])[];

export type Mnemonic = (typeof TABLE)[number][0];

/** The F and D mnemonics (their semantics live in fpu/). */
export type FpMnemonic = Extract<(typeof TABLE)[number], readonly [string, "F" | "D", Format]>[0];

/** Op id 0 means "not decoded yet" in the decode cache; ILLEGAL is an encoding we reject. */
export const OP_NONE = 0;
export const OP_ILLEGAL = 1;
/** The op of a decode slot where a translated region starts (jit/translator.ts keeps the
 *  slot's own op); only the interpreter's jit variant meets it. */
export const OP_REGION = 1023;
const FIRST = 2;

/** Op ids by mnemonic, e.g. OPS["addi"]. */
export const OPS = Object.fromEntries(TABLE.map(([name], i) => [name, FIRST + i])) as Record<
  Mnemonic,
  number
>;

export interface InsnInfo {
  readonly name: Mnemonic;
  readonly ext: Ext;
  readonly format: Format;
}

const INFO: (InsnInfo | undefined)[] = [];
TABLE.forEach(([name, ext, format], i) => {
  INFO[FIRST + i] = { name, ext, format };
});

/** What the table says about op id `op`; throws for ids that name no instruction. */
export function insnInfo(op: number): InsnInfo {
  const info = INFO[op];
  if (!info) throw new Error(`insnInfo: no instruction has op id ${op}`);
  return info;
}

/** Every mnemonic the CPU implements, in table order. */
export const MNEMONICS: readonly Mnemonic[] = TABLE.map(([name]) => name);

/** Formats whose rd is an f register (the decode cache then keeps f0 as f0, not the x0 sink). */
const F_DEST: ReadonlySet<Format> = new Set<Format>(["FL", "FR", "FRN", "FR4", "F1", "XF", "XFN"]);

/** For each op id: does its rd name an f register? */
export const WRITES_F: readonly boolean[] = Array.from({ length: INFO.length }, (_, op) => {
  const info = INFO[op];
  return info !== undefined && F_DEST.has(info.format);
});
