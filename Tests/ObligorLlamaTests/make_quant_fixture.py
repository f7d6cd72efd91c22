"""Writes Fixtures/gguf_py_quants.gguf: the same random tensor as F32, quantised by gguf-py (PyPI `gguf`,
the llama.cpp project's Python package) to Q8_0 and Q4_0, and gguf-py's own dequantisation of each,
so the Swift reader's block decoding is checked against an independent implementation.

Usage: python make_quant_fixture.py OUT.gguf   (needs `gguf` and `numpy`)
"""
import sys

import gguf
import numpy as np

rng = np.random.default_rng(2026)
x = (rng.standard_normal((6, 64)) * np.array([[0.01], [0.1], [1], [3], [0.5], [20]])).astype(np.float32)
x[1, :32] = 0  # an all-zero block
w = gguf.GGUFWriter(sys.argv[1], "none")
w.add_tensor("x", x)
for name, qtype in (("q8_0", gguf.GGMLQuantizationType.Q8_0), ("q4_0", gguf.GGMLQuantizationType.Q4_0)):
    q = gguf.quants.quantize(x, qtype)
    w.add_tensor("x." + name, q, raw_dtype=qtype)
    w.add_tensor("x." + name + ".dequantized", gguf.quants.dequantize(q, qtype).astype(np.float32))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
