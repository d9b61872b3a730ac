package dev.dnsflow.handoff;

import dev.dnsflow.plan.Flag;
import io.micrometer.core.instrument.Counter;
import dev.dnsflow.plan.Plan;
import dev.dnsflow.plan.Plugin;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code handoff}: with {@code --hand-off}, every forwarded query carries the pod that asked, its query
 * ID, this flow's ID and the node's name to the next dnsflow ({@link HandOffStage}); the receiving side
 * is the {@code context} stage, which reads and strips them with the codes of {@code --hand-off-option}.
 *
 * <pre>
 * --hand-off[=on|off]                 off (dnsflow nodelocal: on)
 * --node-name NAME                    $NODE_NAME, else the host name
 * --hand-off-option FIELD=CODE,...    client_ip=65523,client_port=65524,query_id=65525,flow=65526,node=65527
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

    private final Map<String, String> env;

    public HandOffPlugin() {
        this(System.getenv());
    }

    /** @param env where NODE_NAME comes from */
    public HandOffPlugin(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return "handoff";
    }

    @Override
    public List<Flag<?>> flags() {
        return List.of(HAND_OFF, NODE_NAME, OPTIONS);
    }

    @Override
    public void setup(Plan plan) {
        HandOffCodes codes = plan.flags().get(OPTIONS);
        if (plan.flags().get(HAND_OFF)) {
            String node = nodeName(plan.flags().get(NODE_NAME));
            Counter skipped = Counter.builder("dnsflow.handoff.skipped")
                    .description("Queries forwarded without the hand-off because it would take them over 512 bytes")
                    .register(plan.metrics().registry());
            plan.stage(new HandOffStage(codes, node, skipped));
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

    private static boolean onOff(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("'" + text + "': expected on or off");
        };
    }
}
