// Encodings against words produced by GNU as (binutils 2.40, -march=rv64imac_zicsr_zifencei).

import { describe, expect, test } from "vitest";
import { EncodeError, encode, makeInsn } from "../../src/asm/index.js";
import { hex, words } from "./helpers.js";

/** Every base, M, A, Zicsr, Zifencei and privileged instruction, with edge operands, and pseudo forms. */
const KNOWN32: [string, number][] = [
  ["add a0, a1, a2", 0x00c58533],
  ["sub t0, t1, t2", 0x407302b3],
  ["sll s0, s1, s2", 0x01249433],
  ["slt x1, x2, x3", 0x003120b3],
  ["sltu a5, a4, a3", 0x00d737b3],
  ["xor t6, t5, t4", 0x01df4fb3],
  ["srl s11, s10, s9", 0x019d5db3],
  ["sra a7, a6, a5", 0x40f858b3],
  ["or zero, ra, sp", 0x0020e033],
  ["and gp, tp, fp", 0x008271b3],
  ["addw a0, a0, a1", 0x00b5053b],
  ["subw a1, a2, a3", 0x40d605bb],
  ["sllw a2, a3, a4", 0x00e6963b],
  ["srlw a3, a4, a5", 0x00f756bb],
  ["sraw a4, a5, a6", 0x4107d73b],
  ["mul a0, a1, a2", 0x02c58533],
  ["mulh a0, a1, a2", 0x02c59533],
  ["mulhsu a0, a1, a2", 0x02c5a533],
  ["mulhu a0, a1, a2", 0x02c5b533],
  ["div a0, a1, a2", 0x02c5c533],
  ["divu a0, a1, a2", 0x02c5d533],
  ["rem a0, a1, a2", 0x02c5e533],
  ["remu a0, a1, a2", 0x02c5f533],
  ["mulw a0, a1, a2", 0x02c5853b],
  ["divw a0, a1, a2", 0x02c5c53b],
  ["divuw a0, a1, a2", 0x02c5d53b],
  ["remw a0, a1, a2", 0x02c5e53b],
  ["remuw a0, a1, a2", 0x02c5f53b],
  ["addi a0, a0, 1", 0x00150513],
  ["addi sp, sp, -2048", 0x80010113],
  ["addi t0, t1, 2047", 0x7ff30293],
  ["slti a0, a1, -1", 0xfff5a513],
  ["sltiu a0, a1, 1", 0x0015b513],
  ["xori a0, a1, -1", 0xfff5c513],
  ["ori a0, a1, 0x7ff", 0x7ff5e513],
  ["andi a0, a1, 0xff", 0x0ff5f513],
  ["addiw a0, a1, -2048", 0x8005851b],
  ["slli a0, a1, 63", 0x03f59513],
  ["srli a0, a1, 32", 0x0205d513],
  ["srai a0, a1, 1", 0x4015d513],
  ["slliw a0, a1, 31", 0x01f5951b],
  ["srliw a0, a1, 0", 0x0005d51b],
  ["sraiw a0, a1, 31", 0x41f5d51b],
  ["lb a0, -2048(a1)", 0x80058503],
  ["lh a0, 2047(a1)", 0x7ff59503],
  ["lw a0, 0(sp)", 0x00012503],
  ["ld ra, 8(sp)", 0x00813083],
  ["lbu t0, -1(t1)", 0xfff34283],
  ["lhu t0, 2(t1)", 0x00235283],
  ["lwu t0, 4(t1)", 0x00436283],
  ["sb a0, -2048(a1)", 0x80a58023],
  ["sh a0, 2047(a1)", 0x7ea59fa3],
  ["sw a0, 0(sp)", 0x00a12023],
  ["sd ra, 8(sp)", 0x00113423],
  ["lui a0, 0x12345", 0x12345537],
  ["lui t0, 0xfffff", 0xfffff2b7],
  ["auipc a0, 0", 0x00000517],
  ["auipc sp, 0x80000", 0x80000117],
  ["jalr ra, 0(t0)", 0x000280e7],
  ["jalr zero, -2048(a0)", 0x80050067],
  ["jalr a0, 2047(a1)", 0x7ff58567],
  ["ecall", 0x00000073],
  ["ebreak", 0x00100073],
  ["fence", 0x0ff0000f],
  ["fence rw, rw", 0x0330000f],
  ["fence r, w", 0x0210000f],
  ["fence iorw, iorw", 0x0ff0000f],
  ["fence i, o", 0x0840000f],
  ["fence.i", 0x0000100f],
  ["csrrw a0, mstatus, a1", 0x30059573],
  ["csrrs a0, mie, zero", 0x30402573],
  ["csrrc t0, 0x7ff, t1", 0x7ff332f3],
  ["csrrwi a0, mtvec, 31", 0x305fd573],
  ["csrrsi zero, sstatus, 0", 0x10006073],
  ["csrrci a0, satp, 16", 0x18087573],
  ["lr.w a0, (a1)", 0x1005a52f],
  ["lr.d.aqrl a0, (a1)", 0x1605b52f],
  ["sc.w a0, a1, (a2)", 0x18b6252f],
  ["sc.d.rl a0, a1, (a2)", 0x1ab6352f],
  ["amoswap.w.aq t0, t1, (t2)", 0x0c63a2af],
  ["amoadd.w a0, a1, (a2)", 0x00b6252f],
  ["amoxor.w a0, a1, (a2)", 0x20b6252f],
  ["amoand.w a0, a1, (a2)", 0x60b6252f],
  ["amoor.w a0, a1, (a2)", 0x40b6252f],
  ["amomin.w a0, a1, (a2)", 0x80b6252f],
  ["amomax.w a0, a1, (a2)", 0xa0b6252f],
  ["amominu.w a0, a1, (a2)", 0xc0b6252f],
  ["amomaxu.w a0, a1, (a2)", 0xe0b6252f],
  ["amoswap.d a0, a1, (a2)", 0x08b6352f],
  ["amoadd.d.aqrl a0, a1, (a2)", 0x06b6352f],
  ["amoxor.d a0, a1, (a2)", 0x20b6352f],
  ["amoand.d a0, a1, (a2)", 0x60b6352f],
  ["amoor.d a0, a1, (a2)", 0x40b6352f],
  ["amomin.d a0, a1, (a2)", 0x80b6352f],
  ["amomax.d a0, a1, (a2)", 0xa0b6352f],
  ["amominu.d a0, a1, (a2)", 0xc0b6352f],
  ["amomaxu.d.rl a0, a1, (a2)", 0xe2b6352f],
  ["mret", 0x30200073],
  ["sret", 0x10200073],
  ["wfi", 0x10500073],
  ["sfence.vma", 0x12000073],
  ["sfence.vma a0", 0x12050073],
  ["sfence.vma a0, a1", 0x12b50073],
  ["csrr a0, mhartid", 0xf1402573],
  ["csrw mscratch, a0", 0x34051073],
  ["csrs mie, t0", 0x3042a073],
  ["csrc mip, t1", 0x34433073],
  ["csrwi mstatus, 8", 0x30045073],
  ["csrsi mie, 1", 0x3040e073],
  ["csrci mip, 2", 0x34417073],
  ["rdcycle a0", 0xc0002573],
  ["rdtime a1", 0xc01025f3],
  ["rdinstret a2", 0xc0202673],
  ["nop", 0x00000013],
  ["mv a0, a1", 0x00058513],
  ["not a0, a1", 0xfff5c513],
  ["neg a0, a1", 0x40b00533],
  ["negw a0, a1", 0x40b0053b],
  ["sext.w a0, a1", 0x0005851b],
  ["seqz a0, a1", 0x0015b513],
  ["snez a0, a1", 0x00b03533],
  ["sltz a0, a1", 0x0005a533],
  ["sgtz a0, a1", 0x00b02533],
  ["jr t0", 0x00028067],
  ["jalr t1", 0x000300e7],
  ["ret", 0x00008067],
  ["unimp", 0xc0001073],
];

