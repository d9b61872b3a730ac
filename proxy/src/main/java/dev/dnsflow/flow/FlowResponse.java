package dev.dnsflow.flow;

import dev.dnsflow.util.Addresses;
import java.util.ArrayList;
import java.util.List;

/**
 * What the client got back. Addresses are kept as raw bytes (each entry a length byte then 4 or 16
 * address bytes) and turned into text only when somebody reads them, off the event loop.
 */
public record FlowResponse(int rcode, int answers, int size, boolean truncated, byte[] rawAddresses) {

    public List<String> addresses() {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < rawAddresses.length) {
            int length = rawAddresses[i++];
            byte[] address = new byte[length];
            System.arraycopy(rawAddresses, i, address, 0, length);
            i += length;
            out.add(Addresses.text(address));
        }
        return out;
    }
}
