package org.iomux.examples;

import org.iomux.NativeBuffer;
import org.iomux.SharedLayout;
import org.iomux.SharedMemory;
import org.iomux.SharedMutex;

/**
 * README's cross-process example, verbatim from {@code SharedLayout layout} on: several JVMs, each
 * on any backend ({@code -Diomux.backend=jni|jnr|jna}), increment one counter in shared memory
 * under a robust, process-shared mutex; each prints the count when it is done, and the last one
 * the exact total. {@code shared-counter N [NAME]}: N increments in the shared-memory object NAME
 * ({@code /iomux-demo} by default; it persists, so a second run goes on counting until it is
 * removed: {@code rm /dev/shm/iomux-demo}).
 */
public final class SharedCounter {
    private SharedCounter() {}

    public static void main(String[] args) throws Exception {
        String name = args.length > 1 ? args[1] : "/iomux-demo";
        SharedLayout layout = SharedLayout.builder().mutex("lock").int64("counter").int64("busy").build();
        try (SharedMemory region = SharedMemory.openOrCreate(name, layout)) {
            SharedMutex mutex = region.mutex("lock");
            NativeBuffer m = region.memory();
            int counter = layout.offset("counter"), busy = layout.offset("busy");
            SharedMutex.Recovery repair = () -> {      // runs if the last holder died holding the lock
                System.out.println("owner died mid-update (busy=" + m.getLong(busy) + "); repaired");
                m.putLong(busy, 0);                    // an increment is atomic here: nothing else to undo
                return true;                           // consistent again (pthread_mutex_consistent)
            };
            for (int i = 0; i < Integer.parseInt(args[0]); i++) {
                try (SharedMutex.Guard guard = mutex.lock(repair)) {
                    m.putLong(busy, 1);
                    m.putLong(counter, m.getLong(counter) + 1);
                    m.putLong(busy, 0);
                }
            }
            try (SharedMutex.Guard guard = mutex.lock(repair)) {
                System.out.println(region.backend().name() + " done, counter = " + m.getLong(counter));
            }
        }
    }
}
