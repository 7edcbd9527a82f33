/// How `SQLiteStore` hands its rows over: appended to the pending `RowBatch`, which goes to the
/// writer thread (or, without one, straight to the `BatchWriter`) every `batchRows` rows.
extension SQLiteStore {
    /// Appends one row to `table`: `fill` puts its columns in parameter order.
    @inline(__always)
    func add(_ table: StoreTable, _ fill: (inout TableRows) -> Void) {
        fill(&pending.tables[table.rawValue])
        pending.tables[table.rawValue].count += 1
        pending.rowCount += 1
    }

    /// Hands the pending rows over once there are `batchRows` of them.
    @inline(__always)
    func flushIfFull() throws {
        if pending.rowCount >= SQLiteStore.batchRows { try flush() }
    }

    /// Hands the pending rows over now: to the writer thread (started on first use), or written
    /// here. Throws the writer's error, if it had one.
    func flush() throws {
        guard pending.rowCount > 0 else { return }
        if usesWriterThread && queue == nil { queue = writer.start(capacity: SQLiteStore.queuedBatches) }
        guard let queue else {
            try writer.write(pending)
            pending.removeAll()
            return
        }
        if let error = queue.error { throw error }
        var next = queue.takeSpare() ?? RowBatch()
        swap(&next, &pending)
        queue.push(next)
    }

    /// Writes every pending row and waits for the writer thread to end, so the connection is the
    /// caller's again; throws the writer's error, if it had one.
    func drainWriter() throws {
        try flush()
        guard queue != nil else { return }
        queue = nil
        if let error = writer.stop() { throw error }
    }
}
