package dev.dnsflow.handoff;

import dev.dnsflow.plan.Flag;
import io.micrometer.core.instrument.Counter;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import dev.dnsflow.util.Cidr;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * {@code handoff}: with {@code --hand-off}, every forwarded query carries the pod that asked, its query
 * ID, this flow's ID and the node's name to the next dnsflow ({@link HandOffStage}), for queries under
 * {@code --hand-off-zones} only; the receiving side is the {@code context} stage, which reads and strips them
 * with the codes of {@code --hand-off-option}, and believes them only from {@code --hand-off-from}.
 *
 * <pre>
 * --hand-off[=on|off]                 off (dnsflow nodelocal: on)
 * --node-name NAME                    $NODE_NAME, else the host name
 * --hand-off-option FIELD=CODE,...    client_ip=65523,client_port=65524,query_id=65525,flow=65526,node=65527
 * --hand-off-zones ZONE,...           cluster.local,in-addr.arpa,ip6.arpa
 * --hand-off-from CIDR,...            none (receiving side: whose hand-off is believed)
 * </pre>
 */
public final class HandOffPlugin implements Plugin {
    public static final Flag<Boolean> HAND_OFF = Flag.optionalValue("--hand-off", "on|off",
            "Add to every forwarded query, in EDNS0 local options, the client's address and port, its query ID, this "
                    + "flow's ID and the node name, so a dnsflow behind CoreDNS names the pod and links the two flows "
                    + "(see --hand-off-option). Default: off.", "off", "on", HandOffPlugin::onOff);
    public static final Flag<String> NODE_NAME = Flag.of("--node-name", "NAME",
            "The node name the hand-off sends. Default: $NODE_NAME, else the host name.", "", s -> s);
    public static final Flag<HandOffCodes> OPTIONS = Flag.of("--hand-off-option", "FIELD=CODE[,...]",
            "EDNS0 option codes of the hand-off, sent and read (fields " + HandOffCodes.FIELDS + "). "
                    + "Default: client_ip=65523,client_port=65524,query_id=65525,flow=65526,node=65527.", "",
            HandOffCodes::parse);

    public static final String DEFAULT_ZONES = "cluster.local,in-addr.arpa,ip6.arpa";
    public static final Flag<HandOffZones> ZONES = Flag.of("--hand-off-zones", "ZONE[,...]",
            "With --hand-off: only queries under these zones carry the hand-off, so the pod's address never goes "
                    + "to upstreams outside the cluster ('.' for every query). Default: " + DEFAULT_ZONES
                    + " (NodeLocal DNSCache's zones that go to CoreDNS).", DEFAULT_ZONES, HandOffZones::parse);
    public static final Flag<List<Cidr>> FROM = Flag.of("--hand-off-from", "CIDR[,...]",
            "Believe a hand-off only when the hop that delivered it (the client CoreDNS's rewrite {client_ip} names, "
                    + "a trusted PROXY v2 origin, else the packet's sender) is in these ranges: the nodes' addresses. "
                    + "From anyone else it is stripped and counted in dnsflow_handoff_untrusted_total. Not with "
                    + "--hand-off. Default: none (no hand-off is believed).", "", HandOffPlugin::cidrs);

    private final Map<String, String> env;
    private final IntPredicate contextCodes;

    public HandOffPlugin() {
        this(System.getenv());
    }

    /** @param contextCodes the client context option codes, which answers must not carry back either */
    public HandOffPlugin(IntPredicate contextCodes) {
        this(System.getenv(), contextCodes);
    }

    /** @param env where NODE_NAME comes from */
    public HandOffPlugin(Map<String, String> env) {
        this(env, code -> false);
    }

    public HandOffPlugin(Map<String, String> env, IntPredicate contextCodes) {
        this.env = env;
        this.contextCodes = contextCodes;
    }

    @Override
    public String name() {
        return "handoff";
    }

    @Override
    public List<Flag<?>> flags() {
        return List.of(HAND_OFF, NODE_NAME, OPTIONS, ZONES, FROM);
    }

    @Override
    public void setup(Plan plan) {
        HandOffCodes codes = plan.flags().get(OPTIONS);
        if (plan.flags().get(HAND_OFF)) {
            String node = nodeName(plan.flags().get(NODE_NAME));
            Counter skipped = Counter.builder("dnsflow.handoff.skipped")
                    .description("Queries forwarded without the hand-off because it would take them over 512 bytes")
                    .register(plan.metrics().registry());
            plan.stage(new HandOffStage(codes, node, skipped, plan.flags().get(ZONES), contextCodes));
            plan.enricher(HandOffMark.enricher(new HandOffMark(node.isEmpty() ? null : node)));
        }
    }

    String nodeName(String given) {
        if (!given.isBlank()) {
            return given.trim();
        }
        String fromEnv = env.get("NODE_NAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "";
        }
    }

    static List<Cidr> cidrs(String text) {
        List<Cidr> out = new java.util.ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(Cidr.parse(s));
            }
        }
        return List.copyOf(out);
    }

    private static boolean onOff(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("'" + text + "': expected on or off");
        };
    }
}
