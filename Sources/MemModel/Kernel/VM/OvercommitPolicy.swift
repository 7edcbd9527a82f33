import Foundation

/// The overcommit tunables (`vm.overcommit_memory`, `vm.overcommit_ratio`, `vm.overcommit_kbytes`,
/// `vm.admin_reserve_kbytes`, `vm.user_reserve_kbytes`, mm/util.c and mm/mmap.c) and whether the
/// recorded processes hold CAP_SYS_ADMIN, as `__vm_enough_memory` reads them.
///
/// Part of `VirtualMemoryConfiguration` (`--set vm.overcommit_memory=2`, …); the same sysctls as
/// trace control events change the running kernel's copy (`CommitAccounting.applySysctl`). Every
/// field decodes with `decodeIfPresent` semantics, so machine JSON written before a field existed
/// stays valid.
public struct OvercommitPolicy: Codable, Hashable, Sendable {
    /// vm.overcommit_memory (`OVERCOMMIT_GUESS`, `OVERCOMMIT_ALWAYS`, `OVERCOMMIT_NEVER` in
    /// include/uapi/linux/mman.h).
    public enum Mode: Int, Codable, Hashable, Sendable, CaseIterable {
        /// 0: heuristic overcommit (6.1: refuse one request larger than RAM + swap).
        case guess = 0
        /// 1: always overcommit.
        case always = 1
        /// 2: strict accounting against CommitLimit.
        case never = 2
    }

    public var mode: Mode = .guess
    /// vm.overcommit_ratio: percent of RAM in CommitLimit (when `kbytes` is 0).
    public var ratio: UInt64 = 50
    /// vm.overcommit_kbytes: CommitLimit's RAM part in kB when non-zero (then `ratio` is unused).
    public var kbytes: UInt64 = 0
    /// vm.admin_reserve_kbytes; nil for the boot default of `init_admin_reserve` (mm/mmap.c):
    /// min(free memory at boot / 32, 8 MiB).
    public var adminReserveKbytes: UInt64? = nil
    /// vm.user_reserve_kbytes; nil for the boot default of `init_user_reserve` (mm/mmap.c):
    /// min(free memory at boot / 32, 128 MiB).
    public var userReserveKbytes: UInt64? = nil
    /// The recorded processes hold CAP_SYS_ADMIN (`cap_vm_enough_memory`, security/commoncap.c):
    /// root by default, so mode 2 leaves them the admin reserve. Not a sysctl: `cap_sys_admin=0`.
    public var capSysAdmin: Bool = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case mode, ratio, kbytes, adminReserveKbytes, userReserveKbytes, capSysAdmin
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OvercommitPolicy()
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? d.mode
        ratio = try c.decodeIfPresent(UInt64.self, forKey: .ratio) ?? d.ratio
        kbytes = try c.decodeIfPresent(UInt64.self, forKey: .kbytes) ?? d.kbytes
        adminReserveKbytes = try c.decodeIfPresent(UInt64.self, forKey: .adminReserveKbytes)
        userReserveKbytes = try c.decodeIfPresent(UInt64.self, forKey: .userReserveKbytes)
        capSysAdmin = try c.decodeIfPresent(Bool.self, forKey: .capSysAdmin) ?? d.capSysAdmin
    }

    /// The keys `set(_:_:)` accepts.
    public static let settableKeys: [(key: String, meaning: String)] = [
        ("vm.overcommit_memory", "overcommit policy: 0 heuristic (default), 1 always, 2 never (strict, against CommitLimit)"),
        ("vm.overcommit_ratio", "percent of RAM in CommitLimit (default 50; setting it zeroes vm.overcommit_kbytes)"),
        ("vm.overcommit_kbytes", "CommitLimit's RAM part in kB when non-zero (setting it zeroes vm.overcommit_ratio)"),
        ("vm.admin_reserve_kbytes", "kB mode 2 keeps back from processes without CAP_SYS_ADMIN (default: min(free/32, 8M) at boot)"),
        ("vm.user_reserve_kbytes", "most kB mode 2 keeps back from one process, min(total_vm/32, this) (default: min(free/32, 128M) at boot)"),
        ("cap_sys_admin", "the recorded processes hold CAP_SYS_ADMIN, as root does (mode 2's admin reserve): 1 (default) or 0"),
    ]

    /// Applies `key=value` (a number, as the sysctl takes it); false when the key is not one of
    /// these. Setting vm.overcommit_ratio zeroes vm.overcommit_kbytes and the reverse, as
    /// `overcommit_ratio_handler` and `overcommit_kbytes_handler` (mm/util.c) do.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        guard OvercommitPolicy.settableKeys.contains(where: { $0.key == key }) else { return false }
        guard let v = Int64(value) else { throw ConfigurationError("\(key)=\(value): expected a non-negative integer") }
        guard apply(key, v) else { throw ConfigurationError("\(key)=\(value): out of range (\(OvercommitPolicy.range(key)))") }
        return true
    }

    /// Applies a sysctl written as `value`; false (and nothing changed) when `key` is not one of
    /// these or the kernel's handler would refuse the value (`proc_dointvec_minmax` bounds).
    public mutating func apply(_ key: String, _ value: Int64) -> Bool {
        switch key {
        case "vm.overcommit_memory":
            guard let m = Mode(rawValue: Int(clamping: value)) else { return false }
            mode = m
        case "vm.overcommit_ratio":
            guard value >= 0 else { return false }
            ratio = UInt64(value); kbytes = 0
        case "vm.overcommit_kbytes":
            guard value >= 0 else { return false }
            kbytes = UInt64(value); ratio = 0
        case "vm.admin_reserve_kbytes":
            guard value >= 0 else { return false }
            adminReserveKbytes = UInt64(value)
        case "vm.user_reserve_kbytes":
            guard value >= 0 else { return false }
            userReserveKbytes = UInt64(value)
        case "cap_sys_admin":
            guard value == 0 || value == 1 else { return false }
            capSysAdmin = value == 1
        default: return false
        }
        return true
    }

    /// The values `key` accepts, for messages.
    static func range(_ key: String) -> String {
        switch key {
        case "vm.overcommit_memory": "0, 1 or 2"
        case "cap_sys_admin": "0 or 1"
        default: "≥ 0"
        }
    }
}

extension OvercommitPolicy {
    /// This machine's overcommit sysctls, read from `directory` (/proc/sys/vm): the mode, ratio,
    /// kbytes and both reserves; a file that cannot be read keeps its default.
    public static func host(directory: String = "/proc/sys/vm") -> OvercommitPolicy {
        func read(_ name: String) -> UInt64? {
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { return nil }
            return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var p = OvercommitPolicy()
        if let m = read("overcommit_memory").flatMap({ Mode(rawValue: Int($0)) }) { p.mode = m }
        if let r = read("overcommit_ratio") { p.ratio = r }
        if let k = read("overcommit_kbytes") { p.kbytes = k }
        p.adminReserveKbytes = read("admin_reserve_kbytes")
        p.userReserveKbytes = read("user_reserve_kbytes")
        return p
    }
}
