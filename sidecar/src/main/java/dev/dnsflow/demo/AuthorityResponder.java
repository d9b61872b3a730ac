package dev.dnsflow.demo;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SetResponse;
import org.xbill.DNS.Type;
import org.xbill.DNS.Zone;

/**
 * Turns one wire-format query into one wire-format authoritative answer from a {@link Zone}.
 * Transport-free, so UDP and TCP share every rule and only differ in the size limit.
 */
final class AuthorityResponder {
    /** The pre-EDNS UDP limit, also the floor for a smaller advertised EDNS size (RFC 6891 6.2.5). */
    static final int CLASSIC_UDP_SIZE = 512;
    private static final int MAX_TCP_SIZE = 65535;
    /** Bounds CNAME chasing so a loop in the zone cannot spin forever. */
    private static final int MAX_CNAME_HOPS = 8;

    private final Zone zone;
    private final Name origin;
    private final int ednsUdpSize;
    private final Set<Name> owners = new HashSet<>();

    AuthorityResponder(Zone zone, int ednsUdpSize) {
        this.zone = zone;
        this.origin = zone.getOrigin();
        this.ednsUdpSize = ednsUdpSize;
        for (RRset set : zone) {
            owners.add(set.getName());
        }
    }

    /**
     * The answer to {@code wire}, truncated with TC=1 to the client's UDP limit when {@code udp};
     * {@code null} when nothing must be sent (shorter than a header, or itself a response).
     */
    byte[] respond(byte[] wire, boolean udp) {
        if (wire.length < Header.LENGTH || isResponse(wire)) {
            // No ID to echo, or answering a response could ping-pong between two servers forever.
            return null;
        }
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException unparsable) {
            return headerOnly(wire, Rcode.FORMERR);
        }
        try {
            // toWire(limit) drops whole RRsets that do not fit, sets TC and still appends the OPT.
            return answer(query).toWire(udp ? udpLimit(query) : MAX_TCP_SIZE);
        } catch (RuntimeException bug) {
            // Must not kill a serving thread (whose death would print a stack trace); tell the client.
            return headerOnly(wire, Rcode.SERVFAIL);
        }
    }

    private Message answer(Message query) {
        Header queryHeader = query.getHeader();
        Message response = new Message(queryHeader.getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode(queryHeader.getOpcode());
        if (queryHeader.getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(ednsUdpSize, 0, 0), Section.ADDITIONAL);
        }
        List<Record> questions = query.getSection(Section.QUESTION);
        if (questions.size() == 1) {
            response.addRecord(questions.get(0), Section.QUESTION);
        }
        header.setRcode(rcode(query, questions, response));
        return response;
    }

    private int rcode(Message query, List<Record> questions, Message response) {
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            return Rcode.NOTIMP;
        }
        if (questions.size() != 1) {
            return Rcode.FORMERR;
        }
        Record question = questions.get(0);
        int type = question.getType();
        if (question.getDClass() != DClass.IN || !question.getName().subdomain(origin)
                || type == Type.AXFR || type == Type.IXFR) {
            // Not our data (this includes the root ". NS" health probe), and no zone transfers.
            return Rcode.REFUSED;
        }
        response.getHeader().setFlag(Flags.AA);
        return lookup(response, question.getName(), type);
    }

    /** Fills the sections for {@code qname}/{@code type}, following in-zone CNAMEs, and returns the rcode. */
    private int lookup(Message response, Name qname, int type) {
        Name name = qname;
        for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            SetResponse found = zone.findRecords(name, type);
            if (found.isSuccessful()) {
                found.answers().forEach(set -> addAll(response, set, Section.ANSWER));
                return Rcode.NOERROR;
            }
            if (found.isCNAME()) {
                CNAMERecord cname = found.getCNAME();
                response.addRecord(cname, Section.ANSWER);
                name = cname.getTarget();
                if (!name.subdomain(origin)) {
                    return Rcode.NOERROR; // the resolver chases targets we are not authoritative for
                }
                continue;
            }
            if (found.isDelegation()) {
                refer(response, found.getNS());
                return Rcode.NOERROR;
            }
            if (found.isNXDOMAIN() || found.isNXRRSET()) {
                // RFC 2308: the SOA tells caches how long to remember the negative answer.
                response.addRecord(zone.getSOA(), Section.AUTHORITY);
                return found.isNXDOMAIN() && !existsDespiteNxdomain(name) ? Rcode.NXDOMAIN : Rcode.NOERROR;
            }
            return Rcode.SERVFAIL; // DNAME: the demo zone has none and synthesis is not implemented
        }
        return Rcode.SERVFAIL; // CNAME loop
    }

    /** A referral: the child's NS set plus in-zone glue; not authoritative unless a CNAME led here. */
    private void refer(Message response, RRset ns) {
        if (response.getSection(Section.ANSWER).isEmpty()) {
            response.getHeader().unsetFlag(Flags.AA);
        }
        addAll(response, ns, Section.AUTHORITY);
        for (Record record : ns.rrs(false)) {
            Name target = ((NSRecord) record).getTarget();
            for (int glueType : new int[] {Type.A, Type.AAAA}) {
                RRset glue = zone.findExactMatch(target, glueType);
                if (glue != null) {
                    addAll(response, glue, Section.ADDITIONAL);
                }
            }
        }
    }

    /**
     * dnsjava's Zone says NXDOMAIN for two kinds of names that do exist: empty non-terminals
     * ({@code w.example.com.}, which only has {@code *.w} below it) and names matched by a wildcard
     * that lacks the asked type. Both deserve NODATA: an NXDOMAIN would tell resolvers the whole
     * subtree is empty (RFC 8020), and a wildcard match means the name exists (RFC 4592).
     */
    private boolean existsDespiteNxdomain(Name name) {
        for (Name owner : owners) {
            if (owner.subdomain(name)) {
                return true;
            }
            if (owner.isWild() && name.subdomain(new Name(owner, 1))) {
                return true;
            }
        }
        return false;
    }

    private static void addAll(Message response, RRset set, int section) {
        set.rrs(false).forEach(record -> response.addRecord(record, section));
    }

    private static int udpLimit(Message query) {
        OPTRecord opt = query.getOPT();
        return opt == null ? CLASSIC_UDP_SIZE : Math.max(CLASSIC_UDP_SIZE, opt.getPayloadSize());
    }

    private static boolean isResponse(byte[] wire) {
        return (wire[2] & 0x80) != 0;
    }

    /** An answer echoing only what the raw header says: ID, opcode and RD. */
    private static byte[] headerOnly(byte[] wire, int rcode) {
        Message response = new Message(((wire[0] & 0xff) << 8) | (wire[1] & 0xff));
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode((wire[2] >> 3) & 0x0f);
        if ((wire[2] & 0x01) != 0) {
            header.setFlag(Flags.RD);
        }
        header.setRcode(rcode);
        return response.toWire(CLASSIC_UDP_SIZE);
    }
}
