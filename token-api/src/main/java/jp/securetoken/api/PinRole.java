package jp.securetoken.api;

/** Whose PIN: the token's user, or its administrator (PKCS#11 security officer) who can unlock the user PIN. */
public enum PinRole {
    USER("user PIN"),
    ADMINISTRATOR("administrator PIN");

    private final String displayName;

    PinRole(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }
}
