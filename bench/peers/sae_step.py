#!/usr/bin/env python3
"""The issue's W1 and W3 training steps written plainly in PyTorch, as the peers to time ours against.

A TopK / BatchTopK SAE step the way dictionary_learning writes it: Z = ReLU((x - b_dec) W_enc + b_enc),
top-k (per row, or the B*k largest of the batch), the codes scattered into a dense (B, F) matrix and
decoded with a dense product, the squared error plus OpenAI's aux-k loss over dead latents (top-k_aux of
Z among latents that have not fired for dead_tokens tokens, residual detached, normalised by the
residual's variance), autograd, the decoder gradient's component along each decoder row removed,
torch.optim.Adam, decoder rows renormalised, dead counters updated. Float32 throughout, batch kept on the
GPU (ours uploads it from the host each step: see GpuBench's feed_upload_ms).

Matrix products in float32, or TF32 with --precision tf32 (torch.backends.cuda.matmul.allow_tf32).
Variants: "eager", and "compile" (the loss function under torch.compile; backward and Adam as in eager).
Timed with CUDA events around STEPS steps, median over REPEATS, after warm-up. One JSON object per line
to --out. Usage: python3 bench/peers/sae_step.py [--out FILE] [--workloads w1,w3] [--variants eager,compile]
"""
import argparse
import json
import statistics
import time

import torch

WORKLOADS = {"w1": dict(B=4096, D=768, F=24576, k=32, k_aux=512),
             "w3": dict(B=4096, D=4096, F=131072, k=64, k_aux=512)}
WARMUP, STEPS, REPEATS = 5, 10, 7


class Sae(torch.nn.Module):
    def __init__(self, d, f, k, k_aux, batch_topk):
        super().__init__()
        self.k, self.k_aux, self.batch_topk = k, k_aux, batch_topk
        w = torch.randn(f, d) / d ** 0.5
        w = w / w.norm(dim=1, keepdim=True)
        self.w_dec = torch.nn.Parameter(w.clone())          # (F, D) unit rows
        self.w_enc = torch.nn.Parameter(w.t().clone())      # (D, F)
        self.b_enc = torch.nn.Parameter(torch.zeros(f))
        self.b_dec = torch.nn.Parameter(torch.zeros(d))

    def loss(self, x, dead):
        z = torch.relu((x - self.b_dec) @ self.w_enc + self.b_enc)   # (B, F)
        b, f = z.shape
        if self.batch_topk:
            vals, idx = z.flatten().topk(b * self.k)
            codes = torch.zeros_like(z).flatten().scatter(0, idx, vals).view(b, f)
        else:
            vals, idx = z.topk(self.k, dim=-1)
            codes = torch.zeros_like(z).scatter(-1, idx, vals)
        x_hat = codes @ self.w_dec + self.b_dec                        # dense decode, as dictionary_learning
        e = x - x_hat
        recon = e.pow(2).sum(-1).mean()
        # aux-k over dead latents
        z_dead = torch.where(dead, z, torch.zeros_like(z))
        a_vals, a_idx = z_dead.topk(self.k_aux, dim=-1)
        aux_codes = torch.zeros_like(z).scatter(-1, a_idx, a_vals)
        e_hat = aux_codes @ self.w_dec
        residual = e.detach()
        aux = (residual - e_hat).pow(2).sum(-1).mean() / (residual - residual.mean(0)).pow(2).sum(-1).mean()
        return recon + aux / 32, codes


def step_fn(sae, opt, loss_fn, x, since_fired, dead_tokens):
    dead = since_fired >= dead_tokens
    loss, codes = loss_fn(x, dead)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    with torch.no_grad():
        w, g = sae.w_dec, sae.w_dec.grad
        g -= (g * w).sum(-1, keepdim=True) * w          # rows are unit norm
        opt.step()
        w /= w.norm(dim=-1, keepdim=True)
        fired = (codes > 0).any(0)
        since_fired += x.shape[0]
        since_fired[fired] = 0
    return loss


def run(workload, arch, variant):
    p = WORKLOADS[workload]
    torch.manual_seed(0)
    dev = torch.device("cuda")
    sae = Sae(p["D"], p["F"], p["k"], p["k_aux"], arch == "batchtopk").to(dev)
    opt = torch.optim.Adam(sae.parameters(), lr=1e-4)
    loss_fn = torch.compile(sae.loss) if variant == "compile" else sae.loss
    batches = [torch.randn(p["B"], p["D"], device=dev) for _ in range(4)]
    since_fired = torch.zeros(p["F"], device=dev)
    dead_tokens = 8 * p["B"]
    t0 = time.time()
    for i in range(WARMUP):
        step_fn(sae, opt, loss_fn, batches[i % 4], since_fired, dead_tokens)
    torch.cuda.synchronize()
    warmup_s = time.time() - t0
    torch.cuda.reset_peak_memory_stats()
    ms = []
    for r in range(REPEATS):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for i in range(STEPS):
            step_fn(sae, opt, loss_fn, batches[i % 4], since_fired, dead_tokens)
        end.record()
        torch.cuda.synchronize()
        ms.append(start.elapsed_time(end) / STEPS)
    step = statistics.median(ms)
    return dict(workload=workload.upper(), arch=arch, variant=variant, **p, ms_per_step=round(step, 4),
                tokens_per_s=round(p["B"] / (step / 1e3)), peak_bytes=torch.cuda.max_memory_allocated(),
                warmup_s=round(warmup_s, 1), repeats_ms=[round(m, 4) for m in ms],
                torch=torch.__version__, device=torch.cuda.get_device_name())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="peers.jsonl")
    ap.add_argument("--workloads", default="w1,w3")
    ap.add_argument("--variants", default="eager,compile")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32"])
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
    for w in args.workloads.split(","):
        for arch in ("topk", "batchtopk"):
            for v in args.variants.split(","):
                try:
                    r = dict(run(w, arch, v), precision=args.precision)
                except Exception as e:  # one failed variant (e.g. out of memory) must not hide the others
                    r = dict(workload=w.upper(), arch=arch, variant=v, error=f"{type(e).__name__}: {e}"[:500])
                torch.cuda.empty_cache()
                line = json.dumps(r)
                print(line, flush=True)
                with open(args.out, "a") as f:
                    f.write(line + "\n")


if __name__ == "__main__":
    main()
