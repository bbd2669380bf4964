#!/usr/bin/env python3
"""Second-opinion Fréchet distances on Fashion-MNIST, with a feature network written apart from Drift.

Purpose
    Drift measures sample quality (FD, KID, precision/recall) in the features of its own small
    classifier (Sources/Evaluation/Classifier: three 3x3 convolutions with GroupNorm and SiLU,
    strided, then 128 features). This script is an independent check: a different network,
    trained by PyTorch, in a different framework, so that a trend seen in Drift's FD can be
    confirmed (or not) in a second feature space. It is a local measurement tool only: Drift
    and its tests never depend on it.

Usage (one thread is used; OMP_NUM_THREADS=1 is set by the script itself)
    pip install -q h5py scipy
    python3 scripts/second-features.py train --out runs/second-classifier.pt [--epochs E] [--seed S]
    python3 scripts/second-features.py fd --classifier runs/second-classifier.pt A.h5 [B.h5 ...]
                                       [--n 1000] [--labels auto|all-K|mod10] [--no-clip]
                                       [--paired-to REF.h5 [--bootstrap B]]

    `fd` prints a header (N, feature dimension, classifier file and its stored test accuracy),
    the floor (FD of the first N training images vs the first N test images), then one line per
    file:  FILE  FD  ratio-to-floor  accuracy
    FD is between the 256-d penultimate features of the file's first N images and of the first
    N t10k test images, in float64, with scipy.linalg.sqrtm (real part):
        FD = |mu1 - mu2|^2 + tr(S1 + S2 - 2 sqrtm(S1 S2)).
    With --paired-to REF.h5 each file's FD is also set against REF's, paired: B bootstrap resamples
    (--bootstrap, default 200, seeded) draw the same sample indices from both files, so for files
    drawn from the same noise (drift sample with the same --seed, --class and --n) most of the
    sampling noise cancels. Printed: FD(file) - FD(REF), its paired SE and 95% interval, and the
    unpaired SE sqrt(SE_file^2 + SE_ref^2) two independent runs would allow.
    accuracy is the fraction of the first N images the classifier assigns to the expected class:
      --labels auto   (default) the file's /classes dataset (written by `drift sample --class`),
                      else i mod 10;
      --labels all-K  the layout of `drift sample --class all --n K`, which is CLASS-MAJOR:
                      K images of class 0, then K of class 1, ... (ClassChoice.classOf: i / K),
                      so row i has class i // K;
      --labels mod10  class i mod 10 (interleaved order; this does NOT match `--class all`).
    Note: with a class-major file, N smaller than its length takes only the first classes, and
    the FD is then biased; the script warns.

Data and scale
    Real images: Debian's /usr/share/datasets/fashion-mnist/*-ubyte.gz (or $DRIFT_FASHION_MNIST),
    IDX format, mapped to [-1, 1] as x/127.5 - 1, the same map Drift uses
    (Sources/Datasets/ExampleSet+FashionMNIST.swift). Drift's sample files (HDF5, /samples,
    float32 [N,1,28,28]) are on that same [-1, 1] scale but overshoot it slightly (a 2-step
    Euler probe spans about -1.4 ... 1.75); by default they are clipped to [-1, 1], as an image
    written out would be (--no-clip feeds them unchanged).

Architecture (VGG-style, unlike Drift's strided GroupNorm net)
    stage 1: conv3x3 1->32, BN, ReLU; maxpool 2 (28 -> 14); dropout 0.05
    stage 2: conv3x3 32->64, BN, ReLU; conv3x3 64->64, BN, ReLU; maxpool 2 (14 -> 7); dropout 0.1
    stage 3: conv3x3 64->128, BN, ReLU; maxpool 2 (7 -> 3); dropout 0.1
    flatten 128*3*3 -> linear 256, BN1d, ReLU  = the 256-d features (eval mode)
    dropout 0.25 -> linear 10 (logits)
    Training: Adam (lr 2e-3, cosine decay to 0), batch 64, cross-entropy, 5 epochs by default
    (about 14 min on one thread); augmentation by random shifts of up to +-2 pixels (padding
    with background) and horizontal flips; everything seeded (torch.manual_seed and a seeded
    generator for order and augmentation), one thread.
"""
import argparse
import gzip
import os
import struct
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

