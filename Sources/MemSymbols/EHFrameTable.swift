/// The `.eh_frame` call-frame information of one ELF file, for unwinding x86-64 stacks after the run.
///
/// The same rules as the interposer's unwinder (Sources/CRecorder/unwind.c), read from the file
/// instead of memory: the FDE covering an address comes from `.eh_frame_hdr`'s sorted table
/// (`DW_EH_PE_datarel|sdata4`), and the CIE's and FDE's CFA programs run up to it. Tracked: the
/// CFA (rsp or rbp + offset) and where rbp and the return address were saved. Addresses are the
/// file's own (ELF virtual addresses, before the load bias).
public final class EHFrameTable: @unchecked Sendable {
    /// How to find the caller's frame at one address.
    public struct Rule: Equatable, Sendable {
        /// DWARF register of the CFA (7 rsp or 6 rbp) and the offset added to it.
        public var cfaRegister: Int
        public var cfaOffset: Int64
        /// Where rbp was saved (CFA + offset), or nil when it keeps its value.
        public var rbpOffset: Int64?
        /// Where the return address was saved (CFA + offset).
        public var returnAddressOffset: Int64
    }

    /// Why no rule applies.
    public enum Stop: Error, Equatable, Sendable {
        /// No FDE covers the address.
        case noFDE
        /// A CFA expression, a register saved by expression or in another register, a signal frame.
        case unsupported
        /// The return address is undefined: the outermost frame (`_start`, a thread's start).
        case outermost
    }

    private let hdr: [UInt8]
    private let hdrAddress: UInt64
    private let frame: [UInt8]
    private let frameAddress: UInt64

    /// Reads `.eh_frame_hdr` and `.eh_frame` of `file`; nil when it has either not.
    public init?(file: ELFFile) {
        guard let h = file.section(named: ".eh_frame_hdr"), let f = file.section(named: ".eh_frame"),
              let hv = try? file.contents(of: h), let fv = try? file.contents(of: f),
              let hb = hv.bytes(0, hv.count), let fb = fv.bytes(0, fv.count) else { return nil }
        hdr = hb; hdrAddress = h.address; frame = fb; frameAddress = f.address
    }

    /// The rule at `address` (for a return address, pass it minus one: the call instruction).
    public func rule(at address: UInt64) -> Result<Rule, Stop> {
        guard let fdeAddress = findFDE(address) else { return .failure(.noFDE) }
        return ruleFromFDE(at: fdeAddress, address: address)
    }

    // MARK: Bytes at ELF addresses

    /// A reader over `.eh_frame` or `.eh_frame_hdr` bytes that knows each byte's ELF address.
    private struct Reader {
        let bytes: [UInt8]
        let base: UInt64
        var at: Int
        var end: Int
        var failed = false

        init(_ bytes: [UInt8], base: UInt64, at: Int, end: Int? = nil) {
            self.bytes = bytes; self.base = base; self.at = at; self.end = min(end ?? bytes.count, bytes.count)
        }

        mutating func u8() -> UInt8 {
            guard at < end else { failed = true; return 0 }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func fixed(_ n: Int) -> UInt64 {
            guard at >= 0, end - at >= n else { failed = true; at = end; return 0 }
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += n
            return v
        }

        mutating func uleb() -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                let b = u8()
                if failed { return 0 }
                if shift < 64 { v |= UInt64(b & 0x7f) << shift }
                shift += 7
                if b & 0x80 == 0 { return v }
            }
        }

        mutating func sleb() -> Int64 {
            var v: Int64 = 0, shift: UInt64 = 0, b: UInt8 = 0
            repeat {
                b = u8()
                if failed { return 0 }
                if shift < 64 { v |= Int64(bitPattern: UInt64(b & 0x7f) << shift) }
                shift += 7
            } while b & 0x80 != 0
            if shift < 64 && b & 0x40 != 0 { v |= -(Int64(1) << Int64(shift)) }
            return v
        }

