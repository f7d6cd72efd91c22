// Benchmark harness; filled in by bench work.
print("obligor-bench")