/** Every RV64C instruction by its c.* mnemonic, with edge operands and register classes. */
const KNOWN16: [string, number][] = [
  ["c.addi4spn a0, sp, 4", 0x0048],
  ["c.addi4spn s0, sp, 1020", 0x1fe0],
  ["c.lw a5, 124(s1)", 0x5cfc],
  ["c.lw s0, 0(a0)", 0x4100],
  ["c.ld a0, 248(a5)", 0x7fe8],
  ["c.ld s1, 8(s0)", 0x6404],
  ["c.sw a0, 124(a1)", 0xdde8],
  ["c.sd a2, 248(a3)", 0xfef0],
  ["c.nop", 0x0001],
  ["c.addi a0, 1", 0x0505],
  ["c.addi sp, -32", 0x1101],
  ["c.addi t6, 31", 0x0ffd],
  ["c.addiw a0, 0", 0x2501],
  ["c.addiw s11, -32", 0x3d81],
  ["c.li a0, -1", 0x557d],
  ["c.li ra, 31", 0x40fd],
  ["c.addi16sp sp, -512", 0x7101],
  ["c.addi16sp sp, 496", 0x617d],
  ["c.addi16sp sp, 16", 0x6141],
  ["c.lui a0, 1", 0x6505],
  ["c.lui t6, 31", 0x6ffd],
  ["c.lui a1, 0xfffe0", 0x7581],
  ["c.lui s0, 0xfffff", 0x747d],
  ["c.srli a0, 1", 0x8105],
  ["c.srli s1, 63", 0x90fd],
  ["c.srai a5, 32", 0x9781],
  ["c.andi a0, -32", 0x9901],
  ["c.andi s0, 31", 0x887d],
  ["c.sub a0, a1", 0x8d0d],
  ["c.xor s0, s1", 0x8c25],
  ["c.or a4, a5", 0x8f5d],
  ["c.and a2, a3", 0x8e75],
  ["c.subw a0, a5", 0x9d1d],
  ["c.addw s1, s0", 0x9ca1],
  ["c.slli a0, 1", 0x0506],
  ["c.slli t6, 63", 0x1ffe],
  ["c.lwsp a0, 0(sp)", 0x4502],
  ["c.lwsp ra, 252(sp)", 0x50fe],
  ["c.ldsp ra, 504(sp)", 0x70fe],
  ["c.ldsp s0, 8(sp)", 0x6422],
  ["c.swsp zero, 0(sp)", 0xc002],
  ["c.swsp a0, 252(sp)", 0xdfaa],
  ["c.sdsp ra, 504(sp)", 0xff86],
  ["c.sdsp t6, 8(sp)", 0xe47e],
  ["c.jr ra", 0x8082],
  ["c.jr t6", 0x8f82],
  ["c.mv a0, a1", 0x852e],
  ["c.mv t6, ra", 0x8f86],
  ["c.ebreak", 0x9002],
  ["c.jalr a0", 0x9502],
  ["c.jalr t6", 0x9f82],
  ["c.add a0, a1", 0x952e],
  ["c.add sp, t6", 0x917e],
];

