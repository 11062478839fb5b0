print("bench-gemm: not written yet")
