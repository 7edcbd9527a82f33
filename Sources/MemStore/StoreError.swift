/// An error of the store, the query runner or the metrics diff, naming the file it concerns.
///
/// The description reads `FILE: MESSAGE`, where MESSAGE includes SQLite's own message for SQL
/// errors, so the command line can print it as is.
public struct StoreError: Error, CustomStringConvertible, Hashable, Sendable {
    /// The database or JSON file concerned.
    public var file: String
    /// What went wrong.
    public var message: String
    /// SQLite's result code when the error came from SQLite, else nil.
    public var sqliteCode: Int32?

    public init(file: String, message: String, sqliteCode: Int32? = nil) {
        self.file = file; self.message = message; self.sqliteCode = sqliteCode
    }

    public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
