// Public face of the gdb layer: the remote stub (protocol), the targets it debugs (a bare
// machine, a program under the kernel), the monitor commands, the wire framing.

export { BareTarget, hartReg, setHartReg } from "./bare.js";
export { HostIo } from "./hostio.js";
export { KernelTarget } from "./kernel.js";
export { kernelMonitor, type MonitorCommands, machineMonitor, runMonitor } from "./monitor.js";
export { frame, fromHex, PACKET_SIZE, PacketReader, toHex, type WireEvent } from "./rsp.js";
export { gdbSignal, linuxSignal } from "./signals.js";
export { GdbStub, SLICE, type StubIo, type StubState, stopReply } from "./stub.js";
// The target interface every debugged machine implements, register numbering, signals.
export * from "./target.js";
export { targetXml } from "./tdesc.js";
