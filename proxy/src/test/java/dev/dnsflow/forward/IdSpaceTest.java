package dev.dnsflow.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IdSpaceTest {

    @Test
    void hands_out_all_65536_ids_without_a_collision() {
        IdSpace<Object> space = new IdSpace<>();
        BitSet seen = new BitSet(IdSpace.SIZE);
        for (int i = 0; i < IdSpace.SIZE; i++) {
            Object owner = new Object();
            int id = space.allocate(owner);
            assertThat(id).isBetween(0, 65535);
            assertThat(seen.get(id)).as("id %d handed out twice", id).isFalse();
            seen.set(id);
            assertThat(space.get(id)).isSameAs(owner);
        }
        assertThat(space.inUse()).isEqualTo(IdSpace.SIZE);
    }

    @Test
    void refusesWhenFullAndOverwritesNothing() {
        IdSpace<Integer> space = new IdSpace<>();
        for (int i = 0; i < IdSpace.SIZE; i++) {
            space.allocate(i);
        }
        assertThat(space.allocate(-1)).isEqualTo(-1);
        assertThat(space.inUse()).isEqualTo(IdSpace.SIZE);
        // Freeing one makes exactly that one available again.
        Integer owner = space.get(4242);
        assertThat(space.release(4242, owner)).isTrue();
        assertThat(space.allocate(7)).isEqualTo(4242);
        assertThat(space.allocate(8)).isEqualTo(-1);
    }

    @Test
    void releaseByAnotherOwnerIsIgnored() {
        IdSpace<String> space = new IdSpace<>();
        int id = space.allocate("a");
        assertThat(space.release(id, "b")).isFalse();
        assertThat(space.get(id)).isEqualTo("a");
        assertThat(space.release(id, "a")).isTrue();
        assertThat(space.release(id, "a")).isFalse();
        assertThat(space.get(id)).isNull();
    }

    @Test
    void idsAreNotSequential() {
        IdSpace<Object> space = new IdSpace<>();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(space.allocate(new Object()));
        }
        int ascendingSteps = 0;
        for (int i = 1; i < ids.size(); i++) {
            if (ids.get(i) == ids.get(i - 1) + 1) {
                ascendingSteps++;
            }
        }
        assertThat(ascendingSteps).isLessThan(5);
        // Two spaces seeded differently do not produce the same sequence.
        IdSpace<Object> a = new IdSpace<>(new SplittableRandom(1));
        IdSpace<Object> b = new IdSpace<>(new SplittableRandom(2));
        int same = 0;
        for (int i = 0; i < 100; i++) {
            if (a.allocate(i) == b.allocate(i)) {
                same++;
            }
        }
        assertThat(same).isLessThan(5);
    }
}
