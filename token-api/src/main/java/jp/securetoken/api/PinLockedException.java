package jp.securetoken.api;

/** The PIN is locked after too many failures. The token will not try it again until it is unlocked. */
public final class PinLockedException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final PinRole role;

    public PinLockedException(PinRole role, String howToUnlock) {
        super("The " + role.displayName() + " is locked after too many wrong entries; it was not tried. " + howToUnlock);
        this.role = role;
    }

    public PinRole role() {
        return role;
    }
}
