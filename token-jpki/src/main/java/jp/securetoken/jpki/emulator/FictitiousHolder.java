package jp.securetoken.jpki.emulator;

import java.time.LocalDate;
import java.util.Objects;

/**
 * The personal data an emulated signature certificate carries, as a real JPKI signature certificate
 * carries the holder's name, address, birth date and sex. Only ever fill it with invented data: the
 * emulator is for tests, and personal data never belongs in test fixtures or logs.
 *
 * @param name      the holder's name, e.g. {@code 試験 太郎}
 * @param address   the registered address
 * @param birthDate the birth date
 * @param sex       the sex code as JPKI encodes it ({@code 1} male, {@code 2} female, {@code 3} other)
 */
public record FictitiousHolder(String name, String address, LocalDate birthDate, int sex) {

    public FictitiousHolder {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(birthDate, "birthDate");
        if (sex < 1 || sex > 3) {
            throw new IllegalArgumentException("sex code must be 1, 2 or 3, got " + sex);
        }
    }

    /** An invented holder living at an invented address. */
    public static FictitiousHolder example() {
        return new FictitiousHolder("試験 太郎", "東京都千代田区試験町一丁目1番1号", LocalDate.of(1980, 4, 1), 1);
    }

    @Override
    public String toString() {
        return "FictitiousHolder[redacted]";
    }
}
