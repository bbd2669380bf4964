import CMPI
import Foundation

/// The processes of one run: under `mpirun -np N drift …` the N ranks of Open MPI's
/// `MPI_COMM_WORLD`, otherwise a world of one that never touches MPI (plain `drift` needs no
/// launcher and starts no MPI runtime).
///
/// Only the calls Drift needs, all on the main thread (Drift's compute threads never call MPI):
/// gathering rows to rank 0, all-to-all and all-gather exchanges, broadcasting, a maximum, a barrier, abort.
/// Collective calls must be made by every rank in the same order.
public final class World: @unchecked Sendable {
    /// The world this process belongs to (MPI is initialized on first use under a launcher).
    public static let shared = World()

    /// This process's rank, 0 ..< size.
    public let rank: Int
    /// Number of processes.
    public let size: Int
    /// True when MPI was initialized (launched by mpirun); false for a world of one.
    public let usesMPI: Bool

    /// Rank 0 writes outputs, logs and progress.
    public var isRoot: Bool { rank == 0 }

    /// Whether this process was started by an MPI launcher (Open MPI or another PMIx-based one).
    public static var isLaunchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil || env["PMI_RANK"] != nil
    }

    init() {
        guard Self.isLaunchedByMPI else {
            (rank, size, usesMPI) = (0, 1, false)
            return
        }
        MPI_Init(nil, nil)
        var r: Int32 = 0, n: Int32 = 1
        MPI_Comm_rank(drift_MPI_COMM_WORLD(), &r)
        MPI_Comm_size(drift_MPI_COMM_WORLD(), &n)
        (rank, size, usesMPI) = (Int(r), Int(n), true)
        // Errors return codes instead of aborting inside the library, so Drift can say what failed.
        MPI_Comm_set_errhandler(drift_MPI_COMM_WORLD(), MPI_ERRORS_RETURN_HANDLE())
    }

    /// Ends MPI (call once, at exit).
    public func finalize() {
        if usesMPI { MPI_Finalize() }
    }

    /// Stops every rank at once (after one rank met an error the others cannot see).
    public func abort(_ code: Int32) -> Never {
        if usesMPI { MPI_Abort(drift_MPI_COMM_WORLD(), code) }
        exit(code)
    }

    /// The contiguous share of `count` items that rank `r` handles: the first `count % size`
    /// ranks get one more. Shares are in rank order, so concatenating them gives 0 ..< count.
    public func share(of count: Int, rank r: Int? = nil) -> Range<Int> {
        let r = r ?? rank
        let base = count / size, extra = count % size
        let lower = r * base + Swift.min(r, extra)
        return lower..<(lower + base + (r < extra ? 1 : 0))
    }

    /// This rank's items when `count` items run in batches of `batch`: a contiguous share of
    /// the batches one process would run (so every batch keeps its rows), as item indices.
    public func shareOfBatches(count: Int, batch: Int) -> Range<Int> {
        let batches = share(of: (count + batch - 1) / batch)
        return Swift.min(batches.lowerBound * batch, count)..<Swift.min(batches.upperBound * batch, count)
    }

    /// Gathers every rank's `values` on rank 0, in rank order (nil on the other ranks).
    public func gather(_ values: [Float]) throws -> [Float]? { try gather(values, type: drift_MPI_FLOAT()) }

    /// Gathers every rank's `values` on rank 0, in rank order (nil on the other ranks).
    public func gather(_ values: [Double]) throws -> [Double]? { try gather(values, type: drift_MPI_DOUBLE()) }

    /// Gathers every rank's `bytes` on rank 0 as one part per rank, in rank order (nil on the other ranks).
    public func gatherParts(_ bytes: [UInt8]) throws -> [[UInt8]]? {
        guard usesMPI, size > 1 else { return [bytes] }
        guard let (all, counts) = try gatherWithCounts(bytes, type: drift_MPI_BYTE()) else { return nil }
        var parts = [[UInt8]](), start = 0
        for c in counts {
            parts.append(Array(all[start..<(start + Int(c))]))
            start += Int(c)
        }
        return parts
    }

    private func gather<T: Numeric>(_ values: [T], type: MPI_Datatype) throws -> [T]? {
        guard usesMPI, size > 1 else { return values }
        return try gatherWithCounts(values, type: type)?.values
    }

    /// Every rank's `values` concatenated on rank 0, with each rank's count (nil on the other ranks).
    private func gatherWithCounts<T: Numeric>(_ values: [T], type: MPI_Datatype) throws -> (values: [T], counts: [Int64])? {
        var count = Int64(values.count)
        var counts = [Int64](repeating: 0, count: size)
        try check(MPI_Gather(&count, 1, drift_MPI_INT64(), &counts, 1, drift_MPI_INT64(), 0, drift_MPI_COMM_WORLD()), "gather of counts")
        guard counts.allSatisfy({ $0 <= Int64(Int32.max) }), counts.reduce(0, +) <= Int64(Int32.max) || !isRoot else {
            throw WorldError("gathering \(counts.reduce(0, +)) values exceeds MPI's 32-bit counts; use fewer samples per run")
        }
        let counts32 = counts.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for i in 1..<size { displacements[i] = displacements[i - 1] + counts32[i - 1] }
        var out = [T](repeating: 0, count: isRoot ? Int(counts.reduce(0, +)) : 0)
        try values.withUnsafeBufferPointer { send in
            try out.withUnsafeMutableBufferPointer { receive in
                try check(MPI_Gatherv(send.baseAddress, Int32(values.count), type, receive.baseAddress, counts32,
                                      displacements, type, 0, drift_MPI_COMM_WORLD()), "gather")
            }
        }
        return isRoot ? (out, counts) : nil
    }

    /// `parts[j]` sent to rank j, for every j (`parts.count == size`): returns the part every rank
    /// sent this one, in rank order, `counts[i]` floats from rank i (every rank knows what it will
    /// receive, so no counts travel). A pairwise exchange: in step s = 1 … size − 1 rank r sends to
    /// r + s and receives from r − s (`MPI_Sendrecv`), so each step pairs every rank with one
    /// sender and one receiver. A longer message than announced fails (MPI's truncation error).
    public func allToAll(_ parts: [[Float]], receiving counts: [Int]) throws -> [[Float]] {
        precondition(parts.count == size && counts.count == size, "World.allToAll: \(parts.count) parts and \(counts.count) counts for \(size) ranks")
        guard usesMPI, size > 1 else { return parts }
        try Self.checkCounts(parts.map(\.count) + counts)
        var received = [[Float]](repeating: [], count: size)
        received[rank] = parts[rank]
        for s in 1..<size {
            let to = (rank + s) % size, from = (rank - s + size) % size
            var incoming = [Float](repeating: 0, count: counts[from])
            try Self.address(of: parts[to]) { send in
                try Self.address(of: &incoming) { receive in
                    try check(MPI_Sendrecv(send, Int32(parts[to].count), drift_MPI_FLOAT(), Int32(to), 11,
                                           receive, Int32(counts[from]), drift_MPI_FLOAT(), Int32(from), 11,
                                           drift_MPI_COMM_WORLD(), nil), "all-to-all")
                }
            }
            received[from] = incoming
        }
        return received
    }

    /// Every rank's `values`, in rank order, on every rank, `counts[i]` floats from rank i (known to
    /// every rank; `MPI_Allgatherv`).
    public func allGather(_ values: [Float], counts: [Int]) throws -> [[Float]] {
        precondition(counts.count == size && counts[rank] == values.count, "World.allGather: \(values.count) values, counts \(counts)")
        guard usesMPI, size > 1 else { return [values] }
        try Self.checkCounts([counts.reduce(0, +)])
        let counts32 = counts.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for i in 1..<size { displacements[i] = displacements[i - 1] + counts32[i - 1] }
        var incoming = [Float](repeating: 0, count: counts.reduce(0, +))
        try Self.address(of: values) { send in
            try Self.address(of: &incoming) { receive in
                try check(MPI_Allgatherv(send, Int32(values.count), drift_MPI_FLOAT(), receive, counts32,
                                         displacements, drift_MPI_FLOAT(), drift_MPI_COMM_WORLD()), "all-gather")
            }
        }
        return (0..<size).map { Array(incoming[Int(displacements[$0])..<(Int(displacements[$0]) + counts[$0])]) }
    }

    /// Throws unless every count fits MPI's 32-bit counts.
    private static func checkCounts(_ counts: [Int]) throws {
        if let big = counts.first(where: { $0 > Int(Int32.max) }) {
            throw WorldError("exchanging \(big) values exceeds MPI's 32-bit counts")
        }
    }

    /// The address of `values`' storage (a valid one for an empty array too, which MPI may not take as nil).
    private static func address<R>(of values: [Float], _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var spare: Float = 0
            return try withUnsafePointer(to: &spare) { try body($0) }
        }
    }

    /// The address of `values`' storage, writable (a valid one for an empty array too).
    private static func address<R>(of values: inout [Float], _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var spare: Float = 0
            return try withUnsafeMutablePointer(to: &spare) { try body($0) }
        }
    }

    /// The largest of every rank's `value`, on every rank.
    public func maximum(_ value: Int) throws -> Int {
        guard usesMPI, size > 1 else { return value }
        var v = Int64(value), out: Int64 = 0
        try check(MPI_Allreduce(&v, &out, 1, drift_MPI_INT64(), drift_MPI_MAX(), drift_MPI_COMM_WORLD()), "maximum")
        return Int(out)
    }

    /// Rank 0's `values` on every rank (the count must agree everywhere).
    public func broadcast(_ values: inout [Double]) throws {
        guard usesMPI, size > 1 else { return }
        try values.withUnsafeMutableBufferPointer { buffer in
            try check(MPI_Bcast(buffer.baseAddress, Int32(buffer.count), drift_MPI_DOUBLE(), 0, drift_MPI_COMM_WORLD()), "broadcast")
        }
    }

    /// Waits for every rank.
    public func barrier() throws {
        guard usesMPI, size > 1 else { return }
        try check(MPI_Barrier(drift_MPI_COMM_WORLD()), "barrier")
    }

    /// Waits for every rank to reach this call, but at most `seconds` (a non-blocking barrier,
    /// polled): true when all arrived. For a failing command, so that rank 0's error line is
    /// written before any rank exits (mpirun stops the job at the first exit), without hanging
    /// when only some ranks failed.
    @discardableResult
    public func barrier(timeout seconds: Double) -> Bool {
        guard usesMPI, size > 1 else { return true }
        var request: MPI_Request? = nil
        guard MPI_Ibarrier(drift_MPI_COMM_WORLD(), &request) == drift_MPI_SUCCESS() else { return false }
        let deadline = Date().addingTimeInterval(seconds)
        var done: Int32 = 0
        while Date() < deadline {
            guard MPI_Test(&request, &done, nil) == drift_MPI_SUCCESS() else { return false }
            if done != 0 { return true }
            usleep(1_000)
        }
        return false
    }

    private func check(_ code: Int32, _ what: String) throws {
        guard code != drift_MPI_SUCCESS() else { return }
        var length: Int32 = 0
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        MPI_Error_string(code, &text, &length)
        throw WorldError("MPI \(what) failed on rank \(rank): \(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
    }
}

/// An MPI call that failed: one line.
public struct WorldError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
