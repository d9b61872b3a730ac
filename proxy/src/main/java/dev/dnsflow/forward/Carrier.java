package dev.dnsflow.forward;

/** Where an attempt's ID lives: a UDP socket or a TCP connection, each with its own ID space. */
interface Carrier {
    /** Gives the attempt's ID back; a late answer to it will be counted as unknown. */
    void release(int id, InFlight owner);

    /** An attempt on this carrier got no answer in time (called before its ID is released). */
    default void timedOut() {
    }
}
