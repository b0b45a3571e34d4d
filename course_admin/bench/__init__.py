"""`make bench`: how fast the course runs on this machine, against what the machine can do.

Run it with ``python -m course_admin.bench`` (70-90 minutes on 2 cores); it writes
benchmarks/results.md (tables) and benchmarks/results.json (every figure). It measures, in
one run:

- the seed CNN's training speed as the course trains it (batch 64) on all 60,000 images:
  median seconds per epoch after a warm-up epoch, and images per second; on Keras's
  TensorFlow backend, and on the JAX and PyTorch backends when those are installed
  (`pip install -e ".[bench]"`), each in a fresh process;
- the same network written directly in PyTorch, as an outside reference (when installed);
- the machine's limits: the float32 matrix-multiply rate of NumPy's OpenBLAS, once with this
  machine's OpenBLAS settings and once with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (the
  limit; each in a process of its own, so that nothing else loses the machine's settings),
  with the kernel that ran (threadpoolctl); where the processor has bfloat16 instructions
  (avx512_bf16 or amx_bf16), the bfloat16 rate of torch.matmul (oneDNN) and oneDNN's kernel;
  the training FLOPs of one epoch computed from the layer shapes, and the share of each limit
  the training reaches;
- test accuracy of the seed CNN trained exactly as lesson 4 does, over several seeds;
- wall time of `make course` at the default parameters and of the tests' fast runs, per lesson;
- lesson 7's test accuracy and training time with two more seeds (1 and 2) besides its own;
- lessons 4 and 7 at full size on Keras's JAX and PyTorch backends too (test accuracy and wall
  time; TensorFlow's come from the `make course` run), each lesson run by papermill with the
  kernel on that backend. Long: on 2 cores JAX trains about 4 times slower than TensorFlow.

Figures are reported, never asserted. Every step prints its progress as it goes.
``--quick`` runs every step at a tiny size (to check the benchmark itself) and writes to
build/bench-quick/; ``--report-only`` rewrites results.md from results.json, measuring nothing.

The modules: ``measure`` (the measurements, and the worker processes some of them run in),
``figures`` (the typed records they produce, which results.json holds), ``report`` (results.md
and results.json from those records), ``__main__`` (the command line). None of them imports
Keras or its backends until a measurement runs.
"""
