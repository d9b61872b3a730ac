package dev.dnsflow.sidecar.join;

import dev.dnsflow.flow.FlowResponse;
import dev.dnsflow.flow.Transport;
import java.util.Locale;

/**
 * One message of CoreDNS's dnstap, reduced to what the join needs. {@code podId} is the pod's own
 * message ID (CoreDNS restores it even in its FORWARDER messages); {@code clientIp}/{@code clientPort}
 * are the pod's, from the message or from {@code extra "{remote}:{port} {>id}"} when CoreDNS sends it.
 */
record CorednsEvent(Kind kind, String clientIp, int clientPort, Transport transport, int podId, String qname, int qtype,
                    int qclass, boolean rd, int querySize, long timeEpochNanos, FlowResponse response) {

    enum Kind { CLIENT_QUERY, CLIENT_RESPONSE, FORWARDER_QUERY, FORWARDER_RESPONSE }

    /** The pod's transaction: one pod query, whatever CoreDNS did with it. */
    String transactionKey() {
        return clientIp + '|' + clientPort + '|' + podId + '|' + qname.toLowerCase(Locale.ROOT) + '|' + qtype;
    }

    /** Pod's ID and question, for FORWARDER messages whose address is CoreDNS's own socket. */
    String questionKey() {
        return podId + "|" + qname.toLowerCase(Locale.ROOT) + '|' + qtype;
    }
}
