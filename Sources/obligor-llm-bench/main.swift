// obligor-llm-bench: prompt-processing and generation speed of ObligorLlama on one GGUF file.
//
//   obligor-llm-bench MODEL.gguf [--prompt-tokens 512] [--gen-tokens 64] [--threads 1] [--repeat 3]
//
// The prompt is a fixed pseudo-random token sequence (token i = 3 + (7919·i + 13) mod (V − 3)), the
// same one bench/llm/llamacpp_bench.py feeds llama.cpp. Generation is greedy, token by token with the
// KV cache, never stopping at end-of-sequence. Prints one JSON object (best of --repeat runs) on stdout,
// with wall-clock and process-CPU times (the latter is the fair measure on a shared machine).
import Foundation
import ObligorLlama
import ObligorNumerics

/// CPU seconds used by the whole process (all threads): a fair clock on a machine shared with other jobs.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
guard let path = args.first, !path.hasPrefix("--") else {
    fail("usage: obligor-llm-bench MODEL.gguf [--prompt-tokens N] [--gen-tokens N] [--threads N] [--repeat N]")
}
args.removeFirst()
var options = ["--prompt-tokens": 512, "--gen-tokens": 64, "--threads": 1, "--repeat": 3]
while !args.isEmpty {
    let key = args.removeFirst()
    guard options[key] != nil, let v = args.first.flatMap({ Int($0) }), v >= 0 else { fail("bad option \(key)") }
    args.removeFirst()
    options[key] = v
}
let promptCount = options["--prompt-tokens"]!, genCount = options["--gen-tokens"]!
// The engine's own threads (Parallel); OpenBLAS single-threaded, as in the CLI.
NumericsRuntime.blasThreads = 1
Parallel.threads = max(1, options["--threads"]!)

let loadStart = Date()
let model: LlamaModel
do { model = try LlamaModel(path: path) } catch { fail("\(error)") }
let loadSeconds = Date().timeIntervalSince(loadStart)
let V = model.vocabularySize
let prompt = (0..<promptCount).map { Int32(3 + (7919 * $0 + 13) % (V - 3)) }

var bestPrompt = Double.infinity, bestGen = Double.infinity, bestPromptCPU = Double.infinity, bestGenCPU = Double.infinity
var generated: [Int32] = []
for _ in 0..<max(1, options["--repeat"]!) {
    let session = model.makeSession(capacity: promptCount + genCount)
    do {
        let t0 = Date(), c0 = cpuSeconds()
        var logits = try session.evaluate(prompt)
        let t1 = Date(), c1 = cpuSeconds()
        var out: [Int32] = []
        for _ in 0..<genCount {
            let next = LlamaModel.argmax(logits)
            out.append(next)
            logits = try session.evaluate([next])
        }
        let t2 = Date(), c2 = cpuSeconds()
        bestPromptCPU = min(bestPromptCPU, c1 - c0)
        bestGenCPU = min(bestGenCPU, c2 - c1)
        bestPrompt = min(bestPrompt, t1.timeIntervalSince(t0))
        bestGen = min(bestGen, t2.timeIntervalSince(t1))
        generated = out
    } catch { fail("\(error)") }
}
let hp = model.hyperparameters
// Peak resident set of the whole run (kilobytes on Linux): the mapped weights that were touched plus
// whatever the engine allocated (float32 copies of F16 weights, KV cache, scratch).
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let maxRSSMB = Double(usage.ru_maxrss) / 1024
let result: [String: Any] = [
    "engine": "obligor", "model": path, "n_vocab": V, "n_embd": hp.embeddingLength, "n_layer": hp.layerCount,
    "n_ff": hp.feedForwardLength, "n_head": hp.headCount, "n_head_kv": hp.kvHeadCount,
    "threads": Parallel.threads, "prompt_tokens": promptCount, "gen_tokens": genCount,
    "load_s": loadSeconds, "max_rss_mb": maxRSSMB, "prompt_s": bestPrompt, "gen_s": bestGen,
    "prompt_tok_per_s": Double(promptCount) / bestPrompt, "gen_tok_per_s": genCount > 0 ? Double(genCount) / bestGen : 0,
    "prompt_cpu_s": bestPromptCPU, "gen_cpu_s": bestGenCPU,
    "prompt_tok_per_cpu_s": Double(promptCount) / bestPromptCPU, "gen_tok_per_cpu_s": genCount > 0 ? Double(genCount) / bestGenCPU : 0,
    "generated_head": generated.prefix(8).map { Int($0) },
]
let json = try! JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
