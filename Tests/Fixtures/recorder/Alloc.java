import java.util.*;
public class Alloc {
    public static void main(String[] args) {
        List<int[]> keep = new ArrayList<>();
        Map<String, Integer> m = new HashMap<>();
        long sum = 0;
        for (int i = 0; i < 200000; i++) {
            int[] a = new int[16 + (i % 64)];
            a[0] = i; sum += a.length;
            if (i % 10 == 0) keep.add(a);
            m.put("k" + (i % 5000), i);
        }
        System.out.println("kept " + keep.size() + " sum " + sum + " map " + m.size());
    }
}
