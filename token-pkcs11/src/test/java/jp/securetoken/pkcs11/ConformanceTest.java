package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jp.securetoken.api.JahisCapability.Level;
import jp.securetoken.api.SecureToken;
import jp.securetoken.pkcs11.Pkcs11Conformance.Item;
import jp.securetoken.pkcs11.Pkcs11Conformance.Verdict;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The JAHIS 8.2.4 report for SoftHSM2. */
class ConformanceTest {

    private static Map<String, Verdict> verdicts(Pkcs11Conformance report) {
        return report.items().stream().collect(Collectors.toMap(Item::function, Item::verdict));
    }

    @Test
    void softHsmMeetsEveryObservableFunctionOfTheTable() throws Exception {
        try (SecureToken token = SoftHsm.open("conformance")) {
            token.login(SoftHsm.userPin());
            Pkcs11Conformance report = Pkcs11Conformance.check(token);
            LoggerFactory.getLogger(ConformanceTest.class).info("\n{}", report.render());
            assertEquals(35, report.items().size(), "every function of the JAHIS table has a row");
            assertEquals(List.of("C_Finalize", "C_Logout", "C_GetObjectSize"),
                    report.items(Level.MANDATORY, Verdict.NOT_OBSERVED).stream().map(Item::function).toList());
            assertEquals(List.of(), report.items(Level.MANDATORY, Verdict.NOT_MET));
            assertEquals(5, report.items(Level.CONDITIONAL, Verdict.MET).size());
            assertEquals(Verdict.MET, verdicts(report).get("C_GenerateKeyPair"));
            assertEquals(Verdict.MET, verdicts(report).get("C_WaitForSlotEvent"));
            assertEquals(Verdict.MET, verdicts(report).get("C_Decrypt"));
            assertEquals(Verdict.MET, verdicts(report).get("C_EncryptFinal"));
            assertEquals(Verdict.MET, verdicts(report).get("C_CreateObject"));
            assertTrue(report.noMandatoryFailed());
            assertTrue(report.render().contains("SoftHSM"), report.render());
            assertTrue(token.userData().names().stream().noneMatch(n -> n.contains("conformance")),
                    "the probe object is gone");
        }
    }

    @Test
    void withoutLoginObjectCreationIsNotObserved() throws Exception {
        try (SecureToken token = SoftHsm.open("conformance")) {
            Map<String, Verdict> v = verdicts(Pkcs11Conformance.check(token));
            assertEquals(Verdict.NOT_OBSERVED, v.get("C_CreateObject"));
            assertEquals(Verdict.NOT_OBSERVED, v.get("C_Login"));
            assertEquals(Verdict.MET, v.get("C_GetMechanismList"));
            assertEquals(Verdict.ANNOUNCED, v.get("C_Sign"), "without login the flags are all there is");
        }
    }

    @Test
    void onlyPkcs11TokensHaveAReport() {
        assertThrows(IllegalArgumentException.class, () -> Pkcs11Conformance.check(null));
    }
}
