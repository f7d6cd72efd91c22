"""Time llama.cpp (through the PyPI package llama-cpp-python) on a GGUF file: prompt processing and
greedy generation, the same token sequence and protocol as Sources/obligor-llm-bench.

Usage: python llamacpp_bench.py MODEL.gguf [--prompt-tokens 512] [--gen-tokens 64] [--threads 1] [--repeat 3]
Prints one JSON object (best of --repeat runs) on stdout, wall-clock and process-CPU times.
"""
import argparse
import json
import time

import numpy as np
import llama_cpp
from llama_cpp import Llama

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--prompt-tokens", type=int, default=512)
ap.add_argument("--gen-tokens", type=int, default=64)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--repeat", type=int, default=3)
a = ap.parse_args()

t0 = time.perf_counter()
llm = Llama(model_path=a.model, n_ctx=a.prompt_tokens + a.gen_tokens + 8, n_batch=512, n_ubatch=512,
            n_threads=a.threads, n_threads_batch=a.threads, logits_all=False, verbose=False)
load_s = time.perf_counter() - t0
V = llm.n_vocab()
prompt = [3 + (7919 * i + 13) % (V - 3) for i in range(a.prompt_tokens)]

best_prompt = best_gen = best_prompt_cpu = best_gen_cpu = float("inf")
generated = []
for _ in range(max(1, a.repeat)):
    llm.reset()
    t0, c0 = time.perf_counter(), time.process_time()
    llm.eval(prompt)
    t1, c1 = time.perf_counter(), time.process_time()
    out = []
    for _ in range(a.gen_tokens):
        # Without logits_all, Llama.eval keeps no scores: read the last token's logits from the context.
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(V,))
        nxt = int(np.argmax(logits))
        out.append(nxt)
        llm.eval([nxt])
    t2, c2 = time.perf_counter(), time.process_time()
    best_prompt_cpu = min(best_prompt_cpu, c1 - c0)
    best_gen_cpu = min(best_gen_cpu, c2 - c1)
    best_prompt = min(best_prompt, t1 - t0)
    best_gen = min(best_gen, t2 - t1)
    generated = out

print(json.dumps({
    "engine": "llama.cpp", "model": a.model, "n_vocab": V, "threads": a.threads,
    "prompt_tokens": a.prompt_tokens, "gen_tokens": a.gen_tokens, "load_s": load_s,
    "prompt_s": best_prompt, "gen_s": best_gen,
    "prompt_tok_per_s": a.prompt_tokens / best_prompt,
    "gen_tok_per_s": a.gen_tokens / best_gen if a.gen_tokens else 0,
    "prompt_cpu_s": best_prompt_cpu, "gen_cpu_s": best_gen_cpu,
    "prompt_tok_per_cpu_s": a.prompt_tokens / best_prompt_cpu,
    "gen_tok_per_cpu_s": a.gen_tokens / best_gen_cpu if a.gen_tokens else 0,
    "generated_head": generated[:8],
}, sort_keys=True))
