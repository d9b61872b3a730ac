package dev.dnsflow.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class K8sNamesTest {
    private static final K8sRef SERVICE = new K8sRef(K8sRef.SERVICE, "dns", "unbound", null, null, null);
    private static final K8sRef POD = new K8sRef(K8sRef.POD, "default", "mypod", "Deployment", "web", "node-1");

    @Test
    void ofCopiesTheCallersArraySoItCanBeReusedForTheNextFlow() {
        K8sRef[] scratch = {null, SERVICE, POD};
        K8sNames names = K8sNames.of(POD, null, scratch, 2);
        scratch[1] = null;

        assertThat(names.upstreams()).containsExactly(null, SERVICE);
        assertThat(names.upstream(1)).isEqualTo(SERVICE);
        assertThat(names.upstream(2)).as("past the list: unknown").isNull();
        assertThat(K8sNames.of(POD, null, scratch, 0).upstreams()).isEmpty();
    }

    @Test
    void upstreamsKeepTheirNullsAndCannotBeChanged() {
        List<K8sRef> given = new ArrayList<>(Arrays.asList(null, SERVICE));
        K8sNames names = new K8sNames(null, POD, given);
        given.set(0, POD);

        assertThat(names.upstreams()).containsExactly(null, SERVICE);
        assertThatThrownBy(() -> names.upstreams().set(0, POD)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> names.upstreams().add(POD)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(names).as("equal whichever list it was built from")
                .isEqualTo(K8sNames.of(null, POD, new K8sRef[] {null, SERVICE}, 2))
                .hasSameHashCodeAs(K8sNames.of(null, POD, new K8sRef[] {null, SERVICE}, 2));
    }

    @Test
    void emptyOnlyWhenNothingIsKnown() {
        assertThat(K8sNames.of(null, null, new K8sRef[] {null, null}, 2).isEmpty()).isTrue();
        assertThat(K8sNames.of(null, null, new K8sRef[] {null, SERVICE}, 2).isEmpty()).isFalse();
        assertThat(new K8sNames(null, POD, null).isEmpty()).isFalse();
    }
}
