#!/usr/bin/env python3
"""Peer reference for `npm run bench`: the activeseg U-Net in PyTorch, timed on the CPU.

Same graph as daemon/src/model/unet-spec.ts (which this Python peer cannot import; keep the two in step): per level two 3x3 'same' conv + BatchNorm + ReLU; 2x2 max-pool then
dropout 0.2 going down; 2x2 stride-2 ConvTranspose, concat (up, skip) then dropout going up; 1x1 conv + sigmoid.
Monte-Carlo forward: BatchNorm in eval mode while dropout stays on (F.dropout(training=True)), a batch of copies of
one patch under no_grad. Train step: BatchNorm in train mode, dropout on, soft Dice loss, Adam.

Prints one JSON object on stdout. Not part of CI: it needs torch (Debian: apt-get install python3-torch).

  /usr/bin/python3 daemon/bench/pytorch_unet.py --base 8 --size 128 --levels 5 --batch 10 --train-batch 5
"""

import argparse
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class UNet(nn.Module):
    def __init__(self, base: int, levels: int, rate: float = 0.2, channels: int = 1):
        super().__init__()
        self.levels = levels
        self.rate = rate
        filters = [base * 2**i for i in range(levels)]
        self.enc = nn.ModuleList()
        cin = channels
        for f in filters:
            self.enc.append(self._block(cin, f))
            cin = f
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for level in range(levels - 2, -1, -1):
            f = filters[level]
            self.up.append(nn.ConvTranspose2d(filters[level + 1], f, kernel_size=2, stride=2))
            self.dec.append(self._block(2 * f, f))
        self.head = nn.Conv2d(filters[0], 1, kernel_size=1)

    @staticmethod
    def _block(cin: int, cout: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.enc):
            x = block(x)
            if i == self.levels - 1:
                break
            skips.append(x)
            # training=True: Monte-Carlo dropout stays on even when the module is in eval mode.
            x = F.dropout(F.max_pool2d(x, 2), self.rate, training=True)
        for up, dec in zip(self.up, self.dec):
            x = F.dropout(torch.cat([up(x), skips.pop()], dim=1), self.rate, training=True)
            x = dec(x)
        return torch.sigmoid(self.head(x))


def dice_loss(y: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    inter = (y * p).sum()
    return 1 - (2 * inter + 1) / (y.sum() + p.sum() + 1)


def median(values):
    s = sorted(values)
    return s[len(s) // 2]


def timed_median(fn, reps: int):
    """Runs fn once untimed (allocator, oneDNN primitives, Adam state), then reps times; median wall and CPU ms."""
    fn()
    times = []
    cpu_times = []
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.process_time() - c0) * 1000)
    return median(times), median(cpu_times)


def max_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=int, default=8)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--levels", type=int, default=5)
    ap.add_argument("--batch", type=int, default=10, help="MC passes per forward batch")
    ap.add_argument("--forward-reps", type=int, default=5)
    ap.add_argument("--train-batch", type=int, default=5)
    ap.add_argument("--train-reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-train", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = UNet(args.base, args.levels)
    out = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "model": {"base": args.base, "size": args.size, "levels": args.levels},
    }

    model.eval()  # BatchNorm uses running statistics; dropout stays on through F.dropout(training=True).
    x = torch.rand(1, 1, args.size, args.size).expand(args.batch, 1, args.size, args.size).contiguous()
    with torch.no_grad():
        fwd, fwd_cpu = timed_median(lambda: model(x), args.forward_reps)
    out["forward"] = {
        "batch": args.batch,
        "reps": args.forward_reps,
        "ms_per_img": fwd / args.batch,
        "cores_busy": fwd_cpu / fwd,
        "peak_rss_mb": max_rss_mb(),
    }

    if not args.skip_train:
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xb = torch.rand(args.train_batch, 1, args.size, args.size)
        yb = (torch.rand(args.train_batch, 1, args.size, args.size) > 0.7).float()
        losses = []

        def step():
            opt.zero_grad(set_to_none=True)
            loss = dice_loss(yb, model(xb))
            loss.backward()
            opt.step()
            losses.append(float(loss))

        tr, tr_cpu = timed_median(step, args.train_reps)
        out["train"] = {
            "batch": args.train_batch,
            "reps": args.train_reps,
            "ms_per_img": tr / args.train_batch,
            "cores_busy": tr_cpu / tr,
            "losses": losses,
            # Monotonic: the larger of the forward and the train peak, in practice the train peak.
            "peak_rss_mb": max_rss_mb(),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
