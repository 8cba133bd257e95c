package jp.securetoken.jpki.emulator;

import java.util.regex.Pattern;

/** The two PINs of a JPKI card, with the format and try limit the card enforces for each. */
public enum JpkiPinRole {
    /** The user-authentication PIN: 4 digits, 3 tries. */
    AUTHENTICATION(0x0018, 0x0017, 3, Pattern.compile("[0-9]{4}")),
    /** The signature PIN: 6 to 16 characters A–Z and 0–9, 5 tries. */
    SIGNATURE(0x001B, 0x001A, 5, Pattern.compile("[A-Z0-9]{6,16}"));

    private final int pinFileId;
    private final int keyFileId;
    private final int maxTries;
    private final Pattern format;

    JpkiPinRole(int pinFileId, int keyFileId, int maxTries, Pattern format) {
        this.pinFileId = pinFileId;
        this.keyFileId = keyFileId;
        this.maxTries = maxTries;
        this.format = format;
    }

    /** The EF that VERIFY and CHANGE PIN act on after it is selected. */
    public int pinFileId() {
        return pinFileId;
    }

    /** The EF of the private key this PIN unlocks. */
    public int keyFileId() {
        return keyFileId;
    }

    /** How many wrong PINs in a row lock this PIN. */
    public int maxTries() {
        return maxTries;
    }

    /** Whether {@code pin} has the format the card accepts for this PIN (the caller uppercases). */
    public boolean accepts(String pin) {
        return pin != null && format.matcher(pin).matches();
    }
}
