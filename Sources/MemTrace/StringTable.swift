/// The strings a trace defines, by `StringID` (ids are dense and start at 1).
public struct StringTable: Hashable, Sendable {
    private var texts: [String] = []

    public init() {}

    /// The number of strings defined so far; the last id defined is `StringID(count)`.
    public var count: Int { texts.count }

    /// The text of `id`, or nil for `.none` and ids not (yet) defined.
    public subscript(id: StringID) -> String? {
        let i = Int(id.rawValue)
        return i >= 1 && i <= texts.count ? texts[i - 1] : nil
    }

    /// Every defined string with its id, in id order.
    public var entries: [(id: StringID, text: String)] {
        texts.enumerated().map { (StringID(UInt32($0.offset + 1)), $0.element) }
    }

    /// Defines the next id (`count + 1`) as `text` and returns it.
    @discardableResult
    mutating func append(_ text: String) -> StringID {
        texts.append(text)
        return StringID(UInt32(texts.count))
    }
}
