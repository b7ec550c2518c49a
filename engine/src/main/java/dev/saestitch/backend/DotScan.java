package dev.saestitch.backend;

/**
 * One pass over a product a·bᵀ (a (F_A, D), b (F_B, D)): its row and column maxima, and the
 * entries above a cut as keys i·F_B + j (row i of a, row j of b), in no particular order.
 */
public record DotScan(DotMaxima maxima, long[] keysAbove) {}
