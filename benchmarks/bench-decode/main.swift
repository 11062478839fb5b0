print("bench-decode: not written yet")
