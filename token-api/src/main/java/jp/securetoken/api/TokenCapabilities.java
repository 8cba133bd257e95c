package jp.securetoken.api;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The JAHIS capabilities one token offers. Every capability not in the set is absent, and an
 * operation that needs it fails with {@link CapabilityNotSupportedException}.
 *
 * @param supported the capabilities the token offers
 */
public record TokenCapabilities(Set<JahisCapability> supported) {

    public TokenCapabilities {
        supported = supported.isEmpty()
                ? Collections.unmodifiableSet(EnumSet.noneOf(JahisCapability.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(supported));
    }

    public static TokenCapabilities of(JahisCapability... capabilities) {
        EnumSet<JahisCapability> set = EnumSet.noneOf(JahisCapability.class);
        Collections.addAll(set, capabilities);
        return new TokenCapabilities(set);
    }

    public boolean supports(JahisCapability capability) {
        return supported.contains(capability);
    }

    /** Throws unless the token offers {@code capability}. */
    public void require(JahisCapability capability, String token) throws CapabilityNotSupportedException {
        if (!supports(capability)) {
            throw new CapabilityNotSupportedException(capability, token);
        }
    }

    /** Mandatory capabilities of the given phase that this token lacks; empty for a conforming token. */
    public Set<JahisCapability> missingMandatory(JahisCapability.Phase phase) {
        EnumSet<JahisCapability> missing = EnumSet.noneOf(JahisCapability.class);
        for (JahisCapability c : JahisCapability.values()) {
            if (c.phase() == phase && c.level() == JahisCapability.Level.MANDATORY && !supports(c)) {
                missing.add(c);
            }
        }
        return missing;
    }
}