DATA_DIR = os.environ.get("DRIFT_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
FEATURES = 256


# ---------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (gzip): uint8 array of the shape its header gives."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, kind, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        sys.exit(f"{path}: {data.size} bytes of data, header says {shape}")
    return data.reshape(shape)


def fashion(split):
    """(images float32 [N,1,28,28] in [-1, 1], labels int64 [N]) of 'train' or 't10k'."""
    images = read_idx(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def augment(x, generator):
    """Random shifts of -2..2 pixels in each direction (background -1 fills in) and horizontal flips."""
    b, _, h, w = x.shape
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)
    dy = torch.randint(0, 5, (b,), generator=generator)
    dx = torch.randint(0, 5, (b,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :])  # [b, h]
    cols = (dx[:, None] + torch.arange(w)[None, :])  # [b, w]
    idx_r = rows[:, None, :, None].expand(b, 1, h, w + 4)
    out = torch.gather(padded, 2, idx_r)  # [b,1,h,w+4]
    idx_c = cols[:, None, None, :].expand(b, 1, h, w)
    out = torch.gather(out, 3, idx_c)  # [b,1,h,w]
    flip = torch.rand(b, generator=generator) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


# ---------------------------------------------------------------- network

class SecondNet(nn.Module):
    def __init__(self, widths=(32, 64, 128), features=FEATURES, classes=10):
        super().__init__()
        a, b, c = widths

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.body = nn.Sequential(
            *block(1, a), nn.MaxPool2d(2), nn.Dropout(0.05),
            *block(a, b), *block(b, b), nn.MaxPool2d(2), nn.Dropout(0.1),
            *block(b, c), nn.MaxPool2d(2), nn.Dropout(0.1),
            nn.Flatten(),
            nn.Linear(c * 3 * 3, features, bias=False), nn.BatchNorm1d(features), nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(nn.Dropout(0.25), nn.Linear(features, classes))

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


@torch.no_grad()
def run_in_batches(model, x, batch=500):
    """(features [N,256], logits [N,10]) in eval mode."""
    model.eval()
    feats, logits = [], []
    for i in range(0, len(x), batch):
        f = model.features(x[i:i + batch])
        feats.append(f)
        logits.append(model.head(f))
    return torch.cat(feats), torch.cat(logits)


# ---------------------------------------------------------------- train

def train(args):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    x_train, y_train = fashion("train")
    x_test, y_test = fashion("t10k")
    model = SecondNet(widths=tuple(args.widths))
    params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = (len(x_train) + args.batch - 1) // args.batch
    total_steps = steps_per_epoch * args.epochs
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, total_steps) / total_steps)))
    print(f"SecondNet widths {args.widths}, {FEATURES} features, {params:,} parameters; "
          f"{args.epochs} epochs of {steps_per_epoch} steps, batch {args.batch}, seed {args.seed}, threads {torch.get_num_threads()}",
          flush=True)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        seen, loss_sum, correct = 0, 0.0, 0
        for s in range(steps_per_epoch):
            idx = order[s * args.batch:(s + 1) * args.batch]
            xb, yb = augment(x_train[idx], generator), y_train[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            if args.max_steps and s + 1 >= args.max_steps:
                print(f"  stopped after {s + 1} steps ({time.time() - start:.1f} s, "
                      f"{(time.time() - start) / (s + 1) * steps_per_epoch:.0f} s per epoch projected)")
                return
        _, logits = run_in_batches(model, x_test)
        acc = (logits.argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / seen:.4f}, train acc {correct / seen:.4f}, "
              f"test acc {acc:.4f}, {time.time() - start:.0f} s", flush=True)
    seconds = time.time() - start
    print(f"test accuracy {acc:.4f} ({acc * 100:.2f}%), training {seconds:.0f} s on {torch.get_num_threads()} thread(s)")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "widths": list(args.widths), "features": FEATURES,
                "test_accuracy": acc, "epochs": args.epochs, "seed": args.seed, "train_seconds": seconds,
                "input_scale": "x/127.5-1 in [-1,1]", "torch_version": str(torch.__version__)}, args.out)
    print(f"wrote {args.out}")


# ---------------------------------------------------------------- fd

def frechet(f1, f2):
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    from scipy import linalg
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    root = linalg.sqrtm(s1 @ s2)
    root = np.real(root)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(root))


def expected_labels(spec, count, file_classes):
    i = np.arange(count)
    if spec == "auto":
        if file_classes is not None:
            return np.asarray(file_classes[:count], np.int64), "file /classes"
        return i % 10, "i mod 10"
    if spec == "mod10":
        return i % 10, "i mod 10"
    if spec.startswith("all-"):
        k = int(spec[4:])
        if k < 1:
            sys.exit("--labels all-K needs K >= 1")
        return i // k, f"class-major, {k} per class (i // {k})"
    sys.exit(f"--labels {spec}: give auto, all-K or mod10")


