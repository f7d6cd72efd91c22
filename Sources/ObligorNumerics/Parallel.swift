import CBLAS
import Dispatch
import Foundation

/// Deterministic data parallelism: work is cut into chunks whose boundaries depend only on the
/// data size (never on the thread count), chunks run on up to ``Parallel/threads`` threads, and
/// results come back in chunk order. Reductions that sum chunk results in that order are therefore
/// bit-identical for any thread count.
///
/// Call BLAS from inside chunks with OpenBLAS single-threaded (``NumericsRuntime/blasThreads`` = 1):
/// the parallelism lives here, where its order is fixed.
public enum Parallel {
    private final class Setting: @unchecked Sendable {
        let lock = NSLock()
        var value = max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
    private static let setting = Setting()

    /// Worker threads for ``map(_:_:)`` (default: all cores). Results never depend on it.
    public static var threads: Int {
        get { setting.lock.lock(); defer { setting.lock.unlock() }; return setting.value }
        set { setting.lock.lock(); setting.value = max(1, newValue); setting.lock.unlock() }
    }

    /// Fixed-size chunks covering 0..<count.
    public static func chunks(count: Int, size: Int) -> [Range<Int>] {
        precondition(size > 0, "chunk size must be positive")
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }

    /// `body(i)` for i in 0..<count, on up to ``threads`` threads; results in index order.
    public static func map<T>(_ count: Int, _ body: (Int) throws -> T) rethrows -> [T] {
        let workers = min(threads, count)
        if workers <= 1 { return try (0..<count).map(body) }
        return try withoutActuallyEscaping(body) { body in
            let results = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: count)
            results.initialize(repeating: nil)
            defer { results.deinitialize(); results.deallocate() }
            nonisolated(unsafe) let out = results
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < count {
                    out[i] = Result { try work(i) }
                    i += workers
                }
            }
            return try results.map { try $0!.get() }
        }
    }
}

extension Matrix {
    /// Rows per chunk in the deterministic reductions below.
    public static let reductionChunkRows = 16_384

    /// `Aᵀ diag(w) A`, summed over fixed row chunks in order: bit-identical for any thread count.
    ///
    /// Each chunk scales its rows by √wᵢ into a chunk-sized scratch buffer and calls `dsyrk`; the
    /// design itself is never copied.
    public func chunkedWeightedGram(_ weights: [Double]) throws(LinearAlgebraError) -> Matrix {
        guard weights.count == rows else {
            throw .dimensionMismatch(operation: "chunkedWeightedGram", detail: "\(weights.count) weights for \(rows) rows")
        }
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else { throw .nonFinite(operation: "chunkedWeightedGram") }
        let p = columns
        let ranges = Parallel.chunks(count: rows, size: Self.reductionChunkRows)
        let parts: [[Double]] = storage.withUnsafeBufferPointer { a in
            nonisolated(unsafe) let a = a
            return Parallel.map(ranges.count) { k in
                let r = ranges[k]
                var scaled = [Double](repeating: 0, count: r.count * p)
                var gram = [Double](repeating: 0, count: p * p)
                scaled.withUnsafeMutableBufferPointer { sp in
                    for (local, i) in r.enumerated() {
                        let sw = weights[i].squareRoot()
                        for j in 0..<p { sp[local * p + j] = a[i * p + j] * sw }
                    }
                    gram.withUnsafeMutableBufferPointer { gp in
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(r.count), 1,
                                    sp.baseAddress, Int32(p), 0, gp.baseAddress, Int32(p))
                    }
                }
                return gram
            }
        }
        var total = Matrix(rows: p, columns: p)
        for g in parts { for i in 0..<(p * p) { total.storage[i] += g[i] } }
        for i in 0..<p { for j in 0..<i { total.storage[i * p + j] = total.storage[j * p + i] } }
        return total
    }

    /// `Aᵀ v`, summed over fixed row chunks in order: bit-identical for any thread count.
    public func chunkedTransposeProduct(_ v: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard v.count == rows else {
            throw .dimensionMismatch(operation: "chunkedTransposeProduct", detail: "vector has \(v.count) elements, matrix \(rows) rows")
        }
        let p = columns
        let ranges = Parallel.chunks(count: rows, size: Self.reductionChunkRows)
        let parts: [[Double]] = storage.withUnsafeBufferPointer { a in
            v.withUnsafeBufferPointer { vp in
                nonisolated(unsafe) let a = a
                nonisolated(unsafe) let vp = vp
                return Parallel.map(ranges.count) { k in
                    let r = ranges[k]
                    var out = [Double](repeating: 0, count: p)
                    out.withUnsafeMutableBufferPointer { op in
                        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(r.count), Int32(p), 1, a.baseAddress! + r.lowerBound * p, Int32(p),
                                    vp.baseAddress! + r.lowerBound, 1, 0, op.baseAddress, 1)
                    }
                    return out
                }
            }
        }
        var total = [Double](repeating: 0, count: p)
        for part in parts { for j in 0..<p { total[j] += part[j] } }
        return total
    }

    /// `A x` computed row by row in a fixed order (each row's dot product does not depend on the
    /// chunking or the thread count).
    public func rowDotProducts(_ x: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard x.count == columns else {
            throw .dimensionMismatch(operation: "rowDotProducts", detail: "matrix has \(columns) columns, x has \(x.count)")
        }
        let ranges = Parallel.chunks(count: rows, size: Self.reductionChunkRows)
        let c = columns
        let parts: [[Double]] = storage.withUnsafeBufferPointer { s in
            nonisolated(unsafe) let s = s
            return Parallel.map(ranges.count) { k in
                ranges[k].map { i in
                    var acc = 0.0
                    for j in 0..<c { acc += s[i * c + j] * x[j] }
                    return acc
                }
            }
        }
        return parts.flatMap { $0 }
    }
}
