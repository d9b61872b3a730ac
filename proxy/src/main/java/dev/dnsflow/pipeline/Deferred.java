package dev.dnsflow.pipeline;

import io.netty.util.concurrent.ScheduledFuture;

/**
 * The one piece of work a stage deferred on an exchange (a chaos delay), with the timer that runs it: held until
 * the timer fires or shutdown takes it back ({@link Exchange#defer}). Made at an exchange's first deferral only, so
 * the queries that never wait cost no object.
 */
final class Deferred {
    private Runnable work;
    private ScheduledFuture<?> timer;

    boolean holds() {
        return work != null;
    }

    void hold(Runnable work, ScheduledFuture<?> timer) {
        if (this.work != null) {
            throw new IllegalStateException("work already deferred for this exchange");
        }
        this.work = work;
        this.timer = timer;
    }

    /** The work held, now no longer (its timer cancelled, if it has not fired); null when none is held. */
    Runnable take() {
        Runnable taken = work;
        if (taken != null) {
            work = null;
            timer.cancel(false);
            timer = null;
        }
        return taken;
    }
}
