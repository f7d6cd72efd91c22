import Foundation
import ObligorData
import ObligorModels
import Testing
@testable import ObligorRecourse

/// Bad input gets an error that names the constraint and the feature (issue 7): a feature not in the
/// data, a bound outside the data's type, an infeasible or contradictory joint constraint, bad rows.
@Suite("Action-set input errors")
struct ActionSetInputTests {
    static func frame() throws -> Frame {
        try Frame([.int("age", [30, 41, 25]), .int("has_card", [0, 1, 0]), .int("a0", [1, 0, 0]), .int("a1", [0, 1, 1]),
                   .double("income", [2.5, 3.1, 1.2])])
    }

    static func load(_ json: String) throws -> ActionSet { try ActionSet.load(data: Data(json.utf8)) }

    static func bindError(_ json: String) throws -> RecourseError? {
        do { _ = try BoundActionSet(try load(json), frame: frame()); return nil } catch let e as RecourseError { return e }
    }

    @Test func featureNotInData() throws {
        let e = try #require(try Self.bindError(#"{"features": [{"name": "salary", "actionable": true}]}"#))
        #expect(e.description.contains("'salary'") && e.description.contains("not a column of the data"))
    }

    @Test func constraintFeatureNotInData() throws {
        let e = try #require(try Self.bindError(#"""
            {"features": [{"name": "a0", "actionable": true}, {"name": "a1", "actionable": true}],
             "constraints": [{"type": "OneHotEncoding", "names": ["a0", "a1", "a2"]}]}
            """#))
        #expect(e.description.contains("constraints[0] OneHotEncoding(a0, a1, a2)") && e.description.contains("'a2'"))
    }

    @Test func boundOutsideType() throws {
        let e = try #require(try Self.bindError(#"{"features": [{"name": "has_card", "type": "bool", "actionable": true, "ub": 2}]}"#))
        #expect(e.description.contains("'has_card'") && e.description.contains("bool"))
        let f = try #require(try Self.bindError(#"{"features": [{"name": "age", "type": "int", "actionable": true, "lb": 18.5}]}"#))
        #expect(f.description.contains("'age'") && f.description.contains("not integers"))
        let g = try #require(try Self.bindError(#"{"features": [{"name": "income", "type": "int", "actionable": true}]}"#))
        #expect(g.description.contains("'income'") && g.description.contains("declared int"))
    }

    @Test func rowOutsideBounds() throws {
        let e = try #require(try Self.bindError(#"{"features": [{"name": "age", "actionable": true, "lb": 26, "ub": 60}]}"#))
        #expect(e == .infeasibleRow(row: 2, feature: "age", constraint: nil, message: "value 25 is outside the bounds [26, 60]"))
        #expect(e.description.hasPrefix("row 3, feature 'age'"))
    }

    @Test func infeasibleJointConstraintAtARow() throws {
        // Row 1 has a0 = 0 and a1 = 1; row 0 has a0 = 1, a1 = 0 → a thermometer encoding (a prefix of ones) fails at row 2.
        let e = try #require(try Self.bindError(#"""
            {"features": [{"name": "a0", "actionable": true}, {"name": "a1", "actionable": true}],
             "constraints": [{"type": "ThermometerEncoding", "names": ["a0", "a1"], "step_direction": 1}]}
            """#))
        guard case let .infeasibleRow(row, feature, constraint, _) = e else { Issue.record("\(e)"); return }
        #expect(row == 1 && feature == "a0" && constraint == "constraints[0] ThermometerEncoding(a0, a1)")
    }

    @Test func contradictoryConstraintsNamed() throws {
        let e = try #require(try Self.bindError(#"""
            {"features": [{"name": "a0", "actionable": true}, {"name": "a1", "actionable": true}, {"name": "has_card", "actionable": true}],
             "constraints": [{"type": "OneHotEncoding", "names": ["a0", "a1"], "limit": 1, "id": "product is one of a0/a1"},
                             {"type": "ReachabilityConstraint", "names": ["a0", "a1"], "values": [[0, 0], [1, 1]], "id": "both or neither"}]}
            """#))
        guard case let .contradictory(names, _) = e else { Issue.record("\(e)"); return }
        #expect(names == ["product is one of a0/a1", "both or neither"])
        #expect(e.description.contains("product is one of a0/a1") && e.description.contains("both or neither"))
    }

    @Test func linkageErrors() throws {
        let circular = try #require(try Self.bindError(#"""
            {"features": [{"name": "age", "actionable": true}, {"name": "has_card", "actionable": true}],
             "constraints": [{"type": "DirectionalLinkage", "source": "age", "targets": ["has_card"], "scales": [1]},
                             {"type": "DirectionalLinkage", "source": "has_card", "targets": ["age"], "scales": [1]}]}
            """#))
        #expect(circular.description.contains("constraints[1] DirectionalLinkage(has_card, age)") && circular.description.contains("circular"))
        let fractional = try #require(try Self.bindError(#"""
            {"features": [{"name": "has_card", "actionable": true}, {"name": "age", "actionable": false}],
             "constraints": [{"type": "DirectionalLinkage", "source": "has_card", "targets": ["age"], "scales": [0.5]}]}
            """#))
        #expect(fractional.description.contains("feature 'age'") && fractional.description.contains("whole number"))
        let immutableSource = try #require(try Self.bindError(#"""
            {"features": [{"name": "has_card", "actionable": false}, {"name": "age", "actionable": true}],
             "constraints": [{"type": "DirectionalLinkage", "source": "has_card", "targets": ["age"]}]}
            """#))
        #expect(immutableSource.description.contains("feature 'has_card'") && immutableSource.description.contains("must be actionable"))
    }

    @Test func encodingNeedsBoolFeatures() throws {
        let e = try #require(try Self.bindError(#"""
            {"features": [{"name": "age", "actionable": true}, {"name": "a1", "actionable": true}],
             "constraints": [{"type": "OneHotEncoding", "names": ["age", "a1"]}]}
            """#))
        #expect(e.description.contains("feature 'age'") && e.description.contains("must be a bool"))
    }

    @Test func malformedFiles() throws {
        #expect(throws: RecourseError.self) { _ = try ActionSet.load(data: Data("[1, 2]".utf8)) }
        #expect(throws: RecourseError.self) { _ = try ActionSet.load(data: Data(#"{"constraints": []}"#.utf8)) }
        let unknown = #"{"features": [{"name": "age"}], "constraints": [{"type": "Magic", "names": ["age"]}]}"#
        do { _ = try ActionSet.load(data: Data(unknown.utf8)); Issue.record("accepted an unknown constraint") } catch {
            #expect(error.description.contains("constraints[0] Magic") && error.description.contains("unknown constraint type"))
        }
        let sets = try fixtureData("german_actionsets.json")
        #expect(throws: RecourseError.unknownActionSet("nope", available: ["complex_1D", "complex_nD", "simple_1D"])) {
            _ = try ActionSet.load(data: sets, name: "nope")
        }
    }

    /// The user format round-trips: writing an action set and reading it back gives the same set.
    @Test func jsonRoundTrip() throws {
        let set = try ActionSet.load(data: fixtureData("german_actionsets.json"), name: "complex_nD")
        var again = try ActionSet.load(data: set.jsonData())
        again.name = set.name
        again.declaredPartition = set.declaredPartition
        #expect(again == set)
    }

    /// Features left out of the action set are immutable, and non-numeric immutable columns are fine.
    @Test func unlistedFeaturesAreImmutable() throws {
        var f = try Self.frame()
        try f.append(.categorical("region", ["n", "s", "n"]))
        let set = try Self.load(#"{"features": [{"name": "income", "actionable": true, "step_direction": 1, "step_ub": 1}]}"#)
        let space = try BoundActionSet(set, frame: f)
        #expect(space.parts.count == 1 && space.parts[0].isInterval)
        let model = try LogisticInterchange(target: "bad", features: ["income", "age"], intercept: 1, coefficients: [-0.5, 0.01], threshold: 0.5).model()
        var cache = ReachableSetCache(partCount: 1)
        let s = try RecourseVerifier(space: space, model: model, frame: f).verify(cache: &cache)
        // Linear in income: the best point is the interval end x + 1; recourse iff 1 − 0.5(x+1) + 0.01·age < 0.
        for r in s.rows where r.verdict != .approved {
            let x = f["income"]!.numericValue(at: r.row)!, age = f["age"]!.numericValue(at: r.row)!
            #expect((r.verdict == .recourse) == (1 - 0.5 * (x + 1) + 0.01 * age < 0))
        }
    }
}
