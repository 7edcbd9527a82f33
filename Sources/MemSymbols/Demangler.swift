import CDemangle
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("swift_demangle")
private func _swiftDemangle(_ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: UInt,
                            _ outputBuffer: UnsafeMutablePointer<CChar>?, _ outputBufferSize: UnsafeMutablePointer<UInt>?,
                            _ flags: UInt32) -> UnsafeMutablePointer<CChar>?

/// Turns linkage names into source names: C++ (Itanium, libstdc++'s `__cxa_demangle`), Rust
/// (legacy `_ZN…17h<hash>E` and v0 `_R…`), Swift (the runtime's `swift_demangle`).
public enum Demangler {
    /// The demangled name, or nil when `name` is not a mangled name this knows.
    public static func demangle(_ name: String) -> String? {
        if name.hasPrefix("_R") { return RustDemangler.demangleV0(name) }
        if name.hasPrefix("_ZN"), let rust = RustDemangler.demangleLegacy(name) { return rust }
        if name.hasPrefix("_Z") { return cxx(name) }
        if name.hasPrefix("$s") || name.hasPrefix("_$s") || name.hasPrefix("$S") || name.hasPrefix("_$S")
            || name.hasPrefix("_T0") || name.hasPrefix("$e") || name.hasPrefix("_$e") {
            return swift(name)
        }
        return nil
    }

    /// The demangled name, or `name` itself.
    public static func readable(_ name: String) -> String { demangle(name) ?? name }

    /// C++ through `__cxa_demangle` (parameters included, as `addr2line -C` prints them).
    public static func cxx(_ name: String) -> String? {
        var status: Int32 = 0
        guard let out = __cxa_demangle(name, nil, nil, &status) else { return nil }
        defer { free(out) }
        return status == 0 ? String(cString: out) : nil
    }

    /// Swift through the runtime linked into this process.
    public static func swift(_ name: String) -> String? {
        let utf8 = Array(name.utf8)
        let out = utf8.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                _swiftDemangle($0, UInt(utf8.count), nil, nil, 0)
            }
        }
        guard let out else { return nil }
        defer { free(out) }
        let s = String(cString: out)
        return s == name ? nil : s
    }
}
