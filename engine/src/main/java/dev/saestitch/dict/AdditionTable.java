package dev.saestitch.dict;

/**
 * The workshop paper's Table 2: the L-latents counted by class (novel or reconstruction, from the
 * max cosine) and by the sign of the Δmse of adding each alone to S. Latents whose Δmse is exactly
 * 0 (they never fired on the data) are counted apart; the paper's table has no such row.
 */
public record AdditionTable(int novelDecrease, int novelIncrease, int novelUnchanged,
                            int reconstructionDecrease, int reconstructionIncrease, int reconstructionUnchanged) {

    /** @param deltaMse (F_L) per L-latent, e.g. {@link AdditionScan.Result#deltaMse()} */
    public static AdditionTable of(double[] deltaMse, LatentClasses classes) {
        if (deltaMse.length != classes.latents())
            throw new IllegalArgumentException(deltaMse.length + " Δmse values for " + classes.latents() + " latents");
        int[] n = new int[6];   // novel <0, >0, =0, reconstruction <0, >0, =0
        for (int j = 0; j < deltaMse.length; j++) {
            int sign = deltaMse[j] < 0 ? 0 : deltaMse[j] > 0 ? 1 : 2;
            n[(classes.isNovel(j) ? 0 : 3) + sign]++;
        }
        return new AdditionTable(n[0], n[1], n[2], n[3], n[4], n[5]);
    }
}
