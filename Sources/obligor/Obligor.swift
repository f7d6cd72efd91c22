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
        abstract: "Credit-risk models from raw loan files to a validation pack.",
        discussion: """
        The workflow: import, train, score, validate, report. A validation run, from raw files to a validation pack \
        (see README.md):
          obligor data import german.csv --name german --target bad --sensitive sex
          obligor data split german --test-fraction 0.3 --seed 7
          obligor train --data german-train --model scorecard --name card
          obligor evaluate --model card --data german-test --report eval.html
          obligor explain --model card --data german-test --top 4
          obligor audit --model card --data german-test --sensitive sex \\
              --privileged male --report audit.html
          obligor backtest --model M --data D --time vintage --report bt.html
          obligor recourse verify --model M --data D --actions actions.json
          obligor portfolio --model M --data D --report portfolio.html
          obligor model export card card.sql --format sql

        Conventions: y = 1 is default (bad); scores are PDs in (0, 1); higher PD is riskier. --data takes a \
        workspace dataset name or a CSV path. The workspace is ./obligor.sqlite unless --workspace or \
        OBLIGOR_WORKSPACE says otherwise. --json prints one JSON object on stdout; tables and progress go to stderr.

        Exit codes: 0 ok, 1 bad input (the message names the file, line and column), 2 usage.

        More: 'obligor help <command>', 'man docs/obligor.1', docs/reference.md.
        """,
        version: "obligor 0.1.0",
        subcommands: [DataCommand.self, TrainCommand.self, ScoreCommand.self, MergeCommand.self, EvaluateCommand.self, PortfolioCommand.self,
                      ExplainCommand.self, MetricsCommand.self, ModelCommand.self, AuditCommand.self, BacktestCommand.self,
                      RecourseCommand.self, CALMCommand.self, ReferenceCommand.self])
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