describe("32-bit encodings match GNU as", () => {
  test.each(KNOWN32)("%s", (src, word) => {
    expect(words(src).map(hex)).toEqual([hex(word)]);
  });
});

describe("compressed encodings match GNU as", () => {
  test.each(KNOWN16)("%s", (src, word) => {
    expect(words(src).map(hex)).toEqual([hex(word)]);
  });
});

test("the examples from the issue", () => {
  expect(words("addi a0, a0, 1")).toEqual([0x00150513]);
  expect(words("c.addi a0, 1")).toEqual([0x0505]);
  expect(words("lui a0, 0x12345")).toEqual([0x12345537]);
  expect(words("ecall")).toEqual([0x00000073]);
});

test("branch and jump offsets at the ends of their ranges", () => {
  const src = `
    c.j .+2046
    c.j .-2048
    c.beqz a0, .+254
    c.bnez s1, .-256
    c.j .
    beq a0, a1, .+4094
    bne a0, a1, .-4096
    blt a0, a1, .+8
    bge a0, a1, .-8
    bltu a0, a1, .+2
    bgeu a0, a1, .
    jal ra, .+1048574
    jal zero, .-1048576
    jal a0, .+2
  `;
  expect(words(src).map(hex)).toEqual(
    [
      0xaffd, 0xb001, 0xcd7d, 0xf081, 0xa001, 0x7eb50fe3, 0x80b51063, 0x00b54463, 0xfeb55ce3, 0x00b56163,
      0x00b57063, 0x7ffff0ef, 0x8000006f, 0x0020056f,
    ].map(hex),
  );
});

test("register names: x0-x31, ABI names and fp", () => {
  expect(words("add x31, x0, x15")).toEqual(words("add t6, zero, a5"));
  expect(words("add fp, s0, x8")).toEqual(words("add s0, s0, s0"));
});

