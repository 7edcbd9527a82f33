/// The kernel's own encoding of a gfp mask, for the lines the kernel logs (`%pGg`).
extension GFPMask {
    /// The kernel's ___GFP_* bit values (include/linux/gfp_types.h; unchanged for these bits from
    /// 6.1 to 6.18, with ___GFP_ATOMIC gone since 6.4).
    static let kernelBits: [(GFPMask, UInt32)] = [
        (.dma, 0x01), (.highmem, 0x02), (.dma32, 0x04), (.movable, 0x08), (.reclaimable, 0x10), (.high, 0x20),
        (.zero, 0x100), (.directReclaim, 0x400), (.kswapdReclaim, 0x800), (.noWarn, 0x2000), (.noRetry, 0x10000),
        (.comp, 0x40000), (.account, 0x40_0000),
    ]
    /// ___GFP_IO, ___GFP_FS, ___GFP_HARDWALL, ___GFP_NOMEMALLOC: bits the model does not follow.
    static let io: UInt32 = 0x40, fs: UInt32 = 0x80, hardwall: UInt32 = 0x10_0000, noMemalloc: UInt32 = 0x8_0000

    /// The mask as the kernel holds it. The model keeps only the bits whose effect it follows; the
    /// rest are restored by the rule every mask it uses obeys: a mask that may reclaim directly
    /// is a GFP_KERNEL / GFP_USER one (so __GFP_IO | __GFP_FS), a highmem one is a GFP_HIGHUSER
    /// one (so __GFP_HARDWALL too), and a compound movable one without direct reclaim is
    /// GFP_TRANSHUGE_LIGHT (so __GFP_IO | __GFP_FS | __GFP_HARDWALL | __GFP_NOMEMALLOC).
    public var kernelValue: UInt32 {
        var v: UInt32 = 0
        for (bit, k) in GFPMask.kernelBits where contains(bit) { v |= k }
        if contains(.directReclaim) { v |= GFPMask.io | GFPMask.fs }
        if contains(.highmem) { v |= GFPMask.hardwall }
        if contains([.comp, .movable, .highmem]) && !contains(.directReclaim) {
            v |= GFPMask.io | GFPMask.fs | GFPMask.hardwall | GFPMask.noMemalloc
        }
        return v
    }

    /// The flag names in the order `format_flags` tries them (include/trace/events/mmflags.h,
    /// `__def_gfpflag_names`): composite names first, each printed when all its bits are set and
    /// then cleared.
    static let kernelNames: [(String, UInt32)] = {
        let reclaim: UInt32 = 0x400 | 0x800, io: UInt32 = 0x40, fs: UInt32 = 0x80
        let kernel = reclaim | io | fs, user = kernel | 0x10_0000
        let highuserMovable = user | 0x02 | 0x08
        let light = (highuserMovable | 0x40000 | 0x8_0000 | 0x2000) & ~reclaim
        return [("GFP_TRANSHUGE", light | 0x400), ("GFP_TRANSHUGE_LIGHT", light), ("GFP_HIGHUSER_MOVABLE", highuserMovable),
                ("GFP_HIGHUSER", user | 0x02), ("GFP_USER", user), ("GFP_KERNEL_ACCOUNT", kernel | 0x40_0000),
                ("GFP_KERNEL", kernel), ("GFP_NOFS", reclaim | io), ("GFP_ATOMIC", 0x20 | 0x800), ("GFP_NOIO", reclaim),
                ("GFP_NOWAIT", 0x800), ("GFP_DMA", 0x01), ("__GFP_HIGHMEM", 0x02), ("GFP_DMA32", 0x04), ("__GFP_HIGH", 0x20),
                ("__GFP_IO", io), ("__GFP_FS", fs), ("__GFP_NOWARN", 0x2000), ("__GFP_NORETRY", 0x10000),
                ("__GFP_COMP", 0x40000), ("__GFP_ZERO", 0x100), ("__GFP_NOMEMALLOC", 0x8_0000), ("__GFP_HARDWALL", 0x10_0000),
                ("__GFP_RECLAIMABLE", 0x10), ("__GFP_MOVABLE", 0x08), ("__GFP_ACCOUNT", 0x40_0000),
                ("__GFP_RECLAIM", reclaim), ("__GFP_DIRECT_RECLAIM", 0x400), ("__GFP_KSWAPD_RECLAIM", 0x800)]
    }()

    /// `%#x(%pGg)` as dump_header prints it: "0xcc0(GFP_KERNEL)", "0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)".
    public var kernelDescription: String {
        let value = kernelValue
        var rest = value
        var names: [String] = []
        for (name, mask) in GFPMask.kernelNames where rest & mask == mask && mask != 0 {
            names.append(name)
            rest &= ~mask
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return "0x\(String(value, radix: 16))(\(names.isEmpty ? "none" : names.joined(separator: "|")))"
    }
}
