"""Networks in JAX for the neural minds: pure functions of flat parameter vectors, jitted over whole batches.

This package is imported only when a neural mind acts or learns, so that commands that never run one do not
pay for importing JAX.
"""
