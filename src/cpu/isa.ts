// The instruction set mmlab executes, one row per instruction: its mnemonic, the extension it
// belongs to and its operand format. Op ids are dense small integers so the executor's switch
// compiles to a jump table; the decoder, executor and disassembler all key on them.

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
  | "NONE";

export type Ext = "I" | "M" | "A" | "Zicsr" | "Zifencei" | "Priv";

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
] as const satisfies readonly (readonly [string, Ext, Format])[];

export type Mnemonic = (typeof TABLE)[number][0];

/** Op id 0 means "not decoded yet" in the decode cache; ILLEGAL is an encoding we reject. */
export const OP_NONE = 0;
export const OP_ILLEGAL = 1;
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
