"""Write a random-weight Llama-architecture GGUF of a chosen size, for speed benchmarks.

Usage: python make_random_llama.py OUT.gguf [--n-vocab 32000] [--n-embd 768] [--n-layer 8]
       [--n-head 12] [--n-head-kv 12] [--n-ff 2048] [--ctx 2048] [--type f32|f16|q8_0|q4_0] [--seed 0]

Needs the PyPI packages `gguf` and `numpy`. The vocabulary is a SentencePiece ("llama") vocabulary:
<unk>, <s>, </s>, the 256 byte tokens, then filler pieces up to --n-vocab. The weights are N(0, 0.02²)
(the output head N(0, 1)), so the numbers mean nothing; only the shapes and the arithmetic matter.
"""
import argparse

import gguf
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--n-vocab", type=int, default=32000)
ap.add_argument("--n-embd", type=int, default=768)
ap.add_argument("--n-layer", type=int, default=8)
ap.add_argument("--n-head", type=int, default=12)
ap.add_argument("--n-head-kv", type=int, default=None)
ap.add_argument("--n-ff", type=int, default=2048)
ap.add_argument("--ctx", type=int, default=2048)
ap.add_argument("--type", choices=["f32", "f16", "q8_0", "q4_0"], default="f32")
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()
kv_heads = a.n_head_kv or a.n_head
assert a.n_embd % a.n_head == 0 and a.n_head % kv_heads == 0
head_dim = a.n_embd // a.n_head
rng = np.random.default_rng(a.seed)

pieces = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
kinds = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL] + [gguf.TokenType.BYTE] * 256
n = 0
while len(pieces) < a.n_vocab:
    pieces.append(f"\u2581w{n}")
    kinds.append(gguf.TokenType.NORMAL)
    n += 1
scores = [0.0] * 259 + [-float(i) for i in range(len(pieces) - 259)]

dtype = np.float16 if a.type == "f16" else np.float32
writer = gguf.GGUFWriter(a.out, "llama")
writer.add_name(f"random-llama-{a.n_embd}x{a.n_layer}")
writer.add_context_length(a.ctx)
writer.add_embedding_length(a.n_embd)
writer.add_block_count(a.n_layer)
writer.add_feed_forward_length(a.n_ff)
writer.add_head_count(a.n_head)
writer.add_head_count_kv(kv_heads)
writer.add_rope_dimension_count(head_dim)
writer.add_layer_norm_rms_eps(1e-5)
writer.add_rope_freq_base(10000.0)
writer.add_file_type({"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                      "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0}[a.type])
writer.add_vocab_size(len(pieces))
writer.add_tokenizer_model("llama")
writer.add_token_list(pieces)
writer.add_token_scores(scores)
writer.add_token_types(kinds)
writer.add_bos_token_id(1)
writer.add_eos_token_id(2)
writer.add_unk_token_id(0)
writer.add_add_bos_token(True)


def weight(rows, cols, scale=0.02):
    """A rows x cols matrix: numpy (rows, cols) is GGUF dims [cols, rows] (a linear layer cols -> rows)."""
    return (rng.standard_normal((rows, cols), dtype=np.float32) * scale).astype(dtype)


def add_matrix(name, m):
    if a.type in ("q8_0", "q4_0"):  # gguf-py's own quantiser; the logical shape comes back from the byte shape
        qtype = gguf.GGMLQuantizationType.Q8_0 if a.type == "q8_0" else gguf.GGMLQuantizationType.Q4_0
        writer.add_tensor(name, gguf.quants.quantize(m, qtype), raw_dtype=qtype)
    else:
        writer.add_tensor(name, m)


E, F, V = a.n_embd, a.n_ff, len(pieces)
add_matrix("token_embd.weight", weight(V, E))
for i in range(a.n_layer):
    p = f"blk.{i}."
    writer.add_tensor(p + "attn_norm.weight", np.ones(E, np.float32))
    add_matrix(p + "attn_q.weight", weight(E, E))
    add_matrix(p + "attn_k.weight", weight(kv_heads * head_dim, E))
    add_matrix(p + "attn_v.weight", weight(kv_heads * head_dim, E))
    add_matrix(p + "attn_output.weight", weight(E, E))
    writer.add_tensor(p + "ffn_norm.weight", np.ones(E, np.float32))
    add_matrix(p + "ffn_gate.weight", weight(F, E))
    add_matrix(p + "ffn_up.weight", weight(F, E))
    add_matrix(p + "ffn_down.weight", weight(E, F))
writer.add_tensor("output_norm.weight", np.ones(E, np.float32))
add_matrix("output.weight", weight(V, E, scale=1.0))
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
params = V * E * 2 + E + a.n_layer * (2 * E + 2 * E * E + 2 * kv_heads * head_dim * E + 3 * E * F)
print(f"wrote {a.out}: {params / 1e6:.1f}M parameters (n_vocab {V}, n_embd {E}, n_layer {a.n_layer}, "
      f"n_head {a.n_head}, n_head_kv {kv_heads}, n_ff {F}, {a.type})")
