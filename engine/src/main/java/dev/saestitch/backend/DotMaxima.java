package dev.saestitch.backend;

/**
 * The row and column maxima of a product a·bᵀ (a (F_A, D), b (F_B, D)) and where they are: for
 * every row i of a, {@code maxOverB[i] = max_j ⟨a_i, b_j⟩} at {@code argmaxInB[i]}; for every row
 * j of b, {@code maxOverA[j]} at {@code argmaxInA[j]}. Ties go to the smallest index; −∞ and −1
 * where the other matrix has no rows. Host arrays.
 */
public record DotMaxima(float[] maxOverB, int[] argmaxInB, float[] maxOverA, int[] argmaxInA) {}
