import { describe, expect, it } from "vitest";
import {
  EBADF,
  EFAULT,
  EINVAL,
  ENOMEM,
  ENOSYS,
  ERRNO,
  errnoName,
  IS_ERR_VALUE,
  MAX_ERRNO,
  strerror,
} from "../../src/kernel/errno.js";

describe("errno", () => {
  it("has Linux's values (asm-generic/errno-base.h, errno.h)", () => {
    expect([EBADF, ENOMEM, EFAULT, EINVAL, ENOSYS]).toEqual([9n, 12n, 14n, 22n, 38n]);
    expect(Object.keys(ERRNO)).toHaveLength(new Set(Object.values(ERRNO)).size);
  });

  it("names and describes them as strace does; an unknown number is E<n>", () => {
    expect(errnoName(EINVAL)).toBe("EINVAL");
    expect(strerror(EINVAL)).toBe("Invalid argument");
    expect(strerror(ENOSYS)).toBe("Function not implemented");
    for (const e of Object.values(ERRNO)) expect(strerror(e)).not.toBe("Unknown error");
    expect(errnoName(200n)).toBe("E200");
    expect(strerror(200n)).toBe("Unknown error");
  });

  it("IS_ERR_VALUE: -4095 ... -1 are errors, other results are not", () => {
    expect([-1n, -MAX_ERRNO, -EINVAL].map(IS_ERR_VALUE)).toEqual([true, true, true]);
    expect([0n, 1n, -MAX_ERRNO - 1n, 0xffff_ffff_ffff_f000n].map(IS_ERR_VALUE)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
