import ArgumentParser
import Foundation
import ObligorNumerics

/// `obligor`: score loans, evaluate and backtest PD models, audit them, from the command line.
///
/// The CLI is thin: it parses arguments, calls the modules, and prints. Human-readable tables and
/// progress go to stderr; `--json` prints one JSON object on stdout.
/// Exit codes: 0 ok, 1 bad input (message names file, line and column), 2 usage.
struct Obligor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obligor",
        abstract: "Credit-risk modelling: import loan data, train and score PD models, evaluate them.",
        discussion: """
        Conventions: y = 1 is default (bad); scores are PDs in (0, 1); higher PD is riskier.
        The workspace is ./obligor.sqlite unless --workspace or OBLIGOR_WORKSPACE says otherwise.
        Exit codes: 0 ok, 1 bad input, 2 usage.
        """,
        version: "obligor 0.1.0",
        subcommands: [DataCommand.self, TrainCommand.self, ScoreCommand.self, MergeCommand.self, EvaluateCommand.self, PortfolioCommand.self,
                      ExplainCommand.self, MetricsCommand.self, ModelCommand.self, AuditCommand.self, BacktestCommand.self,
                      RecourseCommand.self, CALMCommand.self])
}

@main
enum Main {
    static func main() {
        NumericsRuntime.prepare()
        // All parallelism is Swift-level with a fixed reduction order (Parallel); OpenBLAS stays
        // single-threaded so results never depend on the thread count.
        NumericsRuntime.blasThreads = 1
        do {
            var command = try Obligor.parseAsRoot()
            try command.run()
            exit(0)
        } catch {
            if let message = InputFailure.message(for: error) {
                FileHandle.standardError.write(Data("error: \(message)\n".utf8))
                exit(1)
            }
            let code = Obligor.exitCode(for: error)
            let text = Obligor.fullMessage(for: error)
            if code == .success {
                if !text.isEmpty { print(text) }
                exit(0)
            }
            FileHandle.standardError.write(Data((text + "\n").utf8))
            exit(code == .validationFailure ? 2 : Int32(code.rawValue == 64 ? 2 : 1))
        }
    }
}
