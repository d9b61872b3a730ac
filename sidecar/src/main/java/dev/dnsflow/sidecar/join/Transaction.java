package dev.dnsflow.sidecar.join;

import dev.dnsflow.flow.FlowResponse;
import java.util.Locale;

/** One pod query as CoreDNS saw it: its query, how and when CoreDNS answered, and the held flow it is joined with. */
final class Transaction {
    final CorednsEvent query;
    final String qname;
    final String question;
    final long received;
    long responded;
    long decideAt;
    int rcode = -1;
    FlowResponse response;
    boolean forwarded;
    boolean emitted;
    Held flow;

    Transaction(CorednsEvent query) {
        this.query = query;
        this.qname = query.qname().toLowerCase(Locale.ROOT);
        this.question = qname + '|' + query.qtype();
        this.received = query.timeEpochNanos();
    }
}
