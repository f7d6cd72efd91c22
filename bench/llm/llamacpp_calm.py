"""Time llama.cpp (PyPI llama-cpp-python) on the CALM records `obligor calm prompts` wrote: each record's
chat-wrapped prompt ("Human: \\n" + query + "\\n\\nAssistant: \\n") is tokenised with BOS, evaluated from an
empty cache, and its next-token distribution read, as a llama-server /completion with cache_prompt false does.

Usage: python llamacpp_calm.py MODEL.gguf RECORDS.jsonl [--threads 1] [--limit N]
Prints one JSON object: records, prompt tokens, wall and process-CPU seconds, records/s, and P(good) per record.
"""
import argparse
import json
import math
import time

import numpy as np
import llama_cpp
from llama_cpp import Llama

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("records")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--limit", type=int, default=0)
a = ap.parse_args()

records = [json.loads(line) for line in open(a.records, encoding="utf-8")]
if a.limit:
    records = records[: a.limit]
prompts = ["Human: \n" + r["query"] + "\n\nAssistant: \n" for r in records]
llm = Llama(model_path=a.model, n_ctx=4096, n_batch=512, n_ubatch=512, n_threads=a.threads,
            n_threads_batch=a.threads, logits_all=False, verbose=False)
V = llm.n_vocab()
pieces = [llm.detokenize([i]).decode("utf-8", "replace").replace("\u2581", " ").strip().lower() for i in range(V)]
good = [i for i, p in enumerate(pieces) if p == "good"]
bad = [i for i, p in enumerate(pieces) if p == "bad"]

tokens = 0
p_good = []
t0, c0 = time.perf_counter(), time.process_time()
for prompt in prompts:
    ids = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
    tokens += len(ids)
    llm.reset()
    llm.eval(ids)
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(V,)).astype(np.float64)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    g, b = float(p[good].sum()), float(p[bad].sum())
    p_good.append(g / (g + b) if g + b > 0 else None)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"engine": "llama.cpp", "records": len(prompts), "prompt_tokens": tokens, "wall_s": wall,
                  "cpu_s": cpu, "records_per_s": len(prompts) / wall, "p_good": p_good}, sort_keys=True))
