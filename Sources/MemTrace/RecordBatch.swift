/// A batch of events handed from a `TraceWriter` to its encoding thread, with the strings defined
/// among them: preallocated storage the writer fills through a pointer and the pipeline hands back
/// empty, so no event is copied into a growing array and no batch is allocated per hand-over.
final class RecordBatch {
    /// Room for `capacity` records; the first `count` are set.
    let records: UnsafeMutablePointer<TraceRecord>
    let capacity: Int
    /// Records set (the writer keeps its own count while filling and sets this at hand-over).
    var count = 0
    /// The strings, objects and stack nodes defined before record `position` of the batch, in
    /// definition order.
    var definitions: [(position: Int, definition: TraceDefinition)] = []

    /// An empty batch with room for `capacity` records.
    init(capacity: Int) {
        // Records are stored and overwritten without deinitialisation: they must hold no references.
        precondition(_isPOD(TraceRecord.self), "TraceRecord must be a plain value")
        self.capacity = max(capacity, 1)
        records = .allocate(capacity: self.capacity)
    }

    deinit { records.deallocate() }

    /// Empties the batch, keeping its storage.
    func clear() {
        count = 0
        definitions.removeAll(keepingCapacity: true)
    }
}
