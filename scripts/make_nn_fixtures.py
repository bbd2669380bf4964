#!/usr/bin/env python3
"""Makes the PyTorch-equivalence fixtures of Tests/NNTests/Fixtures (how they were made).

    python3 scripts/make_nn_fixtures.py [/path/to/torch_reference.py]

- unet-tiny.h5: `torch_reference.py --model unet-tiny --export` (51,353 parameters, batch 4).
- mlp-small.h5: the reference's MLP2D class narrowed to width 32, 2 blocks, time
  embedding 16 (mlp2d itself would be 1.7 MB with gradients), exported by the
  reference's own `export_fixture` (same layout: /parameters/<key with '/'>,
  /input/x, /input/t, /output, /cotangent, /grad/x, /grad/parameters/<key>).
Needs torch and h5py; the tests only read the files.
"""
import importlib.util
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "Tests", "NNTests", "Fixtures")
ref = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference/torch_reference.py"

subprocess.run([sys.executable, ref, "--model", "unet-tiny", "--export", os.path.join(out, "unet-tiny.h5")], check=True)

spec = importlib.util.spec_from_file_location("torch_reference", ref)
tr = importlib.util.module_from_spec(spec)
sys.argv = [ref]
spec.loader.exec_module(tr)
tr.MODELS["mlp-small"] = dict(cls=lambda: tr.MLP2D(width=32, temb_dim=16, n_blocks=2), shape=(2,), lr=1e-3,
                              train_batch=64, infer_batches=[64], sample_batch=64)
tr.export_fixture(tr.build_model("mlp-small"), "mlp-small", os.path.join(out, "mlp-small.h5"), 8)
