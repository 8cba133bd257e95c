package jp.securetoken.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenCapabilitiesTest {

    @Test
    void aMissingCapabilityFailsWithItsJahisName() {
        TokenCapabilities caps = TokenCapabilities.of(JahisCapability.CREDENTIAL_STORAGE,
                JahisCapability.ENTITY_AUTHENTICATION);
        CapabilityNotSupportedException e = assertThrows(CapabilityNotSupportedException.class,
                () -> caps.require(JahisCapability.USER_DATA_STORAGE, "card"));
        assertEquals(JahisCapability.USER_DATA_STORAGE, e.capability());
        assertTrue(e.getMessage().contains("user data storage"), e.getMessage());
        assertTrue(e.getMessage().contains("(O, normal use)"), e.getMessage());
    }

    @Test
    void aPresentCapabilityPasses() {
        TokenCapabilities caps = TokenCapabilities.of(JahisCapability.SIGNATURE_GENERATION);
        assertDoesNotThrow(() -> caps.require(JahisCapability.SIGNATURE_GENERATION, "t"));
    }

    @Test
    void missingMandatoryListsOnlyMandatoryCapabilitiesOfThePhase() {
        TokenCapabilities citizenCard = TokenCapabilities.of(JahisCapability.CREDENTIAL_STORAGE,
                JahisCapability.ENTITY_AUTHENTICATION, JahisCapability.SIGNATURE_GENERATION);
        assertEquals(Set.of(), citizenCard.missingMandatory(JahisCapability.Phase.NORMAL_USE));
        assertEquals(EnumSet.of(JahisCapability.ISSUING_SERVER_AUTHENTICATION, JahisCapability.CREDENTIAL_WRITE_UPDATE),
                citizenCard.missingMandatory(JahisCapability.Phase.LIFECYCLE));
    }

    @Test
    void theLevelsAreTheGuidesLevels() {
        assertEquals(JahisCapability.Level.MANDATORY, JahisCapability.CREDENTIAL_STORAGE.level());
        assertEquals(JahisCapability.Level.CONDITIONAL, JahisCapability.SIGNATURE_GENERATION.level());
        assertEquals(JahisCapability.Level.OPTIONAL, JahisCapability.KEY_GENERATION.level());
        assertEquals(JahisCapability.Level.CONDITIONAL, JahisCapability.REMOTE_WRITE_UPDATE.level());
        assertEquals(JahisCapability.Phase.LIFECYCLE, JahisCapability.ISSUING_SERVER_AUTHENTICATION.phase());
    }
}