        /// A pointer in encoding `enc` (absolute or pc-relative); nil on another encoding.
        mutating func pointer(_ enc: UInt8) -> UInt64? {
            if enc == 0xff { return 0 }
            let here = base &+ UInt64(at)
            var v: UInt64
            switch enc & 0x0f {
            case 0x00, 0x04, 0x0c: v = fixed(8)
            case 0x03: v = fixed(4)
            case 0x0b: v = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: fixed(4))))
            case 0x02: v = fixed(2)
            case 0x0a: v = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: fixed(2))))
            case 0x01: v = uleb()
            case 0x09: v = UInt64(bitPattern: sleb())
            default: return nil
            }
            switch enc & 0x70 {
            case 0x00: break
            case 0x10: v = v &+ here
            default: return nil
            }
            if enc & 0x80 != 0 || failed { return nil }
            return v
        }
    }

    /// The ELF address of the FDE covering `address`, from `.eh_frame_hdr`'s binary-search table.
    private func findFDE(_ address: UInt64) -> UInt64? {
        var r = Reader(hdr, base: hdrAddress, at: 0)
        guard r.u8() == 1 else { return nil }
        let pointerEnc = r.u8(), countEnc = r.u8(), tableEnc = r.u8()
        guard r.pointer(pointerEnc) != nil, let count = r.pointer(countEnc), tableEnc == 0x3b, count > 0,
              UInt64(hdr.count - r.at) / 8 >= count else { return nil }
        let table = r.at
        func entry(_ i: Int, _ field: Int) -> UInt64 {
            var e = Reader(hdr, base: hdrAddress, at: table + 8 * i + 4 * field)
            return hdrAddress &+ UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: e.fixed(4))))
        }
        var a = 0, b = Int(count)
        while b - a > 1 {
            let mid = (a + b) / 2
            if entry(mid, 0) <= address { a = mid } else { b = mid }
        }
        guard entry(a, 0) <= address else { return nil }
        return entry(a, 1)
    }

    /// The register rules of one CFA table row, as far as the walk needs them.
    private struct Row {
        var cfaRegister = 7
        var cfaOffset: Int64 = 8
        var rbp = Slot.same
        var returnAddress = Slot.offset(-8)
    }

    private enum Slot: Equatable { case same, offset(Int64), undefined, other }

    private func ruleFromFDE(at fdeAddress: UInt64, address: UInt64) -> Result<Rule, Stop> {
        guard fdeAddress >= frameAddress, fdeAddress - frameAddress < UInt64(frame.count) else { return .failure(.unsupported) }
        let fdeAt = Int(fdeAddress - frameAddress)
        var f = Reader(frame, base: frameAddress, at: fdeAt)
        let length = f.fixed(4)
        guard length != 0, length != 0xffff_ffff else { return .failure(.unsupported) }
        let fdeEnd = fdeAt + 4 + Int(length)
        f.end = min(fdeEnd, frame.count)
        let ciePointerAt = f.at
        let cieDelta = f.fixed(4)
        guard cieDelta != 0, UInt64(ciePointerAt) >= cieDelta else { return .failure(.unsupported) }
        let cieAt = ciePointerAt - Int(cieDelta)
        // The CIE.
        var c = Reader(frame, base: frameAddress, at: cieAt)
        let cieLength = c.fixed(4)
        guard cieLength != 0xffff_ffff, !c.failed else { return .failure(.unsupported) }
        c.end = min(cieAt + 4 + Int(cieLength), frame.count)
        _ = c.fixed(4)
        let version = c.u8()
        var augmentation: [UInt8] = []
        while true { let b = c.u8(); if b == 0 || c.failed { break }; augmentation.append(b) }
        if augmentation.starts(with: [0x65, 0x68]) { return .failure(.unsupported) }  // "eh"
        let codeAlign = c.uleb()
        let dataAlign = c.sleb()
        let returnRegister = version == 1 ? UInt64(c.u8()) : c.uleb()
        guard returnRegister == 16 else { return .failure(.unsupported) }
        var fdeEncoding: UInt8 = 0
        let hasZ = augmentation.first == 0x7a  // "z"
        if hasZ {
            let augmentationLength = Int(c.uleb())
            var a = c
            a.end = min(c.at + augmentationLength, c.end)
            for ch in augmentation.dropFirst() {
                switch ch {
                case 0x52: fdeEncoding = a.u8()                                    // R
                case 0x50: let e = a.u8(); if a.pointer(e & 0x7f) == nil { return .failure(.unsupported) }  // P
                case 0x4c: _ = a.u8()                                               // L
                case 0x42: break                                                    // B
                default: return .failure(.unsupported)                              // S (signal frame) and others
                }
            }
            c.at = min(c.at + augmentationLength, c.end)
        }
        guard !c.failed else { return .failure(.unsupported) }
        // The FDE's range.
        guard let start = f.pointer(fdeEncoding), let range = f.pointer(fdeEncoding & 0x0f) else { return .failure(.unsupported) }
        guard address >= start, address - start < range else { return .failure(.noFDE) }
        if hasZ { let n = Int(f.uleb()); f.at += n }
        var row = Row()
        guard run(&c, location: 0, target: .max, codeAlign: codeAlign, dataAlign: dataAlign, encoding: fdeEncoding,
                  row: &row, initial: nil) else { return .failure(.unsupported) }
        let initial = row
        guard run(&f, location: start, target: address, codeAlign: codeAlign, dataAlign: dataAlign, encoding: fdeEncoding,
                  row: &row, initial: initial) else { return .failure(.unsupported) }
        if row.returnAddress == .undefined { return .failure(.outermost) }
        guard case .offset(let ra) = row.returnAddress, row.cfaRegister == 7 || row.cfaRegister == 6, row.rbp != .other else { return .failure(.unsupported) }
        var rbpOffset: Int64?
        if case .offset(let o) = row.rbp { rbpOffset = o }
        return .success(Rule(cfaRegister: row.cfaRegister, cfaOffset: row.cfaOffset, rbpOffset: rbpOffset, returnAddressOffset: ra))
    }

    /// Runs a CFA program while the location stays ≤ `target`; false on an expression that matters.
    private func run(_ p: inout Reader, location: UInt64, target: UInt64, codeAlign: UInt64, dataAlign: Int64,
                     encoding: UInt8, row r: inout Row, initial: Row?) -> Bool {
        var loc = location
        var remembered: [Row] = []
        func set(_ reg: UInt64, _ slot: Slot) {
            if reg == 6 { r.rbp = slot } else if reg == 16 { r.returnAddress = slot }
        }
        while p.at < p.end && !p.failed {
            let op = p.u8()
            let high = op & 0xc0, low = UInt64(op & 0x3f)
            var delta: UInt64?
            switch high {
            case 0x40: delta = low &* codeAlign
            case 0x80: set(low, .offset(Int64(bitPattern: p.uleb()) &* dataAlign))
            case 0xc0: if let initial { set(low, low == 6 ? initial.rbp : initial.returnAddress) }
            default:
                switch op {
                case 0x00: break
                case 0x01:
                    guard let l = p.pointer(encoding) else { return false }
                    loc = l
                    if loc > target { return true }
                case 0x02: delta = UInt64(p.u8()) &* codeAlign
                case 0x03: delta = p.fixed(2) &* codeAlign
                case 0x04: delta = p.fixed(4) &* codeAlign
                case 0x05: let reg = p.uleb(); set(reg, .offset(Int64(bitPattern: p.uleb()) &* dataAlign))
                case 0x06: let reg = p.uleb(); if let initial { set(reg, reg == 6 ? initial.rbp : initial.returnAddress) }
                case 0x07: set(p.uleb(), .undefined)
                case 0x08: let reg = p.uleb(); if reg == 6 { r.rbp = .same } else if reg == 16 { r.returnAddress = .other }
                case 0x09: let reg = p.uleb(); _ = p.uleb(); set(reg, .other)
                case 0x0a: remembered.append(r)
                case 0x0b: if let last = remembered.popLast() { r = last }
                case 0x0c: r.cfaRegister = Int(p.uleb()); r.cfaOffset = Int64(bitPattern: p.uleb())
                case 0x0d: r.cfaRegister = Int(p.uleb())
                case 0x0e: r.cfaOffset = Int64(bitPattern: p.uleb())
                case 0x0f: return false
                case 0x10, 0x16:
                    let reg = p.uleb()
                    p.at += Int(clamping: p.uleb())
                    if reg == 16 { return false }
                    set(reg, .other)
                case 0x11: let reg = p.uleb(); set(reg, .offset(p.sleb() &* dataAlign))
                case 0x12: r.cfaRegister = Int(p.uleb()); r.cfaOffset = p.sleb() &* dataAlign
                case 0x13: r.cfaOffset = p.sleb() &* dataAlign
                case 0x14: let reg = p.uleb(); _ = p.uleb(); set(reg, .other)
                case 0x15: let reg = p.uleb(); _ = p.sleb(); set(reg, .other)
                case 0x2e: _ = p.uleb()
                case 0x2f: let reg = p.uleb(); set(reg, .offset(-Int64(bitPattern: p.uleb()) &* dataAlign))
                default: return false
                }
            }
            if let delta {
                loc = loc &+ delta
                if loc > target { return true }
            }
        }
        return !p.failed
    }
}
