import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** Deterministic work over the JVM's intrinsics and vectorized loops; prints one digest per kind. */
public class Check {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args.length > 0 ? args[0] : "30");
        Random r = new Random(42);
        byte[] data = new byte[1 << 20];
        r.nextBytes(data);
        MessageDigest acc = MessageDigest.getInstance("SHA-256");
        long crc = 0, crcc = 0, adl = 0, vec = 0, str = 0, mth = 0, big = 0, b64 = 0, aes = 0, sha = 0, arr = 0;
        for (int round = 0; round < rounds; round++) {
            int off = round * 997 % 4096, len = data.length - off - round;
            CRC32 c = new CRC32(); c.update(data, off, len); crc = crc * 31 + c.getValue();
            CRC32C cc = new CRC32C(); cc.update(data, off, len); crcc = crcc * 31 + cc.getValue();
            Adler32 a = new Adler32(); a.update(data, off, len); adl = adl * 31 + a.getValue();
            for (String alg : new String[] {"MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256"}) {
                sha = sha * 31 + Arrays.hashCode(MessageDigest.getInstance(alg).digest(Arrays.copyOfRange(data, off, off + 65536)));
            }
            int[] x = new int[4096], y = new int[4096];
            float[] f = new float[4096];
            double[] d = new double[4096];
            for (int i = 0; i < x.length; i++) { x[i] = data[i + off] * 7919 + round; y[i] = data[i + 1] ^ round; }
            for (int i = 0; i < x.length; i++) { x[i] = (x[i] * y[i] + (x[i] >>> 3)) ^ (y[i] << 2); f[i] = x[i] * 0.5f + y[i]; d[i] = f[i] * 1.25 - x[i]; }
            long s = 0; for (int i = 0; i < x.length; i++) { s += x[i] + (long) Float.floatToIntBits(f[i]) + Double.doubleToLongBits(d[i]); }
            vec = vec * 31 + s;
            for (int i = 0; i < 512; i++) {
                double v = (data[i + off] + 129) / 37.0 + round;
                mth = mth * 31 + Double.doubleToLongBits(Math.sin(v) + Math.cos(v) + Math.tan(v) + Math.exp(v / 10) + Math.log(v) + Math.log10(v) + Math.pow(v, 1.7) + Math.sqrt(v) + Math.fma(v, v, 1) + Math.cbrt(v));
            }
            String t = new String(data, off, 8192, StandardCharsets.ISO_8859_1);
            String u = new String(data, off + 1, 8192, StandardCharsets.UTF_8);
            str = str * 31 + t.hashCode() + u.hashCode() + t.indexOf(t.substring(4000, 4008)) + u.compareTo(t) + t.toUpperCase().hashCode()
                    + new String(t.getBytes(StandardCharsets.UTF_16), StandardCharsets.UTF_16).hashCode() + (t.equals(new String(t.toCharArray())) ? 1 : 0)
                    + t.indexOf('z') + u.lastIndexOf('a') + Arrays.hashCode(u.getBytes(StandardCharsets.UTF_8));
            byte[] copy = Arrays.copyOfRange(data, off, off + 100000);
            copy[round * 1000 + 7] ^= 1;
            arr = arr * 31 + Arrays.mismatch(copy, Arrays.copyOfRange(data, off, off + 100000)) + Arrays.hashCode(Arrays.copyOf(x, 1000)) + (Arrays.equals(copy, data) ? 1 : 0);
            Arrays.sort(x); arr = arr * 31 + Arrays.hashCode(x);
            byte[] enc = Base64.getEncoder().encode(Arrays.copyOfRange(data, off, off + 30000));
            b64 = b64 * 31 + Arrays.hashCode(enc) + Arrays.hashCode(Base64.getDecoder().decode(enc));
            BigInteger p = new BigInteger(2048, new Random(round)), q = new BigInteger(1024, new Random(round + 1000));
            big = big * 31 + p.multiply(q).hashCode() + p.modPow(q, p.add(BigInteger.ONE).setBit(0)).hashCode() + p.mod(q).hashCode() + p.pow(3).bitCount();
            SecretKeySpec key = new SecretKeySpec(Arrays.copyOf(data, 16), "AES");
            Cipher g = Cipher.getInstance("AES/GCM/NoPadding"); g.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, Arrays.copyOfRange(data, 16, 28)));
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding"); ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(Arrays.copyOfRange(data, 32, 48)));
            Cipher cbc = Cipher.getInstance("AES/CBC/NoPadding"); cbc.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(Arrays.copyOfRange(data, 32, 48)));
            byte[] chunk = Arrays.copyOfRange(data, off, off + 65536);
            aes = aes * 31 + Arrays.hashCode(g.doFinal(chunk)) + Arrays.hashCode(ctr.doFinal(chunk)) + Arrays.hashCode(cbc.doFinal(chunk));
        }
        String[] names = {"crc32", "crc32c", "adler32", "digests", "vector-loops", "math", "strings", "arrays", "base64", "biginteger", "aes"};
        long[] values = {crc, crcc, adl, sha, vec, mth, str, arr, b64, big, aes};
        for (int i = 0; i < names.length; i++) System.out.println(names[i] + " " + Long.toHexString(values[i]));
    }
}
