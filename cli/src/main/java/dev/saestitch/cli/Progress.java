package dev.saestitch.cli;

import java.io.PrintWriter;

/**
 * Progress on stderr with rate and ETA: one line redrawn twice a second on a terminal, or a new
 * line every ten seconds when stderr goes to a log.
 */
final class Progress {

    private static final boolean TERMINAL = System.console() != null && System.console().isTerminal();
    private static final long REDRAW_NANOS = TERMINAL ? 500_000_000L : 10_000_000_000L;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final String unit;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;

    Progress(PrintWriter err, String label, long total, String unit) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.unit = unit;
    }

    synchronized void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(now, "");
        }
    }

    /** Redraws with a caller's status text (loss, l0, ...). */
    synchronized void status(long doneSoFar, String text) {
        done = doneSoFar;
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(now, text);
        }
    }

    synchronized void done() {
        draw(System.nanoTime(), "");
        if (TERMINAL) err.println();
        err.flush();
    }

    private void draw(long now, String text) {
        double secs = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / secs;
        String eta = rate > 0 && total > done ? String.format(" eta %s", clock((total - done) / rate)) : "";
        err.printf((TERMINAL ? "\r" : "") + "%s %5.1f%% %,d/%,d %s %,.0f %s/s %s%s %s", label, 100.0 * done / Math.max(1, total), done, total, unit, rate, unit,
                clock(secs), eta, text);
        if (!TERMINAL) err.println();
        err.flush();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d", s / 60, s % 60);
    }
}
