#!/usr/bin/python3
"""CPU peers of one TopK / BatchTopK training step, in PyTorch on one core, written as the two
libraries researchers use write them (TrainStepBench's shape: D = 768, F = 16384, k = 32, B = 4096):

- "dense" (SAELens): the codes are a dense (B, F) matrix (top-k values scattered into zeros) and
  the decoder is a dense product codes @ W_dec, with autograd through both products.
- "sparse-decode" (EleutherAI sparsify): the decoder is F.embedding_bag over the k chosen latents
  per row, weighted by their values (sparsify's eager decoder), so it costs B*k*D, not B*F*D.

Both: pre-activations relu((x - b_dec) @ W_enc^T + b_enc), MSE loss, autograd, the decoder
gradient's component along each (unit) decoder row removed, torch.optim.Adam, rows renormalised.
No aux-k (ours does not run it in these few steps either: no latent is dead yet).

One thread (torch.set_num_threads(1)) and the process pinned to one core, so the CPU time is the
cost; CPU time (time.process_time) and wall time of each step, medians of REPEATS after WARMUP steps.
Debian's python3-torch: run with /usr/bin/python3. One JSON object per line on stdout.
Usage: /usr/bin/python3 bench/peers/torch_step.py [--shape D,F,k,B] [--archs topk,batchtopk]
"""
import argparse
import json
import os
import statistics
import time

os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
import torch  # noqa: E402  (after pinning, so its pools see one core)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
WARMUP, REPEATS = 1, 3


class Sae(torch.nn.Module):
    def __init__(self, d, f, k, batch_topk, decode):
        super().__init__()
        self.k, self.batch_topk, self.decode = k, batch_topk, decode
        w = torch.randn(f, d)
        w = w / w.norm(dim=1, keepdim=True)
        self.w_dec = torch.nn.Parameter(w.clone())        # (F, D) unit rows
        self.w_enc = torch.nn.Parameter(w.clone())        # (F, D), as nn.Linear stores it
        self.b_enc = torch.nn.Parameter(torch.zeros(f))
        self.b_dec = torch.nn.Parameter(torch.zeros(d))

    def loss(self, x):
        z = torch.relu(torch.nn.functional.linear(x - self.b_dec, self.w_enc, self.b_enc))   # (B, F)
        b, f = z.shape
        if self.batch_topk:
            vals, flat = z.flatten().topk(b * self.k)
            rows, idx = flat // f, flat % f
        else:
            vals, idx = z.topk(self.k, dim=-1)
        if self.decode == "dense":
            if self.batch_topk:
                codes = torch.zeros_like(z).flatten().scatter(0, flat, vals).view(b, f)
            else:
                codes = torch.zeros_like(z).scatter(-1, idx, vals)
            x_hat = codes @ self.w_dec + self.b_dec
        else:
            if self.batch_topk:   # variable latents per row: one bag per row through offsets
                order = torch.argsort(rows)
                counts = torch.bincount(rows, minlength=b)
                offsets = torch.cat([torch.zeros(1, dtype=torch.long), counts.cumsum(0)[:-1]])
                x_hat = torch.nn.functional.embedding_bag(idx[order], self.w_dec, offsets, mode="sum",
                                                          per_sample_weights=vals[order]) + self.b_dec
            else:
                x_hat = torch.nn.functional.embedding_bag(idx, self.w_dec, mode="sum", per_sample_weights=vals) + self.b_dec
        return (x - x_hat).pow(2).sum(-1).mean()


def step(sae, opt, x):
    loss = sae.loss(x)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    with torch.no_grad():
        w, g = sae.w_dec, sae.w_dec.grad
        g -= (g * w).sum(-1, keepdim=True) * w
        opt.step()
        w /= w.norm(dim=-1, keepdim=True)


def run(d, f, k, b, arch, decode):
    torch.manual_seed(0)
    sae = Sae(d, f, k, arch == "batchtopk", decode)
    opt = torch.optim.Adam(sae.parameters(), lr=1e-4)
    x = torch.randn(b, d)
    for _ in range(WARMUP):
        step(sae, opt, x)
    cpu_ms, wall_ms = [], []
    for _ in range(REPEATS):
        t0, w0 = time.process_time(), time.perf_counter()
        step(sae, opt, x)
        cpu_ms.append((time.process_time() - t0) * 1e3)
        wall_ms.append((time.perf_counter() - w0) * 1e3)
    t0 = time.process_time()
    torch.nn.functional.linear(x, sae.w_enc)
    floor = (time.process_time() - t0) * 1e3
    return dict(peer="pytorch-" + decode, workload="step", arch=arch, D=d, F=f, k=k, B=b,
                cpu_ms=round(statistics.median(cpu_ms), 1), wall_ms=round(statistics.median(wall_ms), 1), repeats_cpu_ms=[round(m, 1) for m in cpu_ms],
                encoder_gemm_cpu_ms=round(floor, 1), threads=torch.get_num_threads(), torch=torch.__version__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="768,16384,32,4096", help="D,F,k,B")
    ap.add_argument("--archs", default="topk,batchtopk")
    ap.add_argument("--decodes", default="sparse-decode,dense")
    args = ap.parse_args()
    d, f, k, b = (int(v) for v in args.shape.split(","))
    for arch in args.archs.split(","):
        for decode in args.decodes.split(","):
            print(json.dumps(run(d, f, k, b, arch, decode)), flush=True)


if __name__ == "__main__":
    main()
