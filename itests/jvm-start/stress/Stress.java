/** Check's workload in two threads at once: many methods warming up through C1 to C2 while both threads run them. */
public class Stress {
    public static void main(String[] args) throws Exception {
        Thread[] t = new Thread[2];
        for (int i = 0; i < t.length; i++) {
            t[i] = new Thread(() -> { try { Check.main(new String[] {"6"}); } catch (Exception e) { throw new RuntimeException(e); } });
            t[i].start();
        }
        for (Thread x : t) x.join();
    }
}