test("jalr and memory operand spellings", () => {
  expect(words("jalr a1, a0")).toEqual(words("jalr a1, 0(a0)"));
  expect(words("jalr a1, a0, 4")).toEqual(words("jalr a1, 4(a0)"));
  expect(words("ld a0, (a1)")).toEqual(words("ld a0, 0(a1)"));
  expect(words("amoadd.w a0, a1, 0(a2)")).toEqual(words("amoadd.w a0, a1, (a2)"));
  expect(words("csrrw a0, mstatus, 3")).toEqual(words("csrrwi a0, mstatus, 3"));
  expect(words("csrw mstatus, 5")).toEqual(words("csrwi mstatus, 5"));
});

test("CSRs by number and by name", () => {
  expect(words("csrr a0, 0x300")).toEqual(words("csrr a0, mstatus"));
  const names: [string, number][] = [
    ["misa", 0x301],
    ["medeleg", 0x302],
    ["mideleg", 0x303],
    ["mcounteren", 0x306],
    ["menvcfg", 0x30a],
    ["mvendorid", 0xf11],
    ["marchid", 0xf12],
    ["mimpid", 0xf13],
    ["mcycle", 0xb00],
    ["minstret", 0xb02],
    ["mcountinhibit", 0x320],
    ["pmpaddr15", 0x3bf],
    ["scounteren", 0x106],
    ["senvcfg", 0x10a],
    ["sscratch", 0x140],
    ["scause", 0x142],
    ["stval", 0x143],
    ["sip", 0x144],
    ["sie", 0x104],
    ["stvec", 0x105],
    ["time", 0xc01],
  ];
  for (const [name, n] of names) expect(words(`csrr a0, ${name}`)).toEqual(words(`csrr a0, ${n}`));
});

describe("encode", () => {
  test("takes instruction records", () => {
    expect(encode(makeInsn("addi", { rd: 10, rs1: 10, imm: 1 }))).toEqual({ bits: 0x00150513, len: 4 });
    expect(encode(makeInsn("c.addi", { rd: 10, rs1: 10, imm: 1 }))).toEqual({ bits: 0x0505, len: 2 });
  });

  test.each([
    [makeInsn("addi", { rd: 1, imm: 2048 }), "immediate 2048 out of range for addi (-2048..2047)"],
    [makeInsn("slli", { rd: 1, imm: 64 }), "shift amount 64 out of range for slli (0..63)"],
    [makeInsn("slliw", { rd: 1, imm: 32 }), "shift amount 32 out of range for slliw (0..31)"],
    [makeInsn("beq", { imm: 3 }), "branch offset 3 for beq must be a multiple of 2"],
    [makeInsn("c.lw", { rd: 16, rs1: 8 }), "c.lw needs s0, s1 or a0-a5 (x8-x15) as rd, not 'a6'"],
    [makeInsn("c.addi", { rd: 10, rs1: 10, imm: 0 }), "immediate for c.addi must not be 0"],
    [makeInsn("c.addi", { rd: 10, rs1: 11, imm: 1 }), "c.addi needs rs1 to be the same register as rd"],
    [makeInsn("c.lui", { rd: 2, imm: 1 }), "c.lui cannot use 'sp' as rd"],
    [
      makeInsn("c.lui", { rd: 10, imm: 32 }),
      "immediate 32 out of range for c.lui (1..31 or 0xfffe0..0xfffff)",
    ],
    [
      makeInsn("c.addi16sp", { rd: 2, rs1: 2, imm: 8 }),
      "immediate 8 for c.addi16sp must be a multiple of 16",
    ],
    [makeInsn("c.addi4spn", { rd: 8, rs1: 2, imm: 0 }), "immediate 0 out of range for c.addi4spn (4..1020)"],
    [makeInsn("c.slli", { rd: 10, rs1: 10, imm: 0 }), "shift amount 0 out of range for c.slli (1..63)"],
    [makeInsn("c.jr", { rs1: 0 }), "c.jr cannot use 'zero' as rs1"],
    [makeInsn("c.lwsp", { rd: 10, rs1: 3 }), "c.lwsp needs rs1 to be 'sp', not 'gp'"],
  ])("rejects %o", (insn, message) => {
    expect(() => encode(insn)).toThrow(EncodeError);
    expect(() => encode(insn)).toThrow(message);
  });
});
