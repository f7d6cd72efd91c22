import ObligorLLM

/// `obligor calm score --model FILE.gguf`: the in-process engine (``EmbeddedScorer`` over ObligorLlama),
/// set up for `dataset`: every variant of its two answer words is returned with exact probability, and
/// the chat-wrapped instruction shared by all its prompts is evaluated once and cached.
func makeEmbeddedScorer(path: String, dataset: CALMDataset) throws -> any FirstTokenScorer {
    let scorer: EmbeddedScorer
    do { scorer = try EmbeddedScorer(path: path) } catch { throw InputError("--model \(path): \(error)") }
    scorer.labelWords = Set(dataset.choices)
    scorer.sharedPrefix = CALMRecord.chatPrefix + dataset.instruction
    return scorer
}
