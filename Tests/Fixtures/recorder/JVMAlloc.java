public class JVMAlloc {
    public static void main(String[] a) throws Exception {
        long total = Long.parseLong(a[0]) << 20; int live = Integer.parseInt(a[1]); int threads = Integer.parseInt(a[2]);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int seed = t;
            ts[t] = new Thread(() -> {
                Object[] keep = new Object[live / threads * 1024 / 256 + 1];
                long done = 0; int i = seed; long x = seed * 7919L + 1;
                while (done < total / threads) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                    int sz = 16 + (int)((x >>> 40) % 480);
                    byte[] b = new byte[sz]; b[0] = (byte)i; b[sz-1] = 1;
                    keep[(int)((x >>> 20) % keep.length)] = b;
                    done += sz + 16; i++;
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        if (a.length > 3) Thread.sleep(Long.parseLong(a[3]));
        // -Djvmalloc.maps=1: the process's own mapping and thread counts at the end, for tests
        // that compare a model against the real process rather than its recording.
        if (System.getProperty("jvmalloc.maps") != null) {
            long maps = 0;   // java.io only: java.nio would map libnio and libnet first
            try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.FileReader("/proc/self/maps"))) {
                while (r.readLine() != null) maps++;
            }
            String[] tasks = new java.io.File("/proc/self/task").list();
            System.out.println("maps " + maps + " threads " + (tasks == null ? 0 : tasks.length));
        }
    }
}
