/// A malformed or unreadable object file: names the file, the section and the byte offset.
public struct SymbolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file read (the object itself or its debuginfo file).
    public var file: String
    /// The section (`.debug_info`, `ELF header`, …) the bad bytes were found in.
    public var section: String
    /// The offset within that section (for the ELF header and tables: within the file).
    public var offset: Int
    /// What was expected there.
    public var message: String

    public init(file: String, section: String, offset: Int, _ message: String) {
        self.file = file
        self.section = section
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(file): \(section) at offset \(offset): \(message)" }
}
