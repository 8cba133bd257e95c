package jp.securetoken.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import jp.securetoken.api.JahisCapability.Level;
import jp.securetoken.api.JahisCapability.Phase;
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
        assertTrue(e.getMessage().contains("(O, normal use, 7.2.2 d)"), e.getMessage());
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
    void theLevelsAreTheGuidesLevelsInEachPhase() {
        assertEquals(Optional.of(Level.MANDATORY), JahisCapability.CREDENTIAL_STORAGE.level(Phase.NORMAL_USE));
        assertEquals(Optional.of(Level.MANDATORY), JahisCapability.CREDENTIAL_STORAGE.level(Phase.LIFECYCLE));
        assertEquals(Optional.of(Level.MANDATORY), JahisCapability.ENTITY_AUTHENTICATION.level(Phase.LIFECYCLE));
        assertEquals(Optional.of(Level.CONDITIONAL), JahisCapability.SIGNATURE_GENERATION.level(Phase.NORMAL_USE));
        assertEquals(Optional.empty(), JahisCapability.SIGNATURE_GENERATION.level(Phase.LIFECYCLE));
        assertEquals(Optional.of(Level.OPTIONAL), JahisCapability.USER_DATA_STORAGE.level(Phase.NORMAL_USE));
        assertEquals(Optional.of(Level.MANDATORY), JahisCapability.ISSUING_SERVER_AUTHENTICATION.level(Phase.LIFECYCLE));
        assertEquals(Optional.empty(), JahisCapability.ISSUING_SERVER_AUTHENTICATION.level(Phase.NORMAL_USE));
        assertEquals(Optional.of(Level.MANDATORY), JahisCapability.CREDENTIAL_WRITE_UPDATE.level(Phase.LIFECYCLE));
        assertEquals(Optional.of(Level.OPTIONAL), JahisCapability.KEY_GENERATION.level(Phase.LIFECYCLE));
        assertEquals(Optional.of(Level.CONDITIONAL), JahisCapability.REMOTE_WRITE_UPDATE.level(Phase.LIFECYCLE));
    }

    @Test
    void theClausesAreTheGuidesItems() {
        assertEquals(Optional.of("7.2.2 a"), JahisCapability.CREDENTIAL_STORAGE.clause(Phase.NORMAL_USE));
        assertEquals(Optional.of("7.2.3 a"), JahisCapability.CREDENTIAL_STORAGE.clause(Phase.LIFECYCLE));
        assertEquals(Optional.of("7.2.3 c"), JahisCapability.ISSUING_SERVER_AUTHENTICATION.clause(Phase.LIFECYCLE));
        assertEquals(Optional.of("7.2.3 f"), JahisCapability.REMOTE_WRITE_UPDATE.clause(Phase.LIFECYCLE));
        assertEquals(Optional.empty(), JahisCapability.KEY_GENERATION.clause(Phase.NORMAL_USE));
    }

    /** Each name as JAHIS 7.2.2 / 7.2.3 writes it (ver. 1.2; 8.2.3 spells two of them differently). */
    @Test
    void theJapaneseNamesAreThoseOfSection72() {
        assertEquals("クレデンシャル保管機能", JahisCapability.CREDENTIAL_STORAGE.japaneseName());
        assertEquals("セキュアトークンとエンティティ間の認証機能", JahisCapability.ENTITY_AUTHENTICATION.japaneseName());
        assertEquals("秘密鍵を用いた署名生成機能", JahisCapability.SIGNATURE_GENERATION.japaneseName());
        assertEquals("利用者データ保管機能", JahisCapability.USER_DATA_STORAGE.japaneseName());
        assertEquals("発行サーバの認証機能", JahisCapability.ISSUING_SERVER_AUTHENTICATION.japaneseName());
        assertEquals("クレデンシャルの書込み・更新機能", JahisCapability.CREDENTIAL_WRITE_UPDATE.japaneseName());
        assertEquals("鍵生成機能", JahisCapability.KEY_GENERATION.japaneseName());
        assertEquals("リモート書込み・更新機能", JahisCapability.REMOTE_WRITE_UPDATE.japaneseName());
    }

    @Test
    void missingMandatoryOfTheLifecycleIncludesStorageAndAuthentication() {
        TokenCapabilities none = TokenCapabilities.of();
        assertEquals(EnumSet.of(JahisCapability.CREDENTIAL_STORAGE, JahisCapability.ENTITY_AUTHENTICATION,
                JahisCapability.ISSUING_SERVER_AUTHENTICATION, JahisCapability.CREDENTIAL_WRITE_UPDATE),
                none.missingMandatory(Phase.LIFECYCLE));
    }

    @Test
    void theReasonForAnAbsentCapabilityTravelsWithTheError() {
        TokenCapabilities card = TokenCapabilities.of(JahisCapability.CREDENTIAL_STORAGE)
                .absentBecause(JahisCapability.CREDENTIAL_WRITE_UPDATE, "issued at the municipal office")
                .absentBecause(JahisCapability.CREDENTIAL_STORAGE, "ignored: it is present");
        assertEquals(Optional.of("issued at the municipal office"),
                card.whyAbsent(JahisCapability.CREDENTIAL_WRITE_UPDATE));
        assertEquals(Optional.empty(), card.whyAbsent(JahisCapability.CREDENTIAL_STORAGE));
        CapabilityNotSupportedException e = assertThrows(CapabilityNotSupportedException.class,
                () -> card.require(JahisCapability.CREDENTIAL_WRITE_UPDATE, "card"));
        assertTrue(e.getMessage().endsWith(": issued at the municipal office."), e.getMessage());
    }
}
