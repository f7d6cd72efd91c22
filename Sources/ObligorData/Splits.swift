import ObligorNumerics

/// Row splits for model development. All return sorted row indices.
public enum Splits {
    /// A train/test partition of row indices.
    public struct Partition: Sendable, Equatable {
        public let train: [Int]
        public let test: [Int]
        /// Rows in neither part (for example a missing time value).
        public let excluded: [Int]
    }

    /// Stratified random split: within each class of `labels`, `round(testFraction · count)` rows go to test.
    ///
    /// Each class is shuffled with its own seeded stream (``RandomSource/split(_:)``), so the result
    /// depends only on the labels and the seed.
    /// - Precondition: 0 ≤ testFraction ≤ 1.
    public static func stratified(labels: [Int], testFraction: Double, seed: UInt64) -> Partition {
        precondition(testFraction >= 0 && testFraction <= 1, "testFraction must be in [0, 1]")
        let root = RandomSource(seed: seed)
        var train: [Int] = []
        var test: [Int] = []
        let classes = Set(labels).sorted()
        for (k, cls) in classes.enumerated() {
            var rows = labels.indices.filter { labels[$0] == cls }
            root.split(UInt64(k)).shuffle(&rows)
            let nTest = Int((testFraction * Double(rows.count)).rounded())
            test += rows[0..<nTest]
            train += rows[nTest...]
        }
        return Partition(train: train.sorted(), test: test.sorted(), excluded: [])
    }

    /// Out-of-time split: rows whose `time` is ≤ `trainUntil` train, later rows test.
    ///
    /// Numeric time columns compare as numbers (e.g. 2007, 200712, 2007.5). Text time columns
    /// compare as strings, which orders ISO dates (`2007-06-30`), months (`2007-06`) and quarters
    /// (`2007Q3`) correctly. Rows with a missing time are excluded and listed.
    /// - Throws: ``FrameError`` when the column does not exist.
    public static func byTime(_ frame: Frame, timeColumn: String, trainUntil: String) throws(FrameError) -> Partition {
        let c = try frame.column(timeColumn)
        var train: [Int] = []
        var test: [Int] = []
        var excluded: [Int] = []
        let cutNumber = Double(trainUntil)
        for i in 0..<c.count {
            if c.missing[i] { excluded.append(i); continue }
            let early: Bool
            if c.isNumeric, let cut = cutNumber, let v = c.numericValue(at: i) {
                early = v <= cut
            } else {
                early = (c.text(at: i) ?? "") <= trainUntil
            }
            if early { train.append(i) } else { test.append(i) }
        }
        return Partition(train: train, test: test, excluded: excluded)
    }
}
