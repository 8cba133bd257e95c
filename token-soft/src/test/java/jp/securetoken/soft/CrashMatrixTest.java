package jp.securetoken.soft;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash matrix ({@link CrashMatrix}): the build runs a sample (two points per write kind);
 * {@code scripts/crash-matrix.sh} runs every point ({@code -Dcrash.matrix=full}) and prints the
 * table, which is also written to {@code target/crash-matrix.txt}.
 */
class CrashMatrixTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void everyInterruptedWriteLeavesAnOpenableTokenWithTheOldOrTheNewStateAndNoCounterLost() throws Exception {
        boolean full = "full".equals(System.getProperty("crash.matrix"));
        List<CrashMatrix.Point> points = full ? CrashMatrix.points() : CrashMatrix.sample();
        CrashMatrix matrix = new CrashMatrix(dir);
        List<String> lines = new ArrayList<>();
        lines.add(CrashMatrix.Row.header());
        int failed = 0;
        for (CrashMatrix.Point point : points) {
            CrashMatrix.Row row = matrix.run(point);
            lines.add(row.line());
            if (!row.ok()) {
                failed++;
            }
        }
        lines.add(points.size() + " points (" + points.stream().filter(CrashMatrix.Point::halt).count()
                + " Runtime.halt, " + points.stream().filter(p -> !p.halt()).count() + " kill -9), " + failed
                + " failed");
        String table = String.join("\n", lines) + "\n";
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", full ? "crash-matrix.txt" : "crash-matrix-sample.txt"), table);
        System.out.print(table);
        assertTrue(failed == 0, table);
    }
}
