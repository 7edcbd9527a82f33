/// Unwinds a copied x86-64 user stack with `.eh_frame` rules, after the run (`record --stacks
/// dwarf`'s page-fault stacks: perf copied the registers and the stack from sp up at the fault).
public enum CFIUnwinder {
    /// Why a walk ended.
    public enum End: String, Equatable, Sendable {
        /// The outermost frame (an undefined return address).
        case outermost
        /// A pc in no known object, or an object whose file has no `.eh_frame`.
        case noObject
        /// A pc no FDE covers.
        case noFDE
        /// A rule the walk does not follow (`EHFrameTable.Stop.unsupported`).
        case unsupported
        /// A saved register outside the copied stack (the copy was too short, or the stack is bad).
        case badRead
        /// The depth limit.
        case depth
    }

    /// The frames of a stack, innermost first: `leaf` (an address just after the innermost
    /// frame's instruction), then return addresses. `stack` holds the memory from `sp` up;
    /// `rule(address)` gives the rule at an absolute address (the load bias already removed and
    /// re-applied by the caller), nil when no object holds it.
    public static func unwind(leaf: UInt64, sp: UInt64, bp: UInt64, stack: [UInt8], maxFrames: Int,
                              rule: (UInt64) -> Result<EHFrameTable.Rule, EHFrameTable.Stop>?) -> (pcs: [UInt64], end: End) {
        var pcs: [UInt64] = []
        var pc = leaf, sp = sp, bp = bp
        let base = sp
        func word(at address: UInt64) -> UInt64? {
            guard address >= base, address - base <= UInt64(stack.count), UInt64(stack.count) - (address - base) >= 8 else { return nil }
            let at = Int(address - base)
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(stack[at + i]) << (8 * UInt64(i)) }
            return v
        }
        while pcs.count < maxFrames {
            if pc < 4096 { return (pcs, .outermost) }
            pcs.append(pc)
            guard let found = rule(pc &- 1) else { return (pcs, .noObject) }
            let r: EHFrameTable.Rule
            switch found {
            case .success(let x): r = x
            case .failure(.outermost): return (pcs, .outermost)
            case .failure(.noFDE): return (pcs, .noFDE)
            case .failure(.unsupported): return (pcs, .unsupported)
            }
            let cfa = (r.cfaRegister == 7 ? sp : bp) &+ UInt64(bitPattern: r.cfaOffset)
            guard cfa > sp, let ra = word(at: cfa &+ UInt64(bitPattern: r.returnAddressOffset)) else { return (pcs, .badRead) }
            if let o = r.rbpOffset {
                guard let saved = word(at: cfa &+ UInt64(bitPattern: o)) else { return (pcs, .badRead) }
                bp = saved
            }
            pc = ra
            sp = cfa
        }
        return (pcs, .depth)
    }
}