def fd(args):
    import h5py
    blob = torch.load(args.classifier, weights_only=True)
    model = SecondNet(widths=tuple(blob["widths"]), features=blob["features"])
    model.load_state_dict(blob["state_dict"])
    model.eval()
    n = args.n
    x_train, _ = fashion("train")
    x_test, _ = fashion("t10k")
    test_feats, _ = run_in_batches(model, x_test[:n])
    train_feats, _ = run_in_batches(model, x_train[:n])
    floor = frechet(train_feats.numpy(), test_feats.numpy())
    print(f"# second-features FD: N {n}, feature dim {test_feats.shape[1]}, classifier {args.classifier} "
          f"(test accuracy {blob['test_accuracy']:.4f}), reference = first {n} t10k images, "
          f"samples {'clipped to' if args.clip else 'unclipped, scale'} [-1,1], FD float64 via scipy sqrtm (real part)")
    print(f"floor (first {n} train vs first {n} test)  {floor:.4f}")
    print("FILE  FD  ratio-to-floor  accuracy")
    reference_feats = load_features(model, args.paired_to, n, args.clip) if args.paired_to else None
    for path in args.files:
        with h5py.File(path, "r") as f:
            total = f["samples"].shape[0]
            x = np.asarray(f["samples"][:n], np.float32)
            file_classes = np.asarray(f["classes"][:n]) if "classes" in f else None
        if x.shape[1:] != (1, 28, 28):
            sys.exit(f"{path}: /samples has shape {x.shape}, not [N,1,28,28]")
        if len(x) < n:
            print(f"# warning: {path} has {len(x)} images, fewer than N = {n}: FD is over {len(x)} (not comparable to the floor)")
        labels, how = expected_labels(args.labels, len(x), file_classes)
        held = file_classes if file_classes is not None else labels
        if len(x) < total and len(np.unique(held)) < 10:
            print(f"# warning: {path}: the first {len(x)} of {total} images hold only classes {sorted(set(held.tolist()))}")
        xt = torch.from_numpy(x)
        if args.clip:
            xt = xt.clamp(-1.0, 1.0)
        feats, logits = run_in_batches(model, xt)
        value = frechet(feats.numpy(), test_feats.numpy())
        acc = float((logits.argmax(1).numpy() == labels).mean())
        print(f"{path}  {value:.4f}  {value / floor:.3f}  {acc:.4f}   # labels: {how}")
        if args.paired_to:
            paired(feats.numpy(), reference_feats, test_feats.numpy(), path, args.paired_to, args.bootstrap)


def load_features(model, path, n, clip):
    import h5py
    with h5py.File(path, "r") as f:
        x = torch.from_numpy(np.asarray(f["samples"][:n], np.float32))
    if clip:
        x = x.clamp(-1.0, 1.0)
    return run_in_batches(model, x)[0].numpy()


def paired(a, b, reference, name_a, name_b, resamples):
    """FD(a) - FD(b) with paired and unpaired bootstrap SEs (the same indices of a and b per resample)."""
    if len(a) != len(b):
        sys.exit(f"--paired-to: {name_a} has {len(a)} images, {name_b} {len(b)}; pairing needs the same count")
    rng = np.random.default_rng(0)
    da, db = [], []
    for _ in range(resamples):
        idx = rng.integers(0, len(a), len(a))
        da.append(frechet(a[idx], reference))
        db.append(frechet(b[idx], reference))
    da, db = np.array(da), np.array(db)
    diff = frechet(a, reference) - frechet(b, reference)
    se = float(np.std(da - db, ddof=1))
    unpaired = float(np.hypot(np.std(da, ddof=1), np.std(db, ddof=1)))
    print(f"    minus {name_b}: {diff:+.4f}, paired SE {se:.4f} (95% {diff - 1.96 * se:+.4f} .. {diff + 1.96 * se:+.4f}), "
          f"unpaired SE {unpaired:.4f}, {resamples} resamples")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the second classifier")
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=5)
    t.add_argument("--batch", type=int, default=64)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--widths", type=int, nargs=3, default=[32, 64, 128])
    t.add_argument("--max-steps", type=int, default=0, help="(timing) stop after this many steps of the first epoch")
    d = sub.add_parser("fd", help="Fréchet distances of sample files")
    d.add_argument("--classifier", required=True)
    d.add_argument("files", nargs="+")
    d.add_argument("--n", type=int, default=1000)
    d.add_argument("--labels", default="auto", help="auto (file's /classes, else i mod 10), all-K (class-major, K per class) or mod10")
    d.add_argument("--paired-to", help="a sample file from the same noise: paired bootstrap difference of each file's FD to its FD")
    d.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples of --paired-to (default 200)")
    d.add_argument("--no-clip", dest="clip", action="store_false", help="do not clip samples to [-1, 1]")
    args = p.parse_args()
    train(args) if args.command == "train" else fd(args)


if __name__ == "__main__":
    main()
