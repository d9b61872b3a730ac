package dev.dnsflow.forward;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimeoutListTest {

    @Test
    void popsOnlyExpiredHeadsInOrder() {
        TimeoutList list = new TimeoutList();
        TimeoutList.Node a = new TimeoutList.Node(null);
        TimeoutList.Node b = new TimeoutList.Node(null);
        TimeoutList.Node c = new TimeoutList.Node(null);
        list.add(a, 10);
        list.add(b, 20);
        list.add(c, 30);
        assertThat(list.pollExpired(5)).isNull();
        assertThat(list.pollExpired(20)).isSameAs(a);
        assertThat(list.pollExpired(20)).isSameAs(b);
        assertThat(list.pollExpired(20)).isNull();
        assertThat(list.size()).isEqualTo(1);
    }

    @Test
    void removedNodesNeverExpireAndReAddingMovesToTheTail() {
        TimeoutList list = new TimeoutList();
        TimeoutList.Node a = new TimeoutList.Node(null);
        TimeoutList.Node b = new TimeoutList.Node(null);
        list.add(a, 10);
        list.add(b, 20);
        list.remove(a);
        list.remove(a);
        assertThat(list.size()).isEqualTo(1);
        list.add(a, 30);
        assertThat(list.pollExpired(100)).isSameAs(b);
        assertThat(list.pollExpired(100)).isSameAs(a);
        assertThat(list.pollExpired(100)).isNull();
        assertThat(list.size()).isZero();
    }
}
