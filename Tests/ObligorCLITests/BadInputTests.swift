import Foundation
import Testing

/// Each bad input: exit code 1, a message naming the file, the line and the column, and the
/// workspace byte-for-byte unchanged (or not created at all).
@Suite(.serialized) struct BadInputTests {
    let header = "id,income,age,bad\n"

    func expectRejected(_ box: Sandbox, _ args: [String], mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = box.workspaceBytes()
        let r = try box.run(args)
        #expect(r.status == 1, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        for m in mentions { #expect(r.stderr.contains(m), "message lacks '\(m)': \(r.stderr)", sourceLocation: sourceLocation) }
        #expect(box.workspaceBytes() == before, "the workspace changed", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    /// A sandbox holding one good dataset, so "unchanged" is checked against a real workspace.
    func seeded() throws -> Sandbox {
        let box = Sandbox()
        let good = box.write("good.csv", header + "1,100,30,0\n2,200,40,1\n")
        #expect(try box.run(["data", "import", good, "--name", "good", "--target", "bad"]).status == 0)
        return box
    }

    @Test func raggedRow() throws {
        let box = try seeded()
        let f = box.write("ragged.csv", header + "1,100,30,0\n2,200,1\n3,300,50,0\n")
        try expectRejected(box, ["data", "import", f, "--name", "x", "--target", "bad"], mentions: ["ragged.csv", "line 3", "expected 4 fields"])
    }

    @Test func textInNumericColumn() throws {
        let box = try seeded()
        let f = box.write("text.csv", header + "1,100,30,0\n2,200,40,1\n3,abc,50,0\n4,400,60,1\n")
        try expectRejected(box, ["data", "import", f, "--name", "x", "--target", "bad"], mentions: ["text.csv", "line 4", "column 'income'", "'abc'"])
    }

    @Test func emptyFile() throws {
        let box = try seeded()
        let f = box.write("empty.csv", "")
        try expectRejected(box, ["data", "import", f, "--name", "x", "--target", "bad"], mentions: ["empty.csv", "empty"])
    }

    @Test func missingTargetColumn() throws {
        let box = try seeded()
        let f = box.write("notarget.csv", "id,income\n1,100\n")
        try expectRejected(box, ["data", "import", f, "--name", "x", "--target", "bad"], mentions: ["notarget.csv", "'bad'"])
    }

    @Test func nonBinaryTarget() throws {
        let box = try seeded()
        let f = box.write("nonbinary.csv", header + "1,100,30,0\n2,200,40,2\n")
        try expectRejected(box, ["data", "import", f, "--name", "x", "--target", "bad"], mentions: ["nonbinary.csv", "line 3", "column 'bad'", "'2'"])
    }

    @Test func nanAndInfinity() throws {
        let box = try seeded()
        let f = box.write("nan.csv", header + "1,100,30,0\n2,NaN,40,1\n")
        try expectRejected(box, ["data", "import", f, "--name", "x", "--target", "bad"], mentions: ["nan.csv", "line 3", "column 'income'", "finite"])
        let g = box.write("inf.csv", header + "1,100,30,0\n2,200,-inf,1\n")
        try expectRejected(box, ["data", "import", g, "--name", "x", "--target", "bad"], mentions: ["inf.csv", "line 3", "column 'age'"])
    }

    @Test func duplicateDatasetName() throws {
        let box = try seeded()
        let f = box.write("again.csv", header + "1,100,30,0\n2,200,40,1\n")
        try expectRejected(box, ["data", "import", f, "--name", "good", "--target", "bad"], mentions: ["'good'", "already exists"])
    }

    @Test func badFileDoesNotCreateAWorkspace() throws {
        let box = Sandbox()
        let f = box.write("ragged.csv", header + "1,100\n")
        try expectRejected(box, ["data", "import", f, "--name", "x"], mentions: ["ragged.csv", "line 2"])
        #expect(box.workspaceBytes() == nil)
    }

    @Test func unknownConfigKeyAndMissingModel() throws {
        let box = try seeded()
        let cfg = box.write("cfg.json", #"{"max_binz": 4}"#)
        try expectRejected(box, ["train", "--data", "good", "--model", "scorecard", "--name", "m", "--config", cfg], mentions: ["cfg.json", "max_binz"])
        try expectRejected(box, ["score", "--model", "nope", "--data", "good"], mentions: ["'nope'"])
    }
}
