package jp.securetoken.api;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The JAHIS capabilities one token offers, and for those it lacks, why (when the token knows). Every
 * capability not in the set is absent, and an operation that needs it fails with
 * {@link CapabilityNotSupportedException}, carrying the reason.
 *
 * @param supported      the capabilities the token offers
 * @param absenceReasons for absent capabilities, a sentence saying why (e.g. "the My Number Card's
 *                       certificates are written only at the municipal office"); no entry for present ones
 */
public record TokenCapabilities(Set<JahisCapability> supported, Map<JahisCapability, String> absenceReasons) {

    public TokenCapabilities {
        supported = supported.isEmpty()
                ? Collections.unmodifiableSet(EnumSet.noneOf(JahisCapability.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(supported));
        EnumMap<JahisCapability, String> reasons = new EnumMap<>(JahisCapability.class);
        for (Map.Entry<JahisCapability, String> e : absenceReasons.entrySet()) {
            if (!supported.contains(e.getKey())) {
                reasons.put(e.getKey(), e.getValue());
            }
        }
        absenceReasons = Collections.unmodifiableMap(reasons);
    }

    /** Capabilities without reasons for the absent ones. */
    public TokenCapabilities(Set<JahisCapability> supported) {
        this(supported, Map.of());
    }

    public static TokenCapabilities of(JahisCapability... capabilities) {
        EnumSet<JahisCapability> set = EnumSet.noneOf(JahisCapability.class);
        Collections.addAll(set, capabilities);
        return new TokenCapabilities(set);
    }

    /** A copy that says why {@code capability} is absent; ignored when the capability is present. */
    public TokenCapabilities absentBecause(JahisCapability capability, String reason) {
        EnumMap<JahisCapability, String> reasons = new EnumMap<>(JahisCapability.class);
        reasons.putAll(absenceReasons);
        reasons.put(capability, reason);
        return new TokenCapabilities(supported, reasons);
    }

    public boolean supports(JahisCapability capability) {
        return supported.contains(capability);
    }

    /** Why the token lacks {@code capability}; empty when it has it or does not say. */
    public Optional<String> whyAbsent(JahisCapability capability) {
        return Optional.ofNullable(absenceReasons.get(capability));
    }

    /** Throws unless the token offers {@code capability}. */
    public void require(JahisCapability capability, String token) throws CapabilityNotSupportedException {
        if (!supports(capability)) {
            throw new CapabilityNotSupportedException(capability, token, whyAbsent(capability).orElse(null));
        }
    }

    /** Mandatory capabilities of the given phase that this token lacks; empty for a conforming token. */
    public Set<JahisCapability> missingMandatory(JahisCapability.Phase phase) {
        EnumSet<JahisCapability> missing = EnumSet.noneOf(JahisCapability.class);
        for (JahisCapability c : JahisCapability.values()) {
            if (c.level(phase).orElse(null) == JahisCapability.Level.MANDATORY && !supports(c)) {
                missing.add(c);
            }
        }
        return missing;
    }
}
