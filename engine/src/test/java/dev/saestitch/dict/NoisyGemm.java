package dev.saestitch.dict;

import dev.saestitch.backend.cpu.Gemm;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.tensor.Matrix;

import java.util.Random;

/** A GEMM that errs like a reduced-precision one: the exact product plus uniform noise in [−eps, eps]. */
final class NoisyGemm implements Gemm {

    private final Gemm exact = new JavaGemm();
    private final Random rnd;
    private final float eps;

    NoisyGemm(float eps, long seed) {
        this.eps = eps;
        this.rnd = new Random(seed);
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        exact.gemm(transA, transB, alpha, a, b, beta, c);
        for (long i = 0; i < c.size(); i++) c.setFlat(i, c.getFlat(i) + eps * (2 * rnd.nextFloat() - 1));
    }

    @Override public String describe() { return "Java GEMM with ±" + eps + " noise"; }

    @Override public String summary() { return describe(); }
}
