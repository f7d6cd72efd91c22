import ObligorLLM

/// The hook for `obligor calm score --model FILE.gguf`: returns a ``FirstTokenScorer`` running the GGUF
/// model in-process (module ObligorLlama). This build has no embedded engine; the lead replaces this file
/// when the engine is linked in.
func makeEmbeddedScorer(path: String) throws -> any FirstTokenScorer {
    throw InputError("--model \(path): embedded engine not linked in this build; serve the model and pass --server URL --api llama|llama-chat|openai|ollama")
}
