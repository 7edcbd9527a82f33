import MemTrace

/// The file mappings of OpenJDK 17.0.15's `java` on this machine (Debian 12), from
/// /proc/PID/maps of a running `java -Xmx256m`: the launcher, libjvm.so, libc and the other
/// libraries with their .bss, the `modules` jimage and locale files, as offsets below the
/// highest library end. The JVM's own anonymous mappings are synthesized, not listed here.
enum JVMImage {
    static let executable = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"
    /// (start below the top, end below the top, permissions, file offset, device, inode, path)
    static let libraries: [(UInt64, UInt64, String, UInt64, String, UInt64, String)] = [
        (0x1079c000, 0x8cea000, "r--s", 0x0, "fe:00", 322023, "/usr/lib/jvm/java-17-openjdk-amd64/lib/modules"),
        (0x30f4000, 0x30ef000, "r--p", 0x0, "fe:00", 322007, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsvml.so"),
        (0x30ef000, 0x30ae000, "r-xp", 0x5000, "fe:00", 322007, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsvml.so"),
        (0x30ae000, 0x3025000, "r--p", 0x46000, "fe:00", 322007, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsvml.so"),
        (0x3025000, 0x3024000, "r--p", 0xce000, "fe:00", 322007, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsvml.so"),
        (0x3024000, 0x3023000, "rw-p", 0xcf000, "fe:00", 322007, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjsvml.so"),
        (0x3023000, 0x2fa2000, "rw-p", 0x0, "00:00", 0, ""),
        (0x1b9c000, 0x1b03000, "r--p", 0x0, "fe:00", 333671, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        (0x1b03000, 0x1a02000, "r-xp", 0x99000, "fe:00", 333671, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        (0x1a02000, 0x1993000, "r--p", 0x19a000, "fe:00", 333671, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        (0x1993000, 0x1988000, "r--p", 0x209000, "fe:00", 333671, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        (0x1988000, 0x1985000, "rw-p", 0x214000, "fe:00", 333671, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        (0x1985000, 0x1982000, "rw-p", 0x0, "00:00", 0, ""),
        (0x1975000, 0x191e000, "r--p", 0x0, "fe:00", 323409, "/usr/lib/locale/C.utf8/LC_CTYPE"),
        (0x191e000, 0x191d000, "r--p", 0x0, "fe:00", 323416, "/usr/lib/locale/C.utf8/LC_NUMERIC"),
        (0x191d000, 0x191c000, "r--p", 0x0, "fe:00", 323419, "/usr/lib/locale/C.utf8/LC_TIME"),
        (0x191c000, 0x189c000, "rw-p", 0x0, "00:00", 0, ""),
        (0x179c000, 0x154b000, "r--p", 0x0, "fe:00", 322035, "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"),
        (0x154b000, 0x7f8000, "r-xp", 0x251000, "fe:00", 322035, "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"),
        (0x7f8000, 0x577000, "r--p", 0xfa4000, "fe:00", 322035, "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"),
        (0x577000, 0x4bf000, "r--p", 0x1225000, "fe:00", 322035, "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"),
        (0x4bf000, 0x48a000, "rw-p", 0x12dd000, "fe:00", 322035, "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"),
        (0x48a000, 0x430000, "rw-p", 0x0, "00:00", 0, ""),
        (0x430000, 0x42f000, "r--p", 0x0, "fe:00", 323408, "/usr/lib/locale/C.utf8/LC_COLLATE"),
        (0x42f000, 0x42e000, "r--p", 0x0, "fe:00", 323414, "/usr/lib/locale/C.utf8/LC_MONETARY"),
        (0x42e000, 0x42d000, "r--p", 0x0, "fe:00", 323413, "/usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES"),
        (0x42d000, 0x42c000, "r--p", 0x0, "fe:00", 323417, "/usr/lib/locale/C.utf8/LC_PAPER"),
        (0x42c000, 0x42b000, "r--p", 0x0, "fe:00", 323415, "/usr/lib/locale/C.utf8/LC_NAME"),
        (0x42b000, 0x42a000, "r--p", 0x0, "fe:00", 323407, "/usr/lib/locale/C.utf8/LC_ADDRESS"),
        (0x42a000, 0x429000, "r--p", 0x0, "fe:00", 323418, "/usr/lib/locale/C.utf8/LC_TELEPHONE"),
        (0x429000, 0x428000, "r--p", 0x0, "fe:00", 323411, "/usr/lib/locale/C.utf8/LC_MEASUREMENT"),
        (0x428000, 0x421000, "r--s", 0x0, "fe:00", 332619, "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"),
        (0x421000, 0x398000, "rw-p", 0x0, "00:00", 0, ""),
        (0x38c000, 0x380000, "r--p", 0x0, "fe:00", 321999, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so"),
        (0x380000, 0x36f000, "r-xp", 0xc000, "fe:00", 321999, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so"),
        (0x36f000, 0x369000, "r--p", 0x1d000, "fe:00", 321999, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so"),
        (0x369000, 0x368000, "r--p", 0x22000, "fe:00", 321999, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so"),
        (0x368000, 0x367000, "rw-p", 0x23000, "fe:00", 321999, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so"),
        (0x367000, 0x366000, "rw-p", 0x0, "00:00", 0, ""),
        (0x35c000, 0x359000, "r--p", 0x0, "fe:00", 333296, "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"),
        (0x359000, 0x342000, "r-xp", 0x3000, "fe:00", 333296, "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"),
        (0x342000, 0x33e000, "r--p", 0x1a000, "fe:00", 333296, "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"),
        (0x33e000, 0x33d000, "r--p", 0x1d000, "fe:00", 333296, "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"),
        (0x33d000, 0x33c000, "rw-p", 0x1e000, "fe:00", 333296, "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"),
        (0x33c000, 0x32c000, "r--p", 0x0, "fe:00", 333473, "/usr/lib/x86_64-linux-gnu/libm.so.6"),
        (0x32c000, 0x2b8000, "r-xp", 0x10000, "fe:00", 333473, "/usr/lib/x86_64-linux-gnu/libm.so.6"),
        (0x2b8000, 0x25e000, "r--p", 0x84000, "fe:00", 333473, "/usr/lib/x86_64-linux-gnu/libm.so.6"),
        (0x25e000, 0x25d000, "r--p", 0xdd000, "fe:00", 333473, "/usr/lib/x86_64-linux-gnu/libm.so.6"),
        (0x25d000, 0x25c000, "rw-p", 0xde000, "fe:00", 333473, "/usr/lib/x86_64-linux-gnu/libm.so.6"),
        (0x25c000, 0x25a000, "rw-p", 0x0, "00:00", 0, ""),
        (0x25a000, 0x234000, "r--p", 0x0, "fe:00", 333151, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        (0x234000, 0xde000, "r-xp", 0x26000, "fe:00", 333151, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        (0xde000, 0x8b000, "r--p", 0x17c000, "fe:00", 333151, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        (0x8b000, 0x87000, "r--p", 0x1cf000, "fe:00", 333151, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        (0x87000, 0x85000, "rw-p", 0x1d3000, "fe:00", 333151, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
        (0x85000, 0x78000, "rw-p", 0x0, "00:00", 0, ""),
        (0x78000, 0x76000, "r--p", 0x0, "fe:00", 322004, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so"),
        (0x76000, 0x6d000, "r-xp", 0x2000, "fe:00", 322004, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so"),
        (0x6d000, 0x6a000, "r--p", 0xb000, "fe:00", 322004, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so"),
        (0x6a000, 0x69000, "r--p", 0xd000, "fe:00", 322004, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so"),
        (0x69000, 0x68000, "rw-p", 0xe000, "fe:00", 322004, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so"),
        (0x68000, 0x65000, "r--p", 0x0, "fe:00", 333838, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"),
        (0x65000, 0x52000, "r-xp", 0x3000, "fe:00", 333838, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"),
        (0x52000, 0x4b000, "r--p", 0x16000, "fe:00", 333838, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"),
        (0x4b000, 0x4a000, "r--p", 0x1c000, "fe:00", 333838, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"),
        (0x4a000, 0x49000, "rw-p", 0x1d000, "fe:00", 333838, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"),
        (0x49000, 0x48000, "r--p", 0x0, "fe:00", 323410, "/usr/lib/locale/C.utf8/LC_IDENTIFICATION"),
        (0x47000, 0x45000, "r--p", 0x0, "fe:00", 322003, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjimage.so"),
        (0x45000, 0x42000, "r-xp", 0x2000, "fe:00", 322003, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjimage.so"),
        (0x42000, 0x41000, "r--p", 0x5000, "fe:00", 322003, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjimage.so"),
        (0x41000, 0x40000, "r--p", 0x6000, "fe:00", 322003, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjimage.so"),
        (0x40000, 0x3f000, "rw-p", 0x7000, "fe:00", 322003, "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjimage.so"),
        (0x3f000, 0x3d000, "rw-p", 0x0, "00:00", 0, ""),
        (0x35000, 0x34000, "r--p", 0x0, "fe:00", 332717, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        (0x34000, 0xe000, "r-xp", 0x1000, "fe:00", 332717, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        (0xe000, 0x4000, "r--p", 0x27000, "fe:00", 332717, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        (0x4000, 0x2000, "r--p", 0x31000, "fe:00", 332717, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        (0x2000, 0x0, "rw-p", 0x33000, "fe:00", 332717, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
    ]
    /// The launcher's own image, as offsets from its load address.
    static let launcher: [(UInt64, UInt64, String, UInt64, String, UInt64)] = [
        (0x0, 0x1000, "r--p", 0x0, "fe:00", 321676),
        (0x1000, 0x2000, "r-xp", 0x1000, "fe:00", 321676),
        (0x2000, 0x3000, "r--p", 0x2000, "fe:00", 321676),
        (0x3000, 0x4000, "r--p", 0x2000, "fe:00", 321676),
        (0x4000, 0x5000, "rw-p", 0x3000, "fe:00", 321676),
    ]

    /// Highest library end: where `ld.so` put the last library (as gdb's no-ASLR layout).
    static let libraryTop: UInt64 = 0x7fff_f7fc_0000
    static let launcherBase: UInt64 = 0x55_5555_4000

    /// The initial address space: launcher, `[heap]` (empty: the break starts after the image),
    /// libraries and `[stack]`.
    static func regions() -> [MappedRegion] {
        var r: [MappedRegion] = launcher.map {
            MappedRegion(start: launcherBase + $0.0, end: launcherBase + $0.1, permissions: $0.2, offset: $0.3,
                         device: $0.4, inode: $0.5, path: executable)
        }
        for l in libraries.reversed() {
            r.append(MappedRegion(start: libraryTop - l.0, end: libraryTop - l.1, permissions: l.2, offset: l.3,
                                  device: l.4, inode: l.5, path: l.6))
        }
        r.append(MappedRegion(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, permissions: "rw-p", path: "[stack]"))
        return r
    }

    /// The lowest library address: the JVM's own mappings go below it, top-down.
    static var lowestLibrary: UInt64 { libraryTop - (libraries.map { $0.0 }.max() ?? 0) }
    /// The first address after the launcher's image: the break starts here.
    static var breakStart: UInt64 { launcherBase + (launcher.map { $0.1 }.max() ?? 0) }
}
