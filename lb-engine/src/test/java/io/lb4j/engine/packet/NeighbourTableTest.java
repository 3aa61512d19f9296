package io.lb4j.engine.packet;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

import static io.lb4j.engine.packet.PacketPathTest.SEC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the neighbour table learns, from whom, what it keeps when full, and what its readers can see. */
class NeighbourTableTest {

    static final int A = Frames.ip("10.0.0.110");
    static final int B = Frames.ip("10.0.0.111");
    static final long MAC_A = 0x02_00_00_00_00_6EL;
    static final long MAC_B = 0x02_00_00_00_00_6FL;
    static final long FOREIGN_MAC = 0x02_BA_DB_AD_BA_DBL;
    static final long REACHABLE = 30 * SEC;
    static final long RETRY = SEC;

    final NeighbourTable table = new NeighbourTable(64, REACHABLE, RETRY);
    long now = 1_000 * SEC;

    @Test
    void onlyTheFirstAnswerToAnOutstandingRequestAddressedToUsIsLearned() {
        assertThat(table.learn(A, MAC_A, true, now)).as("no entry").isEqualTo(NeighbourTable.STRANGER);
        assertThat(table.resolve(A, now)).isEqualTo(NeighbourTable.SEND_REQUEST);

        assertThat(table.learn(A, FOREIGN_MAC, false, now)).as("addressed to another MAC")
                .isEqualTo(NeighbourTable.UNSOLICITED);
        assertThat(table.learn(A, MAC_A, true, now + 1)).isEqualTo(NeighbourTable.LEARNED);
        assertThat(table.learn(A, FOREIGN_MAC, true, now + 2)).as("answered already")
                .isEqualTo(NeighbourTable.UNSOLICITED);

        assertThat(table.lookup(A)).isEqualTo(MAC_A);
    }

    @Test
    void aReplyLaterThanTheRetryIntervalIsNotAnAnswer() {
        table.resolve(A, now);

        assertThat(table.learn(A, FOREIGN_MAC, true, now + RETRY)).isEqualTo(NeighbourTable.UNSOLICITED);

        assertThat(table.lookup(A)).isEqualTo(NeighbourTable.UNKNOWN);
        assertThat(table.resolve(A, now + RETRY)).as("asked again").isEqualTo(NeighbourTable.SEND_REQUEST);
        assertThat(table.learn(A, MAC_A, true, now + RETRY + 1)).isEqualTo(NeighbourTable.LEARNED);
    }

    @Test
    void aStaleMacStaysInUseWhileItsRefreshIsOutstanding() {
        table.confirm(A, MAC_A, now);
        assertThat(table.resolve(A, now + REACHABLE - 1)).isEqualTo(NeighbourTable.NO_REQUEST);

        assertThat(table.resolve(A, now + REACHABLE)).isEqualTo(NeighbourTable.SEND_REQUEST);

        assertThat(table.lookup(A)).isEqualTo(MAC_A);
        assertThat(table.learn(A, MAC_B, true, now + REACHABLE + 1)).isEqualTo(NeighbourTable.LEARNED);
        assertThat(table.lookup(A)).as("a real change, learned from our own probe").isEqualTo(MAC_B);
    }

    @Test
    void aStaticEntryIsNeverRequestedOverwrittenOrReused() {
        table.putStatic(A, MAC_A);

        assertThat(table.resolve(A, now)).isEqualTo(NeighbourTable.NO_REQUEST);
        assertThat(table.resolve(A, now + 1_000 * REACHABLE)).isEqualTo(NeighbourTable.NO_REQUEST);
        assertThat(table.learn(A, FOREIGN_MAC, true, now)).isEqualTo(NeighbourTable.UNSOLICITED);
        table.confirm(A, FOREIGN_MAC, now);

        assertThat(table.lookup(A)).isEqualTo(MAC_A);
        assertThat(table.isStatic(A)).isTrue();
    }

    @Test
    void aNewAddressFindsNoRoomRatherThanTakeAnEntryInUse() {
        NeighbourTable small = new NeighbourTable(16, REACHABLE, RETRY); // one probe run: the whole table
        for (int i = 0; i < 16; i++) {
            assertThat(small.resolve(A + i, now)).isEqualTo(NeighbourTable.SEND_REQUEST);
            small.learn(A + i, MAC_A + i, true, now);
        }

        assertThat(small.resolve(B + 100, now + 1)).isEqualTo(NeighbourTable.TABLE_FULL);

        for (int i = 0; i < 16; i++) {
            assertThat(small.lookup(A + i)).isEqualTo(MAC_A + i);
        }
        assertThat(small.size()).isEqualTo(16);
    }

    @Test
    void aNewAddressTakesTheSlotOfTheEntryUnwantedForLongest() {
        NeighbourTable small = new NeighbourTable(16, REACHABLE, RETRY);
        for (int i = 0; i < 16; i++) {
            small.confirm(A + i, MAC_A + i, now);
        }
        long later = now + REACHABLE;
        for (int i = 1; i < 16; i++) {
            small.resolve(A + i, later); // still a backend of an installed service: wanted every tick
        }

        assertThat(small.resolve(B + 100, later)).isEqualTo(NeighbourTable.SEND_REQUEST);

        assertThat(small.lookup(A)).as("unwanted for the reachable time: reused").isEqualTo(NeighbourTable.UNKNOWN);
        for (int i = 1; i < 16; i++) {
            assertThat(small.lookup(A + i)).isEqualTo(MAC_A + i);
        }
    }

    @Test
    void staticEntriesThatDoNotFitAreRefusedByName() {
        NeighbourTable small = new NeighbourTable(16, REACHABLE, RETRY);
        for (int i = 0; i < 16; i++) {
            small.putStatic(A + i, MAC_A + i);
        }

        assertThatThrownBy(() -> small.putStatic(B + 100, MAC_B)).isInstanceOf(IllegalStateException.class)
                .hasMessage("neighbour table: no room for static neighbour 10.0.0.211 (more than 16 addresses "
                        + "collide)");
    }

    /**
     * The owner moves one slot back and forth between A at MAC_A and B at MAC_B (each takeover is legal: the other
     * address went unwanted for the reachable time) while another thread looks both up: it must see each address with
     * its own MAC or unknown, never with the other's.
     */
    @Test
    void aReaderNeverSeesOneAddressWithAnothersMac() throws Exception {
        NeighbourTable one = new NeighbourTable(1, REACHABLE, RETRY);
        int writes = 200_000;
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicLong reads = new AtomicLong();
        AtomicLong torn = new AtomicLong();
        Thread reader = new Thread(() -> {
            try {
                start.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            long n = 0;
            long bad = 0;
            do { // until the writer is done: bounded by its iterations
                long a = one.lookup(A);
                long b = one.lookup(B);
                bad += (a == MAC_A || a == NeighbourTable.UNKNOWN) && (b == MAC_B || b == NeighbourTable.UNKNOWN)
                        ? 0 : 1;
                n++;
            } while (!Thread.currentThread().isInterrupted());
            reads.set(n);
            torn.set(bad);
        }, "neighbour-reader");
        reader.start();
        start.await();
        long t = now;
        for (int i = 0; i < writes; i++) {
            t += REACHABLE;
            if ((i & 1) == 0) {
                one.confirm(A, MAC_A, t);
            } else {
                one.confirm(B, MAC_B, t);
            }
        }
        reader.interrupt();
        reader.join();

        assertThat(reads.get()).isPositive();
        assertThat(torn.get()).as("lookups that saw an address with the other's MAC").isZero();
        assertThat(one.lookup(B)).isEqualTo(MAC_B);
    }
}
