// The GDB remote serial protocol's framing (gdb manual, "Remote Protocol": Overview, Packet
// Acknowledgment, Interrupts): a packet is `$payload#cc`, cc the modulo-256 sum of the payload's
// bytes in two hex digits; `}` escapes the next byte (xor 0x20); a receiver answers `+` or `-`
// (resend) until no-ack mode is on; a 0x03 byte outside a packet is an interrupt (Ctrl-C).
// Anything else outside a packet is ignored; a packet longer than the limit or with a bad
// checksum is dropped (and refused with `-` while acks are on).

/** The largest payload accepted (qSupported's PacketSize). */
export const PACKET_SIZE = 0x4000;

/** What arrived on the wire. */
export type WireEvent =
  | { kind: "packet"; data: Uint8Array }
  | { kind: "interrupt" }
  | { kind: "ack" }
  | { kind: "nack" }
  /** A packet was dropped (bad checksum, too long); `reply` is what to answer ("-" or nothing). */
  | { kind: "bad"; why: string };

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const INTERRUPT = 0x03;

/** Splits the incoming byte stream into events; keeps a partial packet between calls. */
export class PacketReader {
  private state: "idle" | "data" | "sum1" | "sum2" = "idle";
  private buf = new Uint8Array(256);
  private len = 0;
  private sum = 0;
  private given = 0;
  private overflow = false;
  private escaped = false;

  /** Feed bytes; returns the events they complete, in order. */
  feed(bytes: Uint8Array): WireEvent[] {
    const out: WireEvent[] = [];
    for (const b of bytes) {
      const e = this.byte(b);
      if (e) out.push(e);
    }
    return out;
  }

  /** A partial packet is pending (a client that disconnects now left one unfinished). */
  get pending(): boolean {
    return this.state !== "idle";
  }

  private byte(b: number): WireEvent | null {
    switch (this.state) {
      case "idle":
        if (b === DOLLAR) this.start();
        else if (b === INTERRUPT) return { kind: "interrupt" };
        else if (b === 0x2b) return { kind: "ack" };
        else if (b === 0x2d) return { kind: "nack" };
        return null;
      case "data":
        if (b === HASH) {
          this.state = "sum1";
          return null;
        }
        if (b === DOLLAR) {
          // A new packet before the old one ended: the old one is lost.
          this.start();
          return { kind: "bad", why: "packet restarted before its end" };
        }
        this.sum = (this.sum + b) & 0xff;
        this.put(b);
        return null;
      case "sum1": {
        const v = hexDigit(b);
        this.given = v < 0 ? -256 : v << 4;
        this.state = "sum2";
        return null;
      }
      default: {
        const v = hexDigit(b);
        this.state = "idle";
        if (this.overflow) return { kind: "bad", why: `packet longer than ${PACKET_SIZE} bytes` };
        if (v < 0 || this.given < 0 || (this.given | v) !== this.sum) {
          return { kind: "bad", why: "bad checksum" };
        }
        return { kind: "packet", data: this.buf.slice(0, this.len) };
      }
    }
  }

  private start(): void {
    this.state = "data";
    this.len = 0;
    this.sum = 0;
    this.overflow = false;
    this.escaped = false;
  }

  /** Append a payload byte, undoing `}` escapes; past PACKET_SIZE the packet is marked lost. */
  private put(b: number): void {
    if (this.escaped) {
      this.escaped = false;
      b ^= 0x20;
    } else if (b === ESCAPE) {
      this.escaped = true;
      return;
    }
    if (this.len >= PACKET_SIZE) {
      this.overflow = true;
      return;
    }
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(Math.min(PACKET_SIZE, this.buf.length * 2));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }
}

/** `$payload#cc` with `$`, `#`, `}` and `*` escaped in the payload. */
export function frame(payload: string | Uint8Array): Uint8Array {
  const src = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const out: number[] = [DOLLAR];
  let sum = 0;
  for (const b of src) {
    if (b === DOLLAR || b === HASH || b === ESCAPE || b === 0x2a) {
      out.push(ESCAPE, b ^ 0x20);
      sum += ESCAPE + (b ^ 0x20);
    } else {
      out.push(b);
      sum += b;
    }
  }
  const cc = (sum & 0xff).toString(16).padStart(2, "0");
  out.push(HASH, cc.charCodeAt(0), cc.charCodeAt(1));
  return Uint8Array.from(out);
}

/** A hex digit's value, or -1. */
export function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Hex text as bytes, or null if it is not an even number of hex digits. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A 64-bit value as `bytes` little-endian bytes in hex (register contents). */
export function leHex(v: bigint, bytes: number): string {
  let s = "";
  for (let i = 0; i < bytes; i++)
    s += Number((v >> BigInt(8 * i)) & 0xffn)
      .toString(16)
      .padStart(2, "0");
  return s;
}

/** Little-endian hex bytes as a value, or null. */
export function fromLeHex(text: string): bigint | null {
  const b = fromHex(text);
  if (!b) return null;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** A hex number (addresses, lengths, thread ids), or null; at most 16 digits. */
export function parseHexNum(text: string): bigint | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) return null;
  return BigInt(`0x${text}`);
}
